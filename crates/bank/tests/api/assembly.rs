//! The board assembles, inspects, freezes and prints forms through the API.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::{Backend, TestApp};

/// An approved, calibrated pool: 24 single choice, 8 true/false groups, 8 short answers.
pub fn pool() -> Vec<u8> {
    let mut lines = Vec::new();
    let levels = ["biet", "hieu", "van_dung"];
    for i in 0..24 {
        lines.push(json!({
            "id": format!("P-SC-{i:02}"), "subject": "toan", "grade": 12,
            "topic": if i % 2 == 0 { "12.1.1" } else { "12.2.1" }, "level": levels[i % 3],
            "kind": "single_choice", "stem": format!("Tính giá trị của ${i} + {}$.", i + 1),
            "options": [format!("{}", 2 * i + 1), format!("{}", 2 * i), format!("{}", 2 * i + 2), format!("{}", 2 * i + 3)],
            "key": "A", "status": "approved",
            "irt": {"model": "2pl", "a": 0.8 + (i as f64) * 0.05, "b": -1.5 + (i as f64) * 0.12}
        }));
    }
    for i in 0..8 {
        lines.push(json!({
            "id": format!("P-TF-{i:02}"), "subject": "toan", "grade": 12, "topic": "12.3.1", "level": "hieu",
            "kind": "true_false_group", "stem": format!("Cho hàm số $f(x) = x^2 - {i}x$. Xét các mệnh đề sau."),
            "statements": ["$f(0) = 0$.", "$f$ là hàm số lẻ.", "$f'(x) = 2x$ khi $i=0$.", "Đồ thị là một parabol."],
            "keys": [true, false, true, true], "status": "approved",
            "irt": {"model": "gpcm", "a": 0.9, "thresholds": [-1.5, -0.5, 0.3, 1.2]}
        }));
    }
    for i in 0..8 {
        lines.push(json!({
            "id": format!("P-SA-{i:02}"), "subject": "toan", "grade": 12, "topic": "12.4.1", "level": "van_dung",
            "kind": "short_answer", "stem": format!("Tính $\\int_0^{{{}}} 2x\\,dx$.", i + 1),
            "answer": format!("{}", (i + 1) * (i + 1)), "status": "approved",
            "irt": {"model": "2pl", "a": 1.1, "b": 0.2 + i as f64 * 0.1}
        }));
    }
    lines.iter().map(Value::to_string).collect::<Vec<_>>().join("\n").into_bytes()
}

pub const BLUEPRINT: &str = r#"
name: "Kiểm tra định kỳ – Toán 12"
subject: toan
duration_minutes: 45
forms: 2
versions: 3
max_overlap: 0.5
sections:
  - { kind: single_choice,    count: 6, points: 0.25 }
  - { kind: true_false_group, count: 2, points: 1.0 }
  - { kind: short_answer,     count: 2, points: 0.5 }
matrix:
  - { topic: "12.1", biet: { min: 1 }, hieu: { min: 1 } }
information:
  objective: maximin
  thetas: [-1.0, 0.0, 1.0]
"#;

/// The admin imports [`pool`] keeping its statuses and IRT parameters (a pool ready to assemble,
/// calibrate or simulate on): how most of these tests start. The import's answer.
pub async fn import_pool(app: &TestApp) -> Value {
    let admin = app.login("admin").await;
    let url = "/api/v1/items/import?keep_status=true";
    let (s, body) = app.post_raw(Some(&admin), url, "application/x-ndjson", pool()).await;
    assert_eq!(s, StatusCode::OK, "the pool's import: {body}");
    body
}

pub async fn poll(app: &TestApp, token: &str, job: &str) -> Value {
    for _ in 0..600 {
        let (s, body) = app.get(Some(token), &format!("/api/v1/assembly-jobs/{job}")).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        if body["status"] != "running" {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("assembly job {job} did not finish in 60 s");
}

async fn board_assembles_freezes_and_prints(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = import_pool(&app).await;
    assert_eq!(body["created"], 40);
    let board = app.login("board").await;
    let writer = app.login("writer").await;

    let (s, body) =
        app.post_raw(Some(&writer), "/api/v1/blueprints", "application/yaml", BLUEPRINT.into()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let bad = BLUEPRINT.replace("forms: 2", "forms: two");
    let (s, body) =
        app.post_raw(Some(&board), "/api/v1/blueprints", "application/yaml", bad.into_bytes()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["message"].as_str().unwrap().contains("forms"), "names the key: {body}");

    let (s, bp) =
        app.post_raw(Some(&board), "/api/v1/blueprints", "application/yaml", BLUEPRINT.into()).await;
    assert_eq!(s, StatusCode::CREATED, "{bp}");
    let bp_id = bp["id"].as_str().unwrap();
    let (s, job) = app
        .post(
            Some(&board),
            &format!("/api/v1/blueprints/{bp_id}/assemble"),
            json!({"seed": 7, "time_limit": 30}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{job}");
    let job = poll(&app, &board, job["id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "done", "{job}");
    let forms = job["forms"].as_array().unwrap();
    assert_eq!(forms.len(), 2);

    let form_id = forms[0].as_str().unwrap();
    let (s, form) = app.get(Some(&board), &format!("/api/v1/forms/{form_id}")).await;
    assert_eq!(s, StatusCode::OK, "{form}");
    assert_eq!(form["form"]["items"].as_array().unwrap().len(), 10);
    assert!(
        form["form"]["items"].as_array().unwrap().iter().all(|i| i["version"] == 1),
        "versions pinned: {form}"
    );
    assert_eq!(form["versions"].as_array().unwrap().len(), 3);

    let (s, frozen) = app.post(Some(&board), &format!("/api/v1/forms/{form_id}/freeze"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{frozen}");
    assert_eq!(frozen["frozen_by"], "board");
    let (s, _) = app.post(Some(&board), &format!("/api/v1/forms/{form_id}/freeze"), json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);

    let code = form["versions"][1]["code"].as_str().unwrap();
    let res = app
        .client
        .get(format!("{}/api/v1/forms/{form_id}/print?version={code}", app.url))
        .bearer_auth(&board)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains(&format!("Mã đề thi {code}")) && html.contains("PHẦN I"), "{html}");
    assert!(html.contains("ĐỀ THI CHÍNH THỨC") && html.contains("(Đề thi có "), "{html}");
    assert!(!html.contains("ĐÁP ÁN"), "the paper carries no key unless asked: {html}");
    assert!(html.contains("<math"), "MathML in print");
    // The answer key, only when asked, is its own document with the version's letter counts.
    let res = app
        .client
        .get(format!("{}/api/v1/forms/{form_id}/print?version={code}&answers=true", app.url))
        .bearer_auth(&board)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let key = res.text().await.unwrap();
    assert!(key.contains(&format!("MÃ ĐỀ {code}")) && key.contains("Số đáp án phần I"), "{key}");
    assert!(!key.contains("<math"), "the key sheet has no questions: {key}");
    let (s, _) = app.get(Some(&board), &format!("/api/v1/forms/{form_id}/print?version=9999")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
both_backends!(board_assembles_freezes_and_prints);

async fn infeasible_blueprints_are_explained(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    import_pool(&app).await;
    let board = app.login("board").await;
    let greedy = BLUEPRINT.replace("count: 2, points: 0.5", "count: 10, points: 0.5");
    let (s, bp) =
        app.post_raw(Some(&board), "/api/v1/blueprints", "application/yaml", greedy.into_bytes()).await;
    assert_eq!(s, StatusCode::CREATED, "{bp}");
    let (s, job) = app
        .post(Some(&board), &format!("/api/v1/blueprints/{}/assemble", bp["id"].as_str().unwrap()), json!({}))
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let job = poll(&app, &board, job["id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "infeasible", "{}", job["error"]);
    let msg = job["error"].as_str().unwrap();
    assert!(msg.contains("short_answer") || msg.contains("8"), "explained in the board's terms: {msg}");
    assert!(job["forms"].as_array().unwrap().is_empty());
}
both_backends!(infeasible_blueprints_are_explained);
