//! The browser pages and their static files: served from the binary with the right types, a
//! strict Content-Security-Policy, caching (ETag, long-lived fonts); and the `/ws/check` echo.

use std::time::Duration;

use khaothi_loadtest::candidate::CandidateSocket;
use serde_json::json;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_static_files_are_served_with_types_policy_and_caching() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let http = reqwest::Client::new();
    let host = app.url.trim_start_matches("http://").to_string();
    for (path, kind) in [
        ("/", "text/html; charset=utf-8"),
        ("/proctor", "text/html; charset=utf-8"),
        ("/check", "text/html; charset=utf-8"),
        ("/static/candidate.js", "text/javascript; charset=utf-8"),
        ("/static/common.css", "text/css; charset=utf-8"),
        ("/static/fonts/noto-sans-vietnamese-400-normal.woff2", "font/woff2"),
        ("/static/fonts/LICENSE-noto-sans-math.txt", "text/plain; charset=utf-8"),
        ("/favicon.ico", "image/svg+xml"),
    ] {
        let res = http.get(format!("{}{path}", app.url)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let h = res.headers().clone();
        assert_eq!(h["content-type"], kind, "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        for part in [
            "default-src 'self'".to_string(),
            "script-src 'self'".to_string(),
            // This server's websockets, by the host the request named; no other host's.
            format!("connect-src 'self' ws://{host} wss://{host};"),
            "object-src 'none'".to_string(),
            "frame-ancestors 'none'".to_string(),
        ] {
            assert!(csp.contains(&part), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
        assert!(!csp.contains(" ws: ") && !csp.contains(" wss:;"), "{csp}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        let cache = h["cache-control"].to_str().unwrap();
        if path.ends_with(".woff2") {
            assert!(cache.contains("max-age=31536000") && cache.contains("immutable"), "{cache}");
        } else {
            assert_eq!(cache, "no-cache", "{path}");
        }
        // The browser's copy is current: 304 without a body.
        let etag = h["etag"].to_str().unwrap().to_string();
        let again =
            http.get(format!("{}{path}", app.url)).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert!(again.bytes().await.unwrap().is_empty());
    }
    let page = http.get(format!("{}/", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<script type=\"module\" src=\"/static/candidate.js\"></script>"));
    assert!(page.contains("Số báo danh"), "Vietnamese by default");
    // Unknown files and traversal attempts are plain 404s with the usual error body.
    for path in ["/static/nope.js", "/static/../Cargo.toml", "/static/%2e%2e/Cargo.toml", "/static/fonts/"] {
        let res = http.get(format!("{}{path}", app.url)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"], "not_found", "{path}");
    }
    // The API keeps its JSON errors.
    let res = http.get(format!("{}/api/v1/nothing", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_socket_answers_pings_with_the_server_time() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let url = app.ws.replace("/ws/candidate", "/ws/check");
    let mut s = CandidateSocket::connect(&url).await.unwrap();
    let before = chrono::Utc::now().timestamp_millis();
    s.send(json!({"type": "ping", "id": 7})).await.unwrap();
    let pong = s.next(SECS).await.unwrap();
    let after = chrono::Utc::now().timestamp_millis();
    assert_eq!(pong["type"], "pong");
    assert_eq!(pong["id"], 7);
    let server_ms = pong["server_ms"].as_i64().unwrap();
    assert!((before..=after).contains(&server_ms), "{before} ≤ {server_ms} ≤ {after}");
    assert!(pong["server_time"].as_str().unwrap().ends_with('Z'));
    s.send_text("not json".into()).await.unwrap();
    assert_error(&s.next(SECS).await.unwrap(), "bad_frame");
    // A flood is cut off: after the frame allowance the socket closes.
    for i in 0..250 {
        if s.send(json!({"type": "ping", "id": i})).await.is_err() {
            break;
        }
    }
    while s.next(Duration::from_secs(5)).await.is_some() {}
    assert_eq!(s.closed, Some(1000), "the check socket closes after its allowance");
}

/// The images an item shows travel in the package and are served once, and only once, the
/// content is unlocked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_items_image_is_served_once_the_content_is_unlocked() {
    use khaothi_domain::form::{Form, FormItem};
    use khaothi_domain::{ItemKind, ItemRecord};
    use khaothi_package::{MediaFile, PackageInput, build_package};

    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut items = items();
    items[0] = ItemRecord::from_json_line(
        r#"{"id":"SC1","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Đồ thị: ![đồ thị](/api/v1/media/img-7)","options":["1","2","3","4"],"key":"B"}"#,
    )
    .unwrap()
    .into_item()
    .unwrap()
    .0;
    let section = |k: ItemKind| match k {
        ItemKind::SingleChoice => 0,
        ItemKind::TrueFalseGroup => 1,
        _ => 2,
    };
    let form = Form {
        id: "F1".into(),
        number: 1,
        items: items
            .iter()
            .map(|i| FormItem { item_id: i.id.clone(), version: None, section: section(i.kind()) })
            .collect(),
    };
    let versions = khaothi_assembly::make_versions(&form, &items, 2, 1).unwrap();
    let png = b"\x89PNG\r\n\x1a\n-image-bytes".to_vec();
    let media = std::collections::BTreeMap::from([("img-7".to_string(), MediaFile::new("image/png", &png))]);
    let built = build_package(
        &PackageInput {
            package_id: "PKG-IMG".into(),
            event_id: "IMG".into(),
            title: "Có hình".into(),
            subject: "toan".into(),
            duration_minutes: 30,
            created_at: "2026-11-24T08:00:00Z".into(),
            items: &items,
            stimuli: &std::collections::BTreeMap::new(),
            media: &media,
            forms: std::slice::from_ref(&form),
            versions: &versions,
        },
        &app.signer,
        &mut rand::rng(),
    )
    .unwrap();
    app.board.post("/api/v1/events", json!({"id": "IMG", "title": "Có hình"})).await.unwrap();
    app.board.post_raw("/api/v1/events/IMG/package", "application/json", built.bytes.clone()).await.unwrap();
    let http = reqwest::Client::new();
    let get = |id: &str| http.get(format!("{}/api/v1/media/{id}", app.url)).send();
    assert_eq!(get("img-7").await.unwrap().status(), 404, "not before the content key is given");
    app.board
        .post("/api/v1/events/IMG/unlock", json!({"release_key": built.content_key.to_hex()}))
        .await
        .unwrap();
    let res = get("img-7").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().to_vec(), png);
    assert_eq!(get("img-8").await.unwrap().status(), 404);
}
