//! `POST blueprints/check`: YAML errors at their line and column, and the supply grid.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api_assembly::{BLUEPRINT, pool};
use crate::both_backends;
use crate::common::{Backend, TestApp, assert_error, sample_item};

const SHORT: &str = r#"
name: "Bốn đề rời nhau"
subject: toan
forms: 4
max_overlap: 0
sections:
  - { kind: single_choice,    count: 6, points: 0.25 }
  - { kind: true_false_group, count: 2, points: 1.0 }
  - { kind: short_answer,     count: 2, points: 0.5 }
matrix:
  - { topic: "12.1", biet: { min: 2 }, hieu: 1, total: { min: 3 } }
"#;

async fn check(app: &TestApp, token: &str, yaml: &str) -> (StatusCode, Value) {
    app.post_raw(Some(token), "/api/v1/blueprints/check", "application/yaml", yaml.as_bytes().to_vec()).await
}

fn cell<'a>(body: &'a Value, level: &str) -> &'a Value {
    body["grid"]["cells"].as_array().unwrap().iter().find(|c| c["level"] == level).unwrap()
}

async fn grid_compares_what_n_forms_need_with_the_approved_supply(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let (s, body) = app
        .post_raw(Some(&admin), "/api/v1/items/import?keep_status=true", "application/x-ndjson", pool())
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // A draft in the same cell is no supply.
    let writer = app.login("writer").await;
    let mut draft = sample_item("TOAN12-8001");
    draft["topic"] = json!("12.1.1");
    draft["level"] = json!("biet");
    assert_eq!(app.post(Some(&writer), "/api/v1/items", draft).await.0, StatusCode::CREATED);
    let board = app.login("board").await;

    // The assembly tests' blueprint: two forms sharing up to 5 items, plenty of supply.
    let (s, body) = check(&app, &board, BLUEPRINT).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["errors"], json!([]));
    assert_eq!(body["grid"]["forms"], 2);
    assert_eq!(body["grid"]["overlap_items"], 5);
    let biet = cell(&body, "biet");
    assert_eq!(biet["topic"], "12.1");
    assert_eq!(biet["topic_name"], "Ứng dụng đạo hàm để khảo sát và vẽ đồ thị hàm số");
    assert_eq!((biet["per_form"].as_f64(), biet["needed"].as_f64()), (Some(1.0), Some(1.0)));
    assert_eq!(biet["supply"], 4.0, "the 4 approved biet items of 12.1, not the draft");
    assert_eq!(biet["state"], "ok");

    // Four disjoint forms: 2 biet a form need 8 distinct items (short); 1 hieu needs 4 (tight).
    let (_, body) = check(&app, &board, SHORT).await;
    let biet = cell(&body, "biet");
    assert_eq!((biet["needed"].as_f64(), biet["state"].as_str()), (Some(8.0), Some("short")));
    let hieu = cell(&body, "hieu");
    assert_eq!((hieu["needed"].as_f64(), hieu["state"].as_str()), (Some(4.0), Some("tight")));
    let total = cell(&body, "total");
    assert_eq!((total["needed"].as_f64(), total["supply"].as_f64()), (Some(12.0), Some(12.0)));
    let sections = body["grid"]["sections"].as_array().unwrap();
    assert_eq!(sections[0]["needed"], 24.0);
    assert_eq!(sections[0]["supply"], 24.0);
    assert_eq!(sections[0]["state"], "tight");
}
both_backends!(grid_compares_what_n_forms_need_with_the_approved_supply);

async fn errors_carry_line_and_column(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let board = app.login("board").await;
    // A type error: the parser's own location.
    let (s, body) = check(&app, &board, &SHORT.replace("forms: 4", "forms: four")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let e = &body["errors"][0];
    assert_eq!(
        (e["key"].as_str(), e["line"].as_u64(), e["column"].as_u64()),
        (Some("forms"), Some(4), Some(8))
    );
    assert_eq!(body["grid"]["cells"], json!([]));
    // A rule broken: the line of the value and the column of its key.
    let (_, body) = check(&app, &board, &SHORT.replace("biet: { min: 2 }", "biet: { min: 3, max: 2 }")).await;
    let e = &body["errors"][0];
    assert_eq!(e["key"], "matrix[0].biet", "{body}");
    assert_eq!(e["line"], 11);
    assert_eq!(e["column"], 22, "{body}");
    assert!(e["message"].as_str().unwrap().contains("above max"));

    let writer = app.login("writer").await;
    let (s, body) = check(&app, &writer, SHORT).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_error(&body, "forbidden");
    let (s, body) =
        app.post_raw(Some(&board), "/api/v1/blueprints/check", "application/yaml", vec![0xff, 0xfe]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_error(&body, "invalid_encoding");
}
both_backends!(errors_carry_line_and_column);
