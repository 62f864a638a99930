//! Issue 16, finding 3 as the proctor sees it: an attacker types wrong codes for a classmate's
//! number; the victim's seat tile shows the login alarm (icon and words, part of the seat's
//! accessible name), the seat's panel says what happened and offers "Xóa cảnh báo", which clears
//! it on every screen. The victim, meanwhile, logs in with the right code.

use std::time::Duration;

use khaothi_loadtest::candidate::CandidateSocket;
use serde_json::json;

use crate::harness::*;
use crate::proctor::{create_proctor, proctor_open_room};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seat_shows_who_tried_wrong_codes_until_the_proctor_clears_it() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    let server = Server::start();
    let exam = set_up_exam(&server, "BRA", 3).await;
    create_proctor(&server, &exam).await;
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let proc = driver.session().await;
    proctor_open_room(&proc, &server, &exam).await;
    let (victim, _, code) = exam.candidates[1].clone();
    let tile = format!("document.querySelector('.seat-tile[data-number=\"{victim}\"]')");
    assert_eq!(js(&proc, &format!("return {tile}.dataset.alarm")).await, json!("false"));

    // The attacker: four wrong codes for the victim's number on one connection.
    let url = format!("ws://127.0.0.1:{}/ws/candidate", server.port);
    let mut attacker = CandidateSocket::connect(&url).await.unwrap();
    for _ in 0..4 {
        attacker.send(json!({"type": "login", "candidate": victim, "code": "AAAAA-AAAAA"})).await.unwrap();
        let reply = attacker.next(Duration::from_secs(10)).await.expect("an answer");
        assert_eq!(reply["code"], "login_failed", "{reply}");
    }
    wait_for(&proc, &format!("{tile}.dataset.alarm === 'true'"), "the alarm on the victim's seat").await;
    let words = js(&proc, &format!("return {tile}.querySelector('.seat-alarm').innerText")).await;
    assert!(words.as_str().unwrap().contains("Sai mã 4 lần"), "{words}");
    assert!(words.as_str().unwrap().contains('⚠'), "an icon beside the words: {words}");
    let name = js(&proc, &format!("return {tile}.textContent")).await;
    assert!(name.as_str().unwrap().contains("Cảnh báo đăng nhập: Sai mã 4 lần"), "the tile's name: {name}");
    let others =
        js(&proc, "return document.querySelectorAll('.seat-tile[data-alarm=\"true\"]').length").await;
    assert_eq!(others, json!(1), "only the victim's seat");
    // The wrong codes locked nobody out: the victim logs in with the right code.
    let mut v = CandidateSocket::connect(&url).await.unwrap();
    v.login(&victim, &code).await.expect("the victim logs in");
    wait_for(&proc, &format!("{tile}.dataset.connected === 'true'"), "the victim connected").await;
    screenshot(&proc, "proctor-login-alarm").await;
    khaothi_testkit::browser::assert_accessible(&proc, "the proctor page with a login alarm").await;

    // The panel tells what happened; "Xóa cảnh báo" clears it.
    proc.find(Locator::Css(&format!(".seat-tile[data-number='{victim}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(
        &proc,
        "document.querySelector('#sd-actions [data-action=\"clear_alarm\"]')",
        "the clear button",
    )
    .await;
    let details = js(&proc, "return document.getElementById('sd-list').innerText").await;
    assert!(details.as_str().unwrap().contains("nhập sai mã 4 lần"), "{details}");
    let label =
        js(&proc, "return document.querySelector('#sd-actions [data-action=\"clear_alarm\"]').textContent")
            .await;
    assert_eq!(label, json!("Xóa cảnh báo"));
    screenshot(&proc, "proctor-login-alarm-panel").await;
    click_css(&proc, "#sd-actions [data-action='clear_alarm']").await;
    wait_for(
        &proc,
        &format!("{tile}.dataset.alarm === 'false' && !{tile}.querySelector('.seat-alarm')"),
        "the cleared alarm",
    )
    .await;
    wait_for(
        &proc,
        "!document.querySelector('#sd-actions [data-action=\"clear_alarm\"]')",
        "the clear button gone",
    )
    .await;
    wait_for(
        &proc,
        "document.getElementById('p-toast').textContent.includes('Đã xóa cảnh báo')",
        "the toast",
    )
    .await;
    screenshot(&proc, "proctor-login-alarm-cleared").await;
}
