//! Issue 19 in the bank: a multiple-group calibration job (`?group_column=`) and linking two
//! stored runs (`POST /api/v1/calibrations/link`, board only).

use khaothi_irt::ItemModel;
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::calibration_jobs::calibrate_and_wait;
use crate::common::{Backend, TestApp};

/// Responses of `n` persons drawn from N(mean, sd²) to the 24 P-SC items (their `calibration`
/// test truth), with a `year` column when `year` is given.
fn year_csv(year: Option<&str>, n: usize, mean: f64, sd: f64, seed: u64) -> String {
    let models: Vec<ItemModel> =
        (0..24).map(|i| ItemModel::TwoPl { a: 0.8 + i as f64 * 0.05, b: -1.5 + i as f64 * 0.12 }).collect();
    let ids: Vec<String> = (0..24).map(|i| format!("P-SC-{i:02}")).collect();
    let thetas = khaothi_irt::simulate::draw_thetas(n, mean, sd, seed);
    let m = khaothi_irt::simulate::simulate_responses_with_ids(&models, ids.clone(), &thetas, seed + 1);
    let mut csv = String::new();
    if year.is_some() {
        csv.push_str("year,");
    }
    csv.push_str(&ids.join(","));
    csv.push('\n');
    for p in 0..n {
        if let Some(y) = year {
            csv.push_str(y);
            csv.push(',');
        }
        csv.push_str(&m.row(p).iter().map(|x| x.to_string()).collect::<Vec<_>>().join(","));
        csv.push('\n');
    }
    csv
}

async fn groups_and_linking(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::assembly::import_pool(&app).await;
    let board = app.login("board").await;

    // one upload, two years: the 2026 candidates' mean and SD on the 2025 scale
    let mut both = year_csv(Some("2025"), 1500, 0.0, 1.0, 31);
    both.push_str(year_csv(Some("2026"), 1500, 0.5, 1.2, 41).split_once('\n').unwrap().1);
    let run = calibrate_and_wait(&app, &board, "?group_column=year", both.clone().into_bytes()).await;
    let groups = run["report"]["groups"].as_array().expect("groups in the report");
    assert_eq!(groups[0]["name"], "2025");
    assert_eq!(groups[0]["sd"], 1.0);
    assert!((groups[1]["mean"].as_f64().unwrap() - 0.5).abs() < 0.15, "{groups:?}");
    assert!((groups[1]["sd"].as_f64().unwrap() - 1.2).abs() < 0.15, "{groups:?}");
    assert!(groups[1]["se_mean"].as_f64().unwrap() > 0.0);
    // the multiple-group M2: 2 × (24 + 276) moments, 48 item parameters and the 2026 mean and SD
    let fit = &run["report"]["fit"];
    assert_eq!((fit["groups"].as_u64(), fit["df"].as_i64()), (Some(2), Some(600 - 50)), "{fit}");
    assert!(fit["p"].as_f64().unwrap() > 0.001, "{fit}");
    let (s, body) = app
        .post_raw(
            Some(&board),
            "/api/v1/calibrations?group_column=year&reference=2030",
            "text/csv",
            both.clone().into_bytes(),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("2030"), "{body}");
    let (s, body) = app
        .post_raw(Some(&board), "/api/v1/calibrations?group_column=nam", "text/csv", both.into_bytes())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, _) = app
        .post_raw(Some(&board), "/api/v1/calibrations?reference=2025", "text/csv", b"x\n1\n".to_vec())
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // two separate free calibrations, each on its own year's N(0, 1): θ_2025 = A·θ_2026 + B
    let base = calibrate_and_wait(&app, &board, "", year_csv(None, 1500, 0.0, 1.0, 51).into_bytes()).await;
    let new = calibrate_and_wait(&app, &board, "", year_csv(None, 1500, 0.5, 1.2, 61).into_bytes()).await;
    let request =
        json!({"method": "stocking-lord", "base": base["run_id"], "new": new["run_id"], "drift": true});
    for who in ["writer", "reviewer"] {
        let token = app.login(who).await;
        let (s, _) = app.post(Some(&token), "/api/v1/calibrations/link", request.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
    }
    let (s, out) = app.post(Some(&board), "/api/v1/calibrations/link", request).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert!((out["A"].as_f64().unwrap() - 1.2).abs() < 0.15, "{out}");
    assert!((out["B"].as_f64().unwrap() - 0.5).abs() < 0.15, "{out}");
    assert_eq!(out["n_common"], 24);
    assert_eq!(out["items"].as_array().unwrap().len(), 24);
    assert!(out["drift"]["items"].as_array().unwrap().len() == 24, "{out}");

    let only = json!({"method": "mean-sigma", "base": base["run_id"], "new": new["run_id"], "common": ["P-SC-00", "P-SC-01"]});
    let (s, out) = app.post(Some(&board), "/api/v1/calibrations/link", only).await;
    assert_eq!((s, out["common"].clone()), (StatusCode::OK, json!(["P-SC-00", "P-SC-01"])));
    let bad =
        json!({"method": "haebara", "base": base["run_id"], "new": new["run_id"], "common": ["P-TF-00"]});
    let (s, body) = app.post(Some(&board), "/api/v1/calibrations/link", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("P-TF-00"));
    let missing = json!({"method": "haebara", "base": "CAL-none", "new": new["run_id"]});
    let (s, _) = app.post(Some(&board), "/api/v1/calibrations/link", missing).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .post(
            Some(&board),
            "/api/v1/calibrations/link",
            json!({"method": "equipercentile", "base": "a", "new": "b"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "an unknown method is a malformed request");
}
both_backends!(groups_and_linking);
