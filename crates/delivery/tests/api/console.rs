//! The routes the test site's console reads (issue 13): the site overview of every room, the
//! progress over time from the response log, the site's biên bản; downloads and print views through
//! the `khaothi_fetch` cookie (GET only); the `/console` page with its own policy, serving the
//! bank's page framework from its one source.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::*;

async fn get_with_cookie(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", app.url))
        .header("cookie", format!("khaothi_fetch={token}"))
        .send()
        .await
        .unwrap()
}

fn total(o: &Value, key: &str) -> u64 {
    o["total"][key].as_u64().unwrap_or_else(|| panic!("{key} in {o}"))
}

async fn the_overview_counts_every_room_and_progress_comes_from_the_log(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, pkg) = app.event("E1", 4, 2, None).await;
    let o = app.board.get("/api/v1/events/E1/overview").await.unwrap();
    assert_eq!(o["rooms"].as_array().unwrap().len(), 2, "{o}");
    assert_eq!((total(&o, "candidates"), total(&o, "not_started"), total(&o, "connected")), (4, 4, 0));
    let p = app.board.get("/api/v1/events/E1/progress").await.unwrap();
    assert_eq!(p["points"], json!([]), "nobody started: {p}");

    // Three sign in and answer; one submits, one leaves, one stays connected; one never comes.
    let mut sockets = Vec::new();
    for (k, (num, _, code)) in list.iter().take(3).enumerate() {
        let mut s = app.socket().await;
        let w = s.login(num, code).await.unwrap();
        let items = w["items"].as_array().unwrap().clone();
        for (i, it) in items.iter().take(k + 1).enumerate() {
            let v = khaothi_loadtest::candidate::some_answer(it, i as u64);
            s.answer(i as i64 + 1, it["id"].as_str().unwrap(), v).await.unwrap();
        }
        sockets.push(s);
    }
    sockets[0].send(json!({"type": "submit"})).await.unwrap();
    sockets[0].expect("submitted", SECS).await.unwrap();
    drop(sockets.remove(1));
    let mut o = Value::Null;
    for _ in 0..50 {
        o = app.board.get("/api/v1/events/E1/overview").await.unwrap();
        // The server closes a submitted candidate's socket: one stays connected.
        if total(&o, "disconnected") == 1 && total(&o, "connected") == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let counts = ["candidates", "not_started", "in_progress", "submitted", "connected", "disconnected"]
        .map(|k| total(&o, k));
    assert_eq!(counts, [4, 1, 2, 1, 1, 1], "{o}");
    let per_room: u64 =
        o["rooms"].as_array().unwrap().iter().map(|r| r["candidates"].as_u64().unwrap()).sum();
    assert_eq!(per_room, 4);

    let p = app.board.get("/api/v1/events/E1/progress").await.unwrap();
    let last = p["points"].as_array().unwrap().last().cloned().unwrap();
    assert_eq!(
        (last["started"].as_u64(), last["answered"].as_u64(), last["submitted"].as_u64()),
        (Some(3), Some(6), Some(1)),
        "{p}"
    );
    assert_eq!(p["step_minutes"], 1);

    // A proctor watches their room on /proctor, not the site.
    let room_id = o["rooms"][0]["id"].as_str().unwrap();
    app.board
        .post(
            "/api/v1/staff",
            json!({"username": "gt1", "display_name": "GT", "password": "mat-khau-dai-du", "role": "proctor", "rooms": [room_id]}),
        )
        .await
        .unwrap();
    let proctor =
        khaothi_loadtest::board::BoardClient::login(&app.url, "gt1", "mat-khau-dai-du").await.unwrap();
    for path in ["overview", "progress", "record"] {
        let err = proctor.get(&format!("/api/v1/events/E1/{path}")).await.unwrap_err();
        assert!(err.0.starts_with("403"), "{path}: {err}");
    }
    let err = app.board.get("/api/v1/events/NOPE/overview").await.unwrap_err();
    assert!(err.0.starts_with("404"), "{err}");
    drop(pkg);
}
both_backends!(the_overview_counts_every_room_and_progress_comes_from_the_log);

async fn downloads_and_print_views_take_the_fetch_cookie_on_get_only(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, pkg) = app.event("E1", 2, 2, None).await;
    let token = app.board.token.clone();
    for path in [
        "/api/v1/events/E1/record",
        "/api/v1/events/E1/rooms/P001/sheet?format=text",
        "/api/v1/events/E1/rooms/P001/record",
        "/api/v1/events/E1/results?format=csv",
        "/api/v1/events/E1/exports/calibration.csv",
        "/api/v1/events/E1/exports/raw.csv",
        "/api/v1/events/E1/results/file",
    ] {
        let res = get_with_cookie(&app, path, &token).await;
        // Before the keys' release the results answer 409: the cookie was accepted either way.
        assert!(
            res.status() == StatusCode::OK || res.status() == StatusCode::CONFLICT,
            "{path}: {}",
            res.status()
        );
        let bad = get_with_cookie(&app, path, "not-a-token").await;
        assert_eq!(bad.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let record = get_with_cookie(&app, "/api/v1/events/E1/record", &token).await;
    let csp = record.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    let html = record.text().await.unwrap();
    assert!(html.contains("BIÊN BẢN ĐIỂM THI") && html.contains("<td>Cộng</td>"), "{html}");
    let json = app.board.get("/api/v1/events/E1/record?format=json").await.unwrap();
    assert_eq!(json["total"]["candidates"], 2, "{json}");

    // The cookie never authorises a change, nor the JSON API routes that take the bearer only.
    let post = reqwest::Client::new()
        .post(format!("{}/api/v1/events/E1/keys", app.url))
        .header("cookie", format!("khaothi_fetch={token}"))
        .json(&json!({"release_key": pkg.keys_key.to_hex()}))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::UNAUTHORIZED);
    let overview = get_with_cookie(&app, "/api/v1/events/E1/overview", &token).await;
    assert_eq!(overview.status(), StatusCode::UNAUTHORIZED);
}
both_backends!(downloads_and_print_views_take_the_fetch_cookie_on_get_only);

async fn the_console_page_serves_the_bank_framework_under_its_own_policy(b: Backend) {
    let app = TestApp::spawn(b).await;
    let http = reqwest::Client::new();
    let page = http.get(format!("{}/console", app.url)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("connect-src 'self';") && !csp.contains("ws:"), "{csp}");
    assert!(page.text().await.unwrap().contains("/static/console/app.js"));
    let modules: Value =
        http.get(format!("{}/static/page-modules.json", app.url)).send().await.unwrap().json().await.unwrap();
    let modules: Vec<&str> = modules.as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert!(
        modules.contains(&"console/prepare.page.js") && modules.iter().all(|m| m.starts_with("console/")),
        "{modules:?}"
    );
    // The bank's API client, byte for byte: one source for both services.
    let api =
        http.get(format!("{}/static/console/api.js", app.url)).send().await.unwrap().text().await.unwrap();
    assert_eq!(api, include_str!("../../../bank/static/api.js"));
    // The candidate's page keeps its own policy (websockets allowed).
    let candidate = http.get(format!("{}/", app.url)).send().await.unwrap();
    assert!(candidate.headers()["content-security-policy"].to_str().unwrap().contains("ws:"));
    // The login answer names the user (the console's top bar shows it).
    let login: Value = http
        .post(format!("{}/api/v1/auth/login", app.url))
        .json(&json!({"username": "board", "password": "khaothi-demo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(login["username"], "board", "{login}");
    let me = app.board.get("/api/v1/auth/me").await.unwrap();
    assert_eq!((me["username"].as_str(), me["role"].as_str()), (Some("board"), Some("exam_board")), "{me}");
    let anonymous = http.get(format!("{}/api/v1/auth/me", app.url)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
both_backends!(the_console_page_serves_the_bank_framework_under_its_own_policy);

async fn grouping_columns_travel_from_the_csv_to_the_results_and_the_groups_export(b: Backend) {
    let app = TestApp::spawn(b).await;
    let pkg = package(&app.signer, "G1");
    let board = &app.board;
    board.post("/api/v1/events", json!({"id": "G1", "title": "Nhóm"})).await.unwrap();
    board.post_raw("/api/v1/events/G1/package", "application/octet-stream", pkg.bytes.clone()).await.unwrap();
    board.post("/api/v1/events/G1/rooms", json!({"name": "P1", "seats": 5})).await.unwrap();
    let csv = "so_bao_danh,ho_ten,ngay_sinh,phong,truong,quan_huyen,vung,gioi_tinh\n\
               A1,An,2008-01-02,P1,THPT Kim Liên,Đống Đa,Đồng bằng sông Hồng,nữ\n\
               A2,Bình,2008-02-03,P1,,,,\n";
    board.post_raw("/api/v1/events/G1/candidates", "text/csv", csv.as_bytes().to_vec()).await.unwrap();
    board.post("/api/v1/events/G1/unlock", json!({"release_key": pkg.content_key.to_hex()})).await.unwrap();
    let sheet = board.get("/api/v1/events/G1/rooms/P1/sheet").await.unwrap();
    for row in sheet["candidates"].as_array().unwrap() {
        let mut s = app.socket().await;
        s.login(row["number"].as_str().unwrap(), row["code"].as_str().unwrap()).await.unwrap();
        s.send(json!({"type": "submit"})).await.unwrap();
        s.expect("submitted", SECS).await.unwrap();
    }
    board.post("/api/v1/events/G1/keys", json!({"release_key": pkg.keys_key.to_hex()})).await.unwrap();

    let results = board.get("/api/v1/events/G1/results").await.unwrap();
    let a1 = &results["candidates"][0];
    assert_eq!(
        a1["groups"],
        json!({"school": "THPT Kim Liên", "district": "Đống Đa", "region": "Đồng bằng sông Hồng", "sex": "nữ"})
    );
    assert!(results["candidates"][1].get("groups").is_none(), "{results}");
    let token = board.token.clone();
    let text =
        get_with_cookie(&app, "/api/v1/events/G1/results?format=csv", &token).await.text().await.unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().ends_with(",answered,school,district,region,sex"), "{text}");
    assert!(lines.next().unwrap().ends_with(",THPT Kim Liên,Đống Đa,Đồng bằng sông Hồng,nữ"), "{text}");
    let groups =
        get_with_cookie(&app, "/api/v1/events/G1/exports/groups.csv", &token).await.text().await.unwrap();
    assert_eq!(
        groups,
        "person,school,district,region,sex\nA1,THPT Kim Liên,Đống Đa,Đồng bằng sông Hồng,nữ\nA2,,,,\n"
    );
    // The calibration CSV keeps its shape (`person` and items): the bank and `khaothi calibrate`
    // read every other column as an item.
    let cal = board.get("/api/v1/events/G1/exports/calibration.csv").await.unwrap();
    assert!(!cal.as_str().unwrap().contains("school"), "{cal}");
}
both_backends!(grouping_columns_travel_from_the_csv_to_the_results_and_the_groups_export);

async fn a_room_layout_fits_its_seats_and_shows_in_the_overview(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.event("L1", 4, 4, None).await;
    let err = app
        .board
        .call(
            reqwest::Method::POST,
            "/api/v1/events/L1/rooms/P001/layout",
            Some(json!({"rows": 1, "columns": 3})),
        )
        .await
        .unwrap_err();
    assert!(
        err.0.starts_with("400")
            && err.0.contains("invalid_layout")
            && err.0.contains("3 places for 4 seats"),
        "{err}"
    );
    let err = app
        .board
        .call(
            reqwest::Method::POST,
            "/api/v1/events/L1/rooms/P001/layout",
            Some(json!({"rows": 0, "columns": 9})),
        )
        .await
        .unwrap_err();
    assert!(err.0.contains("invalid_layout"), "{err}");
    let err = app
        .board
        .call(
            reqwest::Method::POST,
            "/api/v1/events/L1/rooms/NOPE/layout",
            Some(json!({"rows": 2, "columns": 2})),
        )
        .await
        .unwrap_err();
    assert!(err.0.starts_with("404"), "{err}");
    let set = app
        .board
        .call(
            reqwest::Method::POST,
            "/api/v1/events/L1/rooms/P001/layout",
            Some(json!({"rows": 2, "columns": 3})),
        )
        .await
        .unwrap();
    assert_eq!(
        (set["rows"].as_u64(), set["columns"].as_u64(), set["room"].as_str()),
        (Some(2), Some(3), Some("P001"))
    );
    // Set again: replaced, not duplicated.
    app.board
        .call(
            reqwest::Method::POST,
            "/api/v1/events/L1/rooms/P001/layout",
            Some(json!({"rows": 2, "columns": 2})),
        )
        .await
        .unwrap();
    let o = app.board.get("/api/v1/events/L1/overview").await.unwrap();
    assert_eq!(o["rooms"][0]["layout"], json!({"rows": 2, "columns": 2}), "{o}");
}
both_backends!(a_room_layout_fits_its_seats_and_shows_in_the_overview);
