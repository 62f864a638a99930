//! The board builds a signed, encrypted exam package from frozen forms; the file verifies against
//! the board key the bank publishes, the content key opens only the content, and no key travels
//! in the content.

use khaothi_package::{BoardPublicKey, ReleaseKey, verify_package};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::assembly::{BLUEPRINT, poll, pool};
use crate::both_backends;
use crate::common::{Backend, TestApp, assert_error};

/// Imports the pool, stores the blueprint and assembles two forms; returns their ids.
async fn two_forms(app: &TestApp, board: &str) -> Vec<String> {
    let admin = app.login("admin").await;
    let (s, body) = app
        .post_raw(Some(&admin), "/api/v1/items/import?keep_status=true", "application/x-ndjson", pool())
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, bp) = app.post_raw(Some(board), "/api/v1/blueprints", "application/yaml", BLUEPRINT.into()).await;
    assert_eq!(s, StatusCode::CREATED, "{bp}");
    let (s, job) = app
        .post(
            Some(board),
            &format!("/api/v1/blueprints/{}/assemble", bp["id"].as_str().unwrap()),
            json!({"seed": 3, "time_limit": 30}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{job}");
    let job = poll(app, board, job["id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "done", "{job}");
    job["forms"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect()
}

async fn board_builds_a_package_from_frozen_forms(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let board = app.login("board").await;
    let forms = two_forms(&app, &board).await;
    let req = json!({"event_id": "THPT-2026-TOAN", "title": "Thi thử", "forms": [forms[0]]});

    // Not frozen yet: refused with the way out.
    let (s, body) = app.post(Some(&board), "/api/v1/packages", req.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap().contains("freeze"), "{body}");
    let (s, body) = app.post(Some(&board), &format!("/api/v1/forms/{}/freeze", forms[0]), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{body}");

    // Only the board builds or reads packages.
    let writer = app.login("writer").await;
    let (s, _) = app.post(Some(&writer), "/api/v1/packages", req.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.get(Some(&writer), "/api/v1/board-key").await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (s, built) = app.post(Some(&board), "/api/v1/packages", req).await;
    assert_eq!(s, StatusCode::CREATED, "{built}");
    assert_eq!(built["manifest"]["event_id"], "THPT-2026-TOAN");
    assert_eq!(built["manifest"]["duration_minutes"], 45, "the blueprint's duration");
    assert_eq!(built["manifest"]["versions"].as_array().unwrap().len(), 3);
    let (s, key) = app.get(Some(&board), "/api/v1/board-key").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(key["public_key"], built["signer"]);

    let res = app
        .client
        .get(format!("{}{}", app.url, built["file"].as_str().unwrap()))
        .bearer_auth(&board)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    let board_key = BoardPublicKey::parse(key["public_key"].as_str().unwrap()).unwrap();
    let sealed = verify_package(&bytes, &board_key).expect("the file verifies against the bank's board key");
    let content_key = ReleaseKey::parse(built["content_key"]["code"].as_str().unwrap()).unwrap();
    let keys_key = ReleaseKey::parse(built["keys_key"]["hex"].as_str().unwrap()).unwrap();
    let content = sealed.open_content(&content_key).unwrap();
    assert_eq!(content.versions.len(), 3);
    assert!(content.versions.iter().all(|v| v.items.len() == 10));
    let text = serde_json::to_string(&content).unwrap();
    assert!(
        !text.contains("\"key\"") && !text.contains("\"keys\"") && !text.contains("\"answer\""),
        "{text}"
    );
    assert!(sealed.open_keys(&content_key).is_err(), "the content key does not open the keys");
    let keys = sealed.open_keys(&keys_key).unwrap();
    assert_eq!(keys.versions.len(), 3);

    // One changed byte and the signature no longer holds.
    let mut altered = bytes.to_vec();
    let at = altered.len() / 2;
    altered[at] = if altered[at] == b'A' { b'B' } else { b'A' };
    assert!(verify_package(&altered, &board_key).is_err());

    let (s, list) = app.get(Some(&board), "/api/v1/packages?event=THPT-2026-TOAN").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list.to_string().find("content_key").is_none(), "release keys are never stored: {list}");
    let (s, audit) = app.get(Some(&app.login("admin").await), "/api/v1/audit?action=package_build").await;
    assert_eq!(s, StatusCode::OK, "{audit}");
    assert!(audit.to_string().contains("package_build"), "{audit}");
}
both_backends!(board_builds_a_package_from_frozen_forms);

async fn bad_package_requests_say_what_is_wrong(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let board = app.login("board").await;
    let forms = two_forms(&app, &board).await;
    for f in &forms {
        let (s, body) = app.post(Some(&board), &format!("/api/v1/forms/{f}/freeze"), json!({})).await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (json!({"event_id": "E", "forms": []}), StatusCode::BAD_REQUEST, "no_forms"),
        (json!({"event_id": "a/b", "forms": [forms[0]]}), StatusCode::BAD_REQUEST, "invalid_event_id"),
        (json!({"event_id": "E", "forms": ["F-none"]}), StatusCode::NOT_FOUND, "not_found"),
        (json!({"event_id": "E", "forms": [forms[0], forms[0]]}), StatusCode::BAD_REQUEST, "duplicate_form"),
        (
            json!({"event_id": "E", "forms": [forms[0]], "versions": ["9999"]}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (body, status, code) in cases {
        let (s, res) = app.post(Some(&board), "/api/v1/packages", body.clone()).await;
        assert_eq!(s, status, "{body} → {res}");
        assert_error(&res, code);
    }
    let (s, res) = app.post(Some(&board), "/api/v1/packages", json!({"event_id": "E", "form": []})).await;
    assert!(s.is_client_error(), "unknown field: {res}");
    assert!(res["message"].as_str().unwrap().contains("form"), "{res}");

    // Both frozen forms, one version each: two versions in one package.
    let (s, form) = app.get(Some(&board), &format!("/api/v1/forms/{}", forms[1])).await;
    assert_eq!(s, StatusCode::OK);
    let code = form["versions"][0]["code"].as_str().unwrap().to_string();
    let (s, built) = app
        .post(Some(&board), "/api/v1/packages", json!({"event_id": "E2", "forms": forms, "versions": [code]}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{built}");
    assert_eq!(built["manifest"]["versions"].as_array().unwrap().len(), 1);
    let (s, _) = app.get(Some(&board), "/api/v1/packages/PKG-none/file").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
both_backends!(bad_package_requests_say_what_is_wrong);
