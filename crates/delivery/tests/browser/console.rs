//! The exam day run from the test site's console at `/console` (issue 13), in real Chromium against
//! the server as its own process: the staff create the event, import the package (a forged one
//! refused in words first), add two rooms and 60 candidates from CSV (a bad row refused with its
//! line; formula, script and 10 MB files handled), assign a proctor, unlock (malformed, mistyped
//! and wrong keys refused with what the staff see), watch 60 candidates answer through the
//! websocket test client while one room is paused and resumed from its proctor page, release the
//! keys, read the results, fetch every export through the `khaothi_fetch` cookie and upload the
//! signed result file to a real bank. Screenshots at 1366×768 go to target/screenshots/.

use std::path::{Path, PathBuf};
use std::time::Duration;

use khaothi_bank::{Application as Bank, BankConfig};
use khaothi_loadtest::board::BoardClient;
use khaothi_loadtest::candidate::{CandidateSocket, some_answer};
use khaothi_package::BoardSigningKey;
use rand::SeedableRng;
use serde_json::{Value, json};

use crate::harness::*;

const EVENT: &str = "THI-THU-13";
const PROCTOR: &str = "giamthi-p1";
const PROCTOR_PASSWORD: &str = "mat-khau-giam-thi-p1";

/// The candidate list: 30 in each room; `bad_line` (1-based, the header is line 1) names a room
/// that does not exist.
fn candidate_csv(bad_line: Option<usize>) -> String {
    let mut csv = String::from("so_bao_danh,ho_ten,ngay_sinh,phong\n");
    for i in 0..60 {
        let room = if bad_line == Some(i + 2) {
            "P9"
        } else if i < 30 {
            "P1"
        } else {
            "P2"
        };
        csv.push_str(&format!(
            "TS{:03},Nguyễn Văn {},2008-0{}-1{},{room}\n",
            i + 1,
            i + 1,
            i % 9 + 1,
            i % 10
        ));
    }
    csv
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Chooses `file` in the file input `css` (ChromeDriver types the path into it).
async fn choose(c: &Client, css: &str, file: &Path) {
    c.find(Locator::Css(css)).await.unwrap().send_keys(&file.display().to_string()).await.unwrap();
}

async fn accessible(c: &Client, page: &str) {
    khaothi_testkit::browser::assert_accessible(c, page).await;
}

/// Text of the element `css` (empty when absent).
async fn text_of(c: &Client, css: &str) -> String {
    js(c, &format!("const e = document.querySelector({css:?}); return e ? e.innerText : ''"))
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Submits `code` in the key form `id` and waits for its message to contain `needle`.
async fn key_refused(c: &Client, id: &str, code: &str, needle: &str) {
    type_into(c, &format!("#{id}"), code).await;
    click_css(c, &format!("#{id}-submit")).await;
    let cond = format!(
        "document.querySelector('#{id}').closest('form').querySelector('.key-message').innerText.includes({needle:?})"
    );
    wait_for(c, &cond, needle).await;
}

/// The number in the overview's cell `col` of room `room` ('' = the whole site's row).
fn overview_cell(room: &str, col: &str) -> String {
    format!(
        "Number(document.querySelector('#overview tr[data-room=\"{room}\"] td[data-col=\"{col}\"]')?.textContent)"
    )
}

/// A GET the page makes with no Authorization header (the cookie carries the access token):
/// `[status, first 3000 characters]`.
async fn cookie_get(c: &Client, href_js: &str) -> (u64, String) {
    let script = format!(
        "const done = arguments[arguments.length - 1]; fetch({href_js}, {{credentials: 'same-origin'}})\
         .then(async (r) => done([r.status, (await r.text()).slice(0, 3000)])).catch((e) => done([0, String(e)]));"
    );
    let v = c.execute_async(&script, vec![]).await.unwrap();
    (v[0].as_u64().unwrap(), v[1].as_str().unwrap().to_string())
}

async fn sign_in(c: &Client, base: &str) {
    c.goto(&format!("{base}/console")).await.unwrap();
    wait_for(
        c,
        "document.body.classList.contains('ready') && !document.getElementById('login').hidden",
        "the sign-in form",
    )
    .await;
    screenshot(c, "console-sign-in").await;
    accessible(c, "console sign-in").await;
    type_into(c, "#username", "board").await;
    type_into(c, "#password", "khaothi-demo").await;
    click_css(c, "#login-form button[type=submit]").await;
    wait_for(c, "document.querySelector('#events-list') !== null", "the event list").await;
    // The session lives in memory and in HttpOnly cookies only.
    let stored =
        js(c, "return JSON.stringify([{...localStorage}, {...sessionStorage}, document.cookie])").await;
    assert!(!stored.as_str().unwrap().contains("eyJ"), "a token in page storage: {stored}");
}

async fn prepare(
    c: &Client,
    dir: &Path,
    pkg: &khaothi_package::BuiltPackage,
    forged: &khaothi_package::BuiltPackage,
) {
    type_into(c, "#ev-id", EVENT).await;
    type_into(c, "#ev-title", "Thi thử Toán 12").await;
    click_css(c, "#ev-create").await;
    wait_for(c, "document.getElementById('pkg-file') !== null", "the event's preparation page").await;

    choose(c, "#pkg-file", &write(dir, "forged.json", &forged.bytes)).await;
    click_css(c, "#pkg-import").await;
    wait_for(
        c,
        "document.getElementById('pkg-result').innerText.includes('không được ký bằng khóa của Hội đồng')",
        "the forged package refused",
    )
    .await;
    screenshot(c, "console-package-refused").await;
    choose(c, "#pkg-file", &write(dir, "package.json", &pkg.bytes)).await;
    click_css(c, "#pkg-import").await;
    wait_for(
        c,
        "document.querySelector('#pkg-summary.ok-box')?.innerText.includes('2 mã đề')",
        "the imported package",
    )
    .await;

    // P1 with its layout for the seat map; P2's 5 × 5 has too few places: the room is made,
    // the layout refused in words.
    for (room, rows) in [("P1", "6"), ("P2", "5")] {
        type_into(c, "#room-name", room).await;
        type_into(c, "#room-seats", "30").await;
        type_into(c, "#room-rows", rows).await;
        type_into(c, "#room-columns", "5").await;
        click_css(c, "#room-add").await;
        wait_for(
            c,
            &format!("document.querySelector('#rooms-table tr[data-room=\"{room}\"]') !== null"),
            room,
        )
        .await;
    }
    wait_for(
        c,
        "document.getElementById('room-error').innerText.includes('25 places for 30 seats')",
        "the layout refused",
    )
    .await;
    let layouts =
        js(c, "return [...document.querySelectorAll('#rooms-table td.layout')].map(td => td.textContent)")
            .await;
    assert_eq!(layouts, json!(["6 × 5", "–"]));
    candidates(c, dir).await;

    let options =
        js(c, "return [...document.getElementById('pr-room').options].map(o => o.textContent)").await;
    assert_eq!(options, json!(["P1", "P2"]));
    type_into(c, "#pr-username", PROCTOR).await;
    type_into(c, "#pr-name", "Giám thị phòng 1").await;
    type_into(c, "#pr-password", "ngan").await;
    click_css(c, "#pr-add").await;
    wait_for(
        c,
        "document.getElementById('pr-result').innerText.includes('10 ký tự')",
        "the short password refused",
    )
    .await;
    type_into(c, "#pr-password", PROCTOR_PASSWORD).await;
    click_css(c, "#pr-add").await;
    wait_for(c, "document.querySelector('#pr-result .ok-box') !== null", "the proctor account").await;
    screenshot(c, "console-before-the-exam").await;
    accessible(c, "console before the exam").await;

    // The login slips of room P1, through the cookie (a new tab cannot send the bearer header).
    let (status, sheet) =
        cookie_get(c, "document.querySelector('#rooms-table tr[data-room=\"P1\"] td.links a').href").await;
    assert_eq!(status, 200, "{sheet}");
    assert!(
        sheet.contains("Phiếu đăng nhập") && sheet.contains("phòng P1") && sheet.contains("TS001"),
        "{sheet}"
    );
}

async fn candidates(c: &Client, dir: &Path) {
    choose(c, "#csv-file", &write(dir, "bad.csv", candidate_csv(Some(35)).as_bytes())).await;
    click_css(c, "#csv-import").await;
    wait_for(c, "document.querySelector('#csv-problems tr[data-line=\"35\"]') !== null", "the bad row named")
        .await;
    let row = text_of(c, "#csv-problems tr[data-line=\"35\"]").await;
    assert!(row.contains("TS034") && row.contains("phong") && row.contains("P9"), "{row}");
    assert_eq!(js(c, "return document.querySelectorAll('#csv-problems tbody tr').length").await, 1);
    assert!(text_of(c, "#cand-total").await.contains("Đã có 0 thí sinh"));
    screenshot(c, "console-csv-bad-row").await;

    // Hostile files: formulas and markup in names are refused by line; nothing runs.
    let hostile = "so_bao_danh,ho_ten,ngay_sinh,phong\nX1,=cmd|' /C calc'!A0,2008-01-02,P1\nX2,<img src=x onerror=window.pwned=1>,2008-01-02,P1\nX3,<script>window.pwned=1</script>,2008-01-02,P1\n";
    choose(c, "#csv-file", &write(dir, "hostile.csv", hostile.as_bytes())).await;
    click_css(c, "#csv-import").await;
    wait_for(c, "document.querySelectorAll('#csv-problems tbody tr').length === 3", "the hostile rows").await;
    let lines =
        js(c, "return [...document.querySelectorAll('#csv-problems tbody tr')].map(r => r.dataset.line)")
            .await;
    assert_eq!(lines, json!(["2", "3", "4"]));
    assert!(text_of(c, "#csv-problems").await.contains("formula"));
    assert_eq!(js(c, "return window.pwned === undefined && document.querySelectorAll('#view script, #view img').length === 0").await, json!(true));
    // 10 MB: the server's body limit, said in words.
    let big = format!("so_bao_danh,ho_ten,ngay_sinh,phong\n{}", "A".repeat(10 * 1024 * 1024));
    choose(c, "#csv-file", &write(dir, "big.csv", big.as_bytes())).await;
    click_css(c, "#csv-import").await;
    wait_for(
        c,
        "document.getElementById('csv-result').innerText.includes('quá lớn')",
        "the 10 MB file refused",
    )
    .await;

    choose(c, "#csv-file", &write(dir, "candidates.csv", candidate_csv(None).as_bytes())).await;
    click_css(c, "#csv-import").await;
    wait_for(
        c,
        "document.getElementById('csv-result').innerText.includes('Đã nhập 60 thí sinh')",
        "60 candidates",
    )
    .await;
    let counts = js(
        c,
        "return [...document.querySelectorAll('#rooms-table tbody tr')].map(r => r.children[3].textContent)",
    )
    .await;
    assert_eq!(counts, json!(["30", "30"]));
}

/// The content key: malformed, mistyped, the wrong key, then the right one.
async fn unlock(c: &Client, pkg: &khaothi_package::BuiltPackage) {
    js(c, &format!("location.hash = '#/events/{EVENT}/start'; return true")).await;
    wait_for(c, "document.getElementById('unlock-key') !== null", "the unlock form").await;
    let code = pkg.content_key.to_code();
    let mut groups: Vec<String> = code.split('-').map(String::from).collect();
    let mut bad = groups.clone();
    bad[2].replace_range(1..2, "U");
    key_refused(c, "unlock-key", &bad.join("-"), "Nhóm 3: ký tự “U”").await;
    bad = groups.clone();
    bad[4].pop();
    key_refused(c, "unlock-key", &bad.join("-"), "Nhóm 5 có 4 ký tự; cần 5").await;
    // One mistyped character (a valid one): the checks locate its group.
    let first = groups[3].remove(0);
    groups[3].insert(0, if first == 'Z' { 'Y' } else { 'Z' });
    key_refused(c, "unlock-key", &groups.join("-"), "nhóm 4").await;
    screenshot(c, "console-key-typo").await;
    // Well formed, but the keys' code: the server's refusal as the staff see it.
    key_refused(c, "unlock-key", &pkg.keys_key.to_code(), "Khóa không mở được phần đề thi").await;
    screenshot(c, "console-wrong-key").await;
    type_into(c, "#unlock-key", &code).await;
    click_css(c, "#unlock-key-submit").await;
    wait_for(c, "document.getElementById('unlocked') !== null", "the unlocked content").await;
}

/// Every candidate signs in and answers every question through the websocket test client.
async fn sixty_candidates_answer(server: &Server) -> Vec<CandidateSocket> {
    let board = BoardClient::login(&server.base, "board", "khaothi-demo").await.unwrap();
    let url = format!("ws://127.0.0.1:{}/ws/candidate", server.port);
    let mut sockets = Vec::new();
    for room in ["P1", "P2"] {
        let sheet = board.get(&format!("/api/v1/events/{EVENT}/rooms/{room}/sheet")).await.unwrap();
        for (n, row) in sheet["candidates"].as_array().unwrap().iter().enumerate() {
            let mut s = CandidateSocket::connect(&url).await.unwrap();
            let w = s.login(row["number"].as_str().unwrap(), row["code"].as_str().unwrap()).await.unwrap();
            for (i, item) in w["items"].as_array().unwrap().iter().enumerate() {
                s.answer(i as i64 + 1, item["id"].as_str().unwrap(), some_answer(item, (n + i) as u64))
                    .await
                    .unwrap();
            }
            sockets.push(s);
        }
    }
    sockets
}

/// Room P1 paused and resumed from its proctor page (the console's link), seen on the console.
async fn pause_room_from_its_proctor_page(c: &Client, p: &Client) {
    let href = js(c, "return document.querySelector('#overview tr[data-room=\"P1\"] a').href").await;
    p.goto(href.as_str().unwrap()).await.unwrap();
    wait_for(p, "!document.getElementById('view-login').hidden", "the proctor login").await;
    type_into(p, "#p-username", PROCTOR).await;
    type_into(p, "#p-password", PROCTOR_PASSWORD).await;
    click_css(p, "#p-login-submit").await;
    wait_for(
        p,
        "!document.getElementById('view-pick').hidden && document.getElementById('p-room').value === 'P1'",
        "the room picked",
    )
    .await;
    click_css(p, "#p-open").await;
    wait_for(p, "document.getElementById('p-conn').dataset.state === 'online' && document.querySelectorAll('.seat-tile[data-number]').length === 30", "the live room").await;
    for (button, status) in [("#btn-pause-all", "paused"), ("#btn-resume-all", "in_progress")] {
        click_css(p, button).await;
        wait_for(p, "document.getElementById('dlg-action').open", "the action dialog").await;
        click_css(p, "#act-confirm").await;
        wait_for(p, "!document.getElementById('dlg-action').open", "the room action").await;
        wait_for(
            c,
            &format!("{} === 30", overview_cell("P1", status)),
            &format!("P1 {status} on the console"),
        )
        .await;
        let tiles =
            format!("document.querySelectorAll('#seat-map li[data-status=\"{status}\"]').length === 30");
        wait_for(c, &tiles, &format!("P1's seat map {status}")).await;
        if status == "paused" {
            assert_eq!(js(c, &format!("return {}", overview_cell("P2", "in_progress"))).await, json!(30));
            screenshot(c, "console-room-paused").await;
            js(c, "document.getElementById('h-map').scrollIntoView(); return true").await;
            screenshot(c, "console-seat-map").await;
            js(c, "window.scrollTo(0, 0); return true").await;
        }
    }
}

async fn release_keys_and_read_results(c: &Client, pkg: &khaothi_package::BuiltPackage) {
    js(c, &format!("location.hash = '#/events/{EVENT}/end'; return true")).await;
    wait_for(c, "document.getElementById('keys-key') !== null", "the keys form").await;
    key_refused(c, "keys-key", &pkg.content_key.to_code(), "Khóa không mở được phần đáp án").await;
    type_into(c, "#keys-key", &pkg.keys_key.to_code()).await;
    click_css(c, "#keys-key-submit").await;
    wait_for(c, "document.querySelectorAll('#results-candidates tbody tr').length === 60", "60 results")
        .await;
    let scores = js(c, "return [...document.querySelectorAll('#results-candidates td.score')].filter(td => /^\\d+,\\d\\d$/.test(td.textContent)).length").await;
    assert_eq!(scores, json!(60), "every candidate has a score out of 10 written 8,25-style");
    let rooms = js(c, "return [...document.querySelectorAll('#results-rooms tbody tr')].map(r => [r.dataset.room, r.children[1].textContent, r.children[2].textContent])").await;
    assert_eq!(rooms, json!([["P1", "30", "30"], ["P2", "30", "30"]]));
    let bars = js(c, "return [...document.querySelectorAll('#score-chart .chart-table td:nth-child(2)')].reduce((a, td) => a + Number(td.textContent), 0)").await;
    assert_eq!(bars, json!(60), "the distribution counts every candidate");
    js(c, "const s = document.getElementById('results-room'); s.value = 'P2'; s.dispatchEvent(new Event('change')); return true").await;
    assert_eq!(
        js(c, "return document.querySelectorAll('#results-candidates tbody tr').length").await,
        json!(30)
    );
    screenshot(c, "console-results").await;
    accessible(c, "console results").await;
}

/// Every export and print view through the cookie; the signed file uploaded to a real bank.
async fn exports_and_upload(c: &Client, server: &Server, bank_url: &str) {
    for (id, needle) in [
        ("dl-results", "number,full_name"),
        ("dl-calibration", "person,"),
        ("dl-raw", "person,item"),
        ("dl-file", "\"format\":\"khaothi-results/1\""),
        ("site-record", "BIÊN BẢN ĐIỂM THI"),
    ] {
        let (status, body) = cookie_get(c, &format!("document.getElementById('{id}').href")).await;
        assert_eq!(status, 200, "{id}: {body}");
        assert!(body.contains(needle), "{id}: {body}");
    }
    // Another bank than the configured one: refused before anything is sent.
    type_into(c, "#bank-url", "http://127.0.0.1:9").await;
    type_into(c, "#bank-user", "board").await;
    type_into(c, "#bank-password", "khaothi-demo").await;
    click_css(c, "#upload-submit").await;
    wait_for(
        c,
        "document.getElementById('upload-result').innerText.includes('127.0.0.1:9')",
        "another bank refused",
    )
    .await;
    // The upload before the bank knows this site: the bank's refusal, in words.
    type_into(c, "#bank-url", bank_url).await;
    type_into(c, "#bank-user", "board").await;
    type_into(c, "#bank-password", "khaothi-demo").await;
    click_css(c, "#upload-submit").await;
    wait_for(
        c,
        "document.getElementById('upload-result').innerText.includes('không thành công')",
        "the unknown site refused",
    )
    .await;
    let site = khaothi_delivery::site::load_or_create_site_key(&khaothi_delivery::DeliveryConfig {
        data_dir: server.dir.path().to_path_buf(),
        ..Default::default()
    })
    .unwrap()
    .public();
    let admin = BoardClient::login(bank_url, "admin", "khaothi-demo").await.unwrap();
    admin
        .post("/api/v1/sites", json!({"name": "Điểm thi THPT số 1", "public_key": site.to_string()}))
        .await
        .unwrap();
    type_into(c, "#bank-password", "khaothi-demo").await;
    click_css(c, "#upload-submit").await;
    wait_for(c, "document.querySelector('#upload-result .ok-box') !== null", "the upload's outcome").await;
    let said = text_of(c, "#upload-result").await;
    assert!(
        said.contains(EVENT) && said.contains("Điểm thi THPT số 1") && said.contains("420 câu trả lời"),
        "{said}"
    );
    let imports: Value = admin.get("/api/v1/results").await.unwrap();
    assert_eq!(imports.as_array().map(Vec::len), Some(1), "{imports}");
    screenshot(c, "console-uploaded").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exam_day_runs_from_the_console() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    // The bank the site uploads to (configured in the delivery server, as a site's would be).
    let bank_dir = tempfile::tempdir().unwrap();
    let config = BankConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: bank_dir.path().to_path_buf(),
        demo: true,
        ..BankConfig::default()
    };
    let bank = Bank::build(config).await.expect("the bank starts");
    let bank_url: String = format!("http://{}", bank.addr);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(bank.run_until(async move {
        let _ = stopped.await;
    }));
    let server = Server::start_with(vec![("KHAOTHI__DELIVERY__BANK_URL".into(), bank_url.clone())]);
    let dir = tempfile::tempdir().unwrap();
    let pkg = khaothi_loadtest::demo::demo_package(&items(), EVENT, "Thi thử Toán 12", 60, 2, &server.key, 5)
        .unwrap();
    let other = BoardSigningKey::generate(&mut rand::rngs::StdRng::seed_from_u64(99));
    let forged =
        khaothi_loadtest::demo::demo_package(&items(), EVENT, "Thi thử Toán 12", 60, 2, &other, 5).unwrap();
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let c = driver.session().await;
    driver.set_viewport(&c, 1366, 768).await;

    sign_in(&c, &server.base).await;
    prepare(&c, dir.path(), &pkg, &forged).await;
    unlock(&c, &pkg).await;
    let mut sockets = sixty_candidates_answer(&server).await;
    wait_for(
        &c,
        &format!("{} === 60 && {} === 60", overview_cell("", "in_progress"), overview_cell("", "connected")),
        "60 sitting",
    )
    .await;
    wait_for(&c, "document.querySelector('#progress svg') !== null", "the progress chart").await;
    screenshot(&c, "console-overview-live").await;
    accessible(&c, "console live overview").await;

    let p = driver.session().await;
    driver.set_viewport(&p, 1366, 768).await;
    pause_room_from_its_proctor_page(&c, &p).await;
    for s in &mut sockets {
        s.send(json!({"type": "submit"})).await.unwrap();
        s.expect("submitted", Duration::from_secs(30)).await.unwrap();
    }
    wait_for(
        &c,
        &format!("{} === 60 && {} === 0", overview_cell("", "submitted"), overview_cell("", "disconnected")),
        "60 submitted",
    )
    .await;
    screenshot(&c, "console-all-submitted").await;

    release_keys_and_read_results(&c, &pkg).await;
    exports_and_upload(&c, &server, &bank_url).await;
    let _ = stop.send(());

    // The English switch relabels the page.
    click_css(&c, "#btn-lang").await;
    wait_for(
        &c,
        "document.getElementById('page-title').textContent.includes('End and results')",
        "the English page",
    )
    .await;
    screenshot(&c, "console-results-en").await;

    // A reload resumes the session from the HttpOnly refresh cookie (nothing in page storage).
    c.refresh().await.unwrap();
    wait_for(&c, "document.body.classList.contains('ready') && document.getElementById('login').hidden && document.querySelector('#results-candidates') !== null", "the resumed session").await;
    // A tablet held upright: the two columns fold into one, nothing needs a sideways scroll.
    driver.set_viewport(&c, 768, 1024).await;
    js(&c, &format!("location.hash = '#/events/{EVENT}'; return true")).await;
    wait_for(&c, "document.getElementById('rooms-table') !== null", "the preparation page on a tablet").await;
    let wide = js(&c, "return document.documentElement.scrollWidth <= window.innerWidth").await;
    assert_eq!(wide, json!(true), "the page scrolls sideways at 768 px");
    screenshot(&c, "console-tablet").await;
    accessible(&c, "console on a tablet").await;
}
