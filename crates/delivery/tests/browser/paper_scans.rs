//! The console's paper page sends the scans themselves (issue 22 §4): the board chooses the images
//! of a room (no reader's JSON), the server reads them against the event's printed sheets, and the
//! page shows what became of each image; a batch with a file that is not an image is refused whole
//! by name; the room's sheets download as a PDF from the same page. Real Chromium, axe, a screenshot at 1366×768 in target/screenshots/.

use khaothi_loadtest::board::EventSetup;
use khaothi_package::verify_package;

use crate::harness::*;
use crate::scans::{scan, spec_of};

const EVENT: &str = "QUET-22";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_uploads_a_folder_of_scans_read_by_the_server() {
    let Some((chromium, chromedriver)) = programs() else { return };
    let server = Server::start();
    let board = server.board().await;
    let pkg =
        khaothi_loadtest::demo::demo_package(&items(), EVENT, "Thi thử Toán", 60, 2, &server.key, 3).unwrap();
    let key = pkg.content_key.to_hex();
    let list = board
        .set_up_event(&EventSetup {
            event_id: EVENT,
            title: "Thi thử Toán",
            package: &pkg.bytes,
            content_key: Some(&key),
            candidates: 2,
            room_size: 4,
            number_prefix: "",
            score_at_submit: false,
            duration_seconds: None,
        })
        .await
        .unwrap();
    let sealed = verify_package(&pkg.bytes, &server.key.public()).unwrap();
    let content = sealed.open_content(&pkg.content_key).unwrap();
    let keys = sealed.open_keys(&pkg.keys_key).unwrap();
    let listed = board.get(&format!("/api/v1/events/{EVENT}/candidates")).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    let mut expected = 0;
    for (i, c) in listed["candidates"].as_array().unwrap().iter().enumerate() {
        let (number, code) = (c["number"].as_str().unwrap(), c["version"].as_str().unwrap());
        let spec = spec_of(&content, &keys, code);
        let (png, reading, _) = scan(&spec, EVENT, number, 40 + i as u64, false);
        let path = dir.path().join(format!("{number}.png"));
        std::fs::write(&path, png).unwrap();
        expected += reading.answers.len();
        paths.push(path);
    }
    assert_eq!(list.len(), 2);
    let notes = dir.path().join("ghi-chu.png");
    std::fs::write(&notes, "not an image").unwrap();

    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let c = driver.session().await;
    driver.set_viewport(&c, 1366, 768).await;
    c.goto(&format!("{}/console", server.base)).await.unwrap();
    wait_for(
        &c,
        "document.body.classList.contains('ready') && !document.getElementById('login').hidden",
        "the sign-in form",
    )
    .await;
    type_into(&c, "#username", "board").await;
    type_into(&c, "#password", "khaothi-demo").await;
    click_css(&c, "#login-form button[type=submit]").await;
    wait_for(&c, "document.querySelector('#events-list') !== null", "the event list").await;
    c.goto(&format!("{}/console#/events/{EVENT}/paper", server.base)).await.unwrap();
    wait_for(&c, "document.querySelector('#paper-rooms') !== null", "the paper page").await;

    // The room's sheets to print: a PDF through the sign-in cookie (what the link downloads).
    let printed = c
        .execute_async(
            "const done = arguments[arguments.length - 1]; fetch(document.getElementById('print-P001').href).then((r) => done(r.status + ' ' + r.headers.get('content-type')))",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(printed, "200 application/pdf");

    // A batch with a file that is not an image: refused whole, the file named, nothing written.
    let files = c.find(Locator::Css("#paper-files")).await.unwrap();
    let with_notes = format!("{}\n{}", paths[0].display(), notes.display());
    files.send_keys(&with_notes).await.unwrap();
    click_css(&c, "#upload-sheets").await;
    wait_for(&c, "document.querySelector('#upload-out .error-box') !== null", "the refusal").await;
    let refusal = js(&c, "return document.querySelector('#upload-out .error-box').innerText").await;
    let refusal = refusal.as_str().unwrap();
    assert!(refusal.contains("không phải ảnh") && refusal.contains("ghi-chu.png"), "{refusal}");
    let summary = board.get(&format!("/api/v1/events/{EVENT}/paper")).await.unwrap();
    assert_eq!(summary["sheets"], 0, "{summary}");

    // The room's two scans: read by the server, written.
    files.clear().await.unwrap();
    let both = paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join("\n");
    files.send_keys(&both).await.unwrap();
    click_css(&c, "#upload-sheets").await;
    wait_for_within(
        &c,
        "document.querySelector('#upload-summary') !== null",
        "the upload's outcome",
        std::time::Duration::from_secs(120),
    )
    .await;
    let text = js(&c, "return document.querySelector('#upload-summary').innerText").await;
    assert!(text.as_str().unwrap().contains("Đã nhận 2 phiếu"), "{text}");
    let rows = js(&c, "return [...document.querySelectorAll('#upload-outcomes tbody tr')].map((r) => r.dataset.status + ' ' + r.innerText)").await;
    assert_eq!(rows.as_array().unwrap().len(), 2, "{rows}");
    assert!(rows.as_array().unwrap().iter().all(|r| r.as_str().unwrap().starts_with("ingested")), "{rows}");
    assert_eq!(js(&c, "return document.querySelector('#paper-sheets').innerText").await, "2");
    let chains = board.get("/api/v1/chains/verify").await.unwrap();
    let responses = chains["chains"].as_array().unwrap().iter().find(|c| c["chain"] == "responses").unwrap();
    assert_eq!(responses["length"], expected, "{chains}");
    khaothi_testkit::browser::assert_accessible(&c, "paper page, scans read by the server").await;
    js(&c, "document.getElementById('h-paper-upload').scrollIntoView(); return true").await;
    screenshot(&c, "console-paper-scans").await;
}
