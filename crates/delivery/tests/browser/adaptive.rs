//! A candidate takes an adaptive test in Chromium (issue 20 §3): the start screen says the test
//! gives one question at a time without going back, each question is answered with the keyboard
//! and confirmed with Enter, the count reads "Câu n / tối đa N" (never a percentage), the end
//! screen leads to the submission, and every page is axe-clean; the server holds every answer.

use khaothi_cat::Design;
use khaothi_loadtest::adaptive::{adaptive_package, set_up_adaptive_event, simulated_pool};
use serde_json::json;

use crate::harness::*;

const LENGTH: u32 = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_candidate_takes_an_adaptive_test_one_question_at_a_time() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = browser_programs() else { return };
    let server = Server::start();
    let pool = simulated_pool(40, 5);
    let pkg = adaptive_package(
        &pool,
        "BRCAT",
        "Kiểm tra định kỳ thích ứng",
        30,
        &Design::fixed_length(LENGTH),
        &server.key,
        4,
    )
    .unwrap();
    let list = set_up_adaptive_event(&server.board().await, "BRCAT", &pkg, 1, 2).await.unwrap();
    let (number, _, code) = list[0].clone();
    let mut driver = Driver::start(chromium, chromedriver).await;
    let c = driver.session().await;
    driver.set_viewport(&c, 1366, 768).await;

    c.goto(&format!("{}/", server.base)).await.unwrap();
    wait_for(&c, "!document.getElementById('view-login').hidden", "the login form").await;
    type_into(&c, "#login-number", &number).await;
    type_into(&c, "#login-code", &code).await;
    click(&c, "#login-submit").await;
    // The start screen: one question at a time, no going back, at most LENGTH questions.
    wait_for(&c, "!document.getElementById('view-cat-intro').hidden", "the adaptive start screen").await;
    let intro = js(&c, "return document.getElementById('view-cat-intro').innerText").await;
    let intro = intro.as_str().unwrap();
    assert!(intro.contains("từng câu hỏi một") && intro.contains("không quay lại"), "{intro}");
    assert!(intro.contains(&format!("tối đa {LENGTH} câu")), "{intro}");
    screenshot(&c, "adaptive-start").await;
    khaothi_testkit::browser::assert_accessible(&c, "adaptive test, start screen").await;
    press(&c, '\u{E007}').await; // Enter on the focused "Bắt đầu làm bài"

    let mut seen = Vec::new();
    for n in 1..=LENGTH as usize {
        wait_for(
            &c,
            &format!("!document.getElementById('question').hidden && document.getElementById('q-title').textContent === 'Câu {n} / tối đa {LENGTH}'"),
            &format!("question {n}"),
        )
        .await;
        let (item, kind) = current_item(&c).await;
        assert_eq!(kind, "single_choice");
        assert!(!seen.contains(&item), "{item} given twice");
        // No navigation back: the grid and the previous/next buttons are not shown.
        let nav = js(&c, "return [...document.querySelectorAll('#nav-grid, #btn-prev, #btn-next')].map(e => e.offsetParent === null)").await;
        assert_eq!(nav, json!([true, true, true]), "no way back");
        assert_eq!(js(&c, "return document.getElementById('btn-confirm').disabled").await, json!(true));
        let progress = js(&c, "return document.getElementById('progress').textContent").await;
        assert!(!progress.as_str().unwrap().contains('%'), "a count, not a percentage: {progress}");
        press(&c, ['a', 'b', 'c', 'd'][n % 4]).await;
        wait_for(&c, "!document.getElementById('btn-confirm').disabled", "the Answer button").await;
        if n == 2 {
            screenshot(&c, "adaptive-question").await;
            khaothi_testkit::browser::assert_accessible(&c, "adaptive test, a question").await;
        }
        press(&c, '\u{E007}').await; // Enter: answer and go on
        seen.push(item);
    }
    wait_for(&c, "!document.getElementById('cat-finished').hidden", "the end screen").await;
    screenshot(&c, "adaptive-finished").await;
    khaothi_testkit::browser::assert_accessible(&c, "adaptive test, finished").await;
    click(&c, "#btn-cat-submit").await;
    wait_for(&c, "document.getElementById('dlg-submit').open", "the submit dialog").await;
    click(&c, "#submit-confirm").await;
    wait_for(&c, "!document.getElementById('view-final').hidden", "the final page").await;

    // The server holds the five answers, to the five questions the page showed.
    let saved = saved_answers(&server, &number, Credential::Code(&code)).await;
    let mut got: Vec<_> = saved.keys().cloned().collect();
    got.sort();
    seen.sort();
    assert_eq!(got, seen);
}
