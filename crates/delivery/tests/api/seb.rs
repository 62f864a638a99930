//! Issue 16, "Safe Exam Browser": the board's settings for an event (keys, an uploaded `.seb`
//! file, the generated `.seb` file), the candidate page's header check and the websocket login's
//! check of the JavaScript API's hashes — with correct, wrong and missing hashes.

use khaothi_loadtest::candidate::CandidateSocket;
use khaothi_seb::hashes::request_hash;
use khaothi_seb::rncryptor::Salts;
use khaothi_seb::{Dict, Value, config_key};
use khaothi_testkit::{JsonClient, assert_error_body};
use reqwest::StatusCode;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::both_backends;
use crate::common::*;

/// A Config Key and a Browser Exam Key as a board would copy them from SEB's tools.
const CK: &str = "81AAD4AB9DFD447CC479E6A4A7C9A544E2CAFC7F3ADEB68B2A21EFAD68ECA4DC";
const BEK: &str = "155290511d5c4bfb1369217d6846c8eef1ed6a564579516eaf36cf5598ac92de";

fn lab_settings() -> Dict {
    Dict(vec![
        ("originatorVersion".into(), Value::String("SEB_Win_3.8".into())),
        ("startURL".into(), Value::String("http://10.0.0.5:8090/?event=E1".into())),
        ("sendBrowserExamKey".into(), Value::Bool(true)),
    ])
}

async fn the_board_sets_uploads_and_downloads_seb_settings(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.event("E1", 2, 5, None).await;
    let http = JsonClient::new(&app.url);
    let token = Some(app.board.token.as_str());
    let path = "/api/v1/events/E1/seb/settings";
    let (status, view) = http.get(token, path).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["required"], false);
    // Refusals: no key at all, a key that is not 64 hex digits, a start URL SEB cannot open.
    let (status, body) = http.post(token, path, json!({"required": true})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error_body(&body, "seb_no_keys");
    let (_, body) = http.post(token, path, json!({"required": true, "config_keys": ["abc"]})).await;
    assert_error_body(&body, "seb_bad_key");
    let (_, body) = http.post(token, path, json!({"required": true, "start_url": "file:///x"})).await;
    assert_error_body(&body, "seb_bad_start_url");
    let (status, _) = http.post(None, path, json!({"required": true})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = http.get(token, "/api/v1/events/E1/seb").await;
    assert_eq!(status, StatusCode::CONFLICT, "no start URL yet: {body}");

    let start_url = format!("{}/?event=E1", app.url);
    let (status, view) = http
        .post(
            token,
            path,
            json!({"required": true, "start_url": start_url, "quit_password": "coi-thi", "config_keys": [CK], "browser_exam_keys": []}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["config_keys"], json!([CK.to_lowercase()]));
    assert_eq!(view["quit_password_set"], true);
    let generated = view["generated_config_key"].as_str().unwrap().to_string();
    assert_eq!(view["accepted_config_keys"].as_array().unwrap().len(), 2, "{view}");

    // The generated file reads back to the key the server accepts.
    let res = http
        .client
        .get(format!("{}/api/v1/events/E1/seb", app.url))
        .bearer_auth(&app.board.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/seb");
    let file = khaothi_seb::file::read(&res.bytes().await.unwrap(), None).unwrap();
    assert_eq!(config_key(&file.settings), generated);
    assert_eq!(file.settings.get("startURL"), Some(&Value::String(start_url.clone())));
    assert_eq!(
        file.settings.get("hashedQuitPassword"),
        Some(&Value::String(khaothi_seb::exam::hash_quit_password("coi-thi")))
    );

    // An uploaded file: encrypted needs its password; the server computes its Config Key.
    let salts = Salts { encryption: [1; 8], hmac: [2; 8], iv: [3; 16] };
    let encrypted = khaothi_seb::file::write(&lab_settings(), Some(("Mật khẩu", salts)));
    let upload = |password: Option<&'static str>, body: Vec<u8>| {
        let mut req = http
            .client
            .post(format!("{}/api/v1/events/E1/seb/file", app.url))
            .header("content-type", "application/octet-stream")
            .body(body);
        if let Some(p) = password {
            req = req.header("x-seb-password", p);
        }
        http.send(req, token)
    };
    let (status, body) = upload(None, encrypted.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error_body(&body, "seb_password_needed");
    let (_, body) = upload(Some("sai"), encrypted.clone()).await;
    assert_error_body(&body, "seb_wrong_password");
    let (_, body) = upload(None, b"PK\x03\x04 not a seb file".to_vec()).await;
    assert_error_body(&body, "seb_file_refused");
    let (status, view) = upload(Some("Mật khẩu"), encrypted).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["uploaded_config_key"], config_key(&lab_settings()));
    assert_eq!(view["accepted_config_keys"].as_array().unwrap().len(), 3, "{view}");
    let (_, again) = http.get(token, path).await;
    assert_eq!(again["uploaded_config_key"], view["uploaded_config_key"], "kept");
}
both_backends!(the_board_sets_uploads_and_downloads_seb_settings);

/// The page's and the login's URL, and the hashes SEB would send for it.
struct Hashes {
    url: String,
    ck: String,
    bek: String,
}

impl Hashes {
    fn for_page(app: &TestApp) -> Self {
        let url = format!("{}/?event=E1", app.url);
        Self { ck: request_hash(&url, &CK.to_lowercase()), bek: request_hash(&url, BEK), url }
    }
}

async fn require_seb(app: &TestApp) {
    let body = json!({"required": true, "config_keys": [CK], "browser_exam_keys": [BEK]});
    let (status, view) =
        JsonClient::new(&app.url).post(Some(&app.board.token), "/api/v1/events/E1/seb/settings", body).await;
    assert_eq!(status, StatusCode::OK, "{view}");
}

async fn the_candidate_page_checks_seb_headers(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.event("E1", 1, 5, None).await;
    require_seb(&app).await;
    let h = Hashes::for_page(&app);
    let http = reqwest::Client::new();
    let get = |ck: Option<&str>, bek: Option<&str>| {
        let mut req = http.get(&h.url);
        if let Some(v) = ck {
            req = req.header("x-safeexambrowser-configkeyhash", v);
        }
        if let Some(v) = bek {
            req = req.header("x-safeexambrowser-requesthash", v);
        }
        req.send()
    };
    assert_eq!(get(Some(&h.ck), Some(&h.bek)).await.unwrap().status(), 200, "SEB with the event's keys");
    assert_eq!(get(None, None).await.unwrap().status(), 200, "no headers: the login checks the JS API");
    let wrong = request_hash(&h.url, &"0".repeat(64));
    for (ck, bek) in [
        (Some(wrong.as_str()), Some(h.bek.as_str())),
        (Some(h.ck.as_str()), None),
        (Some(h.ck.as_str()), Some(wrong.as_str())),
    ] {
        let res = get(ck, bek).await.unwrap();
        assert_eq!(res.status(), 403, "{ck:?} {bek:?}");
        assert!(res.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
        let text = res.text().await.unwrap();
        assert!(
            text.contains("Máy tính này chưa mở bài thi đúng cách") && text.contains("tệp .seb"),
            "{text}"
        );
    }
    // The page of another event (or no event) is not checked.
    let other = http
        .get(format!("{}/?event=E2", app.url))
        .header("x-safeexambrowser-configkeyhash", &wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
}
both_backends!(the_candidate_page_checks_seb_headers);

async fn socket_from(app: &TestApp, origin: &str) -> CandidateSocket {
    let mut req = app.ws.as_str().into_client_request().unwrap();
    req.headers_mut().insert("origin", origin.parse().unwrap());
    let (ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    CandidateSocket::from_stream(ws)
}

async fn the_login_checks_the_javascript_api_hashes(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, _) = app.event("E1", 1, 5, None).await;
    let (number, _, code) = list[0].clone();
    require_seb(&app).await;
    let h = Hashes::for_page(&app);
    let wrong = request_hash(&h.url, &"0".repeat(64));
    let login = |seb: Option<serde_json::Value>| {
        let mut m = json!({"type": "login", "candidate": number, "code": code});
        if let Some(s) = seb {
            m["seb"] = s;
        }
        m
    };
    for (seb, refusal) in [
        (None, "seb_required"),
        (Some(json!({"url": h.url})), "seb_required"),
        (Some(json!({"url": h.url, "config_key_hash": h.ck})), "seb_required"),
        (
            Some(json!({"url": h.url, "config_key_hash": wrong, "browser_exam_key_hash": h.bek})),
            "seb_mismatch",
        ),
        (
            Some(json!({"url": h.url, "config_key_hash": h.ck, "browser_exam_key_hash": wrong})),
            "seb_mismatch",
        ),
        (
            Some(
                json!({"url": format!("{}/?event=E2", app.url), "config_key_hash": h.ck, "browser_exam_key_hash": h.bek}),
            ),
            "seb_mismatch",
        ),
    ] {
        let mut s = app.socket().await;
        s.send(login(seb.clone())).await.unwrap();
        assert_error(&s.next(SECS).await.unwrap(), refusal);
    }
    // The page's origin must be the one the socket was opened from.
    let good = json!({"url": format!("{}#top", h.url), "config_key_hash": h.ck.to_uppercase(), "browser_exam_key_hash": h.bek});
    let mut elsewhere = socket_from(&app, "http://exam.example:8090").await;
    elsewhere.send(login(Some(good.clone()))).await.unwrap();
    assert_error(&elsewhere.next(SECS).await.unwrap(), "seb_mismatch");
    // Correct hashes (case and fragment do not matter) log in; a resume needs them too.
    let mut s = socket_from(&app, &app.url).await;
    s.send(login(Some(good.clone()))).await.unwrap();
    let welcome = s.expect("welcome", SECS).await.unwrap();
    let token = welcome["resume_token"].as_str().unwrap().to_string();
    let mut r = app.socket().await;
    r.send(json!({"type": "resume", "candidate": number, "token": token})).await.unwrap();
    assert_error(&r.next(SECS).await.unwrap(), "seb_required");
    let mut r = app.socket().await;
    r.send(json!({"type": "resume", "candidate": number, "token": token, "seb": good})).await.unwrap();
    assert_eq!(r.expect("welcome", SECS).await.unwrap()["type"], "welcome");
    // A wrong code is still a wrong code (the SEB check comes after the credential).
    let mut w = app.socket().await;
    w.send(json!({"type": "login", "candidate": number, "code": "AAAAA-AAAAA", "seb": good})).await.unwrap();
    assert_error(&w.next(SECS).await.unwrap(), "login_failed");
}
both_backends!(the_login_checks_the_javascript_api_hashes);
