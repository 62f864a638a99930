//! Issue 16, finding 4 and the browser session contract: the refresh and fetch cookies, logout,
//! atomic rotation with reuse detection, and access tokens that re-check the account.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::*;

/// The `Set-Cookie` headers of a response, and its JSON body.
async fn with_cookies(res: reqwest::Response) -> (StatusCode, Vec<String>, Value) {
    let status = res.status();
    let cookies =
        res.headers().get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>();
    let text = res.text().await.unwrap();
    (status, cookies, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// `name=value` of the cookie `name` among `Set-Cookie` headers.
fn pair(cookies: &[String], name: &str) -> String {
    let c =
        cookies.iter().find(|c| c.starts_with(&format!("{name}="))).unwrap_or_else(|| panic!("{cookies:?}"));
    c.split(';').next().unwrap().to_string()
}

async fn login_raw(app: &TestApp, username: &str) -> (StatusCode, Vec<String>, Value) {
    let body = json!({"username": username, "password": DEMO_PASSWORD});
    with_cookies(app.client.post(format!("{}/api/v1/auth/login", app.url)).json(&body).send().await.unwrap())
        .await
}

async fn post_with_cookie(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, Vec<String>, Value) {
    let req = app.client.post(format!("{}{path}", app.url)).header(COOKIE, cookie);
    with_cookies(req.send().await.unwrap()).await
}

async fn cookies_carry_a_browser_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, cookies, tokens) = login_raw(&app, "writer").await;
    assert_eq!(s, StatusCode::OK, "{tokens}");
    let refresh = cookies.iter().find(|c| c.starts_with("khaothi_refresh=")).unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/auth"] {
        assert!(refresh.contains(attr), "{refresh}");
    }
    assert!(!refresh.contains("Secure"), "plain HTTP: no Secure flag ({refresh})");
    let fetch = cookies.iter().find(|c| c.starts_with("khaothi_fetch=")).unwrap();
    assert!(
        fetch.contains("HttpOnly") && fetch.contains("SameSite=Strict") && fetch.contains("Path=/;"),
        "{fetch}"
    );
    assert_eq!(
        pair(&cookies, "khaothi_fetch"),
        format!("khaothi_fetch={}", tokens["access_token"].as_str().unwrap())
    );
    assert_eq!(
        pair(&cookies, "khaothi_refresh"),
        format!("khaothi_refresh={}", tokens["refresh_token"].as_str().unwrap())
    );

    // Behind a TLS proxy the cookies are Secure.
    let req = app.client.post(format!("{}/api/v1/auth/login", app.url)).header("x-forwarded-proto", "https");
    let (_, secure, _) = with_cookies(
        req.json(&json!({"username": "writer", "password": DEMO_PASSWORD})).send().await.unwrap(),
    )
    .await;
    assert!(secure.iter().all(|c| c.contains("; Secure")), "{secure:?}");

    // The fetch cookie opens the GETs a page cannot add a header to (an export link) …
    let fetch_pair = pair(&cookies, "khaothi_fetch");
    let export = app.client.get(format!("{}/api/v1/items/export", app.url)).header(COOKIE, &fetch_pair);
    assert_eq!(export.send().await.unwrap().status(), StatusCode::OK);
    // … and nothing else: the API keeps bearer tokens.
    let list = app.client.get(format!("{}/api/v1/items", app.url)).header(COOKIE, &fetch_pair);
    assert_eq!(list.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let create = app.client.post(format!("{}/api/v1/items", app.url)).header(COOKIE, &fetch_pair);
    let (s, _) = app.send(create.json(&sample_item("X1")), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Refresh with an empty body reads the refresh cookie, and sets both cookies again.
    let refresh_pair = pair(&cookies, "khaothi_refresh");
    let (s, again, body) = post_with_cookie(&app, "/api/v1/auth/refresh", &refresh_pair).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(body["access_token"].is_string());
    let next_pair = pair(&again, "khaothi_refresh");
    assert_ne!(next_pair, refresh_pair);

    // Logout revokes the login's tokens and clears both cookies.
    let (s, cleared, _) = post_with_cookie(&app, "/api/v1/auth/logout", &next_pair).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert!(
        cleared.iter().any(|c| c.starts_with("khaothi_refresh=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    assert!(
        cleared.iter().any(|c| c.starts_with("khaothi_fetch=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    let (s, _, body) = post_with_cookie(&app, "/api/v1/auth/refresh", &next_pair).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    // Without any token: 401 with a message, logout still 204.
    let (s, body) = app.post_raw(None, "/api/v1/auth/refresh", "application/json", Vec::new()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_error(&body, "login_failed");
    let (s, _) = app.post_raw(None, "/api/v1/auth/logout", "application/json", Vec::new()).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}
both_backends!(cookies_carry_a_browser_session);

async fn refresh(app: &TestApp, token: &str) -> (StatusCode, Value) {
    app.post(None, "/api/v1/auth/refresh", json!({"refresh_token": token})).await
}

async fn a_reused_refresh_token_ends_the_whole_login(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, _, first) = login_raw(&app, "writer").await;
    let r1 = first["refresh_token"].as_str().unwrap().to_string();
    let (s, second) = refresh(&app, &r1).await;
    assert_eq!(s, StatusCode::OK, "{second}");
    let r2 = second["refresh_token"].as_str().unwrap().to_string();
    // A thief replays r1: refused, and r2 (the legitimate holder's) dies with it.
    let (s, body) = refresh(&app, &r1).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(body["message"].as_str().unwrap().contains("already used"), "{body}");
    let (s, _) = refresh(&app, &r2).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the family is revoked");
    // Another login of the same user is not touched.
    let (_, _, other) = login_raw(&app, "writer").await;
    let (s, _) = refresh(&app, other["refresh_token"].as_str().unwrap()).await;
    assert_eq!(s, StatusCode::OK);

    // Concurrent uses of one token: exactly one wins.
    let (_, _, fresh) = login_raw(&app, "reviewer").await;
    let token = fresh["refresh_token"].as_str().unwrap().to_string();
    let tries: Vec<_> = (0..8)
        .map(|_| {
            let (api, token) = (JsonClient::clone(&app), token.clone());
            tokio::spawn(async move {
                api.post(None, "/api/v1/auth/refresh", json!({"refresh_token": token})).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tries {
        answers.push(t.await.unwrap());
    }
    let wins = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!(wins, 1, "{answers:?}");
}
both_backends!(a_reused_refresh_token_ends_the_whole_login);

async fn send_patch(app: &TestApp, token: String, path: String, body: Value) -> (StatusCode, Value) {
    let req = app.client.patch(format!("{}{path}", app.url)).json(&body);
    app.send(req, Some(&token)).await
}

async fn admins_change_accounts_and_deactivation_is_immediate(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let (_, users) = app.get(Some(&admin), "/api/v1/users").await;
    let id_of = |name: &str| {
        users.as_array().unwrap().iter().find(|u| u["username"] == name).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let writer_id = id_of("writer");
    let (_, _, tokens) = login_raw(&app, "writer").await;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_string();
    let (s, _) = app.get(Some(&access), "/api/v1/items").await;
    assert_eq!(s, StatusCode::OK);

    // Only admins change accounts; bad values are 422; unknown ids 404.
    let path = format!("/api/v1/users/{writer_id}");
    let (s, _) = send_patch(&app, access.clone(), path.clone(), json!({"active": false})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) =
        send_patch(&app, admin.clone(), path.clone(), json!({"password": "short", "role": "candidate"}))
            .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, _) =
        send_patch(&app, admin.clone(), "/api/v1/users/nobody".into(), json!({"active": false})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = send_patch(&app, admin.clone(), path.clone(), json!({"organisation": "no-such-org"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Deactivation: the writer's access token stops at once, the refresh token too, login fails.
    let (s, body) = send_patch(&app, admin.clone(), path.clone(), json!({"active": false})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["active"], false);
    let (s, body) = app.get(Some(&access), "/api/v1/items").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body["message"].as_str().unwrap().contains("disabled"), "{body}");
    let (s, _) = refresh(&app, &refresh_token).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) =
        app.post(None, "/api/v1/auth/login", json!({"username": "writer", "password": DEMO_PASSWORD})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Reactivated with a new password and another role: the old password fails, the new works,
    // and a token of the old role is refused.
    let board = app.login("board").await;
    let board_path = format!("/api/v1/users/{}", id_of("board"));
    let (s, _) = send_patch(&app, admin.clone(), board_path, json!({"role": "reviewer"})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = app.get(Some(&board), "/api/v1/items").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    let new_password = "a-new-long-password";
    let (s, _) =
        send_patch(&app, admin.clone(), path.clone(), json!({"active": true, "password": new_password}))
            .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) =
        app.post(None, "/api/v1/auth/login", json!({"username": "writer", "password": DEMO_PASSWORD})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.login_with("writer", new_password).await;
    let (_, log) = app.get(Some(&admin), "/api/v1/audit?action=user_update").await;
    assert_eq!(log["total"], 3, "{log}");
}
both_backends!(admins_change_accounts_and_deactivation_is_immediate);
