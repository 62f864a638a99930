//! Suggested enemies: near-duplicate items shown to a reviewer or the board, confirmed or dismissed;
//! confirmed pairs are kept apart by the bank's assembly.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::assembly::{BLUEPRINT, poll, pool};
use crate::both_backends;
use crate::common::{Backend, TestApp};

fn has_pair(body: &Value, a: &str, b: &str) -> bool {
    body["pairs"].as_array().unwrap().iter().any(|p| p["a"] == a && p["b"] == b)
}

async fn near_duplicates_are_suggested_confirmed_and_kept_apart(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let (s, body) = app
        .post_raw(Some(&admin), "/api/v1/items/import?keep_status=true", "application/x-ndjson", pool())
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (writer, reviewer, board) =
        (app.login("writer").await, app.login("reviewer").await, app.login("board").await);

    let (s, _) = app.get(Some(&writer), "/api/v1/enemy-suggestions?subject=toan").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) = app.get(Some(&reviewer), "/api/v1/enemy-suggestions?subject=toan&threshold=0.1").await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_threshold")), "{body}");

    // The pool's single-choice items are one template with other numbers: every pair is suggested.
    let (s, body) = app.get(Some(&reviewer), "/api/v1/enemy-suggestions?subject=toan").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["items"], 40);
    assert!(has_pair(&body, "P-SC-00", "P-SC-01"), "{body}");
    assert!(body["comparisons"].as_u64().unwrap() <= 40 * 39 / 2);
    assert!(!has_pair(&body, "P-SC-00", "P-SA-00"), "a single choice and a short answer are not alike");

    // A reviewer dismisses one pair, the board confirms the most informative items as enemies.
    let decide = |who: String, a: &str, b: &str, d: &str| {
        let app = &app;
        let body = json!({"a": a, "b": b, "decision": d});
        async move { app.post(Some(&who), "/api/v1/enemy-suggestions/decisions", body).await }
    };
    let (s, d) = decide(reviewer.clone(), "P-SC-01", "P-SC-00", "dismiss").await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(
        (d["a"].as_str(), d["b"].as_str(), d["state"].as_str()),
        (Some("P-SC-00"), Some("P-SC-01"), Some("dismissed"))
    );
    assert!(d["similarity"].as_f64().unwrap() > 0.9, "{d}");
    let (s, _) = decide(writer.clone(), "P-SC-02", "P-SC-03", "confirm").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, e) = decide(board.clone(), "P-SC-02", "P-SC-02", "confirm").await;
    assert_eq!((s, e["error"].as_str()), (StatusCode::BAD_REQUEST, Some("same_item")));
    let (s, _) = decide(board.clone(), "P-SC-02", "NOPE", "confirm").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let top: Vec<String> = (17..24).map(|i| format!("P-SC-{i:02}")).collect();
    for (k, a) in top.iter().enumerate() {
        for b in &top[k + 1..] {
            let (s, d) = decide(board.clone(), a, b, "confirm").await;
            assert_eq!((s, d["state"].as_str()), (StatusCode::OK, Some("confirmed")), "{d}");
        }
    }
    let (_, body) = app.get(Some(&reviewer), "/api/v1/enemy-suggestions?subject=toan").await;
    assert!(!has_pair(&body, "P-SC-00", "P-SC-01"), "a dismissed pair is not suggested again");
    assert!(!has_pair(&body, "P-SC-17", "P-SC-18"), "a confirmed pair is not suggested again");
    let (s, pairs) = app.get(Some(&board), "/api/v1/enemy-pairs?state=confirmed").await;
    assert_eq!((s, pairs.as_array().unwrap().len()), (StatusCode::OK, 21), "{pairs}");
    let (s, _) = app.get(Some(&board), "/api/v1/enemy-pairs?state=maybe").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // The assembly keeps confirmed enemies apart: at most one of the seven on each form.
    let (s, bp) =
        app.post_raw(Some(&board), "/api/v1/blueprints", "application/yaml", BLUEPRINT.into()).await;
    assert_eq!(s, StatusCode::CREATED, "{bp}");
    let path = format!("/api/v1/blueprints/{}/assemble", bp["id"].as_str().unwrap());
    let (s, job) = app.post(Some(&board), &path, json!({"seed": 7, "time_limit": 30})).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{job}");
    let job = poll(&app, &board, job["id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "done", "{job}");
    for form_id in job["forms"].as_array().unwrap() {
        let (_, form) = app.get(Some(&board), &format!("/api/v1/forms/{}", form_id.as_str().unwrap())).await;
        let on: Vec<&str> =
            form["form"]["items"].as_array().unwrap().iter().filter_map(|i| i["item_id"].as_str()).collect();
        let enemies_on = on.iter().filter(|id| top.iter().any(|t| t == *id)).count();
        assert!(enemies_on <= 1, "confirmed enemies share a form: {on:?}");
    }
}
both_backends!(near_duplicates_are_suggested_confirmed_and_kept_apart);
