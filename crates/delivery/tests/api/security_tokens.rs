//! Issue 16, findings 4 and 5 on the delivery server: staff refresh tokens and cookies, logout,
//! a proctor socket that outlives its first token, and tokens that only their own service takes.

use std::time::Duration;

use khaothi_loadtest::candidate::CandidateSocket;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::*;

const PASSWORD: &str = "mat-khau-giam-thi";

async fn post(
    url: &str,
    path: &str,
    body: Option<Value>,
    cookie: Option<&str>,
) -> (StatusCode, Vec<String>, Value) {
    let mut req = reqwest::Client::new().post(format!("{url}{path}"));
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let cookies = res.headers().get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect();
    let text = res.text().await.unwrap();
    (status, cookies, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn login(url: &str, username: &str, password: &str) -> (StatusCode, Vec<String>, Value) {
    post(url, "/api/v1/auth/login", Some(json!({"username": username, "password": password})), None).await
}

fn cookie_pair(cookies: &[String], name: &str) -> String {
    let c =
        cookies.iter().find(|c| c.starts_with(&format!("{name}="))).unwrap_or_else(|| panic!("{cookies:?}"));
    c.split(';').next().unwrap().to_string()
}

async fn staff_get_refresh_tokens_and_cookies(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (s, cookies, tokens) = login(&app.url, "board", "khaothi-demo").await;
    assert_eq!(s, StatusCode::OK, "{tokens}");
    assert!(tokens["refresh_token"].is_string() && tokens["expires_in"].as_i64().unwrap() > 0, "{tokens}");
    let refresh = cookie_pair(&cookies, "khaothi_refresh");
    assert!(
        cookies.iter().any(|c| c.starts_with("khaothi_refresh=") && c.contains("HttpOnly; SameSite=Strict"))
    );
    assert!(cookies.iter().any(|c| c.starts_with("khaothi_fetch=") && c.contains("Path=/;")));
    // An empty-body refresh uses the cookie; the used token then fails and ends the login.
    let (s, again, body) = post(&app.url, "/api/v1/auth/refresh", None, Some(&refresh)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let next = cookie_pair(&again, "khaothi_refresh");
    let (s, _, body) = post(&app.url, "/api/v1/auth/refresh", None, Some(&refresh)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    let (s, _, _) = post(&app.url, "/api/v1/auth/refresh", None, Some(&next)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the reuse revoked the family");
    // Logout revokes the family and clears the cookies.
    let (_, cookies, _) = login(&app.url, "board", "khaothi-demo").await;
    let refresh = cookie_pair(&cookies, "khaothi_refresh");
    let (s, cleared, body) = post(&app.url, "/api/v1/auth/logout", None, Some(&refresh)).await;
    assert_eq!((s, body["revoked"].as_u64()), (StatusCode::OK, Some(1)), "{body}");
    assert!(cleared.iter().all(|c| c.contains("Max-Age=0")) && cleared.len() == 2, "{cleared:?}");
    let (s, _, _) = post(&app.url, "/api/v1/auth/refresh", None, Some(&refresh)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
both_backends!(staff_get_refresh_tokens_and_cookies);

async fn sets_account_inactive(app: &TestApp, username: &str) {
    let db = khaothi_delivery::store::connect_and_migrate(&app.config.database_url()).await.unwrap();
    let backend = db.write.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "UPDATE dl_staff SET active = false WHERE username = $1",
        _ => "UPDATE dl_staff SET active = false WHERE username = ?",
    };
    db.write.execute_raw(Statement::from_sql_and_values(backend, sql, [username.into()])).await.unwrap();
}

/// Access tokens here live 0 minutes (5 s of leeway): the socket outlives its first token, stays
/// open, takes a fresh token by `reauth`, and closes only when the account is deactivated.
async fn a_proctor_socket_outlives_its_token(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.access_token_minutes = 0).await;
    app.event("E1", 2, 5, None).await;
    let rooms = app.board.get("/api/v1/events/E1/rooms").await.unwrap();
    let room_id = rooms["rooms"][0]["id"].as_str().unwrap().to_string();
    let new = json!({"username": "gv1", "display_name": "Giám thị", "password": PASSWORD, "role": "proctor", "rooms": [room_id]});
    // The board client's own token has expired by now: log in again for the staff call.
    let (_, _, board) = login(&app.url, "board", "khaothi-demo").await;
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/staff", app.url))
        .bearer_auth(board["access_token"].as_str().unwrap())
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let (_, _, tokens) = login(&app.url, "gv1", PASSWORD).await;
    let mut p = CandidateSocket::connect(&app.ws.replace("/ws/candidate", "/ws/proctor")).await.unwrap();
    let token = tokens["access_token"].as_str().unwrap();
    p.send(json!({"type": "login", "token": token, "event": "E1", "room": "P001"})).await.unwrap();
    p.expect("roster", SECS).await.unwrap();
    tokio::time::sleep(Duration::from_secs(7)).await;
    // The token has expired: the HTTP API refuses it, the socket carries on.
    let res = reqwest::Client::new()
        .get(format!("{}/api/v1/events", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    p.send(json!({"type": "action", "id": 1, "action": "note", "text": "vẫn mở"})).await.unwrap();
    let done = p.expect("done", SECS).await.unwrap();
    assert_eq!(done["action"], "note");
    // An expired token in `reauth` is an error reply only; a fresh one is acknowledged.
    p.send(json!({"type": "reauth", "id": 2, "token": token})).await.unwrap();
    let e = p.expect("error", SECS).await.unwrap();
    assert_eq!(e["code"], "reauth_failed", "{e}");
    let (s, _, fresh) =
        post(&app.url, "/api/v1/auth/refresh", Some(json!({"refresh_token": tokens["refresh_token"]})), None)
            .await;
    assert_eq!(s, StatusCode::OK);
    p.send(json!({"type": "reauth", "id": 3, "token": fresh["access_token"]})).await.unwrap();
    let ok = p.expect("reauthed", SECS).await.unwrap();
    assert!(ok["expires_at"].as_i64().is_some(), "{ok}");
    // Another account's token does not take over the socket.
    p.send(json!({"type": "reauth", "id": 4, "token": board["access_token"]})).await.unwrap();
    assert_eq!(p.expect("error", SECS).await.unwrap()["code"], "reauth_failed");
    // Deactivated: the next message closes the socket with a reason.
    sets_account_inactive(&app, "gv1").await;
    p.send(json!({"type": "heartbeat"})).await.unwrap();
    let e = p.expect("error", SECS).await.unwrap();
    assert_eq!(e["code"], "account_disabled", "{e}");
    assert!(p.next(SECS).await.is_none());
    assert_eq!(p.closed, Some(1008));
    // And its refresh token no longer works.
    let (s, _, _) =
        post(&app.url, "/api/v1/auth/refresh", Some(json!({"refresh_token": fresh["refresh_token"]})), None)
            .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
both_backends!(a_proctor_socket_outlives_its_token);

/// Finding 5: with the same secret configured on both services, each refuses the other's tokens.
async fn each_service_refuses_the_others_tokens(b: Backend) {
    let secret = "the-same-secret-on-both-services-0123456789";
    let app = TestApp::spawn_with(b, |c| c.jwt_secret = Some(secret.into())).await;
    let bank_data = TestData::new(Backend::Sqlite).await;
    let config = khaothi_bank::BankConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: bank_data.dir().to_path_buf(),
        demo: true,
        jwt_secret: Some(secret.into()),
        ..khaothi_bank::BankConfig::default()
    };
    let bank = khaothi_bank::Application::build(config).await.unwrap();
    let bank_url = format!("http://{}", bank.addr);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(bank.run_until(async move {
        let _ = rx.await;
    }));
    let (_, _, bank_tokens) = login(&bank_url, "board", "khaothi-demo").await;
    let (_, _, delivery_tokens) = login(&app.url, "board", "khaothi-demo").await;
    let get = |url: String, token: Value| async move {
        let req = reqwest::Client::new().get(url).bearer_auth(token.as_str().unwrap());
        req.send().await.unwrap().status()
    };
    // Each takes its own …
    assert_eq!(
        get(format!("{bank_url}/api/v1/auth/me"), bank_tokens["access_token"].clone()).await,
        StatusCode::OK
    );
    assert_eq!(
        get(format!("{}/api/v1/events", app.url), delivery_tokens["access_token"].clone()).await,
        StatusCode::OK
    );
    // … and refuses the other's.
    let cross = get(format!("{}/api/v1/events", app.url), bank_tokens["access_token"].clone()).await;
    assert_eq!(cross, StatusCode::UNAUTHORIZED);
    let cross = get(format!("{bank_url}/api/v1/auth/me"), delivery_tokens["access_token"].clone()).await;
    assert_eq!(cross, StatusCode::UNAUTHORIZED);
    let _ = tx.send(());
}
both_backends!(each_service_refuses_the_others_tokens);
