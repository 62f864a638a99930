//! Question confidentiality (issue 16, finding 12): another writer's approved item is found without
//! its answer, keys are shown to the writer, reviewers and the board and audited each time, and a
//! closed bank hides others' items from writers altogether.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::{Backend, TestApp, sample_item};

/// A worked solution: it reveals the key, so it is redacted wherever the key is.
const SOLUTION: &str = "Lời giải: phương án A đúng vì hàm nghịch biến.";

/// Writes (with a worked solution), submits and approves `id` as `writer`; the reviewer approves.
async fn approved_item(app: &TestApp, writer: &str, id: &str) {
    let reviewer = app.login("reviewer").await;
    let mut item = sample_item(id);
    item["solution"] = json!(SOLUTION);
    let (s, body) = app.post(Some(writer), "/api/v1/items", item).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, body) = app.post(Some(writer), &format!("/api/v1/items/{id}/submit"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = app.post(Some(&reviewer), &format!("/api/v1/items/{id}/approve"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
}

fn key_reads(audit: &Value, actor: &str) -> usize {
    audit["entries"].as_array().unwrap().iter().filter(|e| e["actor"] == actor).count()
}

async fn others_see_approved_items_without_keys(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let other = app.user("teacher2", "item_writer").await;
    approved_item(&app, &writer, "CONF-1").await;

    let (s, own) = app.get(Some(&writer), "/api/v1/items/CONF-1").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(own["item"]["key"], "A", "the writer sees the key of their own item");
    assert_eq!(own["item"]["solution"], SOLUTION, "and the solution");
    assert!(own.get("redacted").is_none(), "{own}");

    let (s, seen) = app.get(Some(&other), "/api/v1/items/CONF-1").await;
    assert_eq!(s, StatusCode::OK, "{seen}");
    assert!(seen["item"].get("key").is_none(), "another writer gets no key: {seen}");
    assert_eq!(seen["item"]["stem"], sample_item("CONF-1")["stem"], "the rest is there");
    assert!(seen["item"].get("solution").is_none(), "nor the solution: {seen}");
    assert!(seen["redacted"].as_array().unwrap().contains(&json!("key")), "{seen}");
    let (_, old) = app.get(Some(&other), "/api/v1/items/CONF-1/versions/1").await;
    assert!(old["item"].get("key").is_none(), "nor through a version: {old}");

    let (_, page) = app.get(Some(&other), "/api/v1/items?q=nghich").await;
    let listed = &page["items"][0];
    assert_eq!(listed["id"], "CONF-1", "{page}");
    assert!(listed["item"].get("key").is_none(), "nor through the list: {listed}");
    assert!(listed["item"].get("solution").is_none(), "nor its solution: {listed}");
    let res =
        app.client.get(format!("{}/api/v1/items/export", app.url)).bearer_auth(&other).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert!(text.contains("CONF-1") && !text.contains("\"key\""), "nor through an export: {text}");
    assert!(!text.contains("Lời giải"), "the export has no solution either: {text}");

    for who in ["reviewer", "board"] {
        let token = app.login(who).await;
        let (s, full) = app.get(Some(&token), "/api/v1/items/CONF-1").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(full["item"]["key"], "A", "{who} sees the key");
        assert_eq!(full["item"]["solution"], SOLUTION, "{who} sees the solution");
    }
    let admin = app.login("admin").await;
    let (_, audit) = app.get(Some(&admin), "/api/v1/audit?action=item_key_read&per_page=100").await;
    for who in ["writer", "reviewer", "board"] {
        assert!(key_reads(&audit, who) >= 1, "{who}'s key read is audited: {audit}");
    }
    assert_eq!(key_reads(&audit, "teacher2"), 0, "no key was shown to teacher2: {audit}");
}
both_backends!(others_see_approved_items_without_keys);

async fn a_closed_bank_shows_writers_only_their_own(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let other = app.user("teacher2", "item_writer").await;
    approved_item(&app, &writer, "CLOSED-1").await;
    let (s, settings) = app.get(Some(&other), "/api/v1/organisation/settings").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(settings["closed_bank"], false, "a bank is open by default");

    let (s, body) =
        app.put(Some(&writer), "/api/v1/organisation/settings", json!({"closed_bank": true})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "writers do not close the bank: {body}");
    let board = app.login("board").await;
    let (s, body) =
        app.put(Some(&board), "/api/v1/organisation/settings", json!({"closed_bank": true})).await;
    assert_eq!(s, StatusCode::OK, "{body}");

    for path in
        ["/api/v1/items/CLOSED-1", "/api/v1/items/CLOSED-1/versions", "/api/v1/items/CLOSED-1/preview"]
    {
        let (s, body) = app.get(Some(&other), path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (_, page) = app.get(Some(&other), "/api/v1/items").await;
    assert_eq!(page["total"], 0, "{page}");
    let (s, own) = app.get(Some(&writer), "/api/v1/items/CLOSED-1").await;
    assert_eq!(s, StatusCode::OK, "the writer still reads their own: {own}");
    let (_, page) = app.get(Some(&board), "/api/v1/items").await;
    assert_eq!(page["total"], 1, "the board is not a writer: {page}");

    let admin = app.login("admin").await;
    let (_, audit) = app.get(Some(&admin), "/api/v1/audit?action=org_settings_set").await;
    assert_eq!(audit["entries"][0]["actor"], "board", "{audit}");
    assert_eq!(audit["entries"][0]["detail"]["closed_bank"]["to"], true);

    let (s, _) = app.put(Some(&board), "/api/v1/organisation/settings", json!({"closed_bank": false})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get(Some(&other), "/api/v1/items/CLOSED-1").await;
    assert_eq!(s, StatusCode::OK, "reopened");
}
both_backends!(a_closed_bank_shows_writers_only_their_own);
