//! Stimuli are versioned and reviewed like items (issue 16, finding 6), items are approved only
//! against an approved stimulus, and the review queue lists both, oldest first.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::{Backend, TestApp, sample_item};

fn passage(text: &str) -> Value {
    json!({"id": "S-1", "subject": "toan", "title": "Đề bài chung", "text": text})
}

async fn stimuli_go_through_review(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let reviewer = app.login("reviewer").await;
    let other = app.user("teacher2", "item_writer").await;

    let (s, v1) = app.post(Some(&writer), "/api/v1/stimuli", passage("Cho hàm số $f(x) = x^2$.")).await;
    assert_eq!(s, StatusCode::OK, "{v1}");
    assert_eq!((v1["version"].clone(), v1["status"].clone()), (json!(1), json!("draft")));
    assert_eq!(v1["approved_version"], Value::Null);
    let (s, body) = app.post(Some(&other), "/api/v1/stimuli", passage("Đoạn văn bị sửa lén.")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "another writer cannot change it: {body}");

    let mut item = sample_item("STIM-1");
    item["stimulus"] = json!("S-1");
    let (s, body) = app.post(Some(&writer), "/api/v1/items", item).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, _) = app.post(Some(&writer), "/api/v1/items/STIM-1/submit", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = app.post(Some(&reviewer), "/api/v1/items/STIM-1/approve", json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "not against an unreviewed passage: {body}");
    assert!(body["message"].as_str().unwrap().contains("S-1"), "{body}");

    let (s, body) = app.post(Some(&reviewer), "/api/v1/stimuli/S-1/submit", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "reviewers do not submit: {body}");
    let (s, body) = app.post(Some(&writer), "/api/v1/stimuli/S-1/submit", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "in_review");
    let (s, body) = app.post(Some(&writer), "/api/v1/stimuli/S-1/approve", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "writers do not approve: {body}");

    let (s, queue) = app.get(Some(&reviewer), "/api/v1/review-queue").await;
    assert_eq!(s, StatusCode::OK, "{queue}");
    let kinds: Vec<(&str, &str)> = queue["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), e["id"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("item", "STIM-1"), ("stimulus", "S-1")], "oldest first: {queue}");
    assert_eq!(queue["counts_by_subject"]["toan"], 2);
    assert_eq!(queue["entries"][0]["own"], false);
    let (_, none) = app.get(Some(&reviewer), "/api/v1/review-queue?subject=vat_ly").await;
    assert_eq!(none["entries"].as_array().unwrap().len(), 0, "{none}");
    assert_eq!(none["counts_by_subject"]["toan"], 2, "counts cover every subject");
    let (s, _) = app.get(Some(&writer), "/api/v1/review-queue").await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (s, body) = app.post(Some(&reviewer), "/api/v1/stimuli/S-1/reject", json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a rejection needs a comment: {body}");
    let (s, body) = app.post(Some(&reviewer), "/api/v1/stimuli/S-1/approve", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["reviewed_by"], "reviewer");
    let (s, body) = app.post(Some(&reviewer), "/api/v1/items/STIM-1/approve", json!({})).await;
    assert_eq!(s, StatusCode::OK, "approved against approved passage v1: {body}");

    let (s, v2) = app.post(Some(&writer), "/api/v1/stimuli", passage("Cho hàm số $f(x) = x^3$.")).await;
    assert_eq!(s, StatusCode::OK, "{v2}");
    assert_eq!((v2["version"].clone(), v2["status"].clone()), (json!(2), json!("draft")));
    assert_eq!(v2["approved_version"], 1, "the approved text stays the one candidates get");
    let (_, history) = app.get(Some(&reviewer), "/api/v1/stimuli/S-1/versions").await;
    assert_eq!(history.as_array().unwrap().len(), 2, "{history}");
    let (s, old) = app.get(Some(&reviewer), "/api/v1/stimuli/S-1/versions/1").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(old["text"], "Cho hàm số $f(x) = x^2$.");
    assert_eq!(old["status"], "approved");
    let (s, _) = app.get(Some(&reviewer), "/api/v1/stimuli/S-1/versions/9").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
both_backends!(stimuli_go_through_review);

async fn nobody_approves_their_own_stimulus(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let (s, _) = app.post(Some(&admin), "/api/v1/stimuli", passage("Một đoạn văn.")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.post(Some(&admin), "/api/v1/stimuli/S-1/submit", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (_, queue) = app.get(Some(&admin), "/api/v1/review-queue").await;
    assert_eq!(queue["entries"][0]["own"], true, "{queue}");
    assert!(queue["entries"][0]["own_reason"].as_str().unwrap().contains("four eyes"), "{queue}");
    let (s, body) = app.post(Some(&admin), "/api/v1/stimuli/S-1/approve", json!({})).await;
    assert!(s.is_client_error(), "{s}: {body}");
    assert!(body["message"].as_str().unwrap().contains("four eyes"), "{body}");
    let (_, head) = app.get(Some(&admin), "/api/v1/stimuli/S-1").await;
    assert_eq!(head["status"], "in_review", "{head}");
}
both_backends!(nobody_approves_their_own_stimulus);
