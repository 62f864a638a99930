//! The proctor's room page with a candidate in another browser: the live seat grid, pause (the
//! candidate's clock stops), resume, extra time, the candidate's submission on the grid, the sheet
//! of login codes. These need the proctor websocket of SPEC-proctor (issue 6).

use std::time::Duration;

use serde_json::json;

use crate::harness::*;

const PROCTOR: &str = "giamthi1";
const PASSWORD: &str = "mat-khau-giam-thi-1";

/// A proctor bound to the exam's room.
pub(crate) async fn create_proctor(server: &Server, exam: &Exam) {
    let board = server.board().await;
    let sheet = board.get(&format!("/api/v1/events/{}/rooms/{}/sheet", exam.event, exam.room)).await.unwrap();
    let room_id = sheet["room_id"].as_str().unwrap().to_string();
    board
        .post(
            "/api/v1/staff",
            json!({"username": PROCTOR, "display_name": "Giám thị 1", "password": PASSWORD, "role": "proctor", "rooms": [room_id]}),
        )
        .await
        .unwrap();
}

pub(crate) async fn proctor_open_room(p: &Client, server: &Server, exam: &Exam) {
    p.goto(&format!("{}/proctor", server.base)).await.unwrap();
    wait_for(p, "!document.getElementById('view-login').hidden", "the proctor login").await;
    type_into(p, "#p-username", PROCTOR).await;
    type_into(p, "#p-password", PASSWORD).await;
    click_css(p, "#p-login-submit").await;
    wait_for(p, &format!("!document.getElementById('view-pick').hidden && [...document.getElementById('p-event').options].some(o => o.value === '{}')", exam.event), "the event list").await;
    js(p, &format!("document.getElementById('p-event').value = '{}'; return true", exam.event)).await;
    type_into(p, "#p-room", &exam.room).await;
    click_css(p, "#p-open").await;
    wait_for(p, "document.getElementById('p-conn').dataset.state === 'online' && document.querySelectorAll('.seat-tile[data-number]').length > 0", "the live room").await;
}

fn tile(number: &str) -> String {
    format!("document.querySelector('.seat-tile[data-number=\"{number}\"]')")
}

/// Clicks the link `css` (a printed sheet, `target=_blank`) and switches to the tab it opened.
pub(crate) async fn open_in_new_tab(p: &Client, css: &str) {
    let before = p.windows().await.unwrap();
    click_css(p, css).await;
    let start = std::time::Instant::now();
    let opened = loop {
        if let Some(w) = p.windows().await.unwrap().into_iter().find(|w| !before.contains(w)) {
            break w;
        }
        assert!(start.elapsed() < WAIT, "{css} opened no tab");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    p.switch_to_window(opened).await.unwrap();
}

/// Confirms the action dialog that is open, after filling `fields` (`(css, text)`).
pub(crate) async fn confirm_action(p: &Client, fields: &[(&str, &str)]) {
    wait_for(p, "document.getElementById('dlg-action').open", "the action dialog").await;
    for (css, text) in fields {
        type_into(p, css, text).await;
    }
    click_css(p, "#act-confirm").await;
    wait_for(p, "!document.getElementById('dlg-action').open", "the action to be done").await;
}

/// The page's clock over ~1.5 s: (first, second) readings.
async fn two_readings(c: &Client) -> (i64, i64) {
    let a = page_remaining_ms(c).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    (a, page_remaining_ms(c).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proctor_pauses_resumes_and_extends_a_candidate_then_sees_the_submission() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    let server = Server::start();
    let exam = set_up_exam(&server, "BR3", 3).await;
    create_proctor(&server, &exam).await;
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let cand = driver.session().await;
    let proc = driver.session().await;
    let (number, _, code) = exam.candidates[0].clone();

    proctor_open_room(&proc, &server, &exam).await;
    wait_for(&proc, &format!("{}.dataset.status === 'not_started'", tile(&number)), "the seat before login")
        .await;

    candidate_login(&cand, &server.base, &number, &code).await;
    let (item, _) = current_item(&cand).await;
    press_key(&cand, 'a').await;
    wait_save_state(&cand, &item, "saved").await;
    let t = tile(&number);
    wait_for(&proc, &format!("{t}.dataset.status === 'in_progress' && {t}.dataset.connected === 'true' && {t}.dataset.answered === '1'"), "the live seat").await;
    screenshot(&proc, "proctor-room").await;

    // Pause: the candidate sees it and the clock stops; the room log records it.
    click_css(&proc, &format!(".seat-tile[data-number='{number}']")).await;
    click_css(&proc, "#sd-actions [data-action='pause']").await;
    confirm_action(&proc, &[("#act-reason", "Mất điện phòng bên")]).await;
    wait_for(&proc, &format!("{t}.dataset.status === 'paused'"), "the paused seat").await;
    wait_for(&proc, "document.querySelectorAll('#p-log li').length > 0", "the log entry").await;
    wait_for(&cand, "!document.getElementById('overlay-paused').hidden", "the paused overlay").await;
    wait_for(&cand, "document.getElementById('clock').dataset.state === 'paused'", "the stopped clock").await;
    let (a, b) = two_readings(&cand).await;
    assert!((a - b).abs() < 50, "the clock moved while paused: {a} → {b}");
    screenshot(&cand, "candidate-paused").await;

    // Resume: the clock runs again from where it stopped.
    click_css(&proc, "#sd-actions [data-action='resume']").await;
    confirm_action(&proc, &[]).await;
    wait_for(&cand, "document.getElementById('overlay-paused').hidden", "the resumed test").await;
    wait_for(&proc, &format!("{t}.dataset.status === 'in_progress'"), "the resumed seat").await;
    let (a2, b2) = two_readings(&cand).await;
    assert!(b2 < a2 - 500, "the clock does not run after resume: {a2} → {b2}");
    assert!((a2 - b).abs() < 5000, "resumed at {a2} ms, paused at {b} ms");

    // Ten more minutes.
    let before = page_remaining_ms(&cand).await;
    click_css(&proc, "#sd-actions [data-action='extend']").await;
    wait_for(&proc, "document.getElementById('dlg-action').open", "the extend dialog").await;
    type_into(&proc, "#act-minutes", "10").await;
    confirm_action(&proc, &[("#act-reason", "Thí sinh khuyết tật")]).await;
    wait_for(
        &cand,
        &format!("Number(document.getElementById('clock').dataset.ms) > {}", before + 9 * 60_000),
        "the extra time",
    )
    .await;

    // The candidate submits; every proctor screen shows it.
    click_css(&cand, "#btn-submit").await;
    wait_for(&cand, "document.getElementById('dlg-submit').open", "the confirmation").await;
    click_css(&cand, "#submit-confirm").await;
    wait_for(&cand, "!document.getElementById('view-final').hidden", "the final page").await;
    wait_for(&proc, &format!("{t}.dataset.status === 'submitted'"), "the submitted seat").await;
    screenshot(&proc, "proctor-submitted").await;
    let saved = saved_answers(&server, &number, Credential::Code(&code)).await;
    assert_eq!(saved.get(&item), Some(&json!("A")));

    // The room record (biên bản) opens in its own tab from its link, with the proctor's
    // `khaothi_fetch` cookie (the slips and the room's table: proctor_sheets.rs).
    let main = proc.window().await.unwrap();
    open_in_new_tab(&proc, "#link-record").await;
    wait_for(&proc, &format!("document.body && document.body.innerText.includes('{number}') && document.body.innerText.includes('Mất điện phòng bên')"), "the room record").await;
    screenshot(&proc, "proctor-record").await;
    proc.close_window().await.unwrap();
    proc.switch_to_window(main).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminated_candidate_sees_the_reason() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    let server = Server::start();
    let exam = set_up_exam(&server, "BR4", 2).await;
    create_proctor(&server, &exam).await;
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let cand = driver.session().await;
    let proc = driver.session().await;
    let (number, _, code) = exam.candidates[1].clone();
    candidate_login(&cand, &server.base, &number, &code).await;
    proctor_open_room(&proc, &server, &exam).await;
    let t = tile(&number);
    wait_for(&proc, &format!("{t}.dataset.status === 'in_progress'"), "the live seat").await;
    // The whole room: pause and resume.
    click_css(&proc, "#btn-pause-all").await;
    confirm_action(&proc, &[]).await;
    wait_for(&proc, &format!("{t}.dataset.status === 'paused'"), "the paused room").await;
    wait_for(&cand, "!document.getElementById('overlay-paused').hidden", "the paused overlay").await;
    click_css(&proc, "#btn-resume-all").await;
    confirm_action(&proc, &[]).await;
    wait_for(&proc, &format!("{t}.dataset.status === 'in_progress'"), "the resumed room").await;
    wait_for(&cand, "document.getElementById('overlay-paused').hidden", "the resumed test").await;
    click_css(&proc, &format!(".seat-tile[data-number='{number}']")).await;
    click_css(&proc, "#sd-actions [data-action='terminate']").await;
    wait_for(&proc, "document.getElementById('dlg-action').open", "the terminate dialog").await;
    // The reason is required.
    click_css(&proc, "#act-confirm").await;
    wait_for(&proc, "document.getElementById('act-error').textContent.length > 0", "the required reason")
        .await;
    confirm_action(&proc, &[("#act-reason", "Sử dụng tài liệu")]).await;
    wait_for(&proc, &format!("{t}.dataset.status === 'terminated'"), "the terminated seat").await;
    wait_for(&cand, "document.getElementById('view-final').dataset.kind === 'terminated' && !document.getElementById('view-final').hidden", "the terminated page").await;
    assert!(
        js(&cand, "return document.getElementById('final-reason').textContent")
            .await
            .as_str()
            .unwrap()
            .contains("Sử dụng tài liệu")
    );
    screenshot(&cand, "candidate-terminated").await;
}
