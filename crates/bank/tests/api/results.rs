//! Results carried from a delivery site: the board registers the site's key, imports its signed
//! result file (built here with the package crate, as a site builds it), and calibrates the
//! responses the file carried.

use std::collections::BTreeMap;

use khaothi_irt::ItemModel;
use khaothi_package::result_file::{ChainHead, ChainHeads, ResultFile, UnsignedResults};
use khaothi_package::{SiteSigningKey, sign_result_file};
use rand::SeedableRng;
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::common::{Backend, TestApp, assert_error};

/// The calibration part as a site writes it: `person,<id@version>…`, integer scores, and empty
/// cells where an item was not on the candidate's form (the last four items for half of them).
pub fn calibration_csv() -> String {
    let models: Vec<ItemModel> =
        (0..24).map(|i| ItemModel::TwoPl { a: 0.8 + i as f64 * 0.05, b: -1.5 + i as f64 * 0.12 }).collect();
    let ids = (0..24).map(|i| format!("P-SC-{i:02}@1")).collect();
    let thetas = khaothi_irt::simulate::draw_thetas(2000, 0.0, 1.0, 21);
    let m = khaothi_irt::simulate::simulate_responses_with_ids(&models, ids, &thetas, 22);
    let mut plain = Vec::new();
    khaothi_irt::csv::write_responses(&m, &mut plain).unwrap();
    let text = String::from_utf8(plain).unwrap();
    let mut out = String::new();
    for (n, line) in text.lines().enumerate() {
        if n == 0 {
            out.push_str(&format!("person,{line}\n"));
            continue;
        }
        let mut cells: Vec<&str> = line.split(',').collect();
        if n % 2 == 0 {
            cells.iter_mut().skip(20).for_each(|c| *c = "");
        }
        out.push_str(&format!("{n:06},{}\n", cells.join(",")));
    }
    out
}

pub fn site_key(seed: u64) -> SiteSigningKey {
    SiteSigningKey::generate(&mut rand::rngs::StdRng::seed_from_u64(seed))
}

pub fn signed_file(key: &SiteSigningKey, calibration: &str) -> ResultFile {
    let parts = BTreeMap::from([
        ("results.json".to_string(), json!({"event": "THPT-2025", "candidates": []}).to_string()),
        ("calibration.csv".to_string(), calibration.to_string()),
    ]);
    let head = |length, c: &str| ChainHead { length, head: c.repeat(64) };
    sign_result_file(
        UnsignedResults {
            event_id: "THPT-2025".into(),
            site_name: "THPT Chu Văn An".into(),
            created_at: "2025-06-27T11:00:00Z".into(),
            parts,
            chains: ChainHeads { responses: head(48_000, "a"), audit: head(120, "b") },
        },
        key,
    )
}

async fn a_signed_file_is_imported_and_calibrated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::assembly::import_pool(&app).await;
    let admin = app.login("admin").await;
    let board = app.login("board").await;
    let writer = app.login("writer").await;
    let key = site_key(7);
    let file = signed_file(&key, &calibration_csv());
    let bytes = file.to_json();

    // Before the site is registered: refused, naming the key's fingerprint.
    let (s, body) = app.post_raw(Some(&board), "/api/v1/results", "application/json", bytes.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "unknown_site");
    assert!(body["message"].as_str().unwrap().contains(&key.public().fingerprint()), "{body}");

    // Registering: a writer may not; a bad key is explained; the board registers.
    let site = json!({"name": "THPT Chu Văn An", "public_key": key.public().to_string()});
    let (s, _) = app.post(Some(&writer), "/api/v1/sites", site.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) =
        app.post(Some(&board), "/api/v1/sites", json!({"name": "x", "public_key": "ed25519:zz"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("public_key"), "{body}");
    let (s, registered) = app.post(Some(&board), "/api/v1/sites", site.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{registered}");
    assert_eq!(registered["fingerprint"], key.public().fingerprint());
    let (s, _) = app.post(Some(&admin), "/api/v1/sites", site).await;
    assert_eq!(s, StatusCode::CONFLICT, "a key is registered once");
    let (s, sites) = app.get(Some(&admin), "/api/v1/sites").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(sites.as_array().unwrap().len(), 1);

    // One changed byte in a signed part: refused.
    let mut changed = file.clone();
    let csv = changed.parts.get_mut("calibration.csv").unwrap();
    let at = csv.find("\n000002,").unwrap() + 8;
    let flipped = if &csv[at..at + 1] == "0" { "1" } else { "0" };
    csv.replace_range(at..at + 1, flipped);
    let (s, body) =
        app.post_raw(Some(&board), "/api/v1/results", "application/json", changed.to_json()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "result_refused");
    assert!(body["message"].as_str().unwrap().contains("changed after it was signed"), "{body}");
    // And one byte of the raw file (a chain head's digit): refused too.
    let mut raw = bytes.clone();
    let text = String::from_utf8(raw.clone()).unwrap();
    let pos = text.find(&"a".repeat(64)).unwrap();
    raw[pos] = b'c';
    let (s, body) = app.post_raw(Some(&board), "/api/v1/results", "application/json", raw).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "result_refused");
    // A writer may not import.
    let (s, _) = app.post_raw(Some(&writer), "/api/v1/results", "application/json", bytes.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The genuine file imports; the same file again is recognised, nothing new is made.
    let (s, imported) =
        app.post_raw(Some(&board), "/api/v1/results", "application/json", bytes.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{imported}");
    assert_eq!(imported["event_id"], "THPT-2025");
    assert_eq!(imported["responses_length"], 48_000);
    assert_eq!(imported["digest"], file.digest());
    let set = imported["response_set_id"].as_str().expect("a response set").to_string();
    let pretty = serde_json::to_vec_pretty(&file).unwrap();
    let (s, again) = app.post_raw(Some(&board), "/api/v1/results", "application/json", pretty).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["already_imported"], true);
    assert_eq!(again["id"], imported["id"]);
    let (s, list) = app.get(Some(&board), "/api/v1/results").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

    // The calibration runs on the imported responses, item versions from the `id@version` headers.
    let query = format!("?response_set={set}");
    let run = crate::calibration_jobs::calibrate_and_wait(&app, &board, &query, vec![]).await;
    assert_eq!(run["report"]["converged"], true, "{run}");
    assert_eq!(run["report"]["n_persons"], 2000, "{run}");
    let items = run["report"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 24);
    let last = items.iter().find(|i| i["id"] == "P-SC-23@1").expect("item 23 calibrated");
    assert_eq!(last["n"], 1000, "only the candidates who were shown it: {last}");
    let (s, hist) = app.get(Some(&board), "/api/v1/items/P-SC-05/calibrations").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(hist[0]["run_id"], run["run_id"]);
    assert_eq!(hist[0]["version"], 1);

    // Both actions are audited.
    let (s, log) = app.get(Some(&admin), "/api/v1/audit?action=results_imported").await;
    assert_eq!(s, StatusCode::OK, "{log}");
    assert!(log.to_string().contains("results_imported"), "{log}");
    let (_, log) = app.get(Some(&admin), "/api/v1/audit?action=site_registered").await;
    assert!(log.to_string().contains("site_registered"), "{log}");
}
both_backends!(a_signed_file_is_imported_and_calibrated);
