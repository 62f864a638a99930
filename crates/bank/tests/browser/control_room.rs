//! Issue 18 §2: the exam-day control room in Chromium. 50 simulated sites report to the bank
//! (a process) over real HTTP while the board watches: the overview counts each state, the table
//! lists each site with its state in words, the filter and the search narrow it, the pause button
//! stops the updates, a site's page shows its rooms and its last hour; axe-clean at 1366×768, and
//! the English switch.

use std::time::Duration;

use khaothi_testkit::browser::{Browser, Locator, assert_accessible, wait_for, wait_for_text};
use serde_json::json;

use crate::harness::*;
use crate::sites::{EVENT, fifty, one_round};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_watches_fifty_sites() {
    let _serial = SERIAL.lock().await;
    let Some(mut b) = Browser::start().await else { return };
    let bank = Bank::start_with(&[
        ("KHAOTHI__BANK__CONTROL_ROOM__OFFLINE_AFTER_SECONDS", "20"),
        ("KHAOTHI__BANK__CONTROL_ROOM__STALLED_AFTER_SECONDS", "10"),
        ("KHAOTHI__BANK__CONTROL_ROOM__LATE_AFTER_MINUTES", "0"),
    ]);
    let board = token(&bank, "board").await;
    let http = reqwest::Client::new();
    let mut sites = fifty();
    let mut first_id = String::new();
    for (i, s) in sites.iter().enumerate() {
        let id = s.register(&http, &bank.base, &board).await;
        if i == 0 {
            first_id = id;
        }
    }
    let unlock_by = (chrono::Utc::now() - chrono::Duration::minutes(10)).to_rfc3339();
    call(
        &bank,
        &board,
        reqwest::Method::PUT,
        "control-room/schedule",
        Some(json!({"event_id": EVENT, "unlock_by": unlock_by})),
    )
    .await;
    // The sites report every second while the board watches; the silent ones never do.
    let base = bank.base.clone();
    let reporting = tokio::spawn(async move {
        loop {
            one_round(&mut sites, &base, false).await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    // Long enough for the stuck sites to stand still past the threshold.
    tokio::time::sleep(Duration::from_secs(12)).await;

    let client = b.window(1366, 768).await;
    sign_in(&client, &bank, "board").await;
    open(&client, &bank, "control-room").await;
    wait_for_text(&client, "#page-title", "Phòng điều hành ngày thi").await;
    let counts = wait_for_text(&client, ".cr-counts", "Đình trệ").await;
    for want in ["50 Tất cả", "3 Không kết nối", "2 Đình trệ", "2 Chậm mở đề", "3 Có sự cố", "40 Bình thường"]
    {
        assert!(counts.contains(want), "{want} in {counts}");
    }
    let rows = client.find_all(Locator::Css("table.data tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 50);
    let first = rows[0].text().await.unwrap();
    assert!(first.contains("Không kết nối") && first.contains("chưa từng"), "most urgent first: {first}");
    shot(&client, "70-control-room").await;
    assert_accessible(&client, "control room").await;

    // Only the stalled ones; then a name.
    wait_for(&client, "main select").await.select_by_value("stalled").await.unwrap();
    let rows = client.find_all(Locator::Css("table.data tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows[0].text().await.unwrap().contains("Đình trệ"));
    wait_for(&client, "main select").await.select_by_value("").await.unwrap();
    wait_for(&client, "main input[type=search]").await.send_keys("số 044").await.unwrap();
    let rows = client.find_all(Locator::Css("table.data tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 1);
    let late = rows[0].text().await.unwrap();
    assert!(late.contains("Chậm mở đề") && late.contains("chậm mở đề"), "{late}");

    // The updates pause and resume (WCAG 2.2.2).
    press(&client, "Tạm dừng cập nhật").await;
    wait_for_text(&client, ".cr-status", "Đã tạm dừng").await;
    press(&client, "Tiếp tục cập nhật").await;
    wait_for_text(&client, ".cr-status", "Tự cập nhật").await;

    // One site: its three rooms and its last hour.
    open(&client, &bank, &format!("control-room/{first_id}")).await;
    wait_for_text(&client, "#page-title", "Điểm thi số 001").await;
    let rooms = wait_for_text(&client, "main", "Phòng 03").await;
    assert!(rooms.contains("Các phòng thi") && rooms.contains("Một giờ qua"), "{rooms}");
    shot(&client, "71-control-room-site").await;
    assert_accessible(&client, "control room: one site").await;

    // English.
    open(&client, &bank, "control-room").await;
    client.find(Locator::Css("#btn-lang")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#page-title", "Exam-day control room").await;
    wait_for_text(&client, ".cr-counts", "Stalled").await;
    b.assert_no_page_errors(&client, "the control room").await;
    reporting.abort();
}
