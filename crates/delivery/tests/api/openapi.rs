//! The router against its OpenAPI document: every documented operation is answered by the
//! router (not the unknown-route 404, not 405), the document is OpenAPI 3.1 with parameters in the
//! right place, every operation says what it answers, and the route table of docs/protocol.md
//! lists exactly the documented routes. (The router's JSON routes are registered with
//! utoipa-axum's `routes!`, which documents them in the same step; the websockets and pages stay
//! out of the document and are listed in docs/protocol.md's other tables.)

use std::collections::BTreeSet;

use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::{OpenApi, RefOr};

use khaothi_testkit::openapi::{check_parameters, operations};

use crate::common::*;

fn method_name(m: &HttpMethod) -> &'static str {
    match m {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Patch => "PATCH",
        _ => "OTHER",
    }
}

/// A concrete URL for a template: unknown ids (a 404 of the handler, not of the router), and a
/// proctor action that both action routes know.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| match s {
            "{action}" => "pause",
            s if s.starts_with('{') => "no-such-thing",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `(METHOD, path)` of each route in docs/protocol.md's staff API table, with `{e}` written as the
/// router's `{event}` and optional query parts dropped.
fn protocol_routes() -> BTreeSet<(String, String)> {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/protocol.md")).unwrap();
    let mut out = BTreeSet::new();
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let first_cell = line.split(" | ").next().unwrap_or_default();
        for code in first_cell.split('`').skip(1).step_by(2) {
            let Some((method, path)) = code.split_once(' ') else { continue };
            let path = path.split('[').next().unwrap().replace("{e}", "{event}");
            let api = path.starts_with("/api/v1/") && path != "/api/v1/media/{id}";
            if api || path == "/healthz" || path == "/readyz" {
                out.insert((method.to_string(), path));
            }
        }
    }
    out
}

/// Whether a documented template (with `{action}` standing for its named actions) covers a
/// concrete route of docs/protocol.md.
fn covers(template: &str, route: &str) -> bool {
    let (t, r): (Vec<_>, Vec<_>) = (template.split('/').collect(), route.split('/').collect());
    t.len() == r.len()
        && t.iter().zip(&r).all(|(t, r)| {
            t == r || (*t == "{action}" && !r.starts_with('{')) || (t.starts_with('{') && r.starts_with('{'))
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_router_answers_what_the_document_lists() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let http = reqwest::Client::new();
    let text = http.get(format!("{}/openapi.json", app.url)).send().await.unwrap().text().await.unwrap();
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(raw["openapi"], "3.1.0");
    let spec: OpenApi = serde_json::from_str(&text).expect("the document parses as OpenAPI 3.1");
    let ops = operations(&spec);
    assert!(ops.len() >= 25, "{} operations", ops.len());

    for (path, method, op) in &ops {
        check_parameters(path, op);
        let ok = op.responses.responses.iter().find(|(code, _)| code.starts_with('2'));
        let Some((_, RefOr::T(ok))) = ok else { panic!("{path}: no success response documented") };
        assert!(
            !ok.content.is_empty(),
            "{} {path}: the success response has no body type",
            method_name(method)
        );

        let url = format!("{}{}", app.url, concrete(path));
        let req = match method {
            HttpMethod::Get => http.get(&url),
            HttpMethod::Post => http.post(&url),
            other => panic!("{path}: unexpected method {}", method_name(other)),
        };
        let res = req.bearer_auth(&app.board.token).send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_ne!(status, 405, "{} {path}: the router does not take this method", method_name(method));
        assert!(
            !body.contains("no such route"),
            "{} {path}: the router does not know it: {body}",
            method_name(method)
        );
    }

    // The Swagger UI and the document are served too.
    let docs = http.get(format!("{}/docs/", app.url)).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("swagger"), "Swagger UI at /docs/");

    // docs/protocol.md lists exactly the documented routes.
    let documented: Vec<(String, String)> =
        ops.iter().map(|(p, m, _)| (method_name(m).to_string(), p.clone())).collect();
    let listed = protocol_routes();
    for (m, r) in &listed {
        assert!(
            documented.iter().any(|(dm, dp)| dm == m && covers(dp, r)),
            "docs/protocol.md lists {m} {r}, which /openapi.json does not"
        );
    }
    for (m, p) in &documented {
        assert!(
            listed.iter().any(|(lm, lr)| lm == m && covers(p, lr)),
            "/openapi.json has {m} {p}, which docs/protocol.md does not list"
        );
    }
}
