//! `khaothi calibrate --group-column`, `khaothi link` and `khaothi score --method wle |
//! --plausible-values | --table`, run as the real binary: JSON on stdout, errors on stderr with
//! exit code 1.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn khaothi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_khaothi")).args(args).output().expect("runs")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn fails_with(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(needle), "{err}");
    assert!(out.stdout.is_empty());
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Two years' candidates on 10 items: a deterministic pseudo-random 2PL simulation (the second
/// year abler by about half an SD).
fn responses(dir: &Path) -> std::path::PathBuf {
    let mut text = String::from("year,");
    text.push_str(&(0..10).map(|j| format!("Q{j}")).collect::<Vec<_>>().join(","));
    text.push('\n');
    let mut state = 12345u64;
    let mut uniform = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    for p in 0..1200 {
        let year = if p < 600 { "2025" } else { "2026" };
        let shift = if p < 600 { 0.0 } else { 0.5 };
        let (u1, u2) = (uniform(), uniform());
        let theta = shift + (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let row: Vec<String> = (0..10)
            .map(|j| {
                let (a, b) = (0.8 + 0.08 * j as f64, -1.2 + 0.25 * j as f64);
                ((uniform() < 1.0 / (1.0 + (-a * (theta - b)).exp())) as u8).to_string()
            })
            .collect();
        text.push_str(&format!("{year},{}\n", row.join(",")));
    }
    let path = dir.join("responses.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn multiple_group_calibration_reports_the_groups() {
    let dir = tempfile::tempdir().unwrap();
    let csv = responses(dir.path());
    let out = json(&khaothi(&["calibrate", "--input", p(&csv), "--group-column", "year"]));
    let groups = out["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!((groups[0]["name"].as_str(), groups[0]["mean"].as_f64()), (Some("2025"), Some(0.0)));
    assert!(groups[0]["se_mean"].is_null());
    let mean = groups[1]["mean"].as_f64().unwrap();
    assert!((mean - 0.5).abs() < 0.2, "{mean}");
    assert!(groups[1]["se_sd"].as_f64().unwrap() > 0.0);
    assert!(out["marginal_reliability"].as_f64().unwrap() > 0.3);
    assert_eq!(out["test_information"].as_array().unwrap().len(), 17);
    let out = khaothi(&["calibrate", "--input", p(&csv), "--group-column", "year", "--reference", "2030"]);
    fails_with(&out, "reference group '2030'");
    let out = khaothi(&["calibrate", "--input", p(&csv), "--group-column", "nam"]);
    fails_with(&out, "no column named 'nam'");
}

#[test]
fn link_puts_the_new_items_on_the_base_scale() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.jsonl");
    let new = dir.path().join("new.jsonl");
    let (mut b, mut n) = (String::new(), String::new());
    for j in 0..6 {
        let (a, bb) = (0.8 + 0.1 * j as f64, -1.0 + 0.4 * j as f64);
        // θ_base = 1.2 θ_new − 0.3
        b.push_str(&format!("{{\"id\":\"Q{j}\",\"irt\":{{\"model\":\"2pl\",\"a\":{a},\"b\":{bb}}}}}\n"));
        n.push_str(&format!(
            "{{\"id\":\"Q{j}\",\"irt\":{{\"model\":\"2pl\",\"a\":{},\"b\":{}}}}}\n",
            a * 1.2,
            (bb + 0.3) / 1.2
        ));
    }
    n.push_str("{\"id\":\"NEW1\",\"irt\":{\"model\":\"2pl\",\"a\":1.2,\"b\":0.25}}\n");
    std::fs::write(&base, b).unwrap();
    std::fs::write(&new, n).unwrap();
    for method in ["mean-mean", "mean-sigma", "haebara", "stocking-lord"] {
        let out =
            json(&khaothi(&["link", "--method", method, "--base", p(&base), "--new", p(&new), "--drift"]));
        assert!((out["A"].as_f64().unwrap() - 1.2).abs() < 1e-5, "{method}: {out}");
        assert!((out["B"].as_f64().unwrap() + 0.3).abs() < 1e-5, "{method}: {out}");
        assert_eq!(out["common"].as_array().unwrap().len(), 6);
        let last = &out["items"][6];
        assert_eq!(last["id"], "NEW1");
        assert!((last["irt"]["a"].as_f64().unwrap() - 1.0).abs() < 1e-5);
        assert!((last["irt"]["b"].as_f64().unwrap() - 0.0).abs() < 1e-5);
        assert_eq!(out["drift"]["flagged"].as_array().unwrap().len(), 0);
    }
    let out = json(&khaothi(&["link", "--base", p(&base), "--new", p(&new), "--common", "Q0,Q2,Q4"]));
    assert_eq!(out["common"], serde_json::json!(["Q0", "Q2", "Q4"]));
    fails_with(&khaothi(&["link", "--base", p(&base), "--new", p(&new), "--common", "Q0,NEW1"]), "NEW1");
    // an unknown method is a usage error (clap: exit code 2)
    let out = khaothi(&["link", "--base", p(&base), "--new", p(&new), "--method", "equipercentile"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("equipercentile"));
}

#[test]
fn score_wle_plausible_values_and_table() {
    let dir = tempfile::tempdir().unwrap();
    let csv = responses(dir.path());
    let params = dir.path().join("params.json");
    let cal = khaothi(&["calibrate", "--input", p(&csv), "--group-column", "year", "--output", p(&params)]);
    assert!(cal.status.success());
    let out = json(&khaothi(&[
        "score",
        "--input",
        p(&csv),
        "--params",
        p(&params),
        "--method",
        "wle",
        "--plausible-values",
        "4",
        "--group-column",
        "year",
        "--seed",
        "9",
    ]));
    let persons = out["persons"].as_array().unwrap();
    assert_eq!(persons.len(), 1200);
    // WLE is finite for every pattern, all right and all wrong included
    assert!(persons.iter().all(|x| x["theta"].as_f64().is_some_and(f64::is_finite) && x["status"] == "ok"));
    assert!(persons.iter().all(|x| x["pv"].as_array().unwrap().len() == 4));
    assert_eq!(out["plausible_values"]["groups"].as_array().unwrap().len(), 2);
    let again = json(&khaothi(&[
        "score",
        "--input",
        p(&csv),
        "--params",
        p(&params),
        "--method",
        "wle",
        "--plausible-values",
        "4",
        "--group-column",
        "year",
        "--seed",
        "9",
    ]));
    assert_eq!(again["persons"], out["persons"]);
    let table = json(&khaothi(&["score", "--params", p(&params), "--table"]));
    let rows = table["table"].as_array().unwrap();
    assert_eq!(rows.len(), 11);
    assert!(rows.windows(2).all(|w| w[0]["theta"].as_f64() < w[1]["theta"].as_f64()));
    let out = khaothi(&["score", "--input", p(&csv), "--params", p(&params), "--group-column", "year"]);
    assert_eq!(out.status.code(), Some(2), "clap: --group-column requires --plausible-values");
}
