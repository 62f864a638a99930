//! The board calibrates response data in the bank; each run is kept per item version.

use khaothi_irt::ItemModel;
use reqwest::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::common::{Backend, TestApp};

/// Responses of 3,000 simulated candidates to the pool's 24 single-choice items (columns `id@1`).
pub fn responses() -> (Vec<u8>, Vec<(String, f64, f64)>) {
    let truth: Vec<(String, f64, f64)> =
        (0..24).map(|i| (format!("P-SC-{i:02}"), 0.8 + i as f64 * 0.05, -1.5 + i as f64 * 0.12)).collect();
    let models: Vec<ItemModel> = truth.iter().map(|(_, a, b)| ItemModel::TwoPl { a: *a, b: *b }).collect();
    let ids = truth.iter().map(|(id, _, _)| format!("{id}@1")).collect();
    let thetas = khaothi_irt::simulate::draw_thetas(3000, 0.0, 1.0, 11);
    let m = khaothi_irt::simulate::simulate_responses_with_ids(&models, ids, &thetas, 12);
    let mut csv = Vec::new();
    khaothi_irt::csv::write_responses(&m, &mut csv).unwrap();
    (csv, truth)
}

async fn board_calibrates_and_runs_are_kept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::assembly::import_pool(&app).await;
    let board = app.login("board").await;
    let writer = app.login("writer").await;
    let (csv, truth) = responses();

    let (s, _) = app.post_raw(Some(&writer), "/api/v1/calibrations", "text/csv", csv.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let run =
        crate::calibration_jobs::calibrate_and_wait(&app, &board, "?model=2pl&name=pretest", csv.clone())
            .await;
    assert_eq!(run["report"]["converged"], true, "{run}");
    // The run's global model fit: M2 on 24 + 276 moments, 48 parameters; the data fit the model.
    let fit = &run["report"]["fit"];
    assert_eq!((fit["statistic"].as_str(), fit["df"].as_i64()), (Some("M2"), Some(300 - 48)), "{fit}");
    assert!(fit["p"].as_f64().unwrap() > 0.001 && fit["rmsea"].as_f64().unwrap() < 0.02, "{fit}");
    let items = run["report"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 24);
    // Parameters recovered within sampling error, and stored on the item version.
    for (it, (id, a, b)) in items.iter().zip(&truth) {
        assert!((it["a"].as_f64().unwrap() - a).abs() < 0.35, "{id}: {it}");
        assert!((it["b"].as_f64().unwrap() - b).abs() < 0.35, "{id}: {it}");
    }
    // The board adopts the run's parameters (a run alone changes no item: calibration_adopt.rs).
    let ids: Vec<&Value> = run["items"].as_array().unwrap().iter().map(|i| &i["item_id"]).collect();
    let adopt = format!("/api/v1/calibrations/{}/adopt", run["run_id"].as_str().unwrap());
    let (s, body) = app.post(Some(&board), &adopt, serde_json::json!({"items": ids})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, item) = app.get(Some(&board), "/api/v1/items/P-SC-05").await;
    assert_eq!(s, StatusCode::OK);
    let irt = &item["item"]["irt"];
    assert_eq!(irt["n"], 3000, "{irt}");
    assert!(irt["se_a"].as_f64().is_some_and(|x| x > 0.0), "{irt}");

    // A second run (anchored to the first) adds a run; the first is kept.
    crate::calibration_jobs::calibrate_and_wait(&app, &board, "?anchors=bank", csv).await;
    let (s, history) = app.get(Some(&board), "/api/v1/items/P-SC-05/calibrations").await;
    assert_eq!(s, StatusCode::OK);
    let runs: Vec<&Value> = history.as_array().unwrap().iter().collect();
    assert!(!runs.is_empty());
    assert_eq!(runs.last().unwrap()["run_id"], run["run_id"]);
    let (s, again) =
        app.get(Some(&board), &format!("/api/v1/calibrations/{}", run["run_id"].as_str().unwrap())).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again["report"]["items"].as_array().unwrap().len(), 24);
}
both_backends!(board_calibrates_and_runs_are_kept);

async fn bad_response_files_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::assembly::import_pool(&app).await;
    let board = app.login("board").await;
    let (s, body) = app
        .post_raw(Some(&board), "/api/v1/calibrations", "text/csv", b"P-SC-00,P-SC-01\n1,0\n1,x\n".to_vec())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let msg = body["message"].as_str().unwrap();
    assert!(msg.contains("row") || msg.contains("line"), "names the row: {msg}");
    let (s, body) = app
        .post_raw(Some(&board), "/api/v1/calibrations", "text/csv", b"P-SC-00,NOPE-1\n1,0\n0,1\n".to_vec())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["message"].as_str().unwrap().contains("NOPE-1"), "{body}");
    let (s, body) = app
        .post_raw(Some(&board), "/api/v1/calibrations?model=4pl", "text/csv", b"P-SC-00\n1\n".to_vec())
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
}
both_backends!(bad_response_files_are_refused);

/// `se_method=oakes` gives the standard errors `khaothi calibrate --se-method oakes` prints for the
/// same CSV (the command's options: `CalibrationOptions::default()` with Oakes' method, the report
/// from `calibration_json`), and they are not the default cross-product ones.
async fn oakes_standard_errors_on_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::assembly::import_pool(&app).await;
    let board = app.login("board").await;
    let (csv, _) = responses();

    let (s, body) =
        app.post_raw(Some(&board), "/api/v1/calibrations?se_method=louis", "text/csv", csv.clone()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("louis"), "{body}");

    let oakes =
        crate::calibration_jobs::calibrate_and_wait(&app, &board, "?se_method=oakes", csv.clone()).await;
    let xpd = crate::calibration_jobs::calibrate_and_wait(&app, &board, "?se_method=xpd", csv.clone()).await;
    assert_eq!(oakes["report"]["se_method"], "oakes", "{}", oakes["report"]);
    assert_eq!(xpd["report"]["se_method"], "cross_product");

    let m = khaothi_irt::csv::read_responses(csv.as_slice()).unwrap();
    let opts = khaothi_irt::CalibrationOptions {
        se_method: khaothi_irt::calibrate::SeMethod::Oakes,
        ..Default::default()
    };
    let cli = khaothi_irt::params::calibration_json(&khaothi_irt::calibrate(&m, &opts).unwrap());
    let (got, want, other) = (
        oakes["report"]["items"].as_array().unwrap(),
        cli["items"].as_array().unwrap(),
        xpd["report"]["items"].as_array().unwrap(),
    );
    assert_eq!(got.len(), 24);
    let mut largest_gap = 0.0f64;
    for ((g, w), x) in got.iter().zip(want).zip(other) {
        assert_eq!(g["id"], w["id"]);
        for key in ["a", "b", "se_a", "se_b"] {
            let (g, w) = (g[key].as_f64().unwrap(), w[key].as_f64().unwrap());
            assert!((g - w).abs() <= 1e-9 * w.abs().max(1.0), "{key}: bank {g}, CLI {w}");
        }
        let (o, c) = (g["se_a"].as_f64().unwrap(), x["se_a"].as_f64().unwrap());
        largest_gap = largest_gap.max((o - c).abs() / c);
    }
    // the two methods estimate the same covariance: close, never identical in a finite sample
    assert!(largest_gap > 1e-4 && largest_gap < 0.25, "Oakes against XPD: {largest_gap}");
}
both_backends!(oakes_standard_errors_on_request);
