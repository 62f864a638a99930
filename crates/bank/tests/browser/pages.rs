//! The edit conflict between two browsers (the dialog shows both versions and nothing is lost) and
//! hostile item text, inert on every page that shows items.

use khaothi_testkit::browser::{Browser, Client, assert_accessible, wait_for, wait_for_text};
use serde_json::{Value, json};

use crate::harness::*;

fn item(id: &str, stem: &str) -> Value {
    json!({"id": id, "subject": "toan", "grade": 12, "topic": "12.1.1", "level": "biet", "kind": "single_choice",
           "stem": stem, "options": ["một", "hai", "ba", "bốn"], "key": "A"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_conflict_shows_both_versions_and_loses_nothing() {
    let _serial = SERIAL.lock().await;
    let Some(mut b) = Browser::start().await else { return };
    let bank = Bank::start();
    let writer = token(&bank, "writer").await;
    call(&bank, &writer, reqwest::Method::POST, "items", Some(item("TOAN12-C001", "Câu hỏi gốc."))).await;
    let first = b.session().await;
    let second = b.session().await;
    for w in [&first, &second] {
        sign_in(w, &bank, "writer").await;
        open(w, &bank, "items/TOAN12-C001").await;
        wait_for_text(w, ".problems", "hợp lệ").await;
    }
    fill(&first, "stem", "Câu hỏi do cửa sổ thứ nhất sửa.").await;
    press(&first, "Lưu phiên bản mới").await;
    wait_for_text(&first, ".editor-bar", "Phiên bản 2").await;

    fill(&second, "options[2]", "ba mươi").await;
    press(&second, "Lưu phiên bản mới").await;
    let dialog = wait_for_text(&second, "dialog.conflict", "Người khác vừa sửa câu hỏi này").await;
    assert!(dialog.contains("Phiên bản 2"), "{dialog}");
    wait_for_text(&second, "dialog.conflict .mine", "ba mươi").await;
    wait_for_text(&second, "dialog.conflict .theirs", "cửa sổ thứ nhất").await;
    shot(&second, "10-edit-conflict").await;
    assert_accessible(&second, "conflict dialog").await;
    press(&second, "Lưu bản của tôi thành phiên bản mới").await;
    wait_for_text(&second, ".editor-bar", "Phiên bản 3").await;

    // Nothing lost: version 2 keeps the first window's stem, version 3 the second window's option.
    let v2 = call(&bank, &writer, reqwest::Method::GET, "items/TOAN12-C001/versions/2", None).await;
    assert_eq!(v2["item"]["stem"], "Câu hỏi do cửa sổ thứ nhất sửa.");
    let v3 = call(&bank, &writer, reqwest::Method::GET, "items/TOAN12-C001", None).await;
    assert_eq!(v3["item"]["options"][2], "ba mươi");
    b.assert_no_page_errors(&first, "first window").await;
    b.assert_no_page_errors(&second, "second window").await;
}

const HOSTILE: &str = "Xét <script>window.__pwned = 'script'</script> và \
    <img src=x onerror=\"window.__pwned = 'onerror'\"> cùng [bấm vào đây](javascript:window.__pwned='link') \
    và <svg onload=\"window.__pwned = 'svg'\"><circle r=\"5\"/></svg> <a href=\"javascript:window.__pwned='a'\">a</a> \
    <iframe src=\"javascript:window.__pwned='iframe'\"></iframe> $x^2$";

/// No hostile markup survived into the page and none of it ran.
async fn assert_inert(client: &Client, page: &str) {
    let found = client
        .execute(
            "return {pwned: window.__pwned ?? null,
               bad: [...document.querySelectorAll('main script, main svg:not([role=img]), main iframe, main [onerror], main [onload], main a[href^=\"javascript\"]')].map((e) => e.outerHTML)};",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(found["pwned"], Value::Null, "{page}: hostile text ran: {found}");
    assert_eq!(found["bad"], json!([]), "{page}: hostile markup in the page: {found}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_item_text_is_inert_on_every_page_showing_items() {
    let _serial = SERIAL.lock().await;
    let Some(mut b) = Browser::start().await else { return };
    let bank = Bank::start();
    let writer = token(&bank, "writer").await;
    call(&bank, &writer, reqwest::Method::POST, "items", Some(item("TOAN12-H001", HOSTILE))).await;
    let mut edited = item("TOAN12-H001", &format!("{HOSTILE} <b onmouseover=\"window.__pwned='b'\">sửa</b>"));
    edited["options"][1] = json!("<img src=/x onerror=\"window.__pwned='option'\">");
    call(&bank, &writer, reqwest::Method::PUT, "items/TOAN12-H001?base_version=1", Some(edited)).await;
    call(&bank, &writer, reqwest::Method::POST, "items/TOAN12-H001/submit", Some(json!({}))).await;
    let client = b.session().await;

    sign_in(&client, &bank, "writer").await;
    wait_for_text(&client, "table.items", "TOAN12-H001").await;
    assert_inert(&client, "my items").await;
    open(&client, &bank, "items/TOAN12-H001").await;
    wait_for(&client, ".preview-box math").await;
    assert_inert(&client, "editor preview").await;
    shot(&client, "11-hostile-editor").await;
    open(&client, &bank, "items/TOAN12-H001/history").await;
    wait_for(&client, "table.diff").await;
    assert_inert(&client, "history").await;
    b.assert_no_page_errors(&client, "writer's pages").await;
    sign_out(&client).await;

    sign_in(&client, &bank, "reviewer").await;
    wait_for_text(&client, "table.queue", "TOAN12-H001").await;
    assert_inert(&client, "review queue").await;
    open(&client, &bank, "review/TOAN12-H001").await;
    wait_for(&client, ".item-render math").await;
    wait_for(&client, "table.diff, .diff-none, .decision").await;
    assert_inert(&client, "review item").await;
    shot(&client, "12-hostile-review").await;
    b.assert_no_page_errors(&client, "reviewer's pages").await;
}
