//! The candidate's page: sign-in, answering every kind with the keyboard and the mouse, the save
//! mark after the server's ack, submission with the list of unanswered questions, and a server
//! killed with SIGKILL and restarted in the middle of the test.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::*;

/// Answers the current question (keyboard for parts I and II, typing for part III, the mouse for
/// the second true/false group) and returns the value the server must store.
async fn answer_current(c: &Client, item: &str, kind: &str, n: usize) -> Value {
    match kind {
        "single_choice" => {
            let letter = ['b', 'a', 'd', 'c'][n % 4];
            press_key(c, letter).await;
            json!(letter.to_ascii_uppercase().to_string())
        }
        "true_false_group" if n.is_multiple_of(2) => {
            for k in ['a', 't', 's', 't', 's'] {
                press_key(c, k).await;
            }
            json!([true, false, true, false])
        }
        "true_false_group" => {
            for (i, v) in ["false", "true", "true", "false"].iter().enumerate() {
                click_css(c, &format!("button.tf[data-statement='{i}'][data-value='{v}']")).await;
            }
            json!([false, true, true, false])
        }
        "short_answer" => {
            let text = if n.is_multiple_of(2) { "1,5" } else { "-2" };
            type_into(c, ".sa-input", text).await;
            json!(text)
        }
        other => panic!("{item}: unexpected kind {other}"),
    }
}

async fn next_question(c: &Client, kind: &str) {
    if kind == "short_answer" {
        click_css(c, "#btn-next").await; // the caret stays in the answer box with the arrows
    } else {
        press_key(c, Key::Right.into()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_candidate_answers_every_kind_sees_each_saved_and_submits() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    let server = Server::start();
    let exam = set_up_exam(&server, "BR1", 2).await;
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let c = driver.session().await;
    let (number, _, code) = exam.candidates[0].clone();

    // A wrong code gets a Vietnamese message and the form again.
    c.goto(&format!("{}/", server.base)).await.unwrap();
    wait_for(&c, "!document.getElementById('view-login').hidden", "the login form").await;
    type_into(&c, "#login-number", &number).await;
    type_into(&c, "#login-code", "AAAAA-AAAAA").await;
    click_css(&c, "#login-submit").await;
    wait_for(
        &c,
        "document.getElementById('login-error').textContent.includes('không đúng')",
        "the wrong-code message",
    )
    .await;
    screenshot(&c, "candidate-login-error").await;

    candidate_login(&c, &server.base, &number, &code).await;
    let total = js(&c, "return document.querySelectorAll('.nav-q').length").await.as_u64().unwrap() as usize;
    assert_eq!(total, 7, "every item of the version is in the grid");
    let parts = js(&c, "return [...document.querySelectorAll('.nav-part h3')].map(h => h.textContent)").await;
    assert_eq!(parts, json!(["Phần I", "Phần II", "Phần III"]));
    assert_eq!(
        js(&c, "return document.querySelectorAll('#q-stem math').length > 0").await,
        json!(true),
        "formulas are MathML"
    );
    let clock = page_remaining_ms(&c).await;
    assert!(
        (59 * 60_000..=60 * 60_000).contains(&clock),
        "the clock starts from the server's 60 minutes: {clock}"
    );

    let mut expected = BTreeMap::new();
    let mut skipped = None;
    for i in 0..total {
        let (item, kind) = current_item(&c).await;
        if i == 2 {
            // Left unanswered and flagged for review.
            press_key(&c, 'm').await;
            wait_for(
                &c,
                &format!("document.querySelector('.nav-q[data-item=\"{item}\"]').dataset.flagged === 'true'"),
                "the flag",
            )
            .await;
            skipped = Some(item.clone());
        } else {
            let value = answer_current(&c, &item, &kind, i).await;
            wait_save_state(&c, &item, "saved").await;
            let nav = format!("document.querySelector('.nav-q[data-item=\"{item}\"]')");
            wait_for(
                &c,
                &format!("{nav}.dataset.state === 'answered' && {nav}.dataset.pending === 'false'"),
                "the grid mark",
            )
            .await;
            expected.insert(item.clone(), value);
        }
        if i == 4 {
            screenshot(&c, "candidate-question").await;
        }
        if i + 1 < total {
            next_question(&c, &kind).await;
            wait_for(
                &c,
                &format!("document.getElementById('q-title').dataset.index === '{}'", i + 1),
                "the next question",
            )
            .await;
        }
    }
    // English, and back.
    click_css(&c, "#btn-lang").await;
    wait_for(&c, "document.getElementById('btn-submit').textContent === 'Submit'", "English").await;
    click_css(&c, "#btn-lang").await;
    wait_for(&c, "document.getElementById('btn-submit').textContent === 'Nộp bài'", "Vietnamese").await;

    // Large text, and a 10-inch tablet held upright.
    click_css(&c, "#btn-large").await;
    wait_for(&c, "document.documentElement.classList.contains('large-text')", "large text").await;
    c.set_window_size(800, 1280).await.unwrap();
    wait_for(&c, "innerWidth <= 800", "the tablet width").await;
    screenshot(&c, "candidate-tablet-large-text").await;
    let nav_below = js(&c, "return document.querySelector('.nav').getBoundingClientRect().top >= document.getElementById('question').getBoundingClientRect().bottom").await;
    assert_eq!(nav_below, json!(true), "on a narrow screen the question list is below the question");
    c.set_window_size(1366, 768).await.unwrap();
    click_css(&c, "#btn-large").await;

    // A paste is reported to the proctor.
    js(&c, "document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: new DataTransfer()})); return true").await;
    let board = server.board().await;
    let start = std::time::Instant::now();
    loop {
        let ev =
            board.get(&format!("/api/v1/events/{}/candidates/{number}/integrity", exam.event)).await.unwrap();
        if ev["events"].as_array().unwrap().iter().any(|e| e["kind"] == "paste") {
            break;
        }
        assert!(start.elapsed() < WAIT, "no paste event recorded: {ev}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Submission lists what is unanswered, then the final page.
    click_css(&c, "#btn-submit").await;
    wait_for(&c, "document.getElementById('dlg-submit').open", "the confirmation").await;
    let skipped = skipped.unwrap();
    assert_eq!(js(&c, "return document.getElementById('submit-unanswered').dataset.count").await, json!("1"));
    let listed = js(&c, "return document.querySelectorAll('#submit-summary .jump-list button').length").await;
    assert_eq!(listed, json!(2), "the unanswered question and the flagged one (the same) are listed");
    screenshot(&c, "candidate-submit-confirm").await;
    click_css(&c, "#submit-confirm").await;
    wait_for(&c, "!document.getElementById('view-final').hidden", "the final page").await;
    assert_eq!(js(&c, "return document.getElementById('view-final').dataset.kind").await, json!("submitted"));
    assert_eq!(
        js(&c, "return document.getElementById('final-score').hidden").await,
        json!(true),
        "no score unless the event shows it"
    );
    screenshot(&c, "candidate-final").await;

    assert_eq!(candidate_row(&server, &exam.event, &number).await["status"], "submitted");
    let saved = saved_answers(&server, &number, Credential::Code(&code)).await;
    assert_eq!(saved, expected, "the server holds every answer with the value the page showed");
    assert!(!saved.contains_key(&skipped));

    // Once the keys are released, the staff API's results hold every answer: counted in the
    // results, each one in the raw export with its epoch and seq.
    let board = server.board().await;
    board
        .post(&format!("/api/v1/events/{}/keys", exam.event), json!({"release_key": exam.keys_key}))
        .await
        .unwrap();
    let results = board.get(&format!("/api/v1/events/{}/results", exam.event)).await.unwrap();
    let row =
        results["candidates"].as_array().unwrap().iter().find(|r| r["number"] == number.as_str()).unwrap();
    assert_eq!(row["status"], "submitted");
    assert_eq!(row["answered"], json!(expected.len()), "{row}");
    let raw = board.get(&format!("/api/v1/events/{}/exports/raw.csv", exam.event)).await.unwrap();
    let mut reader = csv::Reader::from_reader(raw.as_str().expect("CSV text").as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| {
        header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no {name} in {header:?}"))
    };
    let mut exported = BTreeMap::new();
    for rec in reader.records() {
        let rec = rec.unwrap();
        if rec[col("person")] == *number && !rec[col("epoch")].is_empty() {
            exported.insert(rec[col("item")].to_string(), rec[col("value")].to_string());
        }
    }
    let ids: Vec<&String> = expected.keys().collect();
    assert_eq!(exported.keys().collect::<Vec<_>>(), ids, "every answer and nothing else is in the export");
    for (item, value) in &expected {
        if let Some(text) = value.as_str().filter(|_| item.starts_with("SA")) {
            assert_eq!(exported[item], text, "a short answer is exported as typed");
        }
    }
    // The browser forgot the session: a reload shows the login form.
    assert_eq!(js(&c, "return localStorage.getItem('khaothi:candidate')").await, Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_rides_out_a_server_killed_and_restarted() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    let mut server = Server::start();
    let exam = set_up_exam(&server, "BR2", 1).await;
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let c = driver.session().await;
    let (number, _, code) = exam.candidates[0].clone();
    candidate_login(&c, &server.base, &number, &code).await;

    let (first, kind) = current_item(&c).await;
    assert_eq!(kind, "single_choice");
    press_key(&c, 'c').await;
    wait_save_state(&c, &first, "saved").await;

    server.kill9();
    wait_for(&c, "!document.getElementById('banner').hidden", "the disconnected banner").await;
    wait_for(&c, "document.getElementById('conn').dataset.state === 'offline'", "the offline mark").await;

    // Answers given while the server is down wait in the page (and in localStorage).
    press_key(&c, Key::Right.into()).await;
    wait_for(&c, "document.getElementById('q-title').dataset.index === '1'", "the second question").await;
    let (second, _) = current_item(&c).await;
    press_key(&c, 'd').await;
    wait_save_state(&c, &second, "queued").await;
    let stored = js(&c, "return JSON.parse(localStorage.getItem('khaothi:candidate')).pending").await;
    assert_eq!(stored[&second]["value"], "D", "{stored}");
    press_key(&c, Key::Right.into()).await;
    wait_for(&c, "document.getElementById('q-title').dataset.index === '2'", "the third question").await;
    let (third, _) = current_item(&c).await;
    press_key(&c, 'a').await;
    wait_save_state(&c, &third, "queued").await;
    screenshot(&c, "candidate-disconnected").await;

    // The clock keeps counting while disconnected.
    let before = page_remaining_ms(&c).await;
    wait_for(
        &c,
        &format!("Number(document.getElementById('clock').dataset.ms) < {}", before - 1500),
        "the clock to run",
    )
    .await;

    server.restart();
    wait_for(&c, "document.getElementById('banner').hidden", "the reconnection").await;
    wait_save_state(&c, &third, "saved").await;
    wait_for(
        &c,
        &format!("document.querySelector('.nav-q[data-item=\"{second}\"]').dataset.pending === 'false'"),
        "the queued answer",
    )
    .await;
    screenshot(&c, "candidate-reconnected").await;

    // The page's clock agrees with the server's remaining time (outage credit included).
    let server_ms = candidate_row(&server, &exam.event, &number).await["remaining_ms"].as_i64().unwrap();
    let page_ms = page_remaining_ms(&c).await;
    assert!((page_ms - server_ms).abs() < 3000, "page {page_ms} ms, server {server_ms} ms");

    // A reload resumes from this browser's stored session, without the code.
    c.refresh().await.unwrap();
    wait_for(&c, "!document.getElementById('view-test').hidden && document.querySelectorAll('.nav-q[data-state=\"answered\"]').length === 3", "the resumed test").await;

    // No answer was lost, including the two given while the server was down. (Reading them back
    // resumes the session elsewhere: the page says so and stops.)
    let token = js(&c, "return JSON.parse(localStorage.getItem('khaothi:candidate')).token").await;
    let saved = saved_answers(&server, &number, Credential::Token(token.as_str().unwrap())).await;
    assert_eq!(saved.get(&first), Some(&json!("C")));
    assert_eq!(saved.get(&second), Some(&json!("D")), "the answer given while the server was down was saved");
    assert_eq!(saved.get(&third), Some(&json!("A")));
    assert_eq!(saved.len(), 3);
    wait_for(&c, "!document.getElementById('view-superseded').hidden", "the superseded page").await;
}
