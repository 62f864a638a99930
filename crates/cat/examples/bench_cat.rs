//! Next-item timing (issue 20 §4): every step of whole simulated tests on a THPT-like pool,
//! without shadow tests (MFI + randomesque) and with them (the THPT mathematics blueprint), one
//! thread. Prints JSON with percentiles in milliseconds.
//!
//! `cargo run --release -p khaothi-cat --example bench_cat -- [ITEMS] [CANDIDATES]`
//! (add `--features highs` for the HiGHS solver). docs/benchmarks.md records the figures.

use std::time::Instant;

use khaothi_assembly::Blueprint;
use khaothi_assembly::sim::{SimOptions, simulated_pool};
use khaothi_cat::{Design, Engine, Pool, State, Step, test_seed};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

const BLUEPRINT: &str = include_str!("../../../item-bank-samples/blueprints/thpt-toan.yaml");

/// Percentiles (ms) of a sample of durations.
fn percentiles(mut ms: Vec<f64>) -> serde_json::Value {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((q * (ms.len() - 1) as f64).round() as usize).min(ms.len() - 1)];
    json!({"steps": ms.len(), "p50_ms": at(0.5), "p90_ms": at(0.9), "p99_ms": at(0.99), "max_ms": at(1.0),
           "mean_ms": ms.iter().sum::<f64>() / ms.len() as f64})
}

/// Every step of `candidates` tests, timed; answers simulated at θ ~ N(0, 1).
fn time_steps(engine: &Engine, candidates: usize) -> Vec<f64> {
    let mut times = Vec::new();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for c in 0..candidates {
        let theta: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
        let seed = test_seed("bench", &c.to_string());
        let mut state = State::new();
        loop {
            let t0 = Instant::now();
            let next = engine.next(&state, seed).expect("step");
            times.push(t0.elapsed().as_secs_f64() * 1000.0);
            let Step::Give { items } = next.step else { break };
            for id in items {
                let m = &engine.pool().items()[engine.pool().position(&id).expect("pool item")].irt;
                let u: f64 = rng.random();
                let mut score = 0u8;
                let mut acc = 0.0;
                for (k, p) in m.category_probabilities(theta).iter().enumerate() {
                    acc += p;
                    score = k as u8;
                    if u < acc {
                        break;
                    }
                }
                state.record(id, score);
            }
        }
    }
    times
}

fn main() {
    let mut args = std::env::args().skip(1);
    let items: usize = args.next().map_or(1000, |s| s.parse().expect("ITEMS"));
    let candidates: usize = args.next().map_or(20, |s| s.parse().expect("CANDIDATES"));
    let bank = simulated_pool(&SimOptions { items, seed: 1, ..SimOptions::default() });
    let (pool, _) = Pool::from_bank_items(&bank).expect("pool");
    let bp = Blueprint::from_yaml(BLUEPRINT).expect("blueprint");
    let length = bp.form_length();
    let plain =
        Engine::new(pool.clone(), Design { randomesque: 5, ..Design::fixed_length(length) }).expect("engine");
    let without = percentiles(time_steps(&plain, candidates * 10));
    let t0 = Instant::now();
    let design = Design { blueprint: Some(bp), randomesque: 5, ..Design::fixed_length(length) };
    let shadow = Engine::new(pool, design).expect("engine");
    let prepare_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let with = percentiles(time_steps(&shadow, candidates));
    let out = json!({
        "pool_items": items,
        "test_length": length,
        "solver": khaothi_assembly::SolverChoice::best_available().as_str(),
        "threads": 1,
        "without_shadow_tests": without,
        "with_shadow_tests": with,
        "engine_prepare_ms": prepare_ms,
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("json"));
}
