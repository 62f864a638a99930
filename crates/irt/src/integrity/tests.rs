use super::simulate::{Scenario, power};
use super::*;

fn cand(number: &str, seat: u32, answers: &[(&str, u8)], times: &[f64]) -> Candidate {
    let responses = answers
        .iter()
        .enumerate()
        .map(|(j, (v, s))| {
            let r = Response {
                value: v.to_string(),
                shown: None,
                position: j as u32 + 1,
                score: *s,
                at: times.get(j).copied(),
            };
            (format!("Q{j}@1"), r)
        })
        .collect();
    Candidate {
        number: number.into(),
        room: "P1".into(),
        seat: Some(seat),
        version: "0101".into(),
        responses,
    }
}

fn params() -> Vec<(String, ItemModel)> {
    // bare ids: matched to the export's `Q0@1`, … by id
    (0..6)
        .map(|j| (format!("Q{j}"), ItemModel::TwoPl { a: 1.0 + 0.1 * j as f64, b: -0.5 + 0.2 * j as f64 }))
        .collect()
}

/// EAP on 81 points over ±6 with a N(0, 1) prior, written out here.
fn eap(scores: &[u8], items: &[ItemModel]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for q in 0..81 {
        let t = -6.0 + 0.15 * q as f64;
        let l: f64 =
            items.iter().zip(scores).map(|(m, &s)| m.prob(t, s)).product::<f64>() * (-0.5 * t * t).exp();
        num += t * l;
        den += l;
    }
    num / den
}

#[test]
fn omega_follows_its_definition() {
    // key: A for every item; answers and scores
    let a = cand(
        "001",
        1,
        &[("A", 1), ("B", 0), ("A", 1), ("C", 0), ("", 0), ("A", 1)],
        &[10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
    );
    let b = cand(
        "002",
        2,
        &[("A", 1), ("B", 0), ("D", 0), ("C", 0), ("B", 0), ("A", 1)],
        &[12.0, 25.0, 31.0, 90.0, 55.0, 59.0],
    );
    let c = cand("003", 3, &[("B", 0), ("A", 1), ("A", 1), ("A", 1), ("A", 1), ("B", 0)], &[]);
    let d = cand("004", 4, &[("A", 1), ("C", 0), ("A", 1), ("A", 1), ("C", 0), ("A", 1)], &[]);
    let event = Event { candidates: vec![a, b, c, d], layouts: Default::default() };
    let r = screen(&event, &params(), &Options::default()).unwrap();
    assert_eq!(r.m, 3);
    assert_eq!(r.items_used, 6);
    let models: Vec<ItemModel> = params().into_iter().map(|p| p.1).collect();
    // one ability group (under 100 candidates): P(v | θ) = P(score(v) | θ) · n_v / n_score
    let counts = |j: usize, v: &str| {
        event.candidates.iter().filter(|c| c.responses[&format!("Q{j}@1")].value == v).count() as f64
    };
    let n_score = |j: usize, s: u8| {
        event.candidates.iter().filter(|c| c.responses[&format!("Q{j}@1")].score == s).count() as f64
    };
    let theta = |c: &Candidate| {
        eap(&(0..6).map(|j| c.responses[&format!("Q{j}@1")].score).collect::<Vec<_>>(), &models)
    };
    let omega = |copier: &Candidate, source: &Candidate| {
        let th = theta(copier);
        let (mut h, mut e, mut v) = (0.0, 0.0, 0.0);
        for j in 0..6 {
            let rs = &source.responses[&format!("Q{j}@1")];
            if rs.value.is_empty() {
                continue;
            }
            let p = models[j].prob(th, rs.score) * counts(j, &rs.value) / n_score(j, rs.score);
            e += p;
            v += p * (1.0 - p);
            h += (copier.responses[&format!("Q{j}@1")].value == rs.value) as u8 as f64;
        }
        (h - e) / f64::sqrt(v)
    };
    let pair = r.pairs.iter().find(|p| p.a == "001" && p.b == "002").unwrap();
    let (ab, ba) = (
        omega(&event.candidates[0], &event.candidates[1]),
        omega(&event.candidates[1], &event.candidates[0]),
    );
    assert!((pair.evidence.omega_a_from_b - ab).abs() < 1e-6, "{pair:?} {ab}");
    assert!((pair.evidence.omega_b_from_a - ba).abs() < 1e-6, "{pair:?} {ba}");
    let phi = |z: f64| {
        0.5 * crate::stats::gamma_q(0.5, z * z / 2.0) * if z > 0.0 { 1.0 } else { -1.0 }
            + if z > 0.0 { 0.0 } else { 1.0 }
    };
    let p_expected = (2.0 * phi(ab.max(ba))).min(1.0);
    assert!((pair.p - p_expected).abs() < 1e-9, "{} {p_expected}", pair.p);
    assert!((pair.p_adjusted - (3.0 * pair.p).min(1.0)).abs() < 1e-12);
    assert_eq!(pair.index, ab.max(ba));
    // identical answers: items 0, 1, 3, 5 (the blank does not count); wrong ones: 1 and 3
    assert_eq!((pair.evidence.matches, pair.evidence.identical_wrong), (4, 2));
    // within 10 s: items 0 (2 s), 1 (5 s), 5 (1 s); 001 first on 0, 1 and 3, 002 first on 5
    assert_eq!((pair.evidence.together, pair.evidence.a_first, pair.evidence.b_first), (3, 3, 1));
    assert_eq!(pair.evidence.matches_shown, None);
    // timing: the only differing timed answers of the event's neighbours are item 2 of this pair,
    // 1 s apart, so q = (1 + ½)/(1 + 1); P(Bin(4, ¾) ≥ 3) = 4·¾³·¼ + ¾⁴
    assert_eq!(pair.evidence.timed_matches, 4);
    assert!((pair.evidence.together_rate - 0.75).abs() < 1e-12);
    assert!((pair.evidence.p_timing - (4.0 * 0.75f64.powi(3) * 0.25 + 0.75f64.powi(4))).abs() < 1e-12);
    let x = -2.0 * (pair.p.ln() + pair.evidence.p_timing.ln());
    assert!((pair.p_with_timing - (-x / 2.0).exp() * (1.0 + x / 2.0)).abs() < 1e-12);
    assert_eq!(r.rooms.len(), 1);
    assert_eq!((r.rooms[0].candidates, r.rooms[0].pairs), (4, 3));
}

#[test]
fn refusals_name_the_problem() {
    let event = Event { candidates: vec![cand("001", 1, &[("A", 1)], &[])], layouts: Default::default() };
    let other = vec![("X9".to_string(), ItemModel::TwoPl { a: 1.0, b: 0.0 })];
    let e = screen(&event, &other, &Options::default()).unwrap_err().to_string();
    assert!(e.contains("no item of the raw export has parameters"), "{e}");
    let e = screen(&event, &params(), &Options { alpha: 0.0, ..Default::default() }).unwrap_err().to_string();
    assert!(e.contains("alpha"), "{e}");
}

/// A small version of the benchmark (docs/benchmarks.md): under independence ω is close to
/// N(0, 1) (the screen's p-values mean what they say), planted pairs stand out, and clean pairs
/// stay unflagged at α = 0.001.
#[test]
fn planted_copiers_stand_out_in_simulated_rooms() {
    let s = Scenario { rooms: 40, copier_share: 0.4, collusion_share: 0.2, seed: 5, ..Default::default() };
    let (event, params, planted) = super::simulate::simulate(&s);
    let r = screen(&event, &params, &Options::default()).unwrap();
    // a 4 × 6 room has 4·5 + 3·6 + 2·3·5 = 68 neighbour pairs
    assert_eq!(r.m, 40 * 68);
    let index: HashMap<&str, usize> =
        event.candidates.iter().enumerate().map(|(i, c)| (c.number.as_str(), i)).collect();
    let (mut clean, mut copied) = (Vec::new(), Vec::new());
    for p in &r.pairs {
        let (i, j) = (index[p.a.as_str()], index[p.b.as_str()]);
        if planted.contains_key(&(i.min(j), i.max(j))) {
            copied.push(p.index);
        } else {
            clean.extend([p.evidence.omega_a_from_b, p.evidence.omega_b_from_a]);
            assert!(!p.flagged, "{p:?}");
        }
    }
    assert!(copied.len() >= 20, "{}", copied.len());
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (m0, m1) = (mean(&clean), mean(&copied));
    let sd = (clean.iter().map(|x| (x - m0).powi(2)).sum::<f64>() / clean.len() as f64).sqrt();
    assert!(m0.abs() < 0.15 && (sd - 1.0).abs() < 0.15, "clean ω: mean {m0}, sd {sd}");
    assert!(m1 > 3.0, "planted ω: mean {m1}");
    let report = power(&s, &Options::default()).unwrap();
    assert_eq!((report.candidates, report.false_positives), (40 * 24, 0));
    // copiers who answer seconds after their neighbour: the timing test finds most of them
    assert!(report.power_with_timing >= 0.8 && report.false_positives_with_timing <= 1, "{report:?}");
    assert_eq!(report.copier_pairs + report.collusion_pairs, copied.len());
}
