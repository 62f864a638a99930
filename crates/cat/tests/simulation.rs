//! The engine against an independent implementation written here (EAP on its own grid, MFI with
//! the textbook 3PL information formula), the published-pool figures, Sympson–Hetter and
//! randomesque behaviour, and shadow tests meeting the THPT blueprint for every simulee.

use khaothi_cat::simulate::{SimulationOptions, simulate};
use khaothi_cat::{Design, Engine, Pool, PoolItem, State, Step, Stopping};
use khaothi_domain::{ItemKind, Level};
use khaothi_irt::ItemModel;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The independent reference: plain formulas, no code shared with the crate.
mod reference {
    #[derive(Clone, Copy)]
    pub struct Item {
        pub a: f64,
        pub b: f64,
        pub c: f64,
    }

    pub fn p(it: &Item, t: f64) -> f64 {
        it.c + (1.0 - it.c) / (1.0 + (-it.a * (t - it.b)).exp())
    }

    /// Birnbaum's 3PL information: a² (P − c)² Q / ((1 − c)² P).
    pub fn info(it: &Item, t: f64) -> f64 {
        let p = p(it, t);
        it.a * it.a * (p - it.c).powi(2) * (1.0 - p) / ((1.0 - it.c).powi(2) * p)
    }

    /// Posterior mean and SD under N(0, 1): 1,001 points on [−5, 5], plain products.
    pub fn eap(items: &[Item], answers: &[(usize, bool)]) -> (f64, f64) {
        let (mut w0, mut w1, mut w2) = (0.0, 0.0, 0.0);
        for q in 0..=1000 {
            let t = -5.0 + 0.01 * q as f64;
            let mut w = (-0.5 * t * t).exp();
            for &(j, right) in answers {
                let pj = p(&items[j], t);
                w *= if right { pj } else { 1.0 - pj };
            }
            w0 += w;
            w1 += w * t;
            w2 += w * t * t;
        }
        let m = w1 / w0;
        (m, (w2 / w0 - m * m).sqrt())
    }

    /// A fixed-length MFI test: answers decided by `u[j] < P_j(θ)`.
    pub fn cat(items: &[Item], theta: f64, u: &[f64], length: usize) -> (Vec<usize>, f64) {
        let mut answers: Vec<(usize, bool)> = Vec::new();
        let mut used = vec![false; items.len()];
        while answers.len() < length {
            let (est, _) = eap(items, &answers);
            let mut best = None;
            for j in 0..items.len() {
                if used[j] {
                    continue;
                }
                let v = info(&items[j], est);
                if best.is_none_or(|(_, bv)| v > bv) {
                    best = Some((j, v));
                }
            }
            let j = best.unwrap().0;
            used[j] = true;
            answers.push((j, u[j] < p(&items[j], theta)));
        }
        (answers.iter().map(|a| a.0).collect(), eap(items, &answers).0)
    }
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The published pool: a ~ U(0.85, 2.04) (U(0.5, 1.2) in the normal-ogive metric), b ~ U(−3, 3).
fn published(n: usize, seed: u64, c: f64) -> (Vec<reference::Item>, Pool) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let items: Vec<reference::Item> = (0..n)
        .map(|_| reference::Item { a: rng.random_range(0.85..2.04), b: rng.random_range(-3.0..3.0), c })
        .collect();
    let pool = items
        .iter()
        .enumerate()
        .map(|(j, it)| PoolItem {
            id: format!("P{j:03}"),
            kind: ItemKind::SingleChoice,
            topic: "1".into(),
            level: Level::Hieu,
            statement_levels: vec![],
            stimulus: None,
            enemies: vec![],
            irt: if c > 0.0 {
                ItemModel::ThreePl { a: it.a, b: it.b, c }
            } else {
                ItemModel::TwoPl { a: it.a, b: it.b }
            },
            exposure_k: 1.0,
        })
        .collect();
    (items, Pool::new(pool).unwrap())
}

#[test]
fn same_picks_and_estimates_as_the_independent_implementation() {
    let (items, pool) = published(120, 3, 0.2);
    let engine = Engine::new(pool, Design::fixed_length(12)).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let (mut same, total) = (0, 150);
    for _ in 0..total {
        let theta = normal(&mut rng);
        let u: Vec<f64> = (0..items.len()).map(|_| rng.random()).collect();
        let (ref_items, ref_theta) = reference::cat(&items, theta, &u, 12);
        let mut state = State::new();
        let (mut ours, est) = (
            Vec::new(),
            loop {
                let n = engine.next(&state, 1).unwrap();
                match n.step {
                    Step::Give { items: ids } => {
                        let j = engine.pool().position(&ids[0]).unwrap();
                        ours.push(j);
                        state.record(ids[0].clone(), (u[j] < reference::p(&items[j], theta)) as u8);
                    }
                    Step::Stop { .. } => break n.estimate,
                }
            },
        );
        if ours == ref_items {
            same += 1;
            assert!((est.theta - ref_theta).abs() < 1e-3, "{} vs {ref_theta}", est.theta);
        }
    }
    assert!(same >= total * 97 / 100, "{same} of {total} tests identical");
}

#[test]
fn published_pool_figures_and_randomesque() {
    let (items, pool) = published(300, 20, 0.0);
    let run = |design: Design| {
        let e = Engine::new(pool.clone(), design).unwrap();
        simulate(&e, &SimulationOptions { persons: 1000, seed: 4, theta_mean: 0.0, theta_sd: 1.0 }).unwrap()
    };
    let ten = run(Design::fixed_length(10));
    let twenty = run(Design::fixed_length(20));
    let rq5 = run(Design { randomesque: 5, ..Design::fixed_length(20) });
    assert!((0.30..0.40).contains(&ten.rmse), "10 items: {}", ten.rmse);
    assert!((0.21..0.29).contains(&twenty.rmse), "20 items: {}", twenty.rmse);
    assert!(rq5.rmse < 0.30, "randomesque-5: {}", rq5.rmse);
    assert!(rq5.max_exposure < twenty.max_exposure, "{} vs {}", rq5.max_exposure, twenty.max_exposure);
    assert!(rq5.overlap < twenty.overlap && rq5.unused_items < twenty.unused_items);
    assert_eq!((ten.mean_length, twenty.constraint_violations), (10.0, 0));
    assert!(twenty.bias.abs() < 0.05, "bias {}", twenty.bias);
    let n: usize = twenty.by_theta.iter().map(|b| b.n).sum();
    assert_eq!(n, 1000);
    assert!(twenty.by_theta.iter().all(|b| (b.to - b.from - 0.5).abs() < 1e-12));
    // the independent simulation on its own simulees: statistically the same RMSE
    let mut rng = ChaCha8Rng::seed_from_u64(77);
    let mut sq = 0.0;
    for _ in 0..1000 {
        let theta = normal(&mut rng);
        let u: Vec<f64> = (0..items.len()).map(|_| rng.random()).collect();
        sq += (reference::cat(&items, theta, &u, 10).1 - theta).powi(2);
    }
    let reference_rmse = (sq / 1000.0).sqrt();
    assert!((reference_rmse - ten.rmse).abs() < 0.04, "{reference_rmse} vs {}", ten.rmse);
}

#[test]
fn precision_stopping_gives_shorter_tests_where_the_pool_is_strong() {
    let (_, pool) = published(300, 21, 0.0);
    let design = Design {
        stop: Stopping::Precision { se: 0.3, min_length: 5, max_length: 30 },
        ..Design::fixed_length(1)
    };
    let e = Engine::new(pool, design).unwrap();
    let r =
        simulate(&e, &SimulationOptions { persons: 400, seed: 2, theta_mean: 0.0, theta_sd: 1.0 }).unwrap();
    assert!(r.mean_length > 5.0 && r.mean_length < 30.0, "{}", r.mean_length);
    assert!(r.rmse < 0.36, "{}", r.rmse);
    // same seed, same table; the table does not depend on the thread count
    let again = khaothi_irt::with_threads(1, || {
        simulate(&e, &SimulationOptions { persons: 400, seed: 2, theta_mean: 0.0, theta_sd: 1.0 }).unwrap()
    });
    assert_eq!(r, again);
}

fn samples() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../item-bank-samples")
}

#[test]
fn shadow_tests_meet_the_thpt_blueprint_for_every_simulee() {
    let text = std::fs::read_to_string(samples().join("toan.jsonl")).unwrap();
    let (pool, warnings) = Pool::from_jsonl(&text).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let yaml = std::fs::read_to_string(samples().join("blueprints/thpt-toan.yaml")).unwrap();
    let bp = khaothi_assembly::Blueprint::from_yaml(&yaml).unwrap();
    let length = bp.form_length();
    let design = Design { blueprint: Some(bp), randomesque: 2, ..Design::fixed_length(length) };
    let e = Engine::new(pool, design).unwrap();
    let r =
        simulate(&e, &SimulationOptions { persons: 12, seed: 1, theta_mean: 0.0, theta_sd: 1.0 }).unwrap();
    assert_eq!(r.constraint_violations, 0);
    assert_eq!(r.mean_length, f64::from(length));
    // without the blueprint the same pool breaks it
    let free = Engine::new(e.pool().clone(), Design::fixed_length(length)).unwrap();
    let bp = e.design().blueprint.clone().unwrap();
    let tests = khaothi_cat::simulate::simulate_tests(
        &free,
        &SimulationOptions { persons: 12, seed: 1, theta_mean: 0.0, theta_sd: 1.0 },
    )
    .unwrap();
    let checked =
        Engine::new(e.pool().clone(), Design { blueprint: Some(bp), ..Design::fixed_length(length) })
            .unwrap();
    let broken: usize = tests.iter().map(|t| khaothi_cat::simulate::violations(&checked, t)).sum();
    assert!(broken > 0, "MFI alone should break the matrix");
}
