//! `khaothi certificate` and `khaothi compare-transcripts`, run as the real binary: files written,
//! JSON on stdout, and the documented exit statuses (0 valid, 3 invalid, 4 revoked, 1 errors).

use std::path::Path;
use std::process::{Command, Output};

fn khaothi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_khaothi")).args(args).output().expect("runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A board key pair via `khaothi package keygen`: (secret file, public key line).
fn keygen(dir: &Path, name: &str) -> (std::path::PathBuf, String) {
    let path = dir.join(name);
    let out = khaothi(&["package", "keygen", "--out", p(&path)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    (path, text(&out.stdout).trim().to_string())
}

const RESULTS_JSON: &str = r#"{"event":"THPT-2026-TOAN","title":"Toán","subject":"Toán","sections":[],"candidates":[
  {"number":"01000123","full_name":"Nguyễn Văn An","date_of_birth":"2008-03-14","score10":8.25},
  {"number":"01000124","full_name":"Trần Thị Bình","date_of_birth":"","score10":6.5},
  {"number":"01000125","full_name":"Lê Văn Cường","date_of_birth":"","score10":null}]}"#;

#[test]
fn issue_verify_revoke_with_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "cert.key");
    let (other_key, _) = keygen(dir.path(), "other.key");
    std::fs::write(dir.path().join("toan.json"), RESULTS_JSON).unwrap();
    std::fs::write(
        dir.path().join("van.csv"),
        "number,full_name,date_of_birth,score10\n01000123,Nguyễn Văn An,2008-03-14,7.00\n",
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let van = format!("Ngữ văn={}", p(&dir.path().join("van.csv")));
    let out = khaothi(&[
        "certificate",
        "issue",
        "--results",
        p(&dir.path().join("toan.json")),
        "--results",
        &van,
        "--key",
        p(&key),
        "--issuer",
        "Sở GD&ĐT Hà Nội",
        "--out",
        p(&out_dir),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["certificates"], 2, "the candidate who never started gets none");
    assert!(out_dir.join("01000123.html").is_file() && out_dir.join("01000124.txt").is_file());
    assert!(!out_dir.join("01000125.txt").exists());
    let keys = dir.path().join("keys.txt");
    std::fs::write(&keys, format!("{public}\n")).unwrap();
    let cert = std::fs::read_to_string(out_dir.join("01000123.txt")).unwrap().trim().to_string();

    let ok = khaothi(&["certificate", "verify", "--keys", p(&keys), &cert]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["verdict"], "valid");
    assert_eq!(v["claims"]["results"].as_array().unwrap().len(), 2);
    assert_eq!(v["claims"]["results"][0]["score"], 825);

    let mut changed = cert.clone().into_bytes();
    let i = changed.len() / 2;
    changed[i] = if changed[i] == b'A' { b'B' } else { b'A' };
    let bad = khaothi(&["certificate", "verify", "--keys", p(&keys), &String::from_utf8(changed).unwrap()]);
    assert_eq!(bad.status.code(), Some(3));

    let other = dir.path().join("other");
    let o = khaothi(&[
        "certificate",
        "issue",
        "--results",
        p(&dir.path().join("toan.json")),
        "--key",
        p(&other_key),
        "--out",
        p(&other),
    ]);
    assert!(o.status.success());
    let foreign = khaothi(&["certificate", "verify", "--keys", p(&keys), p(&other.join("01000123.txt"))]);
    assert_eq!(foreign.status.code(), Some(3), "another board's key is not trusted");

    let list = dir.path().join("revoked.json");
    let r = khaothi(&[
        "certificate",
        "revoke",
        "--key",
        p(&key),
        "--out",
        p(&list),
        p(&out_dir.join("01000123.txt")),
    ]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    let revoked = khaothi(&["certificate", "verify", "--keys", p(&keys), "--revoked", p(&list), &cert]);
    assert_eq!(revoked.status.code(), Some(4));
    let still = khaothi(&[
        "certificate",
        "verify",
        "--keys",
        p(&keys),
        "--revoked",
        p(&list),
        p(&out_dir.join("01000124.txt")),
    ]);
    assert_eq!(still.status.code(), Some(0));

    let no_keys = khaothi(&["certificate", "verify", "--keys", p(&dir.path().join("missing")), &cert]);
    assert_eq!(no_keys.status.code(), Some(1));
    let usage = khaothi(&["certificate", "verify", &cert]);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn compare_transcripts_prints_the_report_and_the_funnel() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = String::from("number,full_name,score10\n");
    let mut transcripts = String::from("candidate,school,district,province,subject,grade\n");
    for k in 0..60 {
        let school = ["A", "B", "C", "D"][k % 4];
        let exam = 3.0 + (k * 7 % 50) as f64 / 10.0;
        let lift = if school == "D" { 3.0 } else { 1.0 };
        results.push_str(&format!("{k:04},X,{exam:.2}\n"));
        transcripts.push_str(&format!(
            "{k:04},THPT {school},Q{},Hà Nội,Toán,{:.2}\n",
            k % 2,
            (exam + lift + (k % 3) as f64 * 0.2).min(10.0)
        ));
    }
    std::fs::write(dir.path().join("r.csv"), results).unwrap();
    std::fs::write(dir.path().join("t.csv"), &transcripts).unwrap();
    let svg = dir.path().join("funnel.svg");
    let out = khaothi(&[
        "compare-transcripts",
        "--results",
        p(&dir.path().join("r.csv")),
        "--transcripts",
        p(&dir.path().join("t.csv")),
        "--by",
        "school",
        "--subject",
        "Toán",
        "--svg",
        p(&svg),
        "--min-r",
        "0.5",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["national"]["n"], 60);
    assert_eq!(v["units"].as_array().unwrap().len(), 4);
    assert!(v["national"]["tau2"].is_number());
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));

    // A bad transcript row: every bad line on stderr, exit 1, nothing on stdout.
    std::fs::write(dir.path().join("bad.csv"), transcripts + "0001,THPT A,Q1,Hà Nội,Toán,11\n").unwrap();
    let bad = khaothi(&[
        "compare-transcripts",
        "--results",
        p(&dir.path().join("r.csv")),
        "--transcripts",
        p(&dir.path().join("bad.csv")),
        "--by",
        "district",
        "--subject",
        "Toán",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains(":62: grade `11`"), "{}", text(&bad.stderr));
    assert!(bad.stdout.is_empty());
}
