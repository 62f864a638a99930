//! Calibration benchmark: simulate, write a responses CSV, then time reading it and calibrating it.
//!
//! ```text
//! cargo run --release -p khaothi-irt --example bench_calibrate -- --persons 1000000 --items 50
//!     [--model 2pl] [--threads N] [--quadrature 41] [--tolerance 1e-4] [--no-se] [--reference]
//!     [--max-iterations N] [--csv /tmp/khaothi-bench.csv] [--keep]
//! ```
//! Prints one JSON object: sizes, CSV bytes, read seconds, calibration seconds (EM without
//! standard errors; one call with them, and with the CSV read: `end_to_end_s`; the standard
//! errors alone, as a zero-cycle run from the estimates with them minus one without), cycles, ms
//! per cycle, recovery RMSE, peak RSS (VmHWM), the load average at the end.

use std::time::Instant;

use khaothi_irt::IrtModelKind;
use khaothi_irt::calibrate::{CalibrationOptions, calibrate};
use khaothi_irt::simulate::{draw_thetas, random_items, simulate_responses};

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU seconds of this process so far (user + system, all threads): under a loaded machine the
/// ratio of two phases' CPU time is steadier than their wall times.
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    // fields 14 and 15 of stat (utime, stime, in 1/100 s) are the 12th and 13th after the name
    let tick = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let persons: usize = get("--persons").map_or(100_000, |v| v.parse().expect("--persons"));
    let n_items: usize = get("--items").map_or(50, |v| v.parse().expect("--items"));
    let model: IrtModelKind = get("--model").map_or(IrtModelKind::TwoPl, |v| v.parse().expect("--model"));
    let threads: Option<usize> = get("--threads").map(|v| v.parse().expect("--threads"));
    let quad: usize = get("--quadrature").map_or(41, |v| v.parse().expect("--quadrature"));
    let tol: f64 = get("--tolerance").map_or(1e-4, |v| v.parse().expect("--tolerance"));
    let max_iter: usize = get("--max-iterations").map_or(500, |v| v.parse().expect("--max-iterations"));
    let path = get("--csv").unwrap_or_else(|| format!("/tmp/khaothi-bench-{persons}x{n_items}.csv"));

    let items = random_items(model, n_items, 5, 2024);
    let t = Instant::now();
    {
        let m = simulate_responses(&items, &draw_thetas(persons, 0.0, 1.0, 7), 8);
        let f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create csv"));
        khaothi_irt::csv::write_responses(&m, f).expect("write csv");
    }
    let simulate_s = t.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let rss_before = vm_hwm_kib();

    let (t, c) = (Instant::now(), cpu_s());
    let file = std::fs::File::open(&path).expect("open csv");
    let m =
        khaothi_irt::csv::read_responses(std::io::BufReader::with_capacity(1 << 20, file)).expect("read csv");
    let read_s = t.elapsed().as_secs_f64();
    let read_cpu = cpu_s() - c;

    let o = CalibrationOptions {
        model,
        quadrature_points: quad,
        tolerance: tol,
        max_iterations: max_iter,
        threads,
        standard_errors: false,
        reference_estep: flag("--reference"),
        ..Default::default()
    };
    let (t, c) = (Instant::now(), cpu_s());
    let r = calibrate(&m, &o).expect("calibrate");
    let em_s = t.elapsed().as_secs_f64();
    let em_cpu = cpu_s() - c;
    let (mut se_s, mut with_se_s, mut se_cpu, mut with_se_cpu) = (None, None, None, None);
    if !flag("--no-se") {
        // the target's run: one call with standard errors, from the CSV's matrix
        let (t, c) = (Instant::now(), cpu_s());
        let full =
            calibrate(&m, &CalibrationOptions { standard_errors: true, ..o.clone() }).expect("calibrate");
        with_se_s = Some(t.elapsed().as_secs_f64());
        with_se_cpu = Some(cpu_s() - c);
        assert!(full.items.iter().all(|i| i.se.iter().all(Option::is_some)), "standard errors");
        // the standard errors alone: zero-cycle runs from the estimates with and without them
        let zero = CalibrationOptions { max_iterations: 0, ..o.clone() };
        let (t, c) = (Instant::now(), cpu_s());
        calibrate_from(&m, &zero, &r);
        let (without, without_cpu) = (t.elapsed().as_secs_f64(), cpu_s() - c);
        let (t, c) = (Instant::now(), cpu_s());
        calibrate_from(&m, &CalibrationOptions { standard_errors: true, ..zero }, &r);
        se_s = Some(t.elapsed().as_secs_f64() - without);
        se_cpu = Some(cpu_s() - c - without_cpu);
    }
    let mut sq = 0.0;
    let mut cnt = 0.0;
    for (t, e) in items.iter().zip(&r.items) {
        for (x, y) in t.params().iter().zip(e.model.params()) {
            sq += (x - y).powi(2);
            cnt += 1.0;
        }
    }
    if !flag("--keep") {
        let _ = std::fs::remove_file(&path);
    }
    let out = serde_json::json!({
        "persons": persons,
        "items": n_items,
        "model": model.as_str(),
        "threads": threads.unwrap_or_else(rayon::current_num_threads),
        "quadrature_points": quad,
        "csv_bytes": bytes,
        "simulate_and_write_s": simulate_s,
        "read_csv_s": read_s,
        "calibrate_em_s": em_s,
        "standard_errors_s": se_s,
        "calibrate_with_se_s": with_se_s,
        "cpu_s": {"read_csv": read_cpu, "em": em_cpu, "with_se": with_se_cpu, "standard_errors": se_cpu},
        "end_to_end_s": with_se_s.map(|x| x + read_s),
        "load_average": std::fs::read_to_string("/proc/loadavg").ok().map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")),
        "cycles": r.iterations,
        "ms_per_cycle": em_s * 1000.0 / r.iterations.max(1) as f64,
        "converged": r.converged,
        "max_change": r.max_change,
        "unique_patterns": r.n_unique_patterns,
        "loglik": r.loglik,
        "rmse_params": (sq / cnt).sqrt(),
        "peak_rss_mib_before_read": rss_before.map(|k| k as f64 / 1024.0),
        "peak_rss_mib": vm_hwm_kib().map(|k| k as f64 / 1024.0),
        "raw_matrix_mib": (persons * n_items) as f64 / (1024.0 * 1024.0),
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("json"));
}

/// Standard errors at given estimates: a zero-cycle run started at the estimates (final E-step and
/// the cross-product information only).
fn calibrate_from(
    m: &khaothi_irt::ResponseMatrix,
    o: &CalibrationOptions,
    r: &khaothi_irt::CalibrationResult,
) -> khaothi_irt::CalibrationResult {
    let o =
        CalibrationOptions { start: Some(r.items.iter().map(|i| i.model.clone()).collect()), ..o.clone() };
    calibrate(m, &o).expect("standard errors")
}
