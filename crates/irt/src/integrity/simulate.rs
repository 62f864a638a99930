//! Simulated examination rooms with planted copiers, to measure the screen's power and false
//! positives (`examples/integrity_power.rs`, docs/benchmarks.md; a small run is a test).
//!
//! Each room has `rows × columns` seats, every seat taken, versions assigned by seat
//! (`(seat − 1) mod versions`) so neighbours sit different versions; each version shows the items
//! in its own order with the four options in its own order. A candidate answers item `j` right
//! with the 2PL probability, otherwise picks a distractor with nominal-model weights
//! `exp(d_k θ + e_k)` (so distractor shares depend on ability, as in real data), and leaves 2 % of
//! items blank. Answers arrive one by one in shown order, ~60 s apart.
//!
//! Planted: in `copier_share` of the rooms one candidate copies a random 30–50 % of a random
//! neighbour's answers (the same bank option, 3–20 s after the neighbour); in `collusion_share`
//! of the rooms three mutually adjacent candidates take the first one's answers on a random 40 %
//! of the items. The screen is given the true 2PL parameters.

use std::collections::{BTreeMap, HashMap, HashSet};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use super::input::{Candidate, Event, Response};
use super::{Options, screen, seats};
use crate::error::IrtError;
use crate::model::ItemModel;

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub rooms: usize,
    pub rows: u32,
    pub columns: u32,
    pub items: usize,
    pub versions: usize,
    pub copier_share: f64,
    pub collusion_share: f64,
    pub seed: u64,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            rooms: 100,
            rows: 4,
            columns: 6,
            items: 40,
            versions: 4,
            copier_share: 0.3,
            collusion_share: 0.1,
            seed: 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerReport {
    pub rooms: usize,
    pub candidates: usize,
    pub items: usize,
    pub alpha: f64,
    pub m: usize,
    pub copier_pairs: usize,
    pub copier_pairs_flagged: usize,
    pub collusion_pairs: usize,
    pub collusion_pairs_flagged: usize,
    pub power: f64,
    pub clean_pairs: usize,
    pub false_positives: usize,
    pub false_positive_rate: f64,
    /// The same with `flagged_with_timing` (ω combined with the timing test).
    pub planted_flagged_with_timing: usize,
    pub power_with_timing: f64,
    pub false_positives_with_timing: usize,
    pub false_positive_rate_with_timing: f64,
}

struct Item {
    model: ItemModel,
    key: usize,
    /// Distractor (slope, intercept) for the three wrong options, in bank order without the key.
    distractors: [(f64, f64); 3],
}

const LETTERS: [&str; 4] = ["A", "B", "C", "D"];

fn items(n: usize, rng: &mut ChaCha8Rng) -> Vec<Item> {
    let normal = Normal::new(0.0, 1.0).expect("valid");
    (0..n)
        .map(|_| {
            let a = rng.random_range(0.7..2.0);
            let b = Distribution::<f64>::sample(&normal, rng).clamp(-2.0, 2.0);
            let d = [0; 3].map(|_| (rng.random_range(-1.0..0.5), rng.random_range(-1.0..1.0)));
            Item { model: ItemModel::TwoPl { a, b }, key: rng.random_range(0..4), distractors: d }
        })
        .collect()
}

/// One candidate's own answer (bank letter, or empty) to an item.
fn answer(it: &Item, theta: f64, rng: &mut ChaCha8Rng) -> String {
    if rng.random::<f64>() < 0.02 {
        return String::new();
    }
    if rng.random::<f64>() < it.model.prob(theta, 1) {
        return LETTERS[it.key].into();
    }
    let w: Vec<f64> = it.distractors.iter().map(|(d, e)| (d * theta + e).exp()).collect();
    let mut u = rng.random::<f64>() * w.iter().sum::<f64>();
    let wrong: Vec<usize> = (0..4).filter(|&k| k != it.key).collect();
    for (k, wk) in wrong.iter().zip(&w) {
        if u < *wk {
            return LETTERS[*k].into();
        }
        u -= wk;
    }
    LETTERS[wrong[2]].into()
}

/// The simulated event, the true parameters and the planted pairs (candidate indices, `i < j`,
/// with `true` for collusion).
pub fn simulate(s: &Scenario) -> (Event, Vec<(String, ItemModel)>, HashMap<(usize, usize), bool>) {
    let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
    let its = items(s.items, &mut rng);
    let ids: Vec<String> = (1..=s.items).map(|j| format!("Q{j:03}@1")).collect();
    // per version: shown item order and each item's option order (shown k = bank order[k])
    let versions: Vec<(Vec<usize>, Vec<Vec<usize>>)> = (0..s.versions.max(1))
        .map(|_| {
            let mut order: Vec<usize> = (0..s.items).collect();
            order.shuffle(&mut rng);
            let opts = (0..s.items)
                .map(|_| {
                    let mut o = vec![0, 1, 2, 3];
                    o.shuffle(&mut rng);
                    o
                })
                .collect();
            (order, opts)
        })
        .collect();
    let normal = Normal::new(0.0, 1.0).expect("valid");
    let seats_per_room = s.rows * s.columns;
    let mut candidates = Vec::new();
    let mut layouts = HashMap::new();
    let mut planted = HashMap::new();
    for room in 0..s.rooms {
        let name = format!("P{:03}", room + 1);
        layouts.insert(name.clone(), (s.rows, s.columns));
        let first = candidates.len();
        for seat in 1..=seats_per_room {
            let theta: f64 = normal.sample(&mut rng);
            let v = (seat as usize - 1) % versions.len();
            let (order, opts) = &versions[v];
            let mut responses = BTreeMap::new();
            let mut t = 0.0;
            for (pos, &j) in order.iter().enumerate() {
                t += rng.random_range(20.0..100.0);
                let value = answer(&its[j], theta, &mut rng);
                let resp = response(&value, &its[j], &opts[j], pos as u32 + 1, Some(t));
                responses.insert(ids[j].clone(), resp);
            }
            candidates.push(Candidate {
                number: format!("{:03}{:02}", room + 1, seat),
                room: name.clone(),
                seat: Some(seat),
                version: format!("{:04}", v + 1),
                responses,
            });
        }
        let u: f64 = rng.random();
        let room_cands: Vec<usize> = (first..candidates.len()).collect();
        let ctx = Plant { ids: &ids, its: &its, versions: &versions, layout: (s.rows, s.columns) };
        if u < s.copier_share {
            let (c, src) = ctx.copier(&mut candidates, &room_cands, &mut rng);
            planted.insert((c.min(src), c.max(src)), false);
        } else if u < s.copier_share + s.collusion_share {
            for pair in ctx.collusion(&mut candidates, &room_cands, &mut rng) {
                planted.insert(pair, true);
            }
        }
    }
    let params = ids.iter().zip(&its).map(|(id, it)| (id.clone(), it.model.clone())).collect();
    (Event { candidates, layouts }, params, planted)
}

fn response(value: &str, it: &Item, opts: &[usize], position: u32, at: Option<f64>) -> Response {
    let bank = LETTERS.iter().position(|l| *l == value);
    let shown = bank
        .and_then(|b| opts.iter().position(|&o| o == b))
        .map(|k| LETTERS[k].to_string())
        .unwrap_or_default();
    Response { value: value.into(), shown: Some(shown), position, score: (bank == Some(it.key)) as u8, at }
}

struct Plant<'a> {
    ids: &'a [String],
    its: &'a [Item],
    versions: &'a [(Vec<usize>, Vec<Vec<usize>>)],
    layout: (u32, u32),
}

impl Plant<'_> {
    /// `copier` takes `source`'s answers on `items`, a few seconds after the source.
    fn copy(
        &self,
        cands: &mut [Candidate],
        copier: usize,
        source: usize,
        items: &[usize],
        rng: &mut ChaCha8Rng,
    ) {
        let v: usize = cands[copier].version.parse::<usize>().expect("simulated") - 1;
        for &j in items {
            let src = cands[source].responses[&self.ids[j]].clone();
            if src.value.is_empty() {
                continue;
            }
            let mine = &cands[copier].responses[&self.ids[j]];
            let at = src.at.map(|t| t + rng.random_range(3.0..20.0));
            let r = response(&src.value, &self.its[j], &self.versions[v].1[j], mine.position, at);
            cands[copier].responses.insert(self.ids[j].clone(), r);
        }
    }

    fn copier(&self, cands: &mut [Candidate], room: &[usize], rng: &mut ChaCha8Rng) -> (usize, usize) {
        let c = room[rng.random_range(0..room.len())];
        let neighbours: Vec<usize> = room
            .iter()
            .copied()
            .filter(|&o| {
                seats::adjacent(cands[c].seat.unwrap_or(0), cands[o].seat.unwrap_or(0), Some(self.layout))
            })
            .collect();
        let src = neighbours[rng.random_range(0..neighbours.len())];
        let share = rng.random_range(0.3..=0.5);
        let mut items: Vec<usize> = (0..self.its.len()).collect();
        items.shuffle(rng);
        items.truncate((share * self.its.len() as f64).round() as usize);
        self.copy(cands, c, src, &items, rng);
        (c, src)
    }

    /// Three mutually adjacent seats (a 2 × 2 block's three corners) share the first one's answers.
    fn collusion(
        &self,
        cands: &mut [Candidate],
        room: &[usize],
        rng: &mut ChaCha8Rng,
    ) -> Vec<(usize, usize)> {
        let (rows, cols) = self.layout;
        let (r, c) = (rng.random_range(0..rows - 1), rng.random_range(0..cols - 1));
        let seat = |r: u32, c: u32| room[(r * cols + c) as usize];
        let group = [seat(r, c), seat(r, c + 1), seat(r + 1, c)];
        let mut items: Vec<usize> = (0..self.its.len()).collect();
        items.shuffle(rng);
        items.truncate((0.4 * self.its.len() as f64).round() as usize);
        self.copy(cands, group[1], group[0], &items, rng);
        self.copy(cands, group[2], group[0], &items, rng);
        let mut pairs = vec![];
        for x in 0..3 {
            for y in x + 1..3 {
                pairs.push((group[x].min(group[y]), group[x].max(group[y])));
            }
        }
        pairs
    }
}

/// Simulates `s`, screens it and counts the planted pairs found and the clean pairs flagged.
pub fn power(s: &Scenario, o: &Options) -> Result<PowerReport, IrtError> {
    let (event, params, planted) = simulate(s);
    let report = screen(&event, &params, o)?;
    let index: HashMap<&str, usize> =
        event.candidates.iter().enumerate().map(|(i, c)| (c.number.as_str(), i)).collect();
    let (mut cp, mut cpf, mut col, mut colf, mut clean, mut fp) = (0, 0, 0, 0, 0, 0);
    let (mut planted_t, mut fp_t) = (0, 0);
    let mut seen = HashSet::new();
    for p in &report.pairs {
        let (i, j) = (index[p.a.as_str()], index[p.b.as_str()]);
        let key = (i.min(j), i.max(j));
        seen.insert(key);
        if planted.contains_key(&key) {
            planted_t += p.flagged_with_timing as usize;
        } else {
            fp_t += p.flagged_with_timing as usize;
        }
        match planted.get(&key) {
            Some(false) => {
                cp += 1;
                cpf += p.flagged as usize;
            }
            Some(true) => {
                col += 1;
                colf += p.flagged as usize;
            }
            None => {
                clean += 1;
                fp += p.flagged as usize;
            }
        }
    }
    debug_assert!(planted.keys().all(|k| seen.contains(k)), "every planted pair is a neighbour pair");
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(PowerReport {
        rooms: s.rooms,
        candidates: event.candidates.len(),
        items: s.items,
        alpha: o.alpha,
        m: report.m,
        copier_pairs: cp,
        copier_pairs_flagged: cpf,
        collusion_pairs: col,
        collusion_pairs_flagged: colf,
        power: ratio(cpf + colf, cp + col),
        clean_pairs: clean,
        false_positives: fp,
        false_positive_rate: ratio(fp, clean),
        planted_flagged_with_timing: planted_t,
        power_with_timing: ratio(planted_t, cp + col),
        false_positives_with_timing: fp_t,
        false_positive_rate_with_timing: ratio(fp_t, clean),
    })
}
