//! Benchmark: detection rate and false flags of đối sánh's funnel on simulated countries with
//! planted drift (docs/benchmarks.md "Đối sánh: planted drift").
//!
//! `cargo run --release -p khaothi-compare --example drift -- [replications] [drift] [schools]`
//! prints one JSON line.

#[path = "../tests/sim/mod.rs"]
mod sim;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let reps: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let drift: f64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1.0);
    let schools: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(400);
    let setup = sim::Setup { drift, schools, ..Default::default() };
    let started = std::time::Instant::now();
    let mut t = sim::Tally::default();
    for seed in 0..reps {
        t.add(sim::run(&setup, 1000 + seed));
    }
    println!(
        "{}",
        serde_json::json!({
            "replications": reps, "schools": schools, "drift": drift,
            "natural_sd": setup.natural_sd, "planted_share": setup.planted_share,
            "small_n": [setup.small.0, setup.small.1], "large_n": [setup.large.0, setup.large.1],
            "detection_small": sim::Tally::rate(t.found_small, t.planted_small),
            "detection_large": sim::Tally::rate(t.found_large, t.planted_large),
            "false_flag_rate": sim::Tally::rate(t.false_flags, t.clean),
            "planted_small": t.planted_small, "planted_large": t.planted_large, "clean": t.clean,
            "seconds": started.elapsed().as_secs_f64(),
        })
    );
}
