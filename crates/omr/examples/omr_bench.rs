//! The answer-sheet reader's accuracy and speed on a generated test set (docs/benchmarks.md):
//! real sheets rasterised from the PDF's drawing at `--dpi`, filled with pencil-like marks (some
//! doubled, some erased), then rotated (±5°), put in perspective, blurred, noised, darkened or
//! lightened. Generation runs on every core; reading runs one sheet at a time on one thread and
//! its CPU time (from /proc/thread-self/schedstat, so other load on the machine does not count)
//! gives sheets per second per core.
//!
//! `cargo run --release -p khaothi-omr --example omr_bench -- --sheets 2000 [--dpi 300] [--seed 1]`
//! prints one JSON line; `--first K` starts at sheet K of the seed's sequence (to look again at one
//! sheet), `--diagnose` adds the measured fill and texture of the marked and the rubbed-out
//! bubbles (percentiles) and lists every key missed.

use khaothi_omr::read::{ReadOptions, filled_threshold, measure_bubbles, read_sheet};
use khaothi_omr::synth::{Distortion, Tally, Truth, distort, fill};
use khaothi_omr::{CandidateInfo, Header, SheetSpec, raster, sheet};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

fn arg(name: &str, default: f64) -> f64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// On-CPU time of the calling thread, ns (Linux; wall time elsewhere).
fn thread_cpu_ns(wall: std::time::Instant) -> u128 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or_else(|| wall.elapsed().as_nanos())
}

/// Percentiles of `v` (sorted in place) as JSON.
fn spread(v: &mut [f64]) -> serde_json::Value {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v.get(((v.len() as f64 - 1.0) * q).round() as usize).copied();
    serde_json::json!({"n": v.len(), "min": at(0.0), "p0.1": at(0.001), "p1": at(0.01), "p50": at(0.5),
        "p99": at(0.99), "p99.9": at(0.999), "max": at(1.0)})
}

fn main() {
    let (sheets, dpi, seed) =
        (arg("--sheets", 200.0) as usize, arg("--dpi", 300.0), arg("--seed", 1.0) as u64);
    let first_sheet = arg("--first", 0.0) as usize;
    let diagnose = std::env::args().any(|a| a == "--diagnose");
    // Marked and rubbed-out bubbles: (fill, texture).
    let (mut marked, mut erased) = (Vec::new(), Vec::new());
    // The THPT 2025 mathematics paper: 12 + 4 + 6 questions.
    let spec = SheetSpec {
        form: "F1".into(),
        version: "0101".into(),
        part_i: 12,
        part_ii: vec![4; 4],
        part_iii: 6,
        candidate_digits: 6,
        version_digits: 4,
    };
    let opts = ReadOptions { dpi: None, crops: false };
    let mut tally = Tally::default();
    let (mut cpu_ns, started) = (0u128, std::time::Instant::now());
    let (_, template) = sheet::template(&spec).expect("the sheet fits");
    let blank = raster::rasterize(&template, dpi).expect("font");
    let batch = 8;
    for first in (first_sheet..first_sheet + sheets).step_by(batch) {
        let made: Vec<_> = (first..(first + batch).min(first_sheet + sheets))
            .into_par_iter()
            .map(|i| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed * 1_000_003 + i as u64);
                let number = format!("{:06}", 10_000 + i);
                let candidate = CandidateInfo {
                    number: number.clone(),
                    name: format!("Thí sinh {i}"),
                    date_of_birth: "01/01/2008".into(),
                    room: "P01".into(),
                };
                let header = Header { event: "Thi thử THPT".into(), candidate: Some(candidate) };
                let layout = sheet::layout(&spec).expect("the sheet fits");
                let (personal, _) = sheet::personal(&spec, &header).expect("the sheet fits");
                let mut img = blank.clone();
                raster::draw_onto(&mut img, &personal, dpi).expect("font");
                let truth: Truth = fill(&mut img, &layout, dpi / 25.4, &number, &spec.version, &mut rng);
                let d = Distortion::random(&mut rng);
                (layout, truth, distort(&img, &d, &mut rng))
            })
            .collect();
        for (layout, truth, img) in made {
            let wall = std::time::Instant::now();
            let before = thread_cpu_ns(wall);
            let reading = read_sheet(&img, &layout, &opts);
            cpu_ns += thread_cpu_ns(wall) - before;
            tally.add(&layout, &truth, &reading);
            if diagnose && let Some(m) = measure_bubbles(&img, &layout, &opts) {
                let at = filled_threshold(&m.iter().map(|x| x.fill).collect::<Vec<_>>());
                marked.extend(truth.marked.iter().map(|&i| (m[i].fill, m[i].texture, m[i].fill / at)));
                erased.extend(truth.erased.iter().map(|&i| (m[i].fill, m[i].texture, m[i].fill / at)));
            }
        }
    }
    let per_core = tally.sheets as f64 / (cpu_ns as f64 / 1e9);
    let out = serde_json::json!({
        "sheets": tally.sheets,
        "dpi": dpi,
        "clean_keys": tally.clean_keys,
        "clean_bubbles": tally.clean_bubbles,
        "clean_bubble_accuracy": tally.clean_accuracy(),
        "clean_flagged": tally.clean_flagged,
        "blank_keys": tally.blank_keys,
        "blank_right": tally.blank_right,
        "double_marks_and_erasures": tally.must_flag,
        "flagged_of_those": tally.must_flag_flagged,
        "wrong_unflagged": tally.wrong_unflagged,
        "qr_unread": tally.qr_unread,
        "marks_not_found": tally.marks_not_found,
        "read_cpu_seconds": cpu_ns as f64 / 1e9,
        "sheets_per_second_per_core": per_core,
        "total_wall_seconds": started.elapsed().as_secs_f64(),
    });
    println!("{out}");
    if diagnose {
        let column =
            |v: &[(f64, f64, f64)], k: usize| v.iter().map(|p| [p.0, p.1, p.2][k]).collect::<Vec<_>>();
        let report = serde_json::json!({
            "first": first_sheet,
            "marked_fill": spread(&mut column(&marked, 0)),
            "marked_texture": spread(&mut column(&marked, 1)),
            "erased_fill": spread(&mut column(&erased, 0)),
            "erased_texture": spread(&mut column(&erased, 1)),
            "marked_over_threshold": spread(&mut column(&marked, 2)),
            "erased_over_threshold": spread(&mut column(&erased, 2)),
            "missed": tally.missed,
        });
        println!("{report}");
    }
}
