//! Bad input gets a clear 4xx naming what is wrong, and nothing is half-written.

use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::common::{Backend, TestApp, assert_error, sample_item};

async fn malformed_and_wrong_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;

    let (s, body) =
        app.post_raw(Some(&writer), "/api/v1/items", "application/json", b"{\"id\": \"X\",".to_vec()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, "invalid_json");
    assert!(body["message"].as_str().unwrap().contains("malformed JSON"), "{body}");

    let mut item = sample_item("BAD-1");
    item["grade"] = json!("mười hai");
    let (s, body) = app.post(Some(&writer), "/api/v1/items", item).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("`grade`"), "names the field: {body}");

    let mut item = sample_item("BAD-2");
    item["options"][1] = json!(42);
    let (s, body) = app.post(Some(&writer), "/api/v1/items", item).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("options[1]"), "{body}");

    let mut item = sample_item("BAD-3");
    item["difficulty"] = json!("hard");
    let (s, body) = app.post(Some(&writer), "/api/v1/items", item).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, "unknown_field");
    assert!(body["message"].as_str().unwrap().contains("difficulty"));

    let (s, body) = app
        .post(None, "/api/v1/auth/login", json!({"username": "writer", "password": "x", "remember": true}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "unknown fields are refused in API bodies: {body}");

    let (s, body) = app.post_raw(Some(&writer), "/api/v1/items", "text/plain", b"{}".to_vec()).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");

    // Domain validation: 3 options, key E, a 5-character short answer, all reported at once.
    let mut item = sample_item("BAD-4");
    item["options"] = json!(["a", "b", "c"]);
    item["key"] = json!("E");
    let (s, body) = app.post(Some(&writer), "/api/v1/items", item).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> =
        body["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"options") && fields.contains(&"key"), "{body}");
    let short = json!({"id": "BAD-5", "subject": "toan", "grade": 12, "topic": "12.2", "level": "van_dung",
        "kind": "short_answer", "stem": "Tính $\\int_0^1 2x\\,dx$.", "answer": "1,000"});
    let (s, body) = app.post(Some(&writer), "/api/v1/items", short).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["message"].as_str().unwrap().contains("at most 4"), "{body}");

    // Nothing of the refused items was stored.
    let (_, page) = app.get(Some(&writer), "/api/v1/items").await;
    assert_eq!(page["total"], 0, "{page}");
}
both_backends!(malformed_and_wrong_json);

async fn oversized_bodies_are_413(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.max_body_bytes = 4096;
        c.max_media_bytes = 1024;
    })
    .await;
    let writer = app.login("writer").await;
    let mut item = sample_item("BIG-1");
    item["stem"] = json!("x".repeat(10_000));
    let (s, body) = app.post(Some(&writer), "/api/v1/items", item).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_error(&body, "payload_too_large");
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.resize(1500, 0);
    let (s, body) = app.post_raw(Some(&writer), "/api/v1/media", "image/png", png).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let (_, page) = app.get(Some(&writer), "/api/v1/items").await;
    assert_eq!(page["total"], 0);
}
both_backends!(oversized_bodies_are_413);

async fn tokens_and_logins(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.login_max_failures = 3).await;
    let (s, body) = app.get(Some("not-a-jwt"), "/api/v1/items").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    assert_error(&body, "invalid_token");
    // A token signed with another key.
    let forged = khaothi_auth::JwtKeys::new(
        b"someone else's secret, 32 bytes!!",
        chrono::Duration::minutes(5),
        chrono::Duration::hours(1),
    )
    .issue("x", "admin", khaothi_auth::Role::Admin, "default")
    .0;
    let (s, _) = app.get(Some(&forged), "/api/v1/users").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Wrong passwords: 401 each, then 429 for that account, while others can still log in.
    for _ in 0..3 {
        let (s, body) =
            app.post(None, "/api/v1/auth/login", json!({"username": "board", "password": "nope"})).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
        assert_error(&body, "login_failed");
    }
    let (s, body) =
        app.post(None, "/api/v1/auth/login", json!({"username": "board", "password": "khaothi-demo"})).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    app.login("writer").await;

    // Refresh tokens rotate: each works once.
    let (_, tokens) =
        app.post(None, "/api/v1/auth/login", json!({"username": "writer", "password": "khaothi-demo"})).await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    let (s, again) = app.post(None, "/api/v1/auth/refresh", json!({"refresh_token": refresh})).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert!(again["access_token"].as_str().is_some());
    let (s, _) = app.post(None, "/api/v1/auth/refresh", json!({"refresh_token": refresh})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
both_backends!(tokens_and_logins);

async fn expired_tokens_are_401(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.access_token_minutes = -1).await;
    let token = app.login("writer").await;
    let (s, body) = app.get(Some(&token), "/api/v1/items").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body["message"].as_str().unwrap().contains("expired"), "{body}");
}
both_backends!(expired_tokens_are_401);

async fn search_text_is_plain_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let mut item = sample_item("SEARCH-1");
    item["stem"] = json!("Lãi suất 50% mỗi năm, mã a_b; giá trị \"đặc biệt\" là bao nhiêu?");
    let (s, body) = app.post(Some(&writer), "/api/v1/items", item).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    app.post(Some(&writer), "/api/v1/items", sample_item("SEARCH-2")).await;
    let cases = [
        ("50%25", 1),
        ("a_b", 1),
        ("%25", 1),
        ("_", 1),
        ("%22dac%20biet%22", 1),
        ("'%20OR%20'1'='1", 0),
        ("x');%20DROP%20TABLE%20items;--", 0),
        ("%5Cinfty", 2),
        ("%5Cfrac", 0),
    ];
    for (q, expected) in cases {
        let (s, page) = app.get(Some(&writer), &format!("/api/v1/items?q={q}")).await;
        assert_eq!(s, StatusCode::OK, "{q}: {page}");
        assert_eq!(page["total"], expected, "q={q}: {page}");
    }
    let (_, page) = app.get(Some(&writer), "/api/v1/items").await;
    assert_eq!(page["total"], 2, "the table is still there");
    let (s, body) = app.get(Some(&writer), "/api/v1/items?level=kho").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (s, _) = app.get(Some(&writer), "/api/v1/items?page=abc").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, body) = app.get(Some(&writer), "/api/v1/no-such-route").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
}
both_backends!(search_text_is_plain_text);

/// The shared HTTP layer (khaothi-http): non-numeric path and query parameters are JSON errors
/// naming the parameter, and every response carries a request id and the security headers.
async fn bad_parameters_and_request_ids(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let (s, body) = app.get(Some(&writer), "/api/v1/items/X/versions/second").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, "invalid_path");
    assert!(body["message"].as_str().unwrap().contains("version"), "names the parameter: {body}");
    let (s, body) = app.get(Some(&writer), "/api/v1/items?grade=twelve").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, "invalid_query");
    assert!(body["message"].as_str().unwrap().contains("grade"), "names the parameter: {body}");

    let res = app.client.get(format!("{}/api/v1/items", app.url)).bearer_auth(&writer).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let id = res.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a generated UUID: {id}");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");
    let res = app
        .client
        .get(format!("{}/api/v1/items", app.url))
        .header("x-request-id", "ops-1234")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["x-request-id"], "ops-1234", "the client's id is echoed");
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    // Swagger UI: its own files and inline styles, no inline script, never framed.
    let res = app.client.get(format!("{}/docs/", app.url)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self';") && csp.contains("style-src 'self' 'unsafe-inline'"), "{csp}");
    assert!(csp.contains("connect-src 'self';") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
}
both_backends!(bad_parameters_and_request_ids);
