//! Issue 21: the public certificate verification page in Chromium. A board's certificates (from an
//! imported result file, through the API); the page, opened by nobody in particular, verifies a
//! pasted string as valid, a changed one as invalid and a revoked one as revoked — in the browser,
//! with the keys and the signed revocation list the page carries. axe-clean, keyboard-usable, and
//! the English switch.

use std::collections::BTreeMap;

use khaothi_package::result_file::{ChainHead, ChainHeads, UnsignedResults};
use khaothi_package::{SiteSigningKey, sign_result_file};
use khaothi_testkit::browser::{Browser, Client, Key, Locator, assert_accessible, wait_for, wait_for_text};
use rand::SeedableRng;
use serde_json::{Value, json};

use crate::harness::*;

/// Imports one event's signed results (two candidates) and returns their certificates.
pub(crate) async fn certificates(bank: &Bank) -> Vec<Value> {
    let board = token(bank, "board").await;
    let key = SiteSigningKey::generate(&mut rand::rngs::StdRng::seed_from_u64(3));
    call(
        bank,
        &board,
        reqwest::Method::POST,
        "sites",
        Some(json!({"name": "Điểm 1", "public_key": key.public().to_string()})),
    )
    .await;
    let results = json!({"event": "THPT-2026-TOAN", "subject": "Toán", "candidates": [
        {"number": "01000123", "full_name": "Nguyễn Thị Minh Châu", "date_of_birth": "2008-03-14", "score10": 8.25},
        {"number": "01000124", "full_name": "Trần Văn Bình", "date_of_birth": "", "score10": 6.5}]});
    let parts = BTreeMap::from([("results.json".to_string(), results.to_string())]);
    let head = |length, c: &str| ChainHead { length, head: c.repeat(64) };
    let file = sign_result_file(
        UnsignedResults {
            event_id: "THPT-2026-TOAN".into(),
            site_name: "Điểm 1".into(),
            created_at: "2026-06-27T11:00:00Z".into(),
            parts,
            chains: ChainHeads { responses: head(20, "a"), audit: head(4, "b") },
        },
        &key,
    );
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/results", bank.base))
        .bearer_auth(&board)
        .header("content-type", "application/json")
        .body(file.to_json())
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    call(bank, &board, reqwest::Method::GET, "certificates?events=THPT-2026-TOAN", None)
        .await
        .as_array()
        .unwrap()
        .clone()
}

async fn check(client: &Client, text: &str) -> String {
    let area = wait_for(client, "#code").await;
    area.clear().await.unwrap();
    area.send_keys(text).await.unwrap();
    // The keyboard: Tab to the button, Enter presses it.
    area.send_keys(&char::from(Key::Tab).to_string()).await.unwrap();
    client.active_element().await.unwrap().send_keys(&char::from(Key::Enter).to_string()).await.unwrap();
    let verdict = wait_for(client, "#verdict").await;
    verdict.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_tells_valid_invalid_and_revoked_apart() {
    let _serial = SERIAL.lock().await;
    let Some(mut b) = Browser::start().await else { return };
    let mut bank = Bank::start();
    let certs = certificates(&bank).await;
    let (first, second) =
        (certs[0]["text"].as_str().unwrap().to_string(), certs[1]["text"].as_str().unwrap().to_string());
    let board = token(&bank, "board").await;
    call(
        &bank,
        &board,
        reqwest::Method::POST,
        "certificates/revocations",
        Some(json!({"certificate": second})),
    )
    .await;

    let client = b.window(1366, 768).await;
    client.goto(&format!("{}/verify", bank.base)).await.unwrap();
    wait_for_text(&client, "h1", "Kiểm tra giấy chứng nhận").await;
    wait_for_text(&client, "#revocation-info", "(1)").await;

    let v = check(&client, &first).await;
    assert!(v.starts_with("HỢP LỆ"), "{v}");
    let shown = wait_for_text(&client, "#result", "Nguyễn Thị Minh Châu").await;
    assert!(shown.contains("8,25") && shown.contains("01000123"), "{shown}");
    assert_accessible(&client, "verify (valid)").await;
    shot(&client, "60-verify-valid").await;

    let mid = first.len() / 2;
    let mut changed = first.clone().into_bytes();
    changed[mid] = if changed[mid] == b'A' { b'B' } else { b'A' };
    let v = check(&client, &String::from_utf8(changed).unwrap()).await;
    assert!(v.starts_with("KHÔNG HỢP LỆ"), "{v}");
    shot(&client, "61-verify-invalid").await;

    let v = check(&client, &second).await;
    assert!(v.starts_with("ĐÃ BỊ THU HỒI"), "{v}");
    assert_accessible(&client, "verify (revoked)").await;
    shot(&client, "62-verify-revoked").await;

    client.find(Locator::Css("#lang")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "h1", "Verify an exam score certificate").await;
    let v = check(&client, &first).await;
    assert!(v.starts_with("VALID"), "{v}");

    // Offline once loaded: the bank is gone, the page still verifies and still knows the revocation.
    bank.stop();
    assert!(reqwest::get(format!("{}/verify", bank.base)).await.is_err(), "the bank is down");
    let v = check(&client, &first).await;
    assert!(v.starts_with("VALID"), "offline: {v}");
    let v = check(&client, &second).await;
    assert!(v.starts_with("REVOKED"), "offline: {v}");
    b.assert_no_page_errors(&client, "the verification page").await;
}
