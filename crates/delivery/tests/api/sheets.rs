//! Issue 15, item 9: the room's login slips to cut and the proctor's table, printable HTML that a
//! new tab opens with the `khaothi_fetch` cookie (no bearer header); every format refused or
//! served as documented (docs/protocol.md, "Room sheet").

use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, SET_COOKIE};
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::*;

/// Staff sign-in as a browser does it: the `khaothi_fetch` cookie (`name=value`) it sets.
async fn fetch_cookie(url: &str, username: &str, password: &str) -> String {
    let res = reqwest::Client::new()
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let set =
        res.headers().get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>();
    let fetch = set.iter().find(|c| c.starts_with("khaothi_fetch=")).expect("the fetch cookie");
    fetch.split(';').next().unwrap().to_string()
}

/// A GET with only a cookie: (status, content type, CSP, body).
async fn get_with_cookie(url: &str, cookie: Option<&str>) -> (u16, String, String, String) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    let res = req.send().await.unwrap();
    let header =
        |h| res.headers().get(h).map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_string());
    let (ct, csp) =
        (header(CONTENT_TYPE).unwrap_or_default(), header(CONTENT_SECURITY_POLICY).unwrap_or_default());
    (res.status().as_u16(), ct, csp, res.text().await.unwrap())
}

async fn slips_and_table_with_the_cookie(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, _) = app.event("E1", 13, 20, None).await;
    let json = app.board.get("/api/v1/events/E1/rooms/P001/sheet").await.unwrap();
    let rows: Vec<Value> = json["candidates"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 13);
    let cookie = fetch_cookie(&app.url, "board", "khaothi-demo").await;
    let base = format!("{}/api/v1/events/E1/rooms/P001/sheet", app.url);

    // Slips: one per candidate with its code, ten to a page, no script allowed.
    let (status, ct, csp, slips) = get_with_cookie(&format!("{base}?format=slips"), Some(&cookie)).await;
    assert_eq!(status, 200, "{slips}");
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"), "{csp}");
    assert_eq!(slips.matches("<article class=\"slip\"").count(), 13);
    assert_eq!(slips.matches("<section class=\"page\"").count(), 2, "ten slips to a page");
    for r in &rows {
        let number = r["number"].as_str().unwrap();
        let slip =
            slips.split("<article").find(|s| s.contains(&format!("data-number=\"{number}\""))).unwrap();
        assert!(slip.contains(r["code"].as_str().unwrap()), "{number}'s slip has its code: {slip}");
        assert!(slip.contains(&format!("Ghế <b>{}</b>", r["seat"])), "{slip}");
        assert!(!slip.contains(&format!(">{}<", r["version"].as_str().unwrap())), "no version on a slip");
    }
    let host = app.url.trim_start_matches("http://");
    assert!(slips.contains(&format!("http://{host}/")), "the address to open");

    // The proctor's table: every candidate one row, with version and code.
    let (status, _, _, table) = get_with_cookie(&format!("{base}?format=table"), Some(&cookie)).await;
    assert_eq!(status, 200);
    assert_eq!(table.matches("<tr data-number=").count(), 13);
    let (n0, _, c0) = &list[0];
    assert!(table.contains(n0) && table.contains(c0), "{table}");
    assert!(table.contains("DANH SÁCH THÍ SINH VÀ MÃ ĐĂNG NHẬP") && table.contains("CÁN BỘ COI THI 1"));

    // The biên bản opens the same way.
    let (status, ct, _, record) =
        get_with_cookie(&format!("{}/api/v1/events/E1/rooms/P001/record", app.url), Some(&cookie)).await;
    assert_eq!((status, ct.starts_with("text/html")), (200, true), "{record}");

    // Without the cookie (or the header): refused; an unknown format: 400 naming the formats.
    let (status, _, _, body) = get_with_cookie(&format!("{base}?format=slips"), None).await;
    assert_eq!(status, 401, "{body}");
    let (status, _, _, body) = get_with_cookie(&format!("{base}?format=pdf"), Some(&cookie)).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("invalid_format") && body.contains("slips"), "{body}");
    // The cookie carries no write: a POST of the room with it alone is refused.
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/events/E1/rooms/P001/pause", app.url))
        .header(COOKIE, &cookie)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}
both_backends!(slips_and_table_with_the_cookie);

async fn a_proctor_prints_only_their_room(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.event("E1", 4, 2, None).await; // rooms P001 and P002
    let rooms = app.board.get("/api/v1/events/E1/rooms").await.unwrap();
    let id_of = |name: &str| {
        rooms["rooms"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap()["id"].clone()
    };
    app.board
        .post(
            "/api/v1/staff",
            json!({"username": "gt1", "display_name": "Giám thị 1", "password": "mat-khau-gt-1",
                   "role": "proctor", "rooms": [id_of("P001")]}),
        )
        .await
        .unwrap();
    let cookie = fetch_cookie(&app.url, "gt1", "mat-khau-gt-1").await;
    let sheet = |room: &str| format!("{}/api/v1/events/E1/rooms/{room}/sheet?format=slips", app.url);
    let (status, _, _, own) = get_with_cookie(&sheet("P001"), Some(&cookie)).await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(own.matches("<article class=\"slip\"").count(), 2);
    let (status, _, _, other) = get_with_cookie(&sheet("P002"), Some(&cookie)).await;
    assert_eq!(status, 403, "{other}");
}
both_backends!(a_proctor_prints_only_their_room);
