//! The reviewer's stimulus page, opened from the review queue: the passage rendered (its LaTeX as
//! MathML), its versions with the word diff between them, the items that use it; a rejection
//! needs a comment; the passage is approved; the writer cannot review their own passage.

use khaothi_testkit::browser::{Browser, Locator, assert_accessible, wait_for, wait_for_text};
use reqwest::Method;
use serde_json::json;

use crate::harness::*;

fn passage(text: &str) -> serde_json::Value {
    json!({"id": "NL-001", "subject": "toan", "title": "Bài toán lãi suất", "text": text})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stimulus_review_from_the_queue() {
    let _serial = SERIAL.lock().await;
    let Some(mut b) = Browser::start().await else { return };
    let bank = Bank::start();
    // The writer writes a passage in two versions and an item on it, and submits the passage.
    let writer = token(&bank, "writer").await;
    call(
        &bank,
        &writer,
        Method::POST,
        "stimuli",
        Some(passage("Ông An gửi $100$ triệu đồng, lãi suất $6\\%$ một năm.")),
    )
    .await;
    let text2 = "Ông An gửi $100$ triệu đồng vào ngân hàng, lãi suất $r = 6\\%$ một năm, lãi nhập gốc.";
    call(&bank, &writer, Method::POST, "stimuli", Some(passage(text2))).await;
    let item = json!({"id": "NL-001-C1", "subject": "toan", "grade": 12, "topic": "12.1.1", "level": "hieu",
        "kind": "single_choice", "stimulus": "NL-001", "stem": "Sau hai năm ông An có bao nhiêu tiền?",
        "options": ["$112{,}36$ triệu", "$112$ triệu", "$106$ triệu", "$118$ triệu"], "key": "A"});
    call(&bank, &writer, Method::POST, "items", Some(item)).await;
    call(&bank, &writer, Method::POST, "stimuli/NL-001/submit", Some(json!({}))).await;
    call(&bank, &writer, Method::POST, "items/NL-001-C1/submit", Some(json!({}))).await;

    let c = b.session().await;
    sign_in(&c, &bank, "reviewer").await;
    wait_for_text(&c, "table.queue", "NL-001-C1").await;
    c.find(Locator::LinkText("NL-001")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "#page-title", "Duyệt ngữ liệu NL-001").await;
    wait_for(&c, ".stimulus-render math").await;
    wait_for_text(&c, ".stimulus-render", "lãi nhập gốc").await;
    let diff = wait_for_text(&c, "table.diff", "text").await;
    assert!(diff.contains("lãi nhập gốc"), "version 1 → 2 diff: {diff}");
    wait_for(&c, "table.diff ins").await;
    wait_for_text(&c, "table.stimulus-items", "NL-001-C1").await;
    wait_for_text(&c, "table.stimulus-history", "2").await;
    // A rejection needs a comment.
    press(&c, "Trả lại cho người soạn").await;
    wait_for_text(&c, ".decision .error-text", "Hãy viết nhận xét").await;
    shot(&c, "09-review-stimulus").await;
    assert_accessible(&c, "review stimulus").await;
    wait_for(&c, ".decision textarea").await.send_keys("Rõ hơn: lãi nhập gốc hằng năm.").await.unwrap();
    press(&c, "Duyệt ngữ liệu").await;
    wait_for_text(&c, "#page-title", "Hàng chờ duyệt").await;
    let view = call(&bank, &writer, Method::GET, "stimuli/NL-001", None).await;
    assert_eq!(view["status"], "approved", "{view}");
    assert_eq!(view["approved_version"], 2, "{view}");
    b.assert_no_page_errors(&c, "stimulus review").await;

    // Four eyes: the writer (an admin here, who may review) cannot review their own passage.
    let admin = token(&bank, "admin").await;
    call(
        &bank,
        &admin,
        Method::POST,
        "stimuli",
        Some(json!({"id": "NL-002", "subject": "toan", "title": "Của admin", "text": "Một đoạn văn."})),
    )
    .await;
    call(&bank, &admin, Method::POST, "stimuli/NL-002/submit", Some(json!({}))).await;
    sign_out(&c).await;
    sign_in(&c, &bank, "admin").await;
    open(&c, &bank, "review/stimulus/NL-002").await;
    wait_for_text(&c, ".four-eyes", "nguyên tắc bốn mắt").await;
    let approve = c.find(Locator::XPath("//button[normalize-space(.)='Duyệt ngữ liệu']")).await.unwrap();
    assert!(!approve.is_enabled().await.unwrap(), "own passage: the buttons are off");
    b.assert_no_page_errors(&c, "own stimulus").await;
}
