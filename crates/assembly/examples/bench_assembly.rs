//! Assembly benchmarks of docs/benchmarks.md, on simulated pools with the THPT mathematics
//! taxonomy and the issue's blueprint.
//!
//! ```text
//! cargo run --release -p khaothi-assembly --features highs --example bench_assembly -- \
//!     --items 2000 --forms 24 --strategy sequential [--no-balance] [--no-improve] \
//!     [--solver highs|microlp] [--coarse-solver highs|microlp] \
//!     [--time-limit 60 [--relative-time]] [--gap 0.01] [--seed 1] [--pool-seed 2025] [--write-items FILE] \
//!     [--write-mps FILE]
//! ```
//! A `--time-limit` given is the run's budget (`AssemblyOptions::whole_budget`, as with `khaothi
//! assemble --time-limit`); `--relative-time` keeps the default's rule for the passes after
//! balancing (1.8 × the time until balancing ended) with that limit.
//! `--write-mps` writes the simultaneous model of the same blueprint and pool (free MPS) and
//! exits: `scripts/assembly-optimum.py FILE` solves it with HiGHS for the optimum to compare with.
//! Prints one JSON object: the quality (smallest information over forms at θ = −1, 0, 1, the
//! spread between forms, the proven bound) and the time.

use khaothi_assembly::sim::{SimOptions, simulated_pool};
use khaothi_assembly::{AssemblyOptions, Blueprint, SolverChoice, Strategy, assemble, check_forms};

const BLUEPRINT: &str = r#"name: "THPT 2025 – Toán (mẫu)"
subject: toan
duration_minutes: 90
forms: 4
versions: 1
max_overlap: 0.2
sections:
  - { kind: single_choice,    count: 12, points: 0.25 }
  - { kind: true_false_group, count: 4,  points: 1.0 }
  - { kind: short_answer,     count: 6,  points: 0.5 }
matrix:
  - { topic: "12.1", biet: 3, hieu: 2, van_dung: { min: 1, max: 2 } }
  - { topic: "12.2", biet: 2, hieu: 2, van_dung: 1 }
information:
  objective: maximin
  thetas: [-1.0, 0.0, 1.0]
"#;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |name: &str| args.iter().position(|a| a == name).and_then(|p| args.get(p + 1)).cloned();
    let has = |name: &str| args.iter().any(|a| a == name);
    let items: usize = get("--items").map_or(2000, |v| v.parse().expect("--items N"));
    let forms: u32 = get("--forms").map_or(24, |v| v.parse().expect("--forms N"));
    let pool_seed: u64 = get("--pool-seed").map_or(2025, |v| v.parse().expect("--pool-seed N"));
    let mut opts = AssemblyOptions {
        time_limit: get("--time-limit").map_or(60.0, |v| v.parse().expect("--time-limit S")),
        // as `khaothi assemble`: a time limit given is the run's budget
        whole_budget: get("--time-limit").is_some() && !has("--relative-time"),
        gap: get("--gap").map_or(0.01, |v| v.parse().expect("--gap G")),
        seed: get("--seed").map_or(1, |v| v.parse().expect("--seed N")),
        balance: !has("--no-balance"),
        improve: !has("--no-improve"),
        ..AssemblyOptions::default()
    };
    if let Some(s) = get("--solver") {
        opts.solver = match s.as_str() {
            "microlp" => SolverChoice::Microlp,
            "highs" => SolverChoice::Highs,
            other => panic!("unknown solver {other}"),
        };
    }
    if let Some(s) = get("--coarse-solver") {
        opts.coarse_solver = Some(match s.as_str() {
            "microlp" => SolverChoice::Microlp,
            "highs" => SolverChoice::Highs,
            other => panic!("unknown solver {other}"),
        });
    }
    if get("--strategy").as_deref() == Some("simultaneous") {
        opts.strategy = Strategy::Simultaneous;
    }
    let bp =
        Blueprint::from_yaml(&BLUEPRINT.replace("forms: 4", &format!("forms: {forms}"))).expect("blueprint");
    let pool = simulated_pool(&SimOptions { items, seed: pool_seed, ..SimOptions::default() });
    if let Some(path) = get("--write-items") {
        // The simulated pool as JSON Lines, e.g. to try `khaothi assemble` on it.
        let lines: Vec<String> = pool
            .iter()
            .map(|i| serde_json::to_string(&khaothi_domain::ItemRecord::from_item(i)).expect("record"))
            .collect();
        std::fs::write(&path, lines.join("\n") + "\n").expect("write items");
        return;
    }
    if let Some(path) = get("--write-mps") {
        let mps = khaothi_assembly::simultaneous_mps(&bp, &pool, &opts).expect("maximin blueprint");
        std::fs::write(&path, mps).expect("write the model");
        return;
    }
    let started = std::time::Instant::now();
    match assemble(&bp, &pool, &opts, &move || started.elapsed()) {
        Ok(r) => {
            let forms: Vec<_> = r.forms.iter().map(|f| f.form.clone()).collect();
            let violations = check_forms(&bp, &pool, &forms);
            let floors: Vec<f64> = r
                .forms
                .iter()
                .map(|f| f.information.iter().map(|v| v.value).fold(f64::INFINITY, f64::min))
                .collect();
            let out = serde_json::json!({
                "items": items,
                "forms": r.forms.len(),
                "solver": r.solver,
                "coarse_solver": opts.coarse_solver_for(bp.forms),
                "strategy": r.strategy,
                "balance": opts.balance,
                "improve": opts.improve,
                "load_average": std::fs::read_to_string("/proc/loadavg").ok(),
                "status": r.status,
                "smallest_information": r.report.smallest_information,
                // each form's information at the blueprint's θ points
                "information": r.forms.iter().map(|f| f.information.iter().map(|v| v.value).collect::<Vec<_>>()).collect::<Vec<_>>(),
                "largest_form_floor": floors.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
                "spread": r.report.spread,
                "bound": r.bound,
                "gap": r.gap,
                "largest_overlap": r.report.largest_overlap,
                "candidates": r.pool.candidates,
                "seconds": r.seconds,
                "violations": violations.len(),
                "passes": r.passes,
            });
            println!("{out}");
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
