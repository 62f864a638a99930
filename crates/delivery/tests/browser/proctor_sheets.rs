//! Issue 15, item 9 through the proctor's page: the login slips to cut and the room's table open
//! from their links in a new tab — a navigation, so no bearer header, only the `khaothi_fetch`
//! cookie the sign-in set (HttpOnly: the page's script never sees it) — and print on A4, ten
//! slips to a page.

use base64::Engine;
use serde_json::json;

use crate::harness::*;
use crate::proctor::{create_proctor, open_in_new_tab, proctor_open_room};

/// The open page printed by Chromium (`Page.printToPDF`, A4, the page's own print CSS), saved
/// beside the screenshots as `name.pdf`; answers the number of pages.
async fn print_to_pdf(driver: &Browser, c: &Client, name: &str) -> usize {
    let params =
        json!({"paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": true, "printBackground": true});
    let res = driver.cdp(c, "Page.printToPDF", params).await;
    let data = res["data"].as_str().unwrap_or_else(|| panic!("printToPDF: {res}"));
    let pdf = base64::engine::general_purpose::STANDARD.decode(data).unwrap();
    std::fs::write(screenshot_dir(SHOTS).join(format!("{name}.pdf")), &pdf).unwrap();
    let text = String::from_utf8_lossy(&pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proctor_prints_login_slips_and_the_room_table_with_the_cookie() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    let server = Server::start();
    let exam = set_up_exam(&server, "BRS", 12).await;
    create_proctor(&server, &exam).await;
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let proc = driver.session().await;
    proctor_open_room(&proc, &server, &exam).await;

    // The links carry no token, and the page's script cannot read the cookie.
    let hrefs = js(&proc, "return ['link-slips','link-table','link-record'].map(id => document.getElementById(id).getAttribute('href'))").await;
    for h in hrefs.as_array().unwrap() {
        let h = h.as_str().unwrap();
        assert!(h.starts_with("/api/v1/events/BRS/rooms/P001/") && !h.contains("token"), "{h}");
    }
    assert_eq!(js(&proc, "return document.cookie.includes('khaothi_fetch')").await, json!(false));
    let room = proc.window().await.unwrap();

    // The slips: one per candidate, with name, number, seat, code, room and the address.
    open_in_new_tab(&proc, "#link-slips").await;
    wait_for(&proc, "document.querySelectorAll('article.slip').length === 12", "the login slips").await;
    for (number, name, code) in &exam.candidates {
        let text = js(
            &proc,
            &format!("return document.querySelector('article.slip[data-number=\"{number}\"]').innerText"),
        )
        .await;
        let text = text.as_str().unwrap();
        assert!(text.contains(code) && text.contains(number), "{text}");
        assert!(text.to_lowercase().contains(&name.to_lowercase()), "{name}: {text}");
        assert!(text.contains("Phòng P001") && text.contains(&format!("{}/", server.base)), "{text}");
    }
    // Every line fits its 95 × 53 mm slip (nothing spills over a cut line).
    let spilled = js(&proc, "return [...document.querySelectorAll('article.slip')].filter(s => s.scrollHeight > s.clientHeight + 1 || s.scrollWidth > s.clientWidth + 1).map(s => s.dataset.number)").await;
    assert_eq!(spilled, json!([]), "slips whose text spills over the cut line");
    screenshot(&proc, "proctor-slips").await;
    assert_eq!(print_to_pdf(&driver, &proc, "proctor-slips").await, 2, "12 slips on two A4 pages");
    proc.close_window().await.unwrap();
    proc.switch_to_window(room.clone()).await.unwrap();

    // The proctor's table: every candidate one row, and both signature blocks.
    open_in_new_tab(&proc, "#link-table").await;
    wait_for(&proc, "document.querySelectorAll('tr[data-number]').length === 12", "the room's table").await;
    let table = js(&proc, "return document.body.innerText").await;
    let table = table.as_str().unwrap();
    for (number, _, code) in &exam.candidates {
        assert!(table.contains(number) && table.contains(code), "{number}");
    }
    assert!(
        table.contains("DANH SÁCH THÍ SINH VÀ MÃ ĐĂNG NHẬP") && table.contains("CÁN BỘ COI THI 2"),
        "{table}"
    );
    screenshot(&proc, "proctor-table").await;
    assert_eq!(print_to_pdf(&driver, &proc, "proctor-table").await, 1, "the table of 12 on one page");
    proc.close_window().await.unwrap();
    proc.switch_to_window(room).await.unwrap();

    // Signed out (the cookie gone), the same link is refused.
    let slips = format!("{}/api/v1/events/BRS/rooms/P001/sheet?format=slips", server.base);
    proc.delete_all_cookies().await.unwrap();
    proc.goto(&slips).await.unwrap();
    let refused = js(&proc, "return document.body.innerText").await;
    assert!(refused.as_str().unwrap().contains("unauthorized"), "{refused}");
}
