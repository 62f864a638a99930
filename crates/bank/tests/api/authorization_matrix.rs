//! Issue 16, finding 12: the bank's authorization matrix. Every route (the OpenAPI document the
//! router generates, plus the pages and files outside it) × every role, against one server with a
//! writer's own item and another organisation's item. A route without a row fails; so does any
//! cell that changes. Cells: see `khaothi_testkit::matrix` (`ok`, `401`, `403`, `404`, `4xx` =
//! the request itself refused after authorization, `-` = not asked).
//!
//! Requests carry a valid body where the role check would otherwise hide behind the body's
//! refusal (accounts, sites, settings, items, stimuli, packages), else an empty JSON object; `MX-1` (the writer's draft item) for an item's
//! `{id}` and `nothing` for every other `{id}`; rows run in table order, so a row may see what an
//! earlier one did (the writer's `submit` puts MX-1 in review before the reviewer's `approve`).
//! Column `other-org`: the admin asks for the same item route with another organisation's item
//! (`KHAC-1`): never found.

use std::collections::BTreeMap;

use khaothi_bank::{Application, BankConfig};
use khaothi_testkit::matrix::{self, Route};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::*;

const HEADER: &str = "#      path                                                             anon     writer   reviewer board    admin    other-org";

/// Who may do what in the bank.
const TABLE: &str = r#"
#      path                                                             anon     writer   reviewer board    admin    other-org
DELETE /api/v1/calibration-jobs/{id}                                    401      403      403      404      404      -
GET    /                                                                ok       ok       ok       ok       ok       -
GET    /api-docs/openapi.json                                           ok       ok       ok       ok       ok       -
GET    /api/v1/assembly-jobs/{id}                                       401      403      403      404      404      -
GET    /api/v1/assembly-jobs/{id}/overview                              401      403      403      404      404      -
GET    /api/v1/audit                                                    401      403      403      403      ok       -
GET    /api/v1/auth/me                                                  401      ok       ok       ok       ok       -
GET    /api/v1/blueprints                                               401      403      403      ok       ok       -
GET    /api/v1/blueprints/{id}                                          401      403      403      404      404      -
GET    /api/v1/board-key                                                401      403      403      ok       ok       -
GET    /api/v1/calibration-jobs/{id}                                    401      403      403      404      404      -
GET    /api/v1/calibrations/{id}                                        401      403      403      404      404      -
GET    /api/v1/enemy-pairs                                              401      403      ok       ok       ok       -
GET    /api/v1/enemy-suggestions                                        401      4xx      4xx      4xx      4xx      -
GET    /api/v1/forms                                                    401      403      403      ok       ok       -
GET    /api/v1/forms/{id}                                               401      403      403      404      404      -
GET    /api/v1/forms/{id}/answer-sheets                                 401      403      403      404      404      -
GET    /api/v1/forms/{id}/print                                         401      403      403      404      404      -
GET    /api/v1/items                                                    401      ok       ok       ok       ok       -
GET    /api/v1/items/export                                             401      ok       ok       ok       ok       -
GET    /api/v1/items/{id}                                               401      ok       404      404      ok       404
GET    /api/v1/items/{id}/calibrations                                  401      403      ok       ok       ok       404
GET    /api/v1/items/{id}/diff                                          401      ok       404      404      ok       404
GET    /api/v1/items/{id}/preview                                       401      ok       404      404      ok       404
GET    /api/v1/items/{id}/versions                                      401      ok       404      404      ok       404
GET    /api/v1/items/{id}/versions/{version}                            401      ok       404      404      ok       404
GET    /api/v1/media/{id}                                               401      404      404      404      404      -
GET    /api/v1/organisation/settings                                    401      ok       ok       ok       ok       -
GET    /api/v1/packages                                                 401      403      403      ok       ok       -
GET    /api/v1/packages/{id}/file                                       401      403      403      404      404      -
GET    /api/v1/results                                                  401      403      403      ok       ok       -
GET    /api/v1/review-queue                                             401      403      ok       ok       ok       -
GET    /api/v1/sites                                                    401      403      403      ok       ok       -
GET    /api/v1/stimuli                                                  401      ok       ok       ok       ok       -
GET    /api/v1/stimuli/{id}                                             401      404      404      404      404      -
GET    /api/v1/stimuli/{id}/diff                                        401      404      404      404      404      -
GET    /api/v1/stimuli/{id}/preview                                     401      404      404      404      404      -
GET    /api/v1/stimuli/{id}/versions                                    401      404      404      404      404      -
GET    /api/v1/stimuli/{id}/versions/{version}                          401      404      404      404      404      -
GET    /api/v1/users                                                    401      403      403      403      ok       -
GET    /docs/                                                           ok       ok       ok       ok       ok       -
GET    /favicon.ico                                                     ok       ok       ok       ok       ok       -
GET    /healthz                                                         ok       ok       ok       ok       ok       -
GET    /openapi.json                                                    ok       ok       ok       ok       ok       -
GET    /static/app.js                                                   ok       ok       ok       ok       ok       -
GET    /static/page-modules.json                                        ok       ok       ok       ok       ok       -
PATCH  /api/v1/users/{id}                                               401      403      403      403      404      -
POST   /api/v1/auth/login                                               4xx      4xx      4xx      4xx      4xx      -
POST   /api/v1/auth/logout                                              4xx      4xx      4xx      4xx      4xx      -
POST   /api/v1/auth/refresh                                             4xx      4xx      4xx      4xx      4xx      -
POST   /api/v1/blueprints                                               401      403      403      4xx      4xx      -
POST   /api/v1/blueprints/check                                         401      403      403      ok       ok       -
POST   /api/v1/blueprints/{id}/assemble                                 401      403      403      404      404      -
POST   /api/v1/calibrations                                             401      403      403      4xx      4xx      -
POST   /api/v1/calibrations/{id}/adopt                                  401      403      403      404      404      -
POST   /api/v1/calibrations/{id}/flags                                  401      403      403      404      404      -
POST   /api/v1/cat/simulate                                             401      403      403      4xx      4xx      -
GET    /api/v1/cat/simulations/{id}                                     401      403      403      404      404      -
POST   /api/v1/enemy-suggestions/decisions                              401      4xx      4xx      4xx      4xx      -
POST   /api/v1/forms/{id}/answer-sheets                                 401      403      403      404      404      -
POST   /api/v1/forms/{id}/freeze                                        401      403      403      404      404      -
POST   /api/v1/items                                                    401      ok       403      403      4xx      -
POST   /api/v1/items/import                                             401      4xx      403      403      4xx      -
POST   /api/v1/items/preview                                            401      ok       403      403      ok       -
POST   /api/v1/items/{id}/approve                                       401      403      4xx      403      4xx      404
POST   /api/v1/items/{id}/reject                                        401      403      4xx      403      4xx      404
POST   /api/v1/items/{id}/retire                                        401      403      ok       403      4xx      404
POST   /api/v1/items/{id}/submit                                        401      4xx      403      403      4xx      404
POST   /api/v1/media                                                    401      4xx      403      403      4xx      -
POST   /api/v1/packages                                                 401      403      403      404      404      -
POST   /api/v1/packages/adaptive                                        401      403      403      404      404      -
POST   /api/v1/results                                                  401      403      403      4xx      4xx      -
POST   /api/v1/sites                                                    401      403      403      4xx      4xx      -
POST   /api/v1/stimuli                                                  401      ok       403      403      ok       -
POST   /api/v1/stimuli/{id}/approve                                     401      403      404      403      404      -
POST   /api/v1/stimuli/{id}/reject                                      401      403      404      403      404      -
POST   /api/v1/stimuli/{id}/submit                                      401      404      403      403      404      -
POST   /api/v1/users                                                    401      403      403      403      ok       -
PUT    /api/v1/blueprints/{id}                                          401      403      403      4xx      4xx      -
PUT    /api/v1/items/{id}                                               401      ok       403      403      ok       404
PUT    /api/v1/organisation/settings                                    401      403      403      ok       ok       -
GET    /readyz                                                          ok       ok       ok       ok       ok       -
GET    /metrics                                                         ok       ok       ok       ok       ok       -
POST   /api/v1/calibrations/link                                        401      403      403      404      404      -
POST   /api/v1/results/{id}/integrity                                   401      403      403      404      404      -
GET    /api/v1/forms/{id}/qti                                           401      403      403      404      404      -
GET    /api/v1/forms/{id}/docx                                          401      403      403      404      404      -
GET    /api/v1/certificates                                             401      4xx      4xx      4xx      4xx      -
GET    /api/v1/certificates/keys                                        ok       ok       ok       ok       ok       -
GET    /api/v1/certificates/revocations                                 ok       ok       ok       ok       ok       -
POST   /api/v1/certificates/revocations                                 401      403      403      4xx      4xx      -
GET    /api/v1/certificates/{number}                                    401      4xx      4xx      4xx      4xx      -
GET    /api/v1/comparisons                                              401      4xx      4xx      4xx      4xx      -
GET    /api/v1/comparisons/funnel.svg                                   401      4xx      4xx      4xx      4xx      -
POST   /api/v1/transcripts                                              401      403      403      4xx      4xx      -
GET    /verify                                                          ok       ok       ok       ok       ok       -
GET    /api/v1/control-room                                             401      403      403      ok       ok       -
GET    /api/v1/control-room/schedule                                    401      403      403      ok       ok       -
PUT    /api/v1/control-room/schedule                                    401      403      403      ok       ok       -
DELETE /api/v1/control-room/schedule/{event}                            401      403      403      404      404      -
GET    /api/v1/control-room/sites/{site}                                401      403      403      404      404      -
POST   /api/v1/site-reports                                             4xx      4xx      4xx      4xx      4xx      -
GET    /api/v1/paper-sittings                                           401      403      403      ok       ok       -
POST   /api/v1/paper-sittings                                           401      403      403      404      404      -
GET    /api/v1/paper-sittings/{id}                                      401      403      403      404      404      -
POST   /api/v1/paper-sittings/{id}/scans                                401      403      403      404      404      -
GET    /api/v1/paper-sittings/{id}/flags                                401      403      403      404      404      -
POST   /api/v1/paper-sittings/{id}/flags/{flag}                         401      403      403      404      404      -
POST   /api/v1/paper-sittings/{id}/sheets/{sheet}/discard               401      403      403      404      404      -
POST   /api/v1/paper-sittings/{id}/finalize                             401      403      403      404      404      -
GET    /api/v1/paper-sittings/{id}/results.csv                          401      403      403      404      404      -
"#;

/// Routes outside the OpenAPI document: the application's pages and files, the documents.
const PAGES: &[&str] = &[
    "/",
    "/favicon.ico",
    "/static/app.js",
    "/static/page-modules.json",
    "/docs/",
    "/openapi.json",
    "/api-docs/openapi.json",
    "/metrics",
    "/verify",
];

const ROLES: [&str; 4] = ["writer", "reviewer", "board", "admin"];

fn concrete(path: &str, item: &str) -> String {
    let id = if path.starts_with("/api/v1/items/{id}") { item } else { "nothing" };
    path.replace("{id}", id).replace("{version}", "1")
}

/// The body a route is asked with.
fn body(route: &Route, item: &str) -> Value {
    match (route.0.as_str(), route.1.as_str()) {
        ("POST", "/api/v1/users") => {
            json!({"username": "mx-user", "display_name": "MX", "role": "item_writer",
            "password": "a-long-test-password"})
        }
        ("POST", "/api/v1/sites") => json!({"name": "Điểm MX", "public_key": "ed25519:not-a-key"}),
        ("PUT", "/api/v1/organisation/settings") => json!({"closed_bank": false}),
        ("PUT", "/api/v1/control-room/schedule") => {
            json!({"event_id": "MX", "unlock_by": "2026-06-27T07:30:00Z"})
        }
        ("POST", "/api/v1/calibrations/{id}/adopt") => json!({"items": []}),
        ("POST", "/api/v1/calibrations/link") => {
            json!({"method": "haebara", "base": "nothing", "new": "nothing"})
        }
        ("POST", "/api/v1/items") => sample_item("MX-2"),
        ("PUT", "/api/v1/items/{id}") => sample_item(item),
        ("POST", "/api/v1/stimuli") => {
            json!({"id": "ST-MX", "subject": "toan", "title": "Đoạn", "text": "Văn bản."})
        }
        ("POST", "/api/v1/packages") => json!({"event_id": "MX", "title": "MX", "forms": ["nothing"]}),
        ("POST", "/api/v1/packages/adaptive") => json!({"event_id": "MX", "items": ["nothing"], "length": 5}),
        ("POST", "/api/v1/certificates/revocations") => json!({"certificate": "KT1:MX"}),
        ("POST", "/api/v1/cat/simulate") => json!({"subject": "mx_none", "persons": 1, "length": 1}),
        ("POST", "/api/v1/paper-sittings") => json!({"form_id": "nothing", "name": "MX"}),
        ("POST", "/api/v1/paper-sittings/{id}/flags/{flag}") => json!({"answer": null}),
        ("POST", "/api/v1/paper-sittings/{id}/sheets/{sheet}/discard") => json!({"note": "MX"}),
        _ => json!({}),
    }
}

async fn ask(api: &JsonClient, route: &Route, token: Option<&str>, item: &str) -> String {
    let url = format!("{}{}", api.url, concrete(&route.1, item));
    let req = match route.0.as_str() {
        "GET" => api.client.get(url),
        "DELETE" => api.client.delete(url),
        "POST" => api.client.post(url).json(&body(route, item)),
        "PUT" => api.client.put(url).json(&body(route, item)),
        "PATCH" => api.client.patch(url).json(&body(route, item)),
        m => panic!("method {m}"),
    };
    let req = match token {
        Some(t) => req.bearer_auth(t),
        None => req,
    };
    let res = req.send().await.expect("an answer");
    matrix::check_policy(route, res.headers());
    matrix::class(res.status()).to_string()
}

/// A second organisation with a writer and an item of its own.
async fn other_org(api: &JsonClient, database_url: &str) {
    let db = khaothi_store::connect(database_url).await.unwrap();
    khaothi_store::users::ensure_org(&db, "khac", "Trường khác").await.unwrap();
    let hash = khaothi_auth::hash_password("a-long-test-password");
    let new = khaothi_store::users::NewUser {
        org_id: "khac",
        username: "writer-khac",
        display_name: "Writer khác",
        password_hash: &hash,
        role: "item_writer",
    };
    khaothi_store::users::create(&db, new).await.unwrap();
    let token = api.login("writer-khac", "a-long-test-password").await;
    let (s, body) = api.post(Some(&token), "/api/v1/items", sample_item("KHAC-1")).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
}

async fn every_route_by_every_role(b: Backend) {
    let data = TestData::new(b).await;
    let config = BankConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data.dir().to_path_buf(),
        demo: true,
        database_url: data.database_url(),
        ..BankConfig::default()
    };
    let app = Application::build(config.clone()).await.expect("the bank starts");
    let api = JsonClient::new(format!("http://{}", app.addr));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let mut tokens = Vec::new();
    for role in ROLES {
        tokens.push(api.login(role, DEMO_PASSWORD).await);
    }
    let (s, body) = api.post(Some(&tokens[0]), "/api/v1/items", sample_item("MX-1")).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    other_org(&api, &config.database_url()).await;

    let (_, spec): (_, Value) = api.get(None, "/openapi.json").await;
    let mut routes = matrix::documented_routes(&spec);
    routes.extend(PAGES.iter().map(|p| ("GET".to_string(), p.to_string())));
    routes.sort();
    let mut observed = BTreeMap::new();
    for route in routes {
        let mut cells = vec![ask(&api, &route, None, "MX-1").await];
        for token in &tokens {
            cells.push(ask(&api, &route, Some(token), "MX-1").await);
        }
        let other = route.1.starts_with("/api/v1/items/{id}");
        cells.push(if other { ask(&api, &route, Some(&tokens[3]), "KHAC-1").await } else { "-".into() });
        observed.insert(route, cells);
    }
    matrix::check(&matrix::parse_table(TABLE), &observed, HEADER);
    let _ = stop.send(());
}
both_backends!(every_route_by_every_role);
