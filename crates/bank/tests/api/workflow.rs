//! The README's story, driven over HTTP: write, submit, reject, edit, approve, find, audit.

use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::common::{Backend, TestApp, assert_error, sample_item};

async fn writer_reviewer_board_story(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let reviewer = app.login("reviewer").await;
    let board = app.login("board").await;
    let admin = app.login("admin").await;

    // The writer creates an item with LaTeX: version 1, draft, math rendered on preview.
    let (s, created) = app.post(Some(&writer), "/api/v1/items", sample_item("TOAN12-9001")).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["version"], 1);
    assert_eq!(created["status"], "draft");
    let (s, preview) = app.get(Some(&writer), "/api/v1/items/TOAN12-9001/preview").await;
    assert_eq!(s, StatusCode::OK, "{preview}");
    let html = preview["html"].as_str().unwrap();
    assert!(html.contains("<math"), "MathML expected: {html}");
    assert!(!html.contains("\"key\"") && preview["rendered"].get("key").is_none(), "no key in a preview");

    // A draft is invisible to the board and to reviewers.
    let (s, _) = app.get(Some(&board), "/api/v1/items/TOAN12-9001").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, submitted) = app.post(Some(&writer), "/api/v1/items/TOAN12-9001/submit", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{submitted}");
    assert_eq!(submitted["status"], "in_review");

    // Rejection needs a comment; with one it sends the item back to draft.
    let (s, body) = app.post(Some(&reviewer), "/api/v1/items/TOAN12-9001/reject", json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let comment = "Phương án D trùng ý với A; sửa thành khoảng (0; 2).";
    let (s, rejected) =
        app.post(Some(&reviewer), "/api/v1/items/TOAN12-9001/reject", json!({"comment": comment})).await;
    assert_eq!(s, StatusCode::OK, "{rejected}");
    assert_eq!(rejected["status"], "draft");
    assert_eq!(rejected["review_comment"], comment);

    // The writer edits: a new version; the old one stays readable.
    let mut edited = sample_item("TOAN12-9001");
    edited["options"][3] = json!("$(0; 2)$");
    let (s, v2) = app.put(Some(&writer), "/api/v1/items/TOAN12-9001?base_version=1", edited.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v2}");
    assert_eq!(v2["version"], 2);
    let (s, v1) = app.get(Some(&writer), "/api/v1/items/TOAN12-9001/versions/1").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v1["item"]["options"][3], "$(-3; 3)$");
    // An edit made on a stale version is refused.
    let (s, body) = app.put(Some(&writer), "/api/v1/items/TOAN12-9001?base_version=1", edited).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");

    let (s, _) = app.post(Some(&writer), "/api/v1/items/TOAN12-9001/submit", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    // The writer cannot approve; the reviewer can.
    let (s, body) = app.post(Some(&writer), "/api/v1/items/TOAN12-9001/approve", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, approved) = app.post(Some(&reviewer), "/api/v1/items/TOAN12-9001/approve", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{approved}");
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["version"], 2);

    // An illegal transition is a 409 that says why.
    let (s, body) = app.post(Some(&reviewer), "/api/v1/items/TOAN12-9001/approve", json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_error(&body, "conflict");
    assert!(body["message"].as_str().unwrap().contains("already been approved"), "{body}");

    // The board finds it by filter and by text without diacritics.
    for query in [
        "subject=toan&topic=12.1&level=hieu&kind=single_choice&status=approved",
        "q=nghich%20bien",
        "q=HAM%20SO&grade=12",
    ] {
        let (s, page) = app.get(Some(&board), &format!("/api/v1/items?{query}")).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        let ids: Vec<&str> =
            page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(ids, vec!["TOAN12-9001"], "query {query}");
    }
    let (s, page) = app.get(Some(&board), "/api/v1/items?topic=12.10").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page["total"], 0, "topic prefixes match whole segments");

    // History shows both versions and every review decision.
    let (s, history) = app.get(Some(&board), "/api/v1/items/TOAN12-9001/versions").await;
    assert_eq!(s, StatusCode::OK, "{history}");
    assert_eq!(history["versions"].as_array().unwrap().len(), 2);
    let actions: Vec<&str> =
        history["reviews"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["submit", "reject", "submit", "approve"]);

    // The audit log shows each step, with who did it.
    let (s, audit) = app.get(Some(&admin), "/api/v1/audit?target=TOAN12-9001&per_page=1000").await;
    assert_eq!(s, StatusCode::OK, "{audit}");
    let steps: Vec<(String, String)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["actor"].as_str().unwrap().to_string(), e["action"].as_str().unwrap().to_string()))
        .collect();
    for expected in [
        ("writer", "item_create"),
        ("writer", "item_submit"),
        ("reviewer", "item_reject"),
        ("writer", "item_edit"),
        ("reviewer", "item_approve"),
        ("board", "item_history_read"),
        ("writer", "item_read"),
    ] {
        assert!(
            steps.iter().any(|(a, s)| a == expected.0 && s == expected.1),
            "audit lacks {expected:?}: {steps:?}"
        );
    }
    let (s, logins) = app.get(Some(&admin), "/api/v1/audit?action=login").await;
    assert_eq!(s, StatusCode::OK);
    assert!(logins["total"].as_u64().unwrap() >= 4);
}
both_backends!(writer_reviewer_board_story);

async fn latex_errors_name_the_item_and_position(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let mut item = sample_item("TOAN12-9002");
    item["options"][2] = json!("$\\frac{1}{$");
    let (s, body) = app.post(Some(&writer), "/api/v1/items", item).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let msg = body["message"].as_str().unwrap();
    assert!(msg.contains("TOAN12-9002") && msg.contains("options[2]"), "{msg}");
    assert_eq!(body["details"][0]["field"], "options[2]");
    // Nothing was written.
    let (s, _) = app.get(Some(&writer), "/api/v1/items/TOAN12-9002").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
both_backends!(latex_errors_name_the_item_and_position);

async fn stimuli_and_media(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let (s, body) = app
        .post(
            Some(&writer),
            "/api/v1/stimuli",
            json!({"id": "STIM-1", "subject": "vat_ly", "title": "Khí lý tưởng", "text": "Một lượng khí có $pV = nRT$."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let mut item = sample_item("LY12-9001");
    item["stimulus"] = json!("STIM-1");
    let (s, body) = app.post(Some(&writer), "/api/v1/items", item).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let mut orphan = sample_item("LY12-9002");
    orphan["stimulus"] = json!("NO-SUCH");
    let (s, body) = app.post(Some(&writer), "/api/v1/items", orphan).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, page) = app.get(Some(&writer), "/api/v1/items?stimulus=STIM-1").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page["total"], 1);

    // A real PNG is accepted; a text file called PNG is not.
    let png: Vec<u8> = [
        &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..],
        &[0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89],
    ]
    .concat();
    let (s, media) =
        app.post_raw(Some(&writer), "/api/v1/media?filename=do-thi.png", "image/png", png.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{media}");
    let res = app
        .client
        .get(format!("{}{}", app.url, media["url"].as_str().unwrap()))
        .bearer_auth(&writer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().to_vec(), png);
    let (s, body) =
        app.post_raw(Some(&writer), "/api/v1/media", "image/png", b"<svg onload=alert(1)>".to_vec()).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_error(&body, "unsupported_media_type");
}
both_backends!(stimuli_and_media);

async fn openapi_health_and_docs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, health) = app.get(None, "/healthz").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(health["status"], "ok");
    let (s, spec) = app.get(None, "/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/items",
        "/api/v1/items/{id}",
        "/api/v1/items/import",
        "/api/v1/blueprints",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} missing from the OpenAPI document");
    }
    assert!(spec["components"]["securitySchemes"].get("bearer").is_some());
    let res = app.client.get(format!("{}/docs/", app.url)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger"), "the browsable API page is served");
    assert!(!html.contains("https://"), "the API page loads nothing from the internet");
}
both_backends!(openapi_health_and_docs);
