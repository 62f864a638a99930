//! `POST items/import?dry_run=true`: the import page's preview. It answers the same per-line report
//! and the counts an import would make, and writes nothing — no item, no version, no audit entry.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::{Backend, TestApp, sample_item};

fn file(lines: &[String]) -> Vec<u8> {
    lines.join("\n").into_bytes()
}

fn status_of(report: &Value, n: u64) -> &Value {
    let line = report["lines"].as_array().unwrap().iter().find(|l| l["line"] == n);
    &line.unwrap_or_else(|| panic!("no line {n}: {report}"))["status"]
}

async fn imports_in_the_audit_log(app: &TestApp) -> usize {
    let admin = app.login("admin").await;
    let (_, audit) = app.get(Some(&admin), "/api/v1/audit?action=items_import&per_page=100").await;
    audit["entries"].as_array().unwrap().len()
}

async fn dry_run_reports_and_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let bad_key = sample_item("PRE-2").to_string().replace("\"key\":\"A\"", "\"key\":\"F\"");
    let bad = file(&[sample_item("PRE-1").to_string(), bad_key]);
    for mode in ["all_or_nothing", "skip_bad"] {
        let path = format!("/api/v1/items/import?dry_run=true&mode={mode}");
        let (s, body) = app.post_raw(Some(&writer), &path, "application/x-ndjson", bad.clone()).await;
        assert_eq!(s, StatusCode::OK, "a preview with a bad line is an answer, not a refusal: {body}");
        assert_eq!(body["dry_run"], true);
        assert_eq!(status_of(&body["report"], 1), "ok");
        assert_eq!(status_of(&body["report"], 2), "error");
        assert!(body["report"].to_string().contains("key"), "{body}");
        let would = if mode == "skip_bad" { 1 } else { 0 };
        assert_eq!(body["created"], would, "{mode}: {body}");
    }
    let (_, page) = app.get(Some(&writer), "/api/v1/items").await;
    assert_eq!(page["total"], 0, "the preview stored nothing: {page}");
    assert_eq!(imports_in_the_audit_log(&app).await, 0, "and audited no import");

    // With one item stored, the preview tells unchanged and new versions apart — still writing nothing.
    let (s, _) = app
        .post_raw(
            Some(&writer),
            "/api/v1/items/import",
            "application/x-ndjson",
            file(&[sample_item("PRE-1").to_string()]),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut changed = sample_item("PRE-1");
    changed["stem"] = json!("Hàm số $y = x^3 - 3x$ đồng biến trên khoảng nào?");
    let lines = file(&[changed.to_string(), sample_item("PRE-3").to_string()]);
    let (s, body) =
        app.post_raw(Some(&writer), "/api/v1/items/import?dry_run=true", "application/x-ndjson", lines).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!((body["created"].clone(), body["new_versions"].clone()), (json!(1), json!(1)), "{body}");
    let (_, item) = app.get(Some(&writer), "/api/v1/items/PRE-1").await;
    assert_eq!(item["version"], 1, "no new version stored: {item}");
    let (s, _) = app.get(Some(&writer), "/api/v1/items/PRE-3").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(imports_in_the_audit_log(&app).await, 1, "only the real import is audited");
}
both_backends!(dry_run_reports_and_writes_nothing);

async fn dry_run_of_a_broken_file_is_refused_like_the_import(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let csv = b"id,subject\nX-1,toan\n".to_vec();
    let (s, body) =
        app.post_raw(Some(&writer), "/api/v1/items/import?dry_run=true&format=csv", "text/csv", csv).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["report"]["file_error"].is_string(), "{body}");
    let (s, body) =
        app.post_raw(None, "/api/v1/items/import?dry_run=true", "application/x-ndjson", vec![]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
}
both_backends!(dry_run_of_a_broken_file_is_refused_like_the_import);
