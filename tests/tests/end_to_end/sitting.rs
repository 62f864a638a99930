//! The candidates: each logs in over the websocket, learns its version (mã đề) from `welcome`,
//! answers every item of that version as a person of ability θ would under the bank's parameters
//! of the item (seeded), waits for each `ack`, and submits. The test keeps what each one sent and
//! scores it itself from the version's keys (THPT rules), independently of the server.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use khaothi_domain::form::VersionKey;
use khaothi_loadtest::candidate::CandidateSocket;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::bank::Exam;

/// How a candidate answers.
#[derive(Clone, Copy, Debug)]
pub enum Plan {
    /// As a person of ability `theta`: each item's score drawn from the item's category
    /// probabilities at θ, with this seed.
    Ability { theta: f64, seed: u64 },
    /// The hand-made paper of [`hand_made_score`]: in each section, by the position the items are
    /// shown, part I 7 right of 12; part II groups with 4, 3, 2 and 0 statements right; part III 4
    /// right, 1 wrong, 1 left blank.
    HandMade,
}

/// What a candidate did, and the test's own score of it.
#[derive(Clone, Debug)]
pub struct Sat {
    pub number: String,
    pub version: String,
    pub seat: Value,
    /// The answer sent (and acknowledged) for each item answered.
    pub answers: BTreeMap<String, Value>,
    /// Statements or answers right, per item of the version (0 when not answered): the
    /// calibration CSV's cells.
    pub right: BTreeMap<String, u8>,
    /// Points in hundredths per section (I, II, III), by the test's own scoring.
    pub sections: [u32; 3],
}

impl Sat {
    pub fn total(&self) -> u32 {
        self.sections.iter().sum()
    }
}

/// The hand-made candidate's points per section: 7 × 25; 100 + 50 + 25 + 0; 4 × 50.
pub fn hand_made_score() -> [u32; 3] {
    [175, 175, 200]
}

/// θ ~ N(0, 1) for candidate `n` of a run seeded `seed` (Box–Muller on a seeded generator).
pub fn ability(seed: u64, n: usize) -> f64 {
    let mut rng = StdRng::seed_from_u64(seed ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let (u1, u2): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Logs in by code (retrying while the event is not yet open on the node reached), answers and
/// submits.
pub async fn sit(
    ws_url: String,
    number: String,
    code: String,
    exam: Arc<Exam>,
    plan: Plan,
) -> Result<Sat, String> {
    let started = Instant::now();
    let (mut socket, welcome) = loop {
        let mut socket = CandidateSocket::connect(&ws_url).await?;
        match socket.login(&number, &code).await {
            Ok(w) => break (socket, w),
            Err(e) if e.contains("event_not_open") && started.elapsed() < Duration::from_secs(30) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(format!("{number}: login: {e}")),
        }
    };
    let version =
        welcome["version"].as_str().ok_or(format!("{number}: no version in {welcome}"))?.to_string();
    let mut sat = Sat {
        number: number.clone(),
        version: version.clone(),
        seat: welcome["candidate"]["seat"].clone(),
        answers: BTreeMap::new(),
        right: BTreeMap::new(),
        sections: [0; 3],
    };
    let mut rng = StdRng::seed_from_u64(match plan {
        Plan::Ability { seed, .. } => seed,
        Plan::HandMade => 0,
    });
    let mut position = [0usize; 3];
    let mut seq = 0;
    for item in welcome["items"].as_array().ok_or(format!("{number}: no items"))? {
        let id = item["id"].as_str().unwrap_or_default().to_string();
        let key =
            exam.keys.get(&(version.clone(), id.clone())).ok_or(format!("{id}: not on version {version}"))?;
        let section = exam.sections[&id] as usize;
        let wanted = match plan {
            Plan::Ability { theta, .. } => {
                Some(draw(&exam.models[&id].category_probabilities(theta), &mut rng))
            }
            Plan::HandMade => hand_made(section, position[section]),
        };
        position[section] += 1;
        let Some(k) = wanted else {
            sat.right.insert(id, 0);
            continue;
        };
        let value = answer_with(key, k, &mut rng);
        let right = score(key, &value);
        assert_eq!(right, k, "the test's answer for {id} scores what it was meant to");
        seq += 1;
        let ack = socket.answer(seq, &id, value.clone()).await.map_err(|e| format!("{number} {id}: {e}"))?;
        if ack["seq"] != json!(seq) {
            return Err(format!("{number}: ack {ack} for seq {seq}"));
        }
        sat.sections[section] += points(key, right);
        sat.right.insert(id.clone(), right);
        sat.answers.insert(id, value);
    }
    socket.send(json!({"type": "submit"})).await?;
    socket
        .expect("submitted", Duration::from_secs(20))
        .await
        .map_err(|e| format!("{number}: submit: {e}"))?;
    Ok(sat)
}

/// The hand-made paper's statements/answers right at `position` of `section`; `None`: left blank.
fn hand_made(section: usize, position: usize) -> Option<u8> {
    match section {
        0 => Some(u8::from(position < 7)),
        1 => Some([4, 3, 2, 0][position % 4]),
        _ => match position {
            0..=3 => Some(1),
            4 => Some(0),
            _ => None,
        },
    }
}

/// A category drawn from its probabilities.
fn draw(p: &[f64], rng: &mut StdRng) -> u8 {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (k, pk) in p.iter().enumerate() {
        acc += pk;
        if u < acc {
            return k as u8;
        }
    }
    (p.len() - 1) as u8
}

/// An answer with `k` right: the shown key letter or another one; `k` statements as the key says
/// and the others flipped; the accepted short answer or a number far from every accepted one.
fn answer_with(key: &VersionKey, k: u8, rng: &mut StdRng) -> Value {
    match key {
        VersionKey::SingleChoice(c) => {
            let letters = ["A", "B", "C", "D"];
            let right = letters[c.index()];
            if k == 1 {
                return json!(right);
            }
            let wrong: Vec<&str> = letters.into_iter().filter(|l| *l != right).collect();
            json!(wrong[rng.random_range(0..wrong.len())])
        }
        VersionKey::TrueFalseGroup(keys) => {
            let mut order: Vec<usize> = (0..keys.len()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, rng.random_range(0..=i));
            }
            let mut value: Vec<bool> = keys.iter().map(|b| !b).collect();
            for &i in &order[..k as usize] {
                value[i] = keys[i];
            }
            json!(value)
        }
        VersionKey::ShortAnswer(a) => {
            if k == 1 {
                return json!(a.accepted[0]);
            }
            let wrong = if a.accepted.iter().any(|x| x == "9999") { "-999" } else { "9999" };
            json!(wrong)
        }
    }
}

/// Statements or answers right (the calibration CSV's cell), compared by the test itself.
pub fn score(key: &VersionKey, value: &Value) -> u8 {
    match key {
        VersionKey::SingleChoice(c) => u8::from(value.as_str() == Some(["A", "B", "C", "D"][c.index()])),
        VersionKey::TrueFalseGroup(keys) => {
            let given = value.as_array().map(Vec::as_slice).unwrap_or_default();
            keys.iter().zip(given).filter(|(k, v)| v.as_bool() == Some(**k)).count() as u8
        }
        VersionKey::ShortAnswer(a) => u8::from(a.accepted.iter().any(|x| value.as_str() == Some(x.as_str()))),
    }
}

/// THPT mathematics points in hundredths: 0.25 a single choice; a group's point split 0.1, 0.25,
/// 0.5, 1 by statements right; 0.5 a short answer (docs/formats.md, "Scoring").
fn points(key: &VersionKey, right: u8) -> u32 {
    match key {
        VersionKey::SingleChoice(_) => 25 * u32::from(right),
        VersionKey::TrueFalseGroup(_) => [0, 10, 25, 50, 100][usize::from(right.min(4))],
        VersionKey::ShortAnswer(_) => 50 * u32::from(right),
    }
}
