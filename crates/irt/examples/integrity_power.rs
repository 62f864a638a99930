//! Power and false positives of the answer-copying screen on simulated rooms with planted
//! copiers and colluding groups (`khaothi_irt::integrity::simulate`).
//!
//! ```text
//! cargo run --release -p khaothi-irt --example integrity_power -- [--rooms 500] [--items 40]
//!     [--copiers 0.3] [--collusion 0.1] [--alpha 0.001] [--seed 1]
//! ```
//! Prints one JSON object: the counts, power (planted pairs flagged / planted pairs), false
//! positives (clean neighbour pairs flagged) and the seconds the screen took.

use std::time::Instant;

use khaothi_irt::integrity::Options;
use khaothi_irt::integrity::simulate::{Scenario, power};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let num = |name: &str, default: f64| get(name).map_or(default, |v| v.parse().expect(name));
    let s = Scenario {
        rooms: num("--rooms", 500.0) as usize,
        items: num("--items", 40.0) as usize,
        copier_share: num("--copiers", 0.3),
        collusion_share: num("--collusion", 0.1),
        seed: num("--seed", 1.0) as u64,
        ..Default::default()
    };
    let o = Options { alpha: num("--alpha", 0.001), ..Default::default() };
    let t = Instant::now();
    let r = power(&s, &o).expect("the simulated event screens");
    let mut v = serde_json::to_value(&r).expect("serialisable");
    v["seconds"] = serde_json::json!(t.elapsed().as_secs_f64());
    println!("{}", serde_json::to_string_pretty(&v).expect("serialisable"));
}
