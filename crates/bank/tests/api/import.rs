//! Bulk import with a per-line report in both modes, and export back to the interchange format.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::{Backend, TestApp, sample_item};

fn jsonl(lines: &[String]) -> Vec<u8> {
    lines.join("\n").into_bytes()
}

fn file_with_bad_lines() -> Vec<u8> {
    let good1 = sample_item("IMP-1").to_string();
    let mut with_extra = sample_item("IMP-2");
    with_extra["source"] = json!("SGK Toán 12");
    let bad_key = sample_item("IMP-3").to_string().replace("\"key\":\"A\"", "\"key\":\"F\"");
    let broken = "{\"id\": \"IMP-4\", \"subject\": ".to_string();
    let mut bad_latex = sample_item("IMP-5");
    bad_latex["stem"] = json!("Tính $\\sqrt{2$");
    jsonl(&[good1, with_extra.to_string(), String::new(), bad_key, broken, bad_latex.to_string()])
}

fn line(report: &Value, n: u64) -> &Value {
    report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line"] == n)
        .unwrap_or_else(|| panic!("no line {n}: {report}"))
}

async fn import_all_or_nothing_refuses_the_file(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let (s, body) = app
        .post_raw(
            Some(&writer),
            "/api/v1/items/import?mode=all_or_nothing",
            "application/x-ndjson",
            file_with_bad_lines(),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "rejected");
    let report = &body["report"];
    assert_eq!(line(report, 1)["status"], "ok");
    assert_eq!(line(report, 2)["status"], "warning");
    assert_eq!(line(report, 4)["status"], "error");
    assert!(line(report, 4)["messages"].to_string().contains("key"), "{report}");
    assert_eq!(line(report, 5)["status"], "error");
    assert_eq!(line(report, 6)["status"], "error");
    for n in [1, 2, 4, 5, 6] {
        assert_eq!(line(report, n)["outcome"], "skipped", "line {n}");
    }
    let (_, page) = app.get(Some(&writer), "/api/v1/items").await;
    assert_eq!(page["total"], 0, "nothing imported: {page}");
}
both_backends!(import_all_or_nothing_refuses_the_file);

async fn import_skip_bad_keeps_the_good_lines(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let (s, body) = app
        .post_raw(
            Some(&writer),
            "/api/v1/items/import?mode=skip_bad",
            "application/x-ndjson",
            file_with_bad_lines(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["created"], 2);
    assert_eq!(body["skipped"], 3);
    let report = &body["report"];
    assert_eq!(line(report, 1)["outcome"], "imported");
    assert_eq!(line(report, 2)["outcome"], "imported");
    assert!(line(report, 2)["messages"].to_string().contains("source"), "unknown field reported: {report}");
    for n in [4, 5, 6] {
        assert_eq!(line(report, n)["outcome"], "skipped", "line {n}: {report}");
    }
    let (_, page) = app.get(Some(&writer), "/api/v1/items").await;
    assert_eq!(page["total"], 2);

    // Re-importing the same file changes nothing; an edited line makes a new version.
    let (s, again) = app
        .post_raw(
            Some(&writer),
            "/api/v1/items/import?mode=skip_bad",
            "application/x-ndjson",
            file_with_bad_lines(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again["unchanged"], 2, "{again}");
    let mut changed = sample_item("IMP-1");
    changed["stem"] = json!("Hàm số $y = x^3 - 3x + 1$ nghịch biến trên khoảng nào?");
    let (s, body) = app
        .post_raw(
            Some(&writer),
            "/api/v1/items/import",
            "application/x-ndjson",
            changed.to_string().into_bytes(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["new_versions"], 1);
    let (_, item) = app.get(Some(&writer), "/api/v1/items/IMP-1").await;
    assert_eq!(item["version"], 2);
}
both_backends!(import_skip_bad_keeps_the_good_lines);

async fn legacy_encodings_and_status_rules(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    // Windows-1258 bytes: not UTF-8, refused with a message naming the legacy encodings.
    let (s, body) = app
        .post_raw(
            Some(&writer),
            "/api/v1/items/import",
            "application/x-ndjson",
            b"{\"stem\":\"H\xe0m s\xf4\"}".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["message"].as_str().unwrap().contains("TCVN3"), "{body}");
    // A writer's import cannot approve items: status is reset to draft with a warning.
    let mut approved = sample_item("IMP-APP");
    approved["status"] = json!("approved");
    let (s, body) = app
        .post_raw(
            Some(&writer),
            "/api/v1/items/import",
            "application/x-ndjson",
            approved.to_string().into_bytes(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(line(&body["report"], 1)["messages"].to_string().contains("draft"), "{body}");
    let (_, item) = app.get(Some(&writer), "/api/v1/items/IMP-APP").await;
    assert_eq!(item["status"], "draft");
}
both_backends!(legacy_encodings_and_status_rules);

async fn export_round_trips(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let mut lines = Vec::new();
    for i in 0..5 {
        let mut it = sample_item(&format!("EXP-{i}"));
        it["status"] = json!("approved");
        lines.push(it.to_string());
    }
    let tf = json!({"id": "EXP-TF", "subject": "vat_ly", "grade": 12, "topic": "12.2.1", "level": "hieu",
        "kind": "true_false_group", "stem": "Xét một lượng khí lý tưởng.", "status": "approved",
        "statements": ["Áp suất tăng khi nén đẳng nhiệt.", {"text": "$pV$ không đổi khi đẳng nhiệt.", "level": "biet"},
            "Nhiệt độ tuyệt đối có thể âm.", "Nội năng chỉ phụ thuộc nhiệt độ."],
        "keys": [true, true, false, true], "irt": {"model": "gpcm", "a": 0.9, "thresholds": [-1.0, -0.2, 0.4, 1.1]}});
    lines.push(tf.to_string());
    let (s, body) = app
        .post_raw(
            Some(&admin),
            "/api/v1/items/import?keep_status=true",
            "application/x-ndjson",
            jsonl(&lines),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["created"], 6);
    let board = app.login("board").await;
    let res = app
        .client
        .get(format!("{}/api/v1/items/export?subject=vat_ly", app.url))
        .bearer_auth(&board)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    let exported: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0]["keys"], tf["keys"]);
    assert_eq!(exported[0]["statements"][1]["level"], "biet");
    assert_eq!(exported[0]["irt"]["thresholds"], tf["irt"]["thresholds"]);
    // Importing the export into a fresh bank gives the same items.
    let other = TestApp::spawn(backend).await;
    let admin2 = other.login("admin").await;
    let (s, body) = other
        .post_raw(
            Some(&admin2),
            "/api/v1/items/import?keep_status=true",
            "application/x-ndjson",
            text.into_bytes(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["created"], 1);
}
both_backends!(export_round_trips);

/// Finding 11: an admin's plain import lands as draft like anyone's; keeping the file's status or
/// naming an owner is an explicit option, admin only, and written into the audit log.
async fn imports_land_as_draft_unless_an_admin_keeps_the_status(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, writer) = (app.login("admin").await, app.login("writer").await);
    let approved = |id: &str| {
        let mut it = sample_item(id);
        it["status"] = json!("approved");
        jsonl(&[it.to_string()])
    };
    let (s, body) =
        app.post_raw(Some(&admin), "/api/v1/items/import", "application/x-ndjson", approved("MIG-1")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(line(&body["report"], 1)["status"], "warning", "the reset is reported: {body}");
    let (_, item) = app.get(Some(&admin), "/api/v1/items/MIG-1").await;
    assert_eq!(item["status"], "draft", "an admin's plain import skips no review");

    for (who, query) in [(&writer, "keep_status=true"), (&writer, "owner=writer")] {
        let url = format!("/api/v1/items/import?{query}");
        let (s, body) = app.post_raw(Some(who), &url, "application/x-ndjson", approved("MIG-2")).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{query}: {body}");
    }
    let (s, body) = app
        .post_raw(
            Some(&admin),
            "/api/v1/items/import?owner=nobody",
            "application/x-ndjson",
            approved("MIG-2"),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("nobody"), "{body}");

    let url = "/api/v1/items/import?keep_status=true&owner=writer";
    let (s, body) = app.post_raw(Some(&admin), url, "application/x-ndjson", approved("MIG-3")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (_, item) = app.get(Some(&writer), "/api/v1/items/MIG-3").await;
    assert_eq!(item["status"], "approved");
    let (_, history) = app.get(Some(&writer), "/api/v1/items/MIG-3/versions").await;
    assert_eq!(history["versions"][0]["created_by"], "writer", "{history}");
    let (_, audit) = app.get(Some(&admin), "/api/v1/audit?action=items_import").await;
    let kept: Vec<&Value> =
        audit["entries"].as_array().unwrap().iter().filter(|e| e["detail"]["keep_status"] == true).collect();
    assert_eq!(kept.len(), 1, "{audit}");
    assert_eq!(kept[0]["actor"], "admin");
    assert_eq!(kept[0]["detail"]["owner"], "writer");
}
both_backends!(imports_land_as_draft_unless_an_admin_keeps_the_status);
