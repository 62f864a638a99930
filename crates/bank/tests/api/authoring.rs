//! The editor's draft preview and the history view's word diff.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::{Backend, TestApp, assert_error, sample_item};

fn fields(body: &Value, key: &str) -> Vec<String> {
    body[key].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect()
}

async fn preview_renders_a_draft_and_lists_the_banks_own_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;

    // A valid item: the candidate's rendering (MathML, labelled options, no key), no errors.
    let (s, body) = app.post(Some(&writer), "/api/v1/items/preview", sample_item("TOAN12-7001")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let html = body["html"].as_str().unwrap();
    assert!(html.contains("<math") && html.contains("data-option=\"D\""), "{html}");
    assert_eq!(body["errors"], json!([]));
    // The same HTML as the stored item's preview once saved: one renderer.
    let (s, _) = app.post(Some(&writer), "/api/v1/items", sample_item("TOAN12-7001")).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, stored) = app.get(Some(&writer), "/api/v1/items/TOAN12-7001/preview").await;
    assert_eq!(stored["html"], body["html"]);

    // Half-written: bad LaTeX in one option, no key, a grade out of range, an unknown field. The
    // rest still renders; each problem is named by its field, as a save would.
    let mut draft = sample_item("TOAN12-7002");
    draft["options"][1] = json!("$\\frac{1}{$");
    draft["grade"] = json!(13);
    draft["colour"] = json!("red");
    draft.as_object_mut().unwrap().remove("key");
    let (s, body) = app.post(Some(&writer), "/api/v1/items/preview", draft).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let errors = fields(&body, "errors");
    for f in ["colour", "key", "grade", "options[1]"] {
        assert!(errors.contains(&f.to_string()), "{f} missing from {errors:?}");
    }
    let html = body["html"].as_str().unwrap();
    assert!(html.contains("<math") && html.contains("class=\"render-error\""), "{html}");

    // A field of the wrong type: the path is named and the text still renders.
    let mut draft = sample_item("TOAN12-7003");
    draft["level"] = json!("rat_kho");
    let (_, body) = app.post(Some(&writer), "/api/v1/items/preview", draft).await;
    assert_eq!(fields(&body, "errors"), ["level"]);
    assert!(body["html"].as_str().unwrap().contains("nghịch biến"));

    // Hostile text is inert: raw HTML shows as text, javascript: links are dropped.
    let mut draft = sample_item("TOAN12-7004");
    draft["stem"] =
        json!("<script>alert(1)</script> <img src=x onerror=alert(2)>\n\n[a](javascript:alert(3))");
    let (_, body) = app.post(Some(&writer), "/api/v1/items/preview", draft).await;
    let html = body["html"].as_str().unwrap();
    assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("href"), "{html}");
}
both_backends!(preview_renders_a_draft_and_lists_the_banks_own_errors);

async fn preview_checks_references_and_roles(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let mut draft = sample_item("TOAN12-7101");
    draft["stimulus"] = json!("NO-SUCH-PASSAGE");
    draft["enemies"] = json!(["NO-SUCH-ITEM"]);
    draft["media"] = json!(["unused.png"]);
    let (s, body) = app.post(Some(&writer), "/api/v1/items/preview", draft).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(fields(&body, "errors"), ["stimulus"]);
    assert_eq!(fields(&body, "warnings"), ["enemies[0]", "media[0]"]);

    // Only authors preview drafts; the body must be an item.
    let board = app.login("board").await;
    let (s, body) = app.post(Some(&board), "/api/v1/items/preview", sample_item("X")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_error(&body, "forbidden");
    let (s, _) = app.post(None, "/api/v1/items/preview", sample_item("X")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, body) = app.post(Some(&writer), "/api/v1/items/preview", json!([1, 2])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_error(&body, "invalid_json");
}
both_backends!(preview_checks_references_and_roles);

/// The changed fields of a diff answer, and the ops of one field.
fn changed(body: &Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["changed"] == true)
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect()
}

fn ops_of(body: &Value, field: &str) -> Value {
    body["fields"].as_array().unwrap().iter().find(|f| f["field"] == field).unwrap()["ops"].clone()
}

async fn diff_shows_word_changes_between_versions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let (s, _) = app.post(Some(&writer), "/api/v1/items", sample_item("TOAN12-7201")).await;
    assert_eq!(s, StatusCode::CREATED);
    let mut v2 = sample_item("TOAN12-7201");
    v2["stem"] = json!("Hàm số $y = x^3 - 3x$ đồng biến trên khoảng nào dưới đây?");
    v2["key"] = json!("B");
    let (s, _) = app.put(Some(&writer), "/api/v1/items/TOAN12-7201", v2).await;
    assert_eq!(s, StatusCode::OK);

    // Default: the version before the current one against the current one.
    let (s, body) = app.get(Some(&writer), "/api/v1/items/TOAN12-7201/diff").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!((body["from"].as_i64(), body["to"].as_i64()), (Some(1), Some(2)));
    assert_eq!(changed(&body), ["stem", "key"]);
    let ops = ops_of(&body, "stem");
    assert!(ops.as_array().unwrap().contains(&json!({"op": "delete", "text": "nghịch"})), "{ops}");
    assert!(ops.as_array().unwrap().contains(&json!({"op": "insert", "text": "đồng"})), "{ops}");
    // The same version twice: nothing changed.
    let (_, same) = app.get(Some(&writer), "/api/v1/items/TOAN12-7201/diff?from=2&to=2").await;
    assert!(changed(&same).is_empty());

    let (s, body) = app.get(Some(&writer), "/api/v1/items/TOAN12-7201/diff?from=1&to=9").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
    let (s, body) = app.get(Some(&writer), "/api/v1/items/TOAN12-7201/diff?from=x").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    // A draft is invisible to the board, so is its diff.
    let board = app.login("board").await;
    let (s, _) = app.get(Some(&board), "/api/v1/items/TOAN12-7201/diff").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
both_backends!(diff_shows_word_changes_between_versions);

async fn another_writer_sees_no_key_in_a_diff(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let reviewer = app.login("reviewer").await;
    let (s, _) = app.post(Some(&writer), "/api/v1/items", sample_item("TOAN12-7301")).await;
    assert_eq!(s, StatusCode::CREATED);
    let mut v2 = sample_item("TOAN12-7301");
    v2["key"] = json!("C");
    v2["options"][2] = json!("$(0; 1)$");
    app.put(Some(&writer), "/api/v1/items/TOAN12-7301", v2).await;
    for step in ["submit", "approve"] {
        let token = if step == "submit" { &writer } else { &reviewer };
        let (s, b) = app.post(Some(token), &format!("/api/v1/items/TOAN12-7301/{step}"), json!({})).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    // v1 is a draft that was never approved: another writer may not read it.
    let other = app.user("writer2", "item_writer").await;
    let (s, _) = app.get(Some(&other), "/api/v1/items/TOAN12-7301/diff").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, body) = app.get(Some(&other), "/api/v1/items/TOAN12-7301/diff?from=2&to=2").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let names: Vec<&str> =
        body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert!(names.contains(&"stem") && !names.contains(&"key"), "{names:?}");
    // The reviewer sees the key change.
    let (_, body) = app.get(Some(&reviewer), "/api/v1/items/TOAN12-7301/diff?from=2&to=2").await;
    assert!(body["fields"].as_array().unwrap().iter().any(|f| f["field"] == "key"));
}
both_backends!(another_writer_sees_no_key_in_a_diff);
