//! The proctor's grid for a 40-candidate lab at 1366×768 (issue 15 items 6–7): every seat and
//! every warning in view without scrolling; connected / "disconnected since hh:mm" said in words;
//! a candidate who should be working and has no connection stands out.

use std::time::Duration;

use khaothi_loadtest::candidate::CandidateSocket;
use serde_json::json;

use crate::harness::*;
use crate::proctor::{create_proctor, proctor_open_room};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_40_seat_lab_fits_1366x768_with_every_warning_and_lost_seats_stand_out() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    let server = Server::start();
    let exam = set_up_exam(&server, "BR8", 40).await;
    create_proctor(&server, &exam).await;
    let url = format!("ws://127.0.0.1:{}/ws/candidate", server.port);
    // Seats 1–30 logged in (four with a warning), seat 31 gone, the rest not yet in.
    let mut sockets = Vec::new();
    for (i, (number, _, code)) in exam.candidates.iter().take(31).enumerate() {
        let mut s = CandidateSocket::connect(&url).await.unwrap();
        s.login(number, code).await.unwrap();
        if i % 7 == 3 {
            s.send(json!({"type": "integrity", "kind": "focus_lost", "detail": "window lost focus"}))
                .await
                .unwrap();
        }
        sockets.push(s);
    }
    let gone = exam.candidates[30].0.clone();
    drop(sockets.pop());

    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let p = driver.session().await;
    driver.set_viewport(&p, 1366, 768).await;
    proctor_open_room(&p, &server, &exam).await;
    let lost = format!("document.querySelector('.seat-tile[data-number=\"{gone}\"]')");
    wait_for(&p, &format!("{lost}.dataset.lost === 'true'"), "the lost seat").await;
    wait_for(
        &p,
        "document.querySelectorAll('.seat-tile[data-flags]:not([data-flags=\"0\"])').length === 4",
        "four warnings",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    screenshot(&p, "proctor-40-seat-lab-1366x768").await;

    let text = js(&p, &format!("return {lost}.querySelector('.conn-state').textContent")).await;
    let text = text.as_str().unwrap();
    assert!(text.starts_with("Mất kết nối từ "), "{text}");
    let hm = &text["Mất kết nối từ ".len()..];
    assert!(
        hm.len() == 5 && hm.as_bytes()[2] == b':' && hm.replace(':', "").chars().all(|c| c.is_ascii_digit()),
        "{text}"
    );
    let cut = js(
        &p,
        &format!("const c = {lost}.querySelector('.conn-state'); return c.scrollWidth > c.clientWidth + 1"),
    )
    .await;
    assert_eq!(cut, json!(false), "the time a seat was lost is cut off");
    let background = js(&p, &format!("return getComputedStyle({lost}).backgroundColor")).await;
    let normal = js(&p, "return getComputedStyle(document.querySelector('.seat-tile[data-lost=\"false\"][data-status=\"in_progress\"]')).backgroundColor").await;
    assert_ne!(background, normal, "a lost seat looks like the others");
    let connected = js(
        &p,
        "return document.querySelector('.seat-tile[data-connected=\"true\"] .conn-state').textContent",
    )
    .await;
    assert_eq!(connected, "Đã kết nối");

    // Every seat of the 40 and every warning line in view, no scrolling.
    let fits = js(
        &p,
        "const tiles = [...document.querySelectorAll('.seat-tile')]; \
         const inView = (e) => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth; }; \
         const warnings = [...document.querySelectorAll('.seat-flags')].filter((f) => f.textContent); \
         return {tiles: tiles.length, hidden: tiles.filter((t) => !inView(t)).map((t) => t.dataset.seat), \
                 warnings: warnings.length, warningsHidden: warnings.filter((w) => !inView(w) || w.scrollWidth > w.clientWidth + 1).length, \
                 scrolls: document.scrollingElement.scrollHeight > innerHeight + 1};",
    )
    .await;
    assert_eq!(fits["tiles"], 40, "{fits}");
    assert_eq!(fits["hidden"], json!([]), "{fits}");
    assert_eq!(fits["warnings"], 4, "{fits}");
    assert_eq!(fits["warningsHidden"], 0, "{fits}");
    assert_eq!(fits["scrolls"], false, "{fits}");
    drop(sockets);
}
