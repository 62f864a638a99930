//! Issue 15, item 15: `/openapi.json` is a valid OpenAPI 3.1 document — checked against the
//! official schema with a JSON Schema validator, unique operation ids, every `$ref` resolving
//! (`khaothi_testkit::openapi::validation_errors`) — every request body has a realistic example
//! that matches its own schema (`example_problems`), every documented query parameter is one the
//! route accepts, and every route of the router is either documented or on this file's short list
//! of what is deliberately not JSON. (openapi.rs checks the path parameters against the path
//! templates and that the router answers every documented operation.)

use std::collections::BTreeSet;

use serde_json::Value;

use khaothi_testkit::openapi::{example_problems, hand_registered_routes, validation_errors};

use crate::common::*;

/// Routes registered outside `routes!` (which documents what it registers), each with why it is
/// not in the document. A route added by hand must be listed here — or, being JSON, be
/// registered with `routes!` and so documented.
const NOT_JSON: &[(&str, &str)] = &[
    ("/", "the bank's pages (index.html)"),
    ("/favicon.ico", "an icon"),
    ("/static/{*path}", "the pages' scripts, styles and fonts"),
    ("/static/page-modules.json", "the list of page modules the app shell loads"),
    ("/openapi.json", "the document itself"),
    ("/metrics", "Prometheus text, added by khaothi_http::metrics::instrument"),
    ("/verify", "the public certificate verification page (HTML)"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_validates_has_examples_and_covers_the_router() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.login("admin").await;
    let doc: Value =
        app.client.get(format!("{}/openapi.json", app.url)).send().await.unwrap().json().await.unwrap();

    let invalid = validation_errors(&doc);
    assert!(invalid.is_empty(), "/openapi.json is not valid OpenAPI 3.1:\n{}", invalid.join("\n"));
    let missing = example_problems(&doc);
    assert!(missing.is_empty(), "request bodies without a realistic example:\n{}", missing.join("\n"));

    // The examples are real requests: sent as they are, the server takes them.
    for (method, path, user, status) in [
        ("post", "/api/v1/items", "writer", 201),
        ("post", "/api/v1/items/import", "writer", 200),
        ("post", "/api/v1/items/preview", "writer", 200),
        ("post", "/api/v1/stimuli", "writer", 200),
        ("post", "/api/v1/blueprints/check", "board", 200),
        ("post", "/api/v1/blueprints", "board", 201),
        ("post", "/api/v1/users", "admin", 201),
        ("put", "/api/v1/organisation/settings", "board", 200),
    ] {
        let content = doc["paths"][path][method]["requestBody"]["content"].as_object().unwrap();
        let (media, body) = content.iter().next().unwrap();
        let body = match &body["example"] {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let token = app.login(user).await;
        let url = format!("{}{path}", app.url);
        let req = if method == "put" { app.client.put(&url) } else { app.client.post(&url) };
        let res =
            req.bearer_auth(&token).header("content-type", media.as_str()).body(body).send().await.unwrap();
        let got = res.status().as_u16();
        assert_eq!(
            got,
            status,
            "{} {path}: its example was refused: {}",
            method.to_uppercase(),
            res.text().await.unwrap()
        );
    }

    // Every documented query parameter is one the route takes: an unknown one is refused by name.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let concrete: Vec<&str> =
                path.split('/').map(|s| if s.starts_with('{') { "no-such-thing" } else { s }).collect();
            for p in op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "query") {
                let name = p["name"].as_str().unwrap();
                let url = format!("{}{}?{name}=1", app.url, concrete.join("/"));
                let req = match method.as_str() {
                    "get" => app.client.get(&url),
                    "post" => app.client.post(&url),
                    "put" => app.client.put(&url),
                    "patch" => app.client.patch(&url),
                    _ => app.client.delete(&url),
                };
                let body = req.bearer_auth(&token).send().await.unwrap().text().await.unwrap();
                assert!(
                    !body.contains(&format!("unknown field `{name}`")),
                    "{} {path}: documents the query parameter `{name}`, which the route refuses: {body}",
                    method.to_uppercase()
                );
            }
        }
    }

    // Every route registered by hand is on the list, and the router serves it.
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let listed: BTreeSet<&str> = NOT_JSON.iter().map(|(p, _)| *p).collect();
    for route in hand_registered_routes(&src) {
        assert!(
            listed.contains(route.as_str()),
            "{route} is registered by hand, outside `routes!`, so /openapi.json does not have it: \
             register a JSON route with `routes!` (and #[utoipa::path]), or list a page in NOT_JSON"
        );
        let concrete = route.replace("{*path}", "app.js");
        let res = app.client.get(format!("{}{concrete}", app.url)).send().await.unwrap();
        let body = res.text().await.unwrap();
        assert!(!body.contains("no such route"), "{route} is listed but not served");
    }
}
