//! Issue 15, item 16: a board opens a form's print view as a browser tab does — a GET with no
//! `Authorization` header, only the `khaothi_fetch` cookie its sign-in set — and a cookie that is
//! not a live staff token of the bank is refused: a candidate-role token, an expired token, the
//! delivery server's token (same secret), a token of another service, or no cookie at all. The
//! cookie never carries a write. (The board's page test, browser/board.rs, opens the same view
//! from the assembly page.)

use khaothi_auth::{JwtKeys, Role};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};

use crate::assembly::{BLUEPRINT, poll, pool};
use crate::both_backends;
use crate::common::{Backend, TestApp};

const SECRET: &str = "a-test-secret-of-at-least-32-characters";

/// A frozen form of the assembly tests' pool; its id and first version code.
async fn a_form(app: &TestApp) -> (String, String) {
    let admin = app.login("admin").await;
    let (s, body) = app
        .post_raw(Some(&admin), "/api/v1/items/import?keep_status=true", "application/x-ndjson", pool())
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let board = app.login("board").await;
    let (s, bp) =
        app.post_raw(Some(&board), "/api/v1/blueprints", "application/yaml", BLUEPRINT.into()).await;
    assert_eq!(s, StatusCode::CREATED, "{bp}");
    let path = format!("/api/v1/blueprints/{}/assemble", bp["id"].as_str().unwrap());
    let (s, job) = app.post(Some(&board), &path, json!({"seed": 3, "time_limit": 30})).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{job}");
    let job = poll(app, &board, job["id"].as_str().unwrap()).await;
    let form = job["forms"][0].as_str().expect("a form").to_string();
    let (_, view) = app.get(Some(&board), &format!("/api/v1/forms/{form}")).await;
    (form, view["versions"][0]["code"].as_str().unwrap().to_string())
}

/// The `khaothi_fetch=…` pair a browser keeps after signing in as `username`.
async fn signed_in_cookie(app: &TestApp, username: &str) -> String {
    let res = app
        .client
        .post(format!("{}/api/v1/auth/login", app.url))
        .json(&json!({"username": username, "password": "khaothi-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let set: Vec<String> =
        res.headers().get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().into()).collect();
    let fetch = set.iter().find(|c| c.starts_with("khaothi_fetch=")).expect("the fetch cookie");
    fetch.split(';').next().unwrap().to_string()
}

/// A GET with only this cookie: (status, body).
async fn open(app: &TestApp, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
    let mut req = app.client.get(format!("{}{path}", app.url));
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn the_print_view_opens_with_the_cookie_and_only_a_live_staff_one(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.jwt_secret = Some(SECRET.to_string().into())).await;
    let (form, code) = a_form(&app).await;
    let print = format!("/api/v1/forms/{form}/print?version={code}");

    // Signed in: the tab opens the paper with the cookie alone.
    let board = signed_in_cookie(&app, "board").await;
    let (s, paper) = open(&app, &print, Some(&board)).await;
    assert_eq!(s, StatusCode::OK, "{paper}");
    assert!(paper.contains("Mã đề") && paper.contains(&code) && paper.contains("PHẦN I"), "{paper}");

    // A writer's cookie is a live token, but not the board's role.
    let writer = signed_in_cookie(&app, "writer").await;
    let (s, body) = open(&app, &print, Some(&writer)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");

    // Forged with the bank's own secret: a candidate's token, an expired board token, a token the
    // delivery server issued — all refused as invalid tokens.
    let keys = |ttl: i64| {
        JwtKeys::new(SECRET.as_bytes(), chrono::Duration::seconds(ttl), chrono::Duration::hours(1))
    };
    let bank = || keys(900).for_service(khaothi_auth::BANK_SERVICE);
    let (candidate, _) = bank().issue("c-1", "010001", Role::Candidate, "default");
    let (expired, _) = keys(-120).for_service(khaothi_auth::BANK_SERVICE).issue(
        "u-board",
        "board",
        Role::ExamBoard,
        "default",
    );
    let (delivery, _) = keys(900).for_service(khaothi_auth::DELIVERY_SERVICE).issue(
        "u-board",
        "board",
        Role::ExamBoard,
        "default",
    );
    for (what, token) in [("a candidate's", candidate), ("an expired", expired), ("the delivery's", delivery)]
    {
        let (s, body) = open(&app, &print, Some(&format!("khaothi_fetch={token}"))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{what} token opened the paper: {body}");
        let err: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(err["error"], "invalid_token", "{what}: {body}");
    }
    let (s, _) = open(&app, &print, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "no cookie, no header");
    let (s, _) = open(&app, &print, Some("khaothi_fetch=not-a-token")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // The cookie is for GETs: a POST of the board with it alone is refused.
    let res = app
        .client
        .post(format!("{}/api/v1/forms/{form}/freeze", app.url))
        .header(COOKIE, &board)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}
both_backends!(the_print_view_opens_with_the_cookie_and_only_a_live_staff_one);
