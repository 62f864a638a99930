//! `khaothi calibrate` (model fit), `score` (person fit), `analyze` (infit/outfit, Q3, DIF beyond
//! two groups and dichotomies) and `integrity`, run as the real binary.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

use khaothi_irt::ItemModel;
use khaothi_irt::simulate::{draw_thetas, simulate_responses};

fn khaothi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_khaothi")).args(args).output().expect("runs")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// 1,500 persons in three groups, 10 items 0/1 and two 0–4 items; group `C` finds item 0 harder.
fn responses(dir: &Path) -> std::path::PathBuf {
    let mut items: Vec<ItemModel> =
        (0..10).map(|j| ItemModel::TwoPl { a: 1.2, b: -1.0 + 0.2 * j as f64 }).collect();
    items.push(ItemModel::Grm { a: 1.1, thresholds: vec![-1.5, -0.5, 0.4, 1.3] });
    items.push(ItemModel::Grm { a: 1.4, thresholds: vec![-1.0, 0.0, 0.6, 1.6] });
    let mut text = String::from("person,group");
    for j in 0..items.len() {
        write!(text, ",Q{j}").unwrap();
    }
    text.push('\n');
    for (g, name) in ["A", "B", "C"].iter().enumerate() {
        let mut its = items.clone();
        if g == 2 {
            its[0] = ItemModel::TwoPl { a: 1.2, b: 1.0 };
        }
        let m = simulate_responses(&its, &draw_thetas(500, 0.0, 1.0, 10 + g as u64), 20 + g as u64);
        for r in 0..500 {
            write!(text, "{name}{r},{name}").unwrap();
            for x in m.row(r) {
                write!(text, ",{x}").unwrap();
            }
            text.push('\n');
        }
    }
    let path = dir.join("responses.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn calibrate_reports_model_fit_and_score_reports_lz() {
    let dir = tempfile::tempdir().unwrap();
    let csv = responses(dir.path());
    // the group column is not an item: calibrate the items alone
    let text = std::fs::read_to_string(&csv).unwrap();
    let items_only: String = text
        .lines()
        .map(|l| {
            let mut cells: Vec<&str> = l.split(',').collect();
            cells.remove(1);
            cells.join(",") + "\n"
        })
        .collect();
    let input = dir.path().join("items.csv");
    std::fs::write(&input, items_only).unwrap();
    let out = json(&khaothi(&["calibrate", "--input", p(&input), "--no-se"]));
    let fit = &out["fit"];
    assert_eq!(fit["statistic"], "M2*", "{fit}");
    assert_eq!(fit["df"], 12 + 66 - (10 * 2 + 2 * 5), "{fit}");
    for k in ["m2", "p", "rmsea", "srmsr"] {
        assert!(fit[k].as_f64().is_some(), "{k}: {fit}");
    }
    let skipped = json(&khaothi(&["calibrate", "--input", p(&input), "--no-se", "--no-fit"]));
    assert!(skipped.get("fit").is_none());

    let params = dir.path().join("params.json");
    std::fs::write(&params, serde_json::to_string(&out).unwrap()).unwrap();
    let scored = json(&khaothi(&["score", "--input", p(&input), "--params", p(&params)]));
    let lz: Vec<f64> =
        scored["persons"].as_array().unwrap().iter().map(|p| p["lz"].as_f64().unwrap()).collect();
    assert_eq!(lz.len(), 1500);
    // at estimated abilities lz is centred near (not at) 0 (Snijders, 2001)
    let mean = lz.iter().sum::<f64>() / lz.len() as f64;
    assert!(mean.abs() < 0.5, "{mean}");
    assert!(lz.iter().filter(|z| **z < -3.0).count() < 15, "{lz:?}");
    let out = khaothi(&["score", "--input", p(&input), "--params", p(&params), "--format", "csv"]);
    let header = String::from_utf8(out.stdout).unwrap().lines().next().unwrap().to_string();
    assert_eq!(header, "person,theta,se,status,n_answered,raw_score,lz");
}

#[test]
fn analyze_screens_three_groups_and_polytomous_items() {
    let dir = tempfile::tempdir().unwrap();
    let csv = responses(dir.path());
    let out = json(&khaothi(&["analyze", "--input", p(&csv), "--group-column", "group", "--model", "2pl"]));
    assert_eq!(out["dif_groups"]["groups"].as_array().unwrap().len(), 3, "{}", out["dif_groups"]);
    let items = out["items"].as_array().unwrap();
    assert_ne!(items[0]["dif_lr"]["class"], "A", "{}", items[0]["dif_lr"]);
    assert_eq!(items[0]["dif_lr"]["df"], 4);
    assert!(items[11]["dif_lr"]["delta_r2"].as_f64().is_some());
    assert!(items[3]["fit"]["infit"].as_f64().is_some() && items[3]["fit"]["outfit_t"].as_f64().is_some());
    assert_eq!(out["local_dependence"]["n_pairs"], 66);
    assert_eq!(out["local_dependence"]["cut"], 0.2);
    // two groups named: Mantel–Haenszel for 0/1 items, Mantel's test for the 0–4 ones
    let out = json(&khaothi(&[
        "analyze",
        "--input",
        p(&csv),
        "--group-column",
        "group",
        "--reference",
        "A",
        "--focal",
        "C",
    ]));
    let items = out["items"].as_array().unwrap();
    assert!(items[0]["dif"]["mh_d_dif"].as_f64().is_some());
    assert!(items[11]["dif_polytomous"]["smd"].as_f64().is_some(), "{}", items[11]);
    assert!(items[0].get("dif_polytomous").is_none());
}

/// A raw export and results of one room of 12 (seats 1–12 in a row) where candidate 005 took
/// every answer of 004, seconds after them.
fn event(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let items: Vec<ItemModel> =
        (0..30).map(|j| ItemModel::TwoPl { a: 1.3, b: -1.5 + 0.1 * j as f64 }).collect();
    let th = draw_thetas(12, 0.0, 1.0, 3);
    let m = simulate_responses(&items, &th, 4);
    let letters = ["A", "B", "C", "D"];
    let mut raw = String::from("person,item,kind,version,position,value,correct,epoch,seq,answered_at\n");
    let mut results = String::from("number,full_name,date_of_birth,room,seat,version,status\n");
    let mut state = 7u64;
    let mut next = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let mut sheets: Vec<Vec<(String, u8)>> = Vec::new();
    for c in 0..12 {
        let sheet: Vec<(String, u8)> = (0..30)
            .map(|j| {
                // key A; a wrong answer is B, C or D
                if m.get(c, j) == 1 { ("A".into(), 1) } else { (letters[1 + next() % 3].into(), 0) }
            })
            .collect();
        sheets.push(sheet);
    }
    sheets[4] = sheets[3].clone();
    for (c, sheet) in sheets.iter().enumerate() {
        writeln!(results, "{:03},Thí sinh {c},2007-01-01,P01,{},0101,submitted", c + 1, c + 1).unwrap();
        for (j, (v, s)) in sheet.iter().enumerate() {
            let sec = 10 * j + if c == 4 { 3 * 200 + 5 } else { c * 200 };
            let at = format!("2025-06-27T10:{:02}:{:02}.000Z", sec / 60 % 60, sec % 60);
            writeln!(raw, "{:03},Q{j}@1,single_choice,0101,{},{v},{s},1,1,{at}", c + 1, j + 1).unwrap();
        }
    }
    let params: String = (0..30)
        .map(|j| {
            format!(
                "{{\"id\":\"Q{j}\",\"irt\":{{\"model\":\"2pl\",\"a\":1.3,\"b\":{}}}}}\n",
                -1.5 + 0.1 * j as f64
            )
        })
        .collect();
    let (r, s, pp) = (dir.join("raw.csv"), dir.join("results.csv"), dir.join("params.jsonl"));
    std::fs::write(&r, raw).unwrap();
    std::fs::write(&s, results).unwrap();
    std::fs::write(&pp, params).unwrap();
    (r, s, pp)
}

#[test]
fn integrity_flags_the_copying_pair_for_review() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, results, params) = event(dir.path());
    let out = khaothi(&["integrity", "--raw", p(&raw), "--results", p(&results), "--params", p(&params)]);
    let v = json(&out);
    assert_eq!(v["m"], 11);
    assert_eq!(v["alpha"], 0.001);
    let pairs = v["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 11);
    let top = &pairs[0];
    assert_eq!((top["a"].as_str(), top["b"].as_str()), (Some("004"), Some("005")), "{top}");
    assert_eq!(top["flagged"], true);
    assert_eq!(top["seats"], serde_json::json!([4, 5]));
    assert_eq!(top["evidence"]["matches"], 30);
    assert_eq!(top["evidence"]["together"], 30);
    assert_eq!(top["evidence"]["a_first"], 30);
    let p_adj = top["p_adjusted"].as_f64().unwrap();
    assert!((p_adj - (top["p"].as_f64().unwrap() * 11.0).min(1.0)).abs() < 1e-12);
    assert!(pairs[1..].iter().all(|p| p["flagged"] == false), "{pairs:?}");
    assert_eq!(v["rooms"][0]["flagged_candidates"], serde_json::json!(["004", "005"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("flagged for review") && !stderr.contains("cheat"), "{stderr}");

    // a layout of 2 rows × 6: seat 4 now also sits beside 3, 5, 9, 10, 11 and so on
    let layout = dir.path().join("layout.csv");
    std::fs::write(&layout, "room,rows,columns\nP01,2,6\n").unwrap();
    let v = json(&khaothi(&[
        "integrity",
        "--raw",
        p(&raw),
        "--results",
        p(&results),
        "--params",
        p(&params),
        "--layout",
        p(&layout),
    ]));
    assert_eq!(v["m"], 5 * 2 + 6 + 2 * 5);

    // errors: exit code 1 and the reason on stderr
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "number,room\n001,P01\n").unwrap();
    let out = khaothi(&["integrity", "--raw", p(&raw), "--results", p(&bad), "--params", p(&params)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column seat, version"));
    let out = khaothi(&[
        "integrity",
        "--raw",
        p(&raw),
        "--results",
        p(&results),
        "--params",
        p(&params),
        "--alpha",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(1));
}
