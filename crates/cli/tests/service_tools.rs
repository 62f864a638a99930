//! `khaothi bank|delivery check-config` and `backup`, run as the real binary.

use std::process::{Command, Output};

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy");

fn khaothi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_khaothi"))
        .args(args)
        .env_remove("KHAOTHI__BANK__DATA_DIR")
        .output()
        .expect("runs")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn the_example_configurations_pass_and_a_bad_one_names_its_keys() {
    for (service, file) in [
        ("bank", "single-node/bank.toml"),
        ("delivery", "single-node/delivery.toml"),
        ("delivery", "test-site/delivery.toml"),
    ] {
        let out = khaothi(&[service, "check-config", "--config", &format!("{DEPLOY}/{file}")]);
        let v = json(&out);
        assert!(out.status.success() && v["ok"] == true, "{file}: {v}");
        assert_eq!(v["service"], service);
        assert!(v["config"]["listen"].is_string(), "{v}");
    }
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("d.toml");
    std::fs::write(
        &bad,
        "[delivery]\nmax_batch = 0\nbank_url = \"bank.example.vn\"\njwt_secret = \"short\"\n",
    )
    .unwrap();
    let out = khaothi(&["delivery", "check-config", "--config", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let keys: Vec<&str> =
        v["errors"].as_array().unwrap().iter().map(|e| e["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["bank_url", "jwt_secret", "max_batch"], "{v}");
    assert!(!v.to_string().contains("short"), "a secret is never printed: {v}");
    std::fs::write(&bad, "[bank]\nlisten = 8080\n").unwrap();
    let out = khaothi(&["bank", "check-config", "--config", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["errors"][0]["key"], "listen");
}

#[test]
fn a_backup_copies_the_bank_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = data.join("bank.db");
    std::fs::create_dir_all(&data).unwrap();
    let url = format!("sqlite://{}", db.display());
    assert!(khaothi(&["migrate", "--database-url", &url]).status.success());
    let config = dir.path().join("bank.toml");
    std::fs::write(&config, format!("[bank]\ndata_dir = \"{}\"\n", data.display())).unwrap();
    let out_file = dir.path().join("copy.db");
    let out = khaothi(&[
        "bank",
        "backup",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(json(&out)["bytes"].as_u64().unwrap() > 0);
    assert!(
        khaothi(&["migrate", "--database-url", &format!("sqlite://{}", out_file.display())]).status.success()
    );
    let again = khaothi(&[
        "bank",
        "backup",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrites"));
}
