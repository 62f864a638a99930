//! What the field trial of issue 15 found on the candidate's page, each kept found: a frozen
//! server shown as disconnected within seconds (items 3), a reload that keeps the last keystroke,
//! the question and full screen (item 4), and the look of the test at 1366×768 in a browser window
//! — part II partial state, one neutral "chosen" style, the flag legend, the pause overlay, "Nộp
//! bài" in view (item 5). Screenshots go to target/screenshots/.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::*;

/// The banner and the header mark both say "disconnected".
const OFFLINE: &str = "!document.getElementById('banner').hidden && document.getElementById('conn').dataset.state === 'offline'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_server_is_shown_as_disconnected_within_seconds_and_the_page_reconnects() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    let server = Server::start();
    let exam = set_up_exam(&server, "BR5", 1).await;
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let c = driver.session().await;
    let (number, _, code) = exam.candidates[0].clone();
    candidate_login(&c, &server.base, &number, &code).await;
    let (first, _) = current_item(&c).await;
    press_key(&c, 'b').await;
    wait_save_state(&c, &first, "saved").await;
    wait_for(&c, "document.getElementById('conn').dataset.state === 'online'", "the online mark").await;

    // SIGSTOP: the socket stays open, no close frame ever comes, nothing answers.
    server.freeze();
    let frozen_at = Instant::now();
    wait_for_within(&c, OFFLINE, "the disconnected banner", Duration::from_secs(20)).await;
    let detected = frozen_at.elapsed();
    screenshot(&c, "candidate-frozen-server").await;
    assert!(detected < Duration::from_secs(12), "a frozen server was shown only after {detected:?}");
    eprintln!("frozen server shown as disconnected after {detected:?}");

    // An answer given meanwhile waits in the page; reconnection keeps being tried.
    press_key(&c, Key::Right.into()).await;
    wait_for(&c, "document.getElementById('q-title').dataset.index === '1'", "the second question").await;
    let (second, _) = current_item(&c).await;
    press_key(&c, 'd').await;
    wait_save_state(&c, &second, "queued").await;
    wait_for(&c, "/lần [2-9]/.test(document.getElementById('banner').textContent)", "a second attempt").await;

    server.thaw();
    wait_for(&c, "document.getElementById('banner').hidden", "the reconnection").await;
    wait_for(&c, "document.getElementById('conn').dataset.state === 'online'", "the online mark again").await;
    wait_save_state(&c, &second, "saved").await;
    screenshot(&c, "candidate-after-freeze").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_keeps_the_last_keystroke_reopens_the_question_and_asks_for_full_screen() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    let server = Server::start();
    let exam = set_up_exam(&server, "BR6", 1).await;
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let c = driver.session().await;
    let (number, _, code) = exam.candidates[0].clone();
    candidate_login(&c, &server.base, &number, &code).await;
    click_css(&c, "#btn-fullscreen").await;
    wait_for(&c, "document.fullscreenElement !== null", "full screen").await;

    // The last question is a short answer; type and reload at once (well inside the 600 ms
    // before the page sends).
    press_key(&c, Key::End.into()).await;
    let last = js(&c, "return String(document.querySelectorAll('.nav-q').length - 1)").await;
    wait_for(
        &c,
        &format!("document.getElementById('q-title').dataset.index === {last}"),
        "the last question",
    )
    .await;
    let (item, kind) = current_item(&c).await;
    assert_eq!(kind, "short_answer");
    let input = c.find(Locator::Css(".sa-input")).await.unwrap();
    input.send_keys("2,25").await.unwrap();
    c.refresh().await.unwrap();

    let cond = format!(
        "!document.getElementById('view-test').hidden && document.getElementById('q-title').dataset.item === '{item}'"
    );
    wait_for(&c, &cond, "the same question after the reload").await;
    let shown = js(&c, "return document.querySelector('.sa-input').value").await;
    assert_eq!(shown, "2,25", "the answer typed just before the reload");
    wait_for(&c, "!document.getElementById('fs-prompt').hidden", "the full-screen prompt").await;
    wait_save_state(&c, &item, "saved").await;
    screenshot(&c, "candidate-reload-fullscreen-prompt").await;

    click_css(&c, "#btn-fs-again").await;
    wait_for(&c, "document.getElementById('fs-prompt').hidden", "the prompt gone").await;
    wait_for(&c, "document.fullscreenElement !== null", "full screen again").await;

    let token = js(&c, "return JSON.parse(localStorage.getItem('khaothi:candidate')).token").await;
    let saved = saved_answers(&server, &number, Credential::Token(token.as_str().unwrap())).await;
    assert_eq!(saved.get(&item), Some(&json!("2,25")), "{saved:?}");
}

/// A computed style of `selector` (with `pseudo` such as `'::after'` or `null`).
async fn style(c: &Client, selector: &str, pseudo: &str, property: &str) -> String {
    let script = format!(
        "return getComputedStyle(document.querySelector(\"{selector}\"), {pseudo}).getPropertyValue('{property}')"
    );
    js(c, &script).await.as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_reads_right_in_a_1366x768_browser_window() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    let server = Server::start();
    let exam = set_up_exam(&server, "BR7", 1).await;
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let c = driver.session().await;
    // A 1366×768 screen minus the browser's tab strip, address bar and task bar.
    driver.set_viewport(&c, 1366, 640).await;
    let (number, _, code) = exam.candidates[0].clone();
    candidate_login(&c, &server.base, &number, &code).await;
    let height = js(&c, "return innerHeight").await.as_i64().unwrap();
    eprintln!("viewport height {height}");
    assert_eq!(height, 640, "viewport {height}");

    // Part II: one statement answered → partial "1/4", not done.
    click_css(&c, ".nav-part:nth-child(2) .nav-q").await;
    let (group, kind) = current_item(&c).await;
    assert_eq!(kind, "true_false_group");
    press_key(&c, 'a').await;
    press_key(&c, 't').await;
    let tile = format!(".nav-q[data-item='{group}']");
    wait_for(
        &c,
        &format!("document.querySelector(\"{tile}\").dataset.state === 'partial' && document.querySelector(\"{tile}\").dataset.parts === '1/4'"),
        "the partial mark",
    )
    .await;
    // Đúng and Sai chosen look alike (neutral), unlike an unchosen button.
    press_key(&c, 's').await;
    wait_for(&c, "document.querySelectorAll('button.tf[aria-pressed=\"true\"]').length === 2", "two chosen")
        .await;
    let chosen_true =
        style(&c, "button.tf[data-value='true'][aria-pressed='true']", "null", "background-color").await;
    let chosen_false =
        style(&c, "button.tf[data-value='false'][aria-pressed='true']", "null", "background-color").await;
    let unchosen = style(&c, "button.tf[aria-pressed='false']", "null", "background-color").await;
    assert_eq!(chosen_true, chosen_false, "one chosen style");
    assert_ne!(chosen_true, unchosen);

    // The flag on the grid is the mark the legend shows.
    press_key(&c, 'm').await;
    wait_for(&c, &format!("document.querySelector(\"{tile}\").dataset.flagged === 'true'"), "the flag").await;
    for property in ["border-top-color", "border-top-style", "content"] {
        let on_grid = style(&c, &format!("{tile}[data-flagged='true']"), "'::after'", property).await;
        let in_legend = style(&c, ".swatch.flagged", "'::after'", property).await;
        assert_eq!(on_grid, in_legend, "{property} of the flag mark");
    }

    // "Nộp bài" is in view without scrolling, and the page itself does not scroll.
    let fits = js(
        &c,
        "const r = document.getElementById('btn-submit').getBoundingClientRect(); \
         return r.top >= 0 && r.bottom <= innerHeight && document.scrollingElement.scrollHeight <= innerHeight + 1",
    )
    .await;
    screenshot(&c, "candidate-1366x640-part2").await;
    assert_eq!(fits, json!(true), "Nộp bài must be reachable without scrolling");

    // Paused: the questions are hidden, not only dimmed.
    let board = server.board().await;
    board
        .post(
            &format!("/api/v1/events/BR7/candidates/{number}/pause"),
            json!({"reason": "Mất điện phòng bên"}),
        )
        .await
        .unwrap();
    wait_for(&c, "!document.getElementById('overlay-paused').hidden", "the pause overlay").await;
    let visibility = style(&c, "#main", "null", "visibility").await;
    assert_eq!(visibility, "hidden");
    screenshot(&c, "candidate-paused").await;
    board.post(&format!("/api/v1/events/BR7/candidates/{number}/resume"), json!({})).await.unwrap();
    wait_for(&c, "document.getElementById('overlay-paused').hidden", "the resume").await;
    assert_eq!(style(&c, "#main", "null", "visibility").await, "visible");
}
