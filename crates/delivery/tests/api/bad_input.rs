//! The shared HTTP layer on the delivery server: bad bodies, paths and queries are answered with
//! the JSON error body and the right status (issue 11 changed 400 → 413 for an oversized body, and
//! added 415 and the JSON body for paths, queries and wrong methods), and every response carries a
//! request id and the security headers.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::*;

/// Sends a request as the board and returns the status, the headers and the JSON error body.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut req = app.board.http.request(method, format!("{}{path}", app.url)).bearer_auth(&app.board.token);
    if let Some(t) = content_type {
        req = req.header("content-type", t);
    }
    let res = req.body(body).send().await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let text = res.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: not JSON: {text}"));
    (status, headers, v)
}

fn assert_json_error(v: &Value, code: &str) {
    assert_eq!(v["error"], code, "unexpected error: {v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "no message: {v}");
}

async fn bodies_of_the_wrong_size_or_type_are_refused_in_json(b: Backend) {
    let app = TestApp::spawn_with(b, |c| {
        c.max_body_bytes = 4096;
        c.max_package_bytes = 8192;
    })
    .await;
    let event = json!({"id": "E1", "title": "x".repeat(5000)}).to_string().into_bytes();
    let (status, _, v) = send(&app, Method::POST, "/api/v1/events", Some("application/json"), event).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_json_error(&v, "payload_too_large");
    let small = json!({"id": "E1", "title": "t"}).to_string().into_bytes();
    let (status, _, v) = send(&app, Method::POST, "/api/v1/events", Some("text/plain"), small.clone()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_json_error(&v, "unsupported_media_type");
    assert!(v["message"].as_str().unwrap().contains("application/json"), "names the expected type: {v}");
    let (status, _, v) = send(&app, Method::POST, "/api/v1/events", None, small.clone()).await;
    assert_eq!(
        (status, v["error"].as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("unsupported_media_type"))
    );
    let (status, _, v) = send(&app, Method::POST, "/api/v1/events", Some("application/json"), small).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    // A raw upload over its own limit: axum's refusal, in the same JSON body.
    let package = vec![b'x'; 10_000];
    let path = "/api/v1/events/E1/package";
    let (status, _, v) = send(&app, Method::POST, path, Some("application/octet-stream"), package).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_json_error(&v, "payload_too_large");
    // Bad JSON names the field.
    let wrong = br#"{"id": "E2", "title": 7}"#.to_vec();
    let (status, _, v) = send(&app, Method::POST, "/api/v1/events", Some("application/json"), wrong).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_json_error(&v, "invalid_json");
    assert!(v["message"].as_str().unwrap().contains("`title`"), "{v}");
}
both_backends!(bodies_of_the_wrong_size_or_type_are_refused_in_json);

async fn bad_paths_queries_and_methods_are_json(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.board.post("/api/v1/events", json!({"id": "E1", "title": "t"})).await.unwrap();
    // A path parameter that is not UTF-8 once decoded.
    let (status, _, v) = send(&app, Method::GET, "/api/v1/events/%FF%FE", None, vec![]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_json_error(&v, "invalid_path");
    assert!(v["message"].as_str().unwrap().contains("event"), "names the parameter: {v}");
    // A query parameter given twice.
    let (status, _, v) =
        send(&app, Method::GET, "/api/v1/events/E1/results?format=csv&format=json", None, vec![]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_json_error(&v, "invalid_query");
    assert!(v["message"].as_str().unwrap().contains("format"), "names the parameter: {v}");
    // A route that does not take this method.
    let (status, headers, v) = send(&app, Method::DELETE, "/api/v1/events", None, vec![]).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_json_error(&v, "method_not_allowed");
    assert!(headers.contains_key("allow"), "the allowed methods are still listed");
    let (status, _, v) = send(&app, Method::GET, "/api/v1/nowhere", None, vec![]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_json_error(&v, "not_found");
}
both_backends!(bad_paths_queries_and_methods_are_json);

async fn responses_carry_a_request_id_and_security_headers(b: Backend) {
    let app = TestApp::spawn(b).await;
    let res = app
        .board
        .http
        .get(format!("{}/api/v1/events", app.url))
        .bearer_auth(&app.board.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let made = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(made.len(), 36, "a generated UUID: {made}");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert_eq!(res.headers()["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");
    let res = app
        .board
        .http
        .get(format!("{}/api/v1/events/E9", app.url))
        .header("x-request-id", "lab3-pc17-0042")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["x-request-id"], "lab3-pc17-0042", "the client's id is echoed, errors too");
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
}
both_backends!(responses_carry_a_request_id_and_security_headers);
