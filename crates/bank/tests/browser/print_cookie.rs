//! Issue 15, item 16 in the browser: a board signs in through the page, then opens a form's print
//! view as a new tab would — a navigation, so no `Authorization` header, only the HttpOnly
//! `khaothi_fetch` cookie the sign-in set. The same tab with a candidate's or an expired token in
//! that cookie (signed with the bank's own secret) is refused, and so is a tab with no cookie.

use khaothi_auth::{JwtKeys, Role};
use khaothi_testkit::browser::{Browser, Client, wait_for_text};
use serde_json::{Value, json};

use crate::harness::*;

const SECRET: &str = "the-bank-secret-of-this-test-32-chars+";

/// A small approved, calibrated pool and a frozen-able form of it, through the API: the form id
/// and its first version code.
async fn a_form(bank: &Bank) -> (String, String) {
    let http = reqwest::Client::new();
    let token = |user: &'static str| {
        let http = http.clone();
        let base = bank.base.clone();
        async move {
            let v: Value = http
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"username": user, "password": PASSWORD}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["access_token"].as_str().unwrap().to_string()
        }
    };
    let levels = ["biet", "hieu", "van_dung"];
    let mut lines: Vec<Value> = (0..12)
        .map(|i| json!({"id": format!("PC-SC-{i:02}"), "subject": "toan", "grade": 12, "topic": "12.1.1",
            "level": levels[i % 3], "kind": "single_choice",
            "stem": format!("Tính ${i} + {}$.", i + 1),
            "options": [format!("{}", 2 * i + 1), format!("{}", 2 * i), format!("{}", 2 * i + 2), format!("{}", 2 * i + 3)],
            "key": "A", "status": "approved", "irt": {"model": "2pl", "a": 0.8 + i as f64 * 0.05, "b": -1.0 + i as f64 * 0.15}}))
        .collect();
    lines.extend((0..4).map(|i| json!({"id": format!("PC-SA-{i:02}"), "subject": "toan", "grade": 12,
        "topic": "12.4.1", "level": "van_dung", "kind": "short_answer", "stem": format!("Tính ${}^2$.", i + 2),
        "answer": format!("{}", (i + 2) * (i + 2)), "status": "approved", "irt": {"model": "2pl", "a": 1.1, "b": 0.3}})));
    let ndjson = lines.iter().map(Value::to_string).collect::<Vec<_>>().join("\n");
    let admin = token("admin").await;
    let res = http
        .post(format!("{}/api/v1/items/import?keep_status=true", bank.base))
        .bearer_auth(&admin)
        .header("content-type", "application/x-ndjson")
        .body(ndjson)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let board = token("board").await;
    let yaml = "name: \"In đề bằng cookie\"\nsubject: toan\nduration_minutes: 30\nforms: 1\nversions: 2\n\
                sections:\n  - { kind: single_choice, count: 4, points: 0.25 }\n  - { kind: short_answer, count: 2, points: 0.5 }\n";
    let bp: Value = http
        .post(format!("{}/api/v1/blueprints", bank.base))
        .bearer_auth(&board)
        .header("content-type", "application/yaml")
        .body(yaml)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let job: Value = http
        .post(format!("{}/api/v1/blueprints/{}/assemble", bank.base, bp["id"].as_str().expect("a blueprint")))
        .bearer_auth(&board)
        .json(&json!({"seed": 5, "time_limit": 20}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let job_url = format!("{}/api/v1/assembly-jobs/{}", bank.base, job["id"].as_str().expect("a job"));
    for _ in 0..600 {
        let j: Value = http.get(&job_url).bearer_auth(&board).send().await.unwrap().json().await.unwrap();
        if j["status"] != "running" {
            let form = j["forms"][0].as_str().unwrap_or_else(|| panic!("no form: {j}")).to_string();
            let f: Value = http
                .get(format!("{}/api/v1/forms/{form}", bank.base))
                .bearer_auth(&board)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            return (form, f["versions"][0]["code"].as_str().unwrap().to_string());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the assembly did not finish");
}

/// Puts `value` into the page's `khaothi_fetch` cookie (WebDriver's own cookie call: page script
/// cannot touch an HttpOnly cookie).
async fn set_fetch_cookie(b: &Browser, c: &Client, value: &str) {
    let id = c.session_id().await.unwrap().expect("a session");
    let http = reqwest::Client::new();
    http.delete(format!("{}/session/{id}/cookie/khaothi_fetch", b.url)).send().await.unwrap();
    let cookie = json!({"cookie": {"name": "khaothi_fetch", "value": value, "path": "/", "httpOnly": true, "sameSite": "Strict"}});
    let res = http.post(format!("{}/session/{id}/cookie", b.url)).json(&cookie).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_opens_the_print_view_with_the_cookie_and_a_wrong_cookie_is_refused() {
    let _serial = SERIAL.lock().await;
    let Some(mut b) = Browser::start().await else { return };
    let bank = Bank::start_with(&[("KHAOTHI__BANK__JWT_SECRET", SECRET)]);
    let (form, code) = a_form(&bank).await;
    let print = format!("{}/api/v1/forms/{form}/print?version={code}", bank.base);

    // Signed in through the page: the print view opens in the tab with the cookie alone.
    let client = b.session().await;
    sign_in(&client, &bank, "board").await;
    client.goto(&print).await.unwrap();
    let paper = wait_for_text(&client, "body", "Mã đề").await;
    assert!(paper.contains(&code) && paper.contains("PHẦN I"), "{paper}");
    shot(&client, "30-print-with-cookie").await;

    // A candidate's token and an expired board token in the cookie: refused, nothing printed.
    let keys = |ttl: i64| {
        JwtKeys::new(SECRET.as_bytes(), chrono::Duration::seconds(ttl), chrono::Duration::hours(1))
            .for_service(khaothi_auth::BANK_SERVICE)
    };
    let (candidate, _) = keys(900).issue("c-1", "010001", Role::Candidate, "default");
    let (expired, _) = keys(-120).issue("u-board", "board", Role::ExamBoard, "default");
    for (what, token) in [("a candidate's token", candidate), ("an expired token", expired)] {
        set_fetch_cookie(&b, &client, &token).await;
        client.goto(&print).await.unwrap();
        let body = wait_for_text(&client, "body", "invalid_token").await;
        assert!(!body.contains("Mã đề"), "{what} printed the paper: {body}");
    }
    shot(&client, "31-print-refused-expired-cookie").await;

    // Signed out (no cookie): refused too.
    let id = client.session_id().await.unwrap().unwrap();
    reqwest::Client::new().delete(format!("{}/session/{id}/cookie", b.url)).send().await.unwrap();
    client.goto(&print).await.unwrap();
    wait_for_text(&client, "body", "unauthorized").await;
}
