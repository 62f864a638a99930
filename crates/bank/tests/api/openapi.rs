//! The router against its OpenAPI document: every documented operation is answered by the
//! router (not the unknown-route 404, not 405), the document is OpenAPI 3.1, path parameters are
//! exactly the template's names and every other parameter is `in: query` (an `IntoParams` struct
//! without `parameter_in` once came out as `in: path`), and every operation says what it answers.
//! The JSON routes are registered with utoipa-axum's `routes!`, which documents each in the same
//! step, so a route outside the document can only be one added by hand (`/openapi.json`, `/docs`,
//! `/`), which the test requests too.

use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::{OpenApi, RefOr};

use khaothi_testkit::openapi::{check_parameters, operations};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_router_answers_what_the_document_lists() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.login("admin").await;
    let text =
        app.client.get(format!("{}/openapi.json", app.url)).send().await.unwrap().text().await.unwrap();
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(raw["openapi"], "3.1.0");
    let spec: OpenApi = serde_json::from_str(&text).expect("the document parses as OpenAPI 3.1");
    let ops = operations(&spec);
    assert!(ops.len() >= 30, "{} operations", ops.len());

    for (path, method, op) in &ops {
        check_parameters(path, op);
        let ok = op.responses.responses.iter().find(|(code, _)| code.starts_with('2'));
        assert!(matches!(ok, Some((_, RefOr::T(_)))), "{path}: no success response documented");

        // Unknown ids: the handler's 404 (or a 400 for a malformed one), never the router's.
        let concrete: Vec<&str> =
            path.split('/').map(|s| if s.starts_with('{') { "no-such-thing" } else { s }).collect();
        let url = format!("{}{}", app.url, concrete.join("/"));
        let req = match method {
            HttpMethod::Get => app.client.get(&url),
            HttpMethod::Post => app.client.post(&url),
            HttpMethod::Put => app.client.put(&url),
            HttpMethod::Delete => app.client.delete(&url),
            _ => app.client.patch(&url),
        };
        let res = req.bearer_auth(&token).send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_ne!(status, 405, "{path}: the router does not take the documented method: {body}");
        assert!(!body.contains("no such route"), "{path}: the router does not know it: {body}");
    }

    // The routes added beside the document.
    for path in ["/openapi.json", "/docs/", "/api-docs/openapi.json"] {
        let res = app.client.get(format!("{}{path}", app.url)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
}
