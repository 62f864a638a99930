//! The proctor's switch of a room to paper (issue 22 §3) in real Chromium: from the room page, by
//! keyboard, with a reason; both proctor pages of the room see the room on paper (the room log
//! comes over their sockets), the switch survives a reload, the board's paper summary and the
//! biên bản have it. Vietnamese first, then English; axe-clean; screenshots at 1366×768.

use crate::harness::*;
use crate::proctor::{confirm_action, create_proctor, proctor_open_room};

const ON_PAPER: &str =
    "!document.getElementById('p-paper-state').hidden && document.getElementById('btn-paper').hidden";

async fn paper_state(c: &Client) -> String {
    js(c, "return document.getElementById('p-paper-state').innerText")
        .await
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proctor_switches_the_room_to_paper_from_the_room_page() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    let server = Server::start();
    let exam = set_up_exam(&server, "BR22", 2).await;
    create_proctor(&server, &exam).await;
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let p = driver.session().await;
    let other = driver.session().await;
    driver.set_viewport(&p, 1366, 768).await;
    proctor_open_room(&p, &server, &exam).await;
    proctor_open_room(&other, &server, &exam).await;
    assert_eq!(js(&p, "return document.getElementById('btn-paper').hidden").await, false);
    assert_eq!(js(&p, "return document.getElementById('p-paper-state').hidden").await, true);
    khaothi_testkit::browser::assert_accessible(&p, "proctor room with the paper switch").await;

    // Keyboard: Enter on the button opens the confirmation; Escape leaves everything as it was.
    p.find(Locator::Css("#btn-paper")).await.unwrap().send_keys("\u{E007}").await.unwrap();
    wait_for(&p, "document.getElementById('dlg-action').open", "the confirmation").await;
    let text = js(&p, "return document.getElementById('act-text').innerText").await;
    assert!(text.as_str().unwrap().contains("phiếu trả lời giấy"), "{text}");
    assert_eq!(js(&p, "return document.activeElement.id").await, "act-reason");
    khaothi_testkit::browser::assert_accessible(&p, "the paper switch's confirmation").await;
    screenshot(&p, "proctor-paper-confirm").await;
    p.find(Locator::Css("#act-reason")).await.unwrap().send_keys("\u{E00C}").await.unwrap();
    wait_for(&p, "!document.getElementById('dlg-action').open", "the dialog closed").await;
    let summary = server.board().await.get(&format!("/api/v1/events/{}/paper", exam.event)).await.unwrap();
    assert_eq!(summary["rooms"][0]["on_paper"], false, "cancelled: {summary}");

    p.find(Locator::Css("#btn-paper")).await.unwrap().send_keys("\u{E007}").await.unwrap();
    confirm_action(&p, &[("#act-reason", "Mất điện phòng máy lúc 08:40")]).await;
    wait_for(&p, ON_PAPER, "the room on paper").await;
    wait_for(&p, "document.querySelector('#p-log li[data-action=\"paper\"]') !== null", "the log entry")
        .await;
    assert!(paper_state(&p).await.starts_with("Phòng làm bài trên giấy từ"), "{}", paper_state(&p).await);
    assert!(paper_state(&p).await.contains("giamthi1"), "{}", paper_state(&p).await);
    // The other proctor page of the room sees it without reloading.
    wait_for(&other, ON_PAPER, "the room on paper on the other page").await;
    khaothi_testkit::browser::assert_accessible(&p, "proctor room on paper").await;
    screenshot(&p, "proctor-paper").await;

    let board = server.board().await;
    let summary = board.get(&format!("/api/v1/events/{}/paper", exam.event)).await.unwrap();
    assert_eq!(summary["rooms"][0]["on_paper"], true, "{summary}");
    assert_eq!(summary["rooms"][0]["switched_by"], "giamthi1", "{summary}");
    let record = board
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/events/{}/rooms/{}/record?format=json", exam.event, exam.room),
            None,
        )
        .await
        .unwrap();
    assert!(record.to_string().contains("Mất điện phòng máy lúc 08:40"), "{record}");

    // A reload shows the room on paper from its log; English says so too.
    p.refresh().await.unwrap();
    wait_for(&p, "document.getElementById('p-conn').dataset.state === 'online'", "the live room again").await;
    wait_for(&p, ON_PAPER, "the room still on paper").await;
    click_css(&p, "#btn-lang").await;
    wait_for(
        &p,
        "document.getElementById('p-paper-state').innerText.startsWith('Room on paper since')",
        "English",
    )
    .await;
    khaothi_testkit::browser::assert_accessible(&p, "proctor room on paper, English").await;
}
