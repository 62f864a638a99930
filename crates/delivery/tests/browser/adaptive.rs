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
    let Some((chromium, chromedriver)) = programs() else { return };
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
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let c = driver.session().await;
    driver.set_viewport(&c, 1366, 768).await;

    c.goto(&format!("{}/", server.base)).await.unwrap();
    wait_for(&c, "!document.getElementById('view-login').hidden", "the login form").await;
    type_into(&c, "#login-number", &number).await;
    type_into(&c, "#login-code", &code).await;
    click_css(&c, "#login-submit").await;
    // The start screen: one question at a time, no going back, at most LENGTH questions.
    wait_for(&c, "!document.getElementById('view-cat-intro').hidden", "the adaptive start screen").await;
    let intro = js(&c, "return document.getElementById('view-cat-intro').innerText").await;
    let intro = intro.as_str().unwrap();
    assert!(intro.contains("từng câu hỏi một") && intro.contains("không quay lại"), "{intro}");
    assert!(intro.contains(&format!("tối đa {LENGTH} câu")), "{intro}");
    screenshot(&c, "adaptive-start").await;
    khaothi_testkit::browser::assert_accessible(&c, "adaptive test, start screen").await;
    press_key(&c, '\u{E007}').await; // Enter on the focused "Bắt đầu làm bài"

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
        press_key(&c, ['a', 'b', 'c', 'd'][n % 4]).await;
        wait_for(&c, "!document.getElementById('btn-confirm').disabled", "the Answer button").await;
        if n == 2 {
            screenshot(&c, "adaptive-question").await;
            khaothi_testkit::browser::assert_accessible(&c, "adaptive test, a question").await;
        }
        press_key(&c, '\u{E007}').await; // Enter: answer and go on
        seen.push(item);
    }
    wait_for(&c, "!document.getElementById('cat-finished').hidden", "the end screen").await;
    screenshot(&c, "adaptive-finished").await;
    khaothi_testkit::browser::assert_accessible(&c, "adaptive test, finished").await;
    click_css(&c, "#btn-cat-submit").await;
    wait_for(&c, "document.getElementById('dlg-submit').open", "the submit dialog").await;
    click_css(&c, "#submit-confirm").await;
    wait_for(&c, "!document.getElementById('view-final').hidden", "the final page").await;

    // The server holds the five answers, to the five questions the page showed.
    let saved = saved_answers(&server, &number, Credential::Code(&code)).await;
    let mut got: Vec<_> = saved.keys().cloned().collect();
    got.sort();
    seen.sort();
    assert_eq!(got, seen);
}

/// Rewrites the page's next `answer` frame to name `item` instead (a page out of step with the
/// server: the fault the re-sync is for, injected on the wire).
async fn send_next_answer_as(c: &Client, item: &str) {
    let script = format!(
        "const send = WebSocket.prototype.send;
         WebSocket.prototype.send = function (data) {{
           const m = JSON.parse(data);
           if (m.type === 'answer') {{
             WebSocket.prototype.send = send;
             m.item = {item:?};
             m.value = 'D';
             return send.call(this, JSON.stringify(m));
           }}
           return send.call(this, data);
         }};
         return true"
    );
    js(c, &script).await;
}

/// Issue 20's open ends on the pages: the proctor sees an adaptive room with its badge and
/// "answered of at most N" and no switch to paper; the candidate's page, when the server refuses
/// a confirmed answer (here: the answer frame names a closed question), re-syncs from the server —
/// a resume — and goes on with the question the server holds, nothing lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_answer_resyncs_the_page_and_the_proctor_sees_the_adaptive_badge() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    let server = Server::start();
    let pool = simulated_pool(40, 5);
    let design = Design::fixed_length(LENGTH);
    let pkg = adaptive_package(&pool, "BRCAT2", "Kiểm tra thích ứng", 30, &design, &server.key, 4).unwrap();
    let list = set_up_adaptive_event(&server.board().await, "BRCAT2", &pkg, 1, 2).await.unwrap();
    let (number, _, code) = list[0].clone();
    let exam = Exam {
        event: "BRCAT2".into(),
        room: "P001".into(),
        candidates: list.clone(),
        keys_key: pkg.keys_key.to_hex(),
    };
    crate::proctor::create_proctor(&server, &exam).await;
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let p = driver.session().await;
    driver.set_viewport(&p, 1366, 768).await;
    crate::proctor::proctor_open_room(&p, &server, &exam).await;
    wait_for(&p, "!document.getElementById('adaptive-badge').hidden", "the adaptive badge").await;
    let badge =
        js(&p, "const b = document.getElementById('adaptive-badge'); return [b.textContent, b.title]").await;
    assert_eq!(badge[0], "Thích ứng", "{badge}");
    assert!(badge[1].as_str().unwrap().contains(&format!("tối đa {LENGTH} câu")), "{badge}");
    assert_eq!(
        js(&p, "return document.getElementById('btn-paper').hidden").await,
        json!(true),
        "an adaptive room has no switch to paper"
    );
    let tile = format!("document.querySelector('.seat-tile[data-number=\"{number}\"]')");

    let c = driver.session().await;
    driver.set_viewport(&c, 1366, 768).await;
    c.goto(&format!("{}/", server.base)).await.unwrap();
    wait_for(&c, "!document.getElementById('view-login').hidden", "the login form").await;
    type_into(&c, "#login-number", &number).await;
    type_into(&c, "#login-code", &code).await;
    click_css(&c, "#login-submit").await;
    wait_for(&c, "!document.getElementById('view-cat-intro').hidden", "the adaptive start screen").await;
    press_key(&c, '\u{E007}').await;

    let question = |n: usize| {
        format!(
            "!document.getElementById('question').hidden && document.getElementById('q-title').textContent === 'Câu {n} / tối đa {LENGTH}'"
        )
    };
    let mut seen: Vec<String> = Vec::new();
    for n in 1..=LENGTH as usize {
        wait_for(&c, &question(n), &format!("question {n}")).await;
        let (item, _) = current_item(&c).await;
        let letter = ['a', 'b', 'c', 'd'][n % 4];
        press_key(&c, letter).await;
        wait_for(&c, "!document.getElementById('btn-confirm').disabled", "the Answer button").await;
        if n == 2 {
            // The proctor sees the first answer, out of at most LENGTH.
            wait_for(&p, &format!("{tile}?.dataset.answered === '1'"), "one answer on the proctor's tile")
                .await;
            let title = js(&p, &format!("return {tile}.querySelector('.seat-answered').title")).await;
            assert_eq!(title, json!(format!("Đã trả lời 1 câu (tối đa {LENGTH})")));
            khaothi_testkit::browser::assert_accessible(&p, "proctor, adaptive room").await;
            screenshot(&p, "adaptive-proctor").await;
            // The server refuses this answer (it names question 1, closed): the page re-syncs.
            send_next_answer_as(&c, &seen[0]).await;
            press_key(&c, '\u{E007}').await;
            wait_for(&c, "!document.getElementById('notice').hidden && document.getElementById('notice').textContent.includes('Máy chủ không nhận')", "the re-sync notice").await;
            wait_for(&c, &question(2), "question 2 again, from the server").await;
            let (again, _) = current_item(&c).await;
            assert_eq!(again, item, "the server's question 2 is the one the page showed");
            wait_for(&c, "document.getElementById('btn-confirm').disabled", "the refused choice dropped")
                .await;
            screenshot(&c, "adaptive-resynced").await;
            khaothi_testkit::browser::assert_accessible(&c, "adaptive test, after a re-sync").await;
            press_key(&c, letter).await;
            wait_for(&c, "!document.getElementById('btn-confirm').disabled", "the Answer button").await;
        }
        press_key(&c, '\u{E007}').await; // Enter: answer and go on
        seen.push(item);
    }
    wait_for(&c, "!document.getElementById('cat-finished').hidden", "the end screen").await;
    wait_for(&p, &format!("{tile}?.dataset.answered === '{LENGTH}'"), "every answer on the proctor's tile")
        .await;
    click_css(&c, "#btn-cat-submit").await;
    wait_for(&c, "document.getElementById('dlg-submit').open", "the submit dialog").await;
    click_css(&c, "#submit-confirm").await;
    wait_for(&c, "!document.getElementById('view-final').hidden", "the final page").await;
    wait_for(&p, &format!("{tile}?.dataset.status === 'submitted'"), "the submission on the proctor's tile")
        .await;

    // The server holds LENGTH answers to the questions the page showed; question 1's answer is the
    // candidate's, not the refused frame's.
    let saved = saved_answers(&server, &number, Credential::Code(&code)).await;
    let mut got: Vec<_> = saved.keys().cloned().collect();
    got.sort();
    let first = seen[0].clone();
    seen.sort();
    assert_eq!(got, seen);
    assert_eq!(saved[&first], json!("B"), "question 1 keeps its answer (b), not the refused frame's (d)");
}
