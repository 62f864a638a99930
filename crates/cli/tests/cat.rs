//! `khaothi cat simulate` as the real binary: the issue's flags and JSON, the sample bank's export
//! as the pool (uncalibrated items named), Sympson–Hetter, a blueprint, and clear refusals.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../item-bank-samples");

fn khaothi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_khaothi")).args(args).output().expect("runs")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn simulate_prints_the_table_for_fixed_and_variable_length() {
    let pool = format!("{SAMPLES}/toan.jsonl");
    let out = khaothi(&[
        "cat",
        "simulate",
        "--pool",
        &pool,
        "--persons",
        "300",
        "--seed",
        "5",
        "--length",
        "10",
        "--randomesque",
        "3",
    ]);
    let t = json(&out);
    for key in [
        "rmse",
        "bias",
        "mean_length",
        "max_exposure",
        "overlap",
        "unused_items",
        "by_theta",
        "constraint_violations",
    ] {
        assert!(!t[key].is_null(), "{key}: {t}");
    }
    assert_eq!(t["mean_length"], 10.0);
    assert!(t["rmse"].as_f64().unwrap() < 0.6, "{t}");
    let bins = t["by_theta"].as_array().unwrap();
    assert_eq!(bins.iter().map(|b| b["n"].as_u64().unwrap()).sum::<u64>(), 300);
    // the same seed gives the same table
    let again = khaothi(&[
        "cat",
        "simulate",
        "--pool",
        &pool,
        "--persons",
        "300",
        "--seed",
        "5",
        "--length",
        "10",
        "--randomesque",
        "3",
    ]);
    assert_eq!(json(&again), t);

    let out = khaothi(&[
        "cat",
        "simulate",
        "--pool",
        &pool,
        "--persons",
        "200",
        "--seed",
        "1",
        "--stop-se",
        "0.4",
        "--min-length",
        "5",
        "--max-length",
        "25",
        "--selection",
        "kl",
        "--theta-mean",
        "-0.5",
        "--theta-sd",
        "1.2",
    ]);
    let t = json(&out);
    let len = t["mean_length"].as_f64().unwrap();
    assert!((5.0..=25.0).contains(&len), "{t}");
}

#[test]
fn sympson_hetter_and_a_blueprint_and_files_for_the_package() {
    let dir = tempfile::tempdir().unwrap();
    let pool = format!("{SAMPLES}/toan.jsonl");
    let out_pool = dir.path().join("pool.jsonl");
    let out_design = dir.path().join("design.json");
    let out = khaothi(&[
        "cat",
        "simulate",
        "--pool",
        &pool,
        "--persons",
        "300",
        "--seed",
        "2",
        "--length",
        "10",
        "--sympson-hetter",
        "0.3",
        "--write-pool",
        p(&out_pool),
        "--write-design",
        p(&out_design),
    ]);
    let t = json(&out);
    let sh = &t["sympson_hetter"];
    assert_eq!(sh["target"], 0.3);
    assert!(sh["converged"].as_bool().unwrap(), "{sh}");
    assert!(t["max_exposure"].as_f64().unwrap() < 0.36, "{t}");
    let written = std::fs::read_to_string(&out_pool).unwrap();
    assert!(written.contains("exposure_k"), "calibrated parameters are written");
    let design: Value = serde_json::from_str(&std::fs::read_to_string(&out_design).unwrap()).unwrap();
    assert_eq!(design["sympson_hetter"], true);

    let bp = format!("{SAMPLES}/blueprints/thpt-toan.yaml");
    let out =
        khaothi(&["cat", "simulate", "--pool", &pool, "--persons", "6", "--seed", "1", "--blueprint", &bp]);
    let t = json(&out);
    assert_eq!(t["constraint_violations"], 0, "{t}");
    assert_eq!(t["mean_length"], 22.0);
}

#[test]
fn uncalibrated_items_are_named_and_bad_flags_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pool = dir.path().join("pool.jsonl");
    let mut text = std::fs::read_to_string(format!("{SAMPLES}/toan.jsonl")).unwrap();
    text.push_str(r#"{"id":"NEW-1","subject":"toan","grade":12,"topic":"12.1","level":"biet","kind":"single_choice","stem":"x","options":["a","b","c","d"],"key":"A"}"#);
    std::fs::write(&pool, text).unwrap();
    let out = khaothi(&["cat", "simulate", "--pool", p(&pool), "--persons", "20", "--length", "5"]);
    json(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("NEW-1") && err.contains("not calibrated"), "{err}");

    let out = khaothi(&["cat", "simulate", "--pool", p(&pool), "--persons", "20"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--length"));
    let out = khaothi(&["cat", "simulate", "--pool", p(&pool), "--persons", "20", "--length", "5000"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("pool has"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out =
        khaothi(&["cat", "simulate", "--pool", "/nonexistent.jsonl", "--persons", "20", "--length", "5"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent.jsonl"));
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}
