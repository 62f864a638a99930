//! `khaothi package adaptive` as the real binary: the sample bank's mathematics items as the pool
//! with its passages, the manifest saying the package is adaptive,
//! the package verifying against the board key, and a refused design named.

use std::process::{Command, Output};

use serde_json::Value;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../item-bank-samples");

fn khaothi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_khaothi")).args(args).output().expect("runs")
}

#[test]
fn an_adaptive_package_from_the_sample_bank() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("board.key");
    let out = khaothi(&["package", "keygen", "--out", key.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let public = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let pkg = dir.path().join("KT.pkg");
    let items = format!("{SAMPLES}/toan.jsonl");
    let stimuli = format!("{SAMPLES}/stimuli.jsonl");
    let args = [
        "package",
        "adaptive",
        "--items",
        &items,
        "--event",
        "KT-10A",
        "--length",
        "12",
        "--randomesque",
        "3",
        "--signing-key",
        key.to_str().unwrap(),
        "--out",
        pkg.to_str().unwrap(),
        "--stimuli",
        &stimuli,
    ];
    let out = khaothi(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["manifest"]["adaptive"]["max_items"], 12, "{v}");
    let pool = v["pool_items"].as_u64().unwrap();
    assert!(pool >= 12, "{v}");
    assert_eq!(v["manifest"]["adaptive"]["pool_items"], pool);
    // Every item of the sample file is calibrated: none left out (the engine's own tests name
    // the uncalibrated ones).
    assert_eq!(v["left_out"], serde_json::json!([]), "{v}");
    for k in ["content_key", "keys_key"] {
        assert_eq!(v[k]["hex"].as_str().unwrap().len(), 64, "{v}");
    }
    let out = khaothi(&["package", "verify", "--package", pkg.to_str().unwrap(), "--board-key", &public]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["event_id"], "KT-10A");
    assert_eq!(m["versions"][0]["code"], "CAT");

    // A design the pool cannot meet is refused, and says why.
    let mut too_long = args.to_vec();
    too_long[7] = "100000";
    let out = khaothi(&too_long);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("design"), "{err}");
}

/// `--blueprint` goes through the one blueprint reader `cat simulate` and `assemble` use: a valid
/// blueprint without a stopping rule gives a test as long as its form (as `cat simulate` does), and
/// a typo in a key is refused by both commands with the same words.
#[test]
fn the_blueprint_is_read_as_cat_simulate_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("board.key");
    let out = khaothi(&["package", "keygen", "--out", key.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let items = format!("{SAMPLES}/toan.jsonl");
    let stimuli = format!("{SAMPLES}/stimuli.jsonl");
    let blueprint = format!("{SAMPLES}/blueprints/thpt-toan.yaml");
    let pkg = dir.path().join("KT.pkg");
    let package = |bp: &str| {
        khaothi(&[
            "package",
            "adaptive",
            "--items",
            &items,
            "--event",
            "KT-BP",
            "--stimuli",
            &stimuli,
            "--blueprint",
            bp,
            "--signing-key",
            key.to_str().unwrap(),
            "--out",
            pkg.to_str().unwrap(),
        ])
    };
    let out = package(&blueprint);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // thpt-toan.yaml: 12 + 4 + 6 items (the sample blueprint's three parts)
    assert_eq!(v["manifest"]["adaptive"]["max_items"], 22, "{v}");

    let typo = dir.path().join("typo.yaml");
    let text = std::fs::read_to_string(&blueprint).unwrap().replacen("subject:", "subjekt:", 1);
    std::fs::write(&typo, text).unwrap();
    let refused = package(typo.to_str().unwrap());
    assert!(!refused.status.success());
    let simulated = khaothi(&[
        "cat",
        "simulate",
        "--pool",
        &items,
        "--persons",
        "2",
        "--blueprint",
        typo.to_str().unwrap(),
    ]);
    assert!(!simulated.status.success());
    let first_line =
        |o: &Output| String::from_utf8_lossy(&o.stderr).lines().next().unwrap_or_default().to_string();
    let said = first_line(&refused);
    assert!(said.starts_with(&format!("error: blueprint {}: ", typo.display())), "{said}");
    assert!(said.contains("subjekt"), "{said}");
    assert_eq!(said, first_line(&simulated));
}
