//! Issue 16, finding 12: the delivery server's authorization matrix. Every route (the OpenAPI
//! document the router generates, plus the pages, files and sockets outside it) × every role,
//! against one server with an unlocked event E1: rooms P1 (candidate 000001, watched by proctor
//! `gv1`) and P2 (candidate 000004). A route without a row fails; so does any cell that changes.
//! Cells: see `khaothi_testkit::matrix` (`ok`, `401`, `403`, `404`, `4xx` = the request itself
//! refused after authorization, `-` = not asked).
//!
//! Columns: anonymous; the proctor of P1; the board; a candidate's resume token used as a bearer
//! token (it is no staff token); and `other-room`: the proctor of P1 asking for P2's room or
//! candidate. `{event}` is E1, `{room}` P1, `{number}` 000001, `{action}` `pause`, other `{id}`s
//! `nothing`. Requests carry a valid body where the role check would otherwise hide behind the
//! body's refusal, else an empty JSON object; rows run in table order.

use std::collections::BTreeMap;

use khaothi_testkit::matrix::{self, Route};
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::*;

const HEADER: &str = "#      path                                                             anon     proctor  board    candidate other-room";

/// Who may do what at a site.
const TABLE: &str = r#"
#      path                                                             anon     proctor  board    candidate other-room
GET    /                                                                ok       ok       ok       ok       -
GET    /api-docs/openapi.json                                           ok       ok       ok       ok       -
GET    /api/v1/chains/verify                                            401      403      ok       401      -
GET    /api/v1/events                                                   401      ok       ok       401      -
GET    /api/v1/events/{event}                                           401      ok       ok       401      -
GET    /api/v1/events/{event}/candidates                                401      403      ok       401      -
GET    /api/v1/events/{event}/candidates/{number}/integrity             401      ok       ok       401      403
GET    /api/v1/events/{event}/exports/calibration.csv                   401      403      4xx      401      -
GET    /api/v1/events/{event}/exports/raw.csv                           401      403      4xx      401      -
GET    /api/v1/events/{event}/results                                   401      403      4xx      401      -
GET    /api/v1/events/{event}/results/file                              401      403      4xx      401      -
GET    /api/v1/events/{event}/rooms                                     401      ok       ok       401      -
GET    /api/v1/events/{event}/rooms/{room}/answer-sheets                401      ok       ok       401      403
GET    /api/v1/events/{event}/rooms/{room}/record                       401      ok       ok       401      403
GET    /api/v1/events/{event}/rooms/{room}/sheet                        401      ok       ok       401      403
GET    /api/v1/media/{id}                                               404      404      404      404      -
GET    /check                                                           ok       ok       ok       ok       -
GET    /docs/                                                           ok       ok       ok       ok       -
GET    /favicon.ico                                                     ok       ok       ok       ok       -
GET    /healthz                                                         ok       ok       ok       ok       -
GET    /openapi.json                                                    ok       ok       ok       ok       -
GET    /proctor                                                         ok       ok       ok       ok       -
GET    /static/candidate.js                                             ok       ok       ok       ok       -
GET    /ws/candidate                                                    4xx      4xx      4xx      4xx      -
GET    /ws/check                                                        4xx      4xx      4xx      4xx      -
GET    /ws/proctor                                                      4xx      4xx      4xx      4xx      -
POST   /api/v1/auth/login                                               4xx      4xx      4xx      4xx      -
POST   /api/v1/auth/logout                                              4xx      4xx      4xx      4xx      -
POST   /api/v1/auth/refresh                                             4xx      4xx      4xx      4xx      -
POST   /api/v1/events                                                   401      403      ok       401      -
POST   /api/v1/events/{event}/candidates                                401      403      4xx      401      -
POST   /api/v1/events/{event}/candidates/{number}/admit                 401      ok       ok       401      403
POST   /api/v1/events/{event}/candidates/{number}/clear-login-alarm     401      ok       ok       401      403
POST   /api/v1/events/{event}/candidates/{number}/extra-time            401      ok       ok       401      403
POST   /api/v1/events/{event}/candidates/{number}/{action}              401      ok       4xx      401      403
POST   /api/v1/events/{event}/keys                                      401      403      4xx      401      -
POST   /api/v1/events/{event}/package                                   401      403      4xx      401      -
POST   /api/v1/events/{event}/results/upload                            401      403      4xx      401      -
POST   /api/v1/events/{event}/rooms                                     401      403      ok       401      -
POST   /api/v1/events/{event}/rooms/{room}/incidents                    401      ok       ok       401      403
POST   /api/v1/events/{event}/rooms/{room}/{action}                     401      4xx      4xx      401      403
POST   /api/v1/events/{event}/unlock                                    401      403      4xx      401      -
POST   /api/v1/staff                                                    401      403      ok       401      -
GET    /api/v1/auth/me                                                  401      ok       ok       401      -
GET    /api/v1/events/{event}/exports/groups.csv                        401      403      ok       401      -
GET    /api/v1/events/{event}/overview                                  401      403      ok       401      -
GET    /api/v1/events/{event}/progress                                  401      403      ok       401      -
GET    /api/v1/events/{event}/record                                    401      403      ok       401      -
GET    /api/v1/events/{event}/seb                                       401      4xx      4xx      401      -
GET    /api/v1/events/{event}/seb/settings                              401      403      ok       401      -
POST   /api/v1/events/{event}/rooms/{room}/layout                       401      403      ok       401      403
POST   /api/v1/events/{event}/seb/file                                  401      403      4xx      401      -
POST   /api/v1/events/{event}/seb/settings                              401      403      ok       401      -
GET    /readyz                                                          ok       ok       ok       ok       -
GET    /metrics                                                         ok       ok       ok       ok       -
GET    /api/v1/events/{event}/paper                                     401      403      ok       401      -
GET    /api/v1/events/{event}/paper/flags                               401      403      ok       401      -
POST   /api/v1/events/{event}/paper/flags/{id}/decision                 401      403      404      401      -
GET    /api/v1/events/{event}/paper/held                                401      403      ok       401      -
POST   /api/v1/events/{event}/paper/held/{id}/decision                  401      403      404      401      -
POST   /api/v1/events/{event}/paper/sheets                              401      403      ok       401      -
POST   /api/v1/events/{event}/paper/scans                               401      403      4xx      401      -
POST   /api/v1/events/{event}/rooms/{room}/paper                        401      ok       4xx      401      403
"#;

/// Routes outside the OpenAPI document: pages, files, media and the websockets (asked without an
/// upgrade).
const PAGES: &[&str] = &[
    "/",
    "/proctor",
    "/check",
    "/favicon.ico",
    "/static/candidate.js",
    "/api/v1/media/{id}",
    "/ws/check",
    "/ws/candidate",
    "/ws/proctor",
    "/docs/",
    "/openapi.json",
    "/api-docs/openapi.json",
    "/metrics",
];

const PASSWORD: &str = "a-long-test-password";

/// The route's path with the objects of `room` and `number`.
fn concrete(path: &str, room: &str, number: &str) -> String {
    path.replace("{event}", "E1")
        .replace("{room}", room)
        .replace("{number}", number)
        .replace("{action}", "pause")
        .replace("{id}", "nothing")
}

/// The body a route is asked with.
fn body(route: &Route) -> Value {
    match (route.0.as_str(), route.1.as_str()) {
        ("POST", "/api/v1/staff") => json!({"username": "mx", "display_name": "MX", "password": PASSWORD,
            "role": "proctor", "rooms": []}),
        ("POST", "/api/v1/events") => json!({"id": "E2", "title": "Kiểm tra 2"}),
        ("POST", "/api/v1/events/{event}/rooms") => json!({"name": "P9", "seats": 1}),
        ("POST", "/api/v1/events/{event}/unlock" | "/api/v1/events/{event}/keys") => {
            json!({"release_key": "not-the-key"})
        }
        ("POST", "/api/v1/events/{event}/results/upload") => json!({"username": "board", "password": "x"}),
        ("POST", "/api/v1/events/{event}/rooms/{room}/incidents") => json!({"text": "Mất điện 2 phút"}),
        ("POST", "/api/v1/events/{event}/rooms/{room}/layout") => json!({"rows": 6, "columns": 5}),
        ("POST", "/api/v1/events/{event}/seb/settings") => json!({"required": false}),
        ("POST", "/api/v1/events/{event}/paper/flags/{id}/decision") => json!({"decision": "blank"}),
        ("POST", "/api/v1/events/{event}/paper/held/{id}/decision") => json!({"decision": "reject"}),
        // A sheet of the wrong version: read and held for a person (200, the outcome says why).
        ("POST", "/api/v1/events/{event}/paper/sheets") => json!({"sheets": [{"image": "a.png",
            "candidate": "000001", "version": "none", "image_sha256": "00".repeat(32)}]}),
        ("POST", "/api/v1/events/{event}/candidates/{number}/extra-time") => {
            json!({"minutes": 5, "reason": "máy hỏng"})
        }
        _ => json!({}),
    }
}

async fn ask(
    http: &reqwest::Client,
    url: &str,
    route: &Route,
    token: Option<&str>,
    objects: (&str, &str),
) -> String {
    let url = format!("{url}{}", concrete(&route.1, objects.0, objects.1));
    let req = match route.0.as_str() {
        "GET" => http.get(url),
        "POST" => http.post(url).json(&body(route)),
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

/// Event E1 unlocked with rooms P1 and P2, proctor `gv1` on P1; returns a resume token of 000001.
async fn setup(app: &TestApp) -> String {
    let b = &app.board;
    let pkg = package(&app.signer, "E1");
    b.post("/api/v1/events", json!({"id": "E1", "title": "Kiểm tra"})).await.unwrap();
    b.post_raw("/api/v1/events/E1/package", "application/octet-stream", pkg.bytes.clone()).await.unwrap();
    let p1 = b.post("/api/v1/events/E1/rooms", json!({"name": "P1", "seats": 3})).await.unwrap();
    b.post("/api/v1/events/E1/rooms", json!({"name": "P2", "seats": 3})).await.unwrap();
    let csv = "so_bao_danh,ho_ten,ngay_sinh,phong\n000001,Nguyễn Văn An,2007-01-01,P1\n000004,Phạm Thị Dung,2007-04-04,P2\n";
    b.post_raw("/api/v1/events/E1/candidates", "text/csv", csv.as_bytes().to_vec()).await.unwrap();
    b.post("/api/v1/events/E1/unlock", json!({"release_key": pkg.content_key.to_hex()})).await.unwrap();
    b.post(
        "/api/v1/staff",
        json!({"username": "gv1", "display_name": "Giám thị 1", "password": PASSWORD, "role": "proctor", "rooms": [p1["id"]]}),
    )
    .await
    .unwrap();
    let sheet = b.get("/api/v1/events/E1/rooms/P1/sheet").await.unwrap();
    let code = sheet["candidates"][0]["code"].as_str().unwrap().to_string();
    let mut s = app.socket().await;
    let welcome = s.login("000001", &code).await.unwrap();
    welcome["resume_token"].as_str().expect("a resume token").to_string()
}

async fn every_route_by_every_role(b: Backend) {
    let app = TestApp::spawn(b).await;
    let candidate = setup(&app).await;
    let proctor = khaothi_loadtest::board::BoardClient::login(&app.url, "gv1", PASSWORD).await.unwrap().token;
    let board = app.board.token.clone();
    let http = reqwest::Client::new();
    let spec: Value = app.board.get("/openapi.json").await.unwrap();
    let mut routes = matrix::documented_routes(&spec);
    routes.extend(PAGES.iter().map(|p| ("GET".to_string(), p.to_string())));
    routes.sort();
    let own = ("P1", "000001");
    let mut observed = BTreeMap::new();
    for route in routes {
        let mut cells = Vec::new();
        for token in [None, Some(proctor.as_str()), Some(board.as_str()), Some(candidate.as_str())] {
            cells.push(ask(&http, &app.url, &route, token, own).await);
        }
        let other = route.1.contains("{room}") || route.1.contains("{number}");
        cells.push(if other {
            ask(&http, &app.url, &route, Some(&proctor), ("P2", "000004")).await
        } else {
            "-".into()
        });
        observed.insert(route, cells);
    }
    matrix::check(&matrix::parse_table(TABLE), &observed, HEADER);
}
both_backends!(every_route_by_every_role);
