//! A calibration run alone changes no item: its parameters are candidates until the board adopts
//! them, per item (`POST calibrations/{id}/adopt`, audited, board only).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::{Backend, TestApp};

async fn irt_of(app: &TestApp, token: &str, id: &str) -> Value {
    let (s, item) = app.get(Some(token), &format!("/api/v1/items/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{item}");
    item["item"]["irt"].clone()
}

async fn a_run_changes_nothing_until_adopted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::assembly::import_pool(&app).await;
    let admin = app.login("admin").await;
    let board = app.login("board").await;
    let before = [irt_of(&app, &board, "P-SC-05").await, irt_of(&app, &board, "P-SC-06").await];

    let run =
        crate::calibration_jobs::calibrate_and_wait(&app, &board, "", crate::calibration::responses().0)
            .await;
    let run_id = run["run_id"].as_str().unwrap();
    assert_eq!(run["items"].as_array().unwrap().len(), 24, "{run}");
    assert!(run["items"][0]["adopted_at"].is_null(), "a candidate: {run}");
    assert_eq!(irt_of(&app, &board, "P-SC-05").await, before[0], "the run alone changed no item");

    // Who may adopt, and what.
    let adopt = format!("/api/v1/calibrations/{run_id}/adopt");
    for who in ["writer", "reviewer"] {
        let token = app.login(who).await;
        let (s, body) = app.post(Some(&token), &adopt, json!({"items": ["P-SC-05"]})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}: {body}");
    }
    let (s, body) = app.post(Some(&board), &adopt, json!({"items": []})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, body) = app.post(Some(&board), &adopt, json!({"items": ["P-SC-05", "P-TF-00"]})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("P-TF-00"), "names the item the run did not estimate: {body}");
    let (s, _) =
        app.post(Some(&board), "/api/v1/calibrations/CAL-none/adopt", json!({"items": ["P-SC-05"]})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(irt_of(&app, &board, "P-SC-05").await, before[0], "refused requests changed nothing");

    // Adopting P-SC-05 only: it takes the run's parameters, P-SC-06 keeps its own.
    let (s, body) = app.post(Some(&board), &adopt, json!({"items": ["P-SC-05"]})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["adopted"][0]["item_id"], "P-SC-05");
    let irt = irt_of(&app, &board, "P-SC-05").await;
    assert_ne!(irt, before[0]);
    assert_eq!(irt["n"], 3000, "{irt}");
    assert_eq!(irt_of(&app, &board, "P-SC-06").await, before[1], "not adopted, not changed");
    let (_, again) = app.post(Some(&board), &adopt, json!({"items": ["P-SC-05"]})).await;
    assert_eq!(again["already_adopted"], json!(["P-SC-05"]), "{again}");

    let (_, view) = app.get(Some(&board), &format!("/api/v1/calibrations/{run_id}")).await;
    let adopted: Vec<&Value> =
        view["items"].as_array().unwrap().iter().filter(|i| !i["adopted_at"].is_null()).collect();
    assert_eq!(adopted.len(), 1, "{view}");
    assert_eq!(adopted[0]["adopted_by"], "board");
    let (_, log) = app.get(Some(&admin), "/api/v1/audit?action=calibration_adopt").await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 2, "every adoption audited: {log}");
}
both_backends!(a_run_changes_nothing_until_adopted);
