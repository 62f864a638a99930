//! The console's paper page (issue 22 §4) in real Chromium: the board records a room switching to
//! paper, uploads the reading of a folder of scans (the JSON `khaothi omr read` prints), decides
//! the flagged marks from their crops by keyboard — one reading accepted, one typed (a malformed
//! value refused first) — and sees who decided what. Vietnamese first, then English; axe-clean;
//! screenshots at 1366×768 in target/screenshots/.

use serde_json::{Value, json};

use crate::harness::*;

const EVENT: &str = "GIAY-22";

/// Two bubbles of four marked, one lighter: the crop a reader cuts for a double mark.
const CROP: &str = "iVBORw0KGgoAAAANSUhEUgAAAKAAAAAsCAAAAADH1uxSAAABt0lEQVR42u2Y21LCMBRF82F9FlAEVK5/AigCKlc/WstMp03SvZOUYKZ10qfmdKVnJXTIScRPzS8RBaNgFPy3golL97+HoGBSXIY3hoGEkecvDgYJyJOWGh53BpP7p+nDswk6LLfH14/T26cJMqUToIM5kMVG7X5uOGPQfrHJDc8MMgdEqQMaZCkwbPUUwy6CdvO1YrhCkC2dsHYoRdPm3aPNMG1+v9sMXdLpguQ7VlvdF2ioQqsvaFg1nbCPSIunjRky1KEzMtQhezrhMCL1QZJc5gsaytBlvqBhxXTCYQKVJ+ntFBuq0AkbqpA9nSZo+LMv7rJvDhkWUPbNIcNK6a4RnDBDGToywwCCA2YoQ1tmGECwwwxlaMkMPQQTY48kvxkzQxk6MEMZsqe7agb7zFCGNswwwE/cZoYytGCGAQRHzFCG9swwgGCPGcrQmhn6CbqtJMRQhYih10riuha3sKEKzbGh11rsXM1AQx2Chp7VjGs9OESGOrRDhp71oHNFDQzLEDD0rqhrvyepsKvT6hgMaXXMDXZ1VfbF8hpMIXkNvsm+uP4nCw04m2nA6VY8wIyCUbBBgr/cDLzqSt/4CAAAAABJRU5ErkJggg==";

async fn sign_in_to_paper(c: &Client, base: &str) {
    c.goto(&format!("{base}/console")).await.unwrap();
    wait_for(
        c,
        "document.body.classList.contains('ready') && !document.getElementById('login').hidden",
        "the sign-in form",
    )
    .await;
    type_into(c, "#username", "board").await;
    type_into(c, "#password", "khaothi-demo").await;
    click_css(c, "#login-form button[type=submit]").await;
    wait_for(c, "document.querySelector('#events-list') !== null", "the event list").await;
    c.goto(&format!("{base}/console#/events/{EVENT}/paper")).await.unwrap();
    wait_for(c, "document.querySelector('#paper-rooms') !== null", "the paper page").await;
}

/// The reading of two scans: TS000001 with a double mark (proposed reading C) on I.2 and a faint
/// mark without a proposal on I.3; TS000002 clean.
fn reading(versions: &Value) -> Value {
    let v = |n: &str| {
        versions["candidates"].as_array().unwrap().iter().find(|c| c["number"] == n).unwrap()["version"]
            .clone()
    };
    json!({"sheets": [
        {"image": "P001/TS000001.png", "image_sha256": "11".repeat(32), "sheet": "GIAY-22-TS000001", "event": EVENT,
         "candidate": "TS000001", "version": v("TS000001"), "answers": {"I.1": "B", "II.1": [true, false, null, true], "III.1": "1"},
         "confidence": {"I.1": 0.97}, "flags": [
            {"key": "I.2", "reason": "double_mark", "proposed": "C", "region": [10.0, 20.0, 40.0, 8.0], "crop": CROP},
            {"key": "I.3", "reason": "faint_mark", "region": [10.0, 30.0, 40.0, 8.0], "crop": CROP}]},
        {"image": "P001/TS000002.png", "image_sha256": "22".repeat(32), "sheet": "GIAY-22-TS000002", "event": EVENT,
         "candidate": "TS000002", "version": v("TS000002"), "answers": {"I.1": "A"}, "confidence": {}, "flags": []},
        {"image": "P001/TS000003.png", "image_sha256": "33".repeat(32), "sheet": "GIAY-22-TS000003", "event": EVENT,
         "candidate": null, "version": v("TS000003"), "answers": {"I.1": "D"}, "confidence": {}, "flags": [
            {"key": "candidate", "reason": "qr_mismatch", "proposed": "TS000803", "region": [10.0, 40.0, 40.0, 30.0], "crop": CROP,
             "detail": "the QR code says TS000003"}]}
    ]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_reads_sheets_in_and_decides_flagged_marks() {
    let Some((chromium, chromedriver)) = programs() else { return };
    let server = Server::start();
    set_up_exam(&server, EVENT, 3).await;
    let board = server.board().await;
    let versions = board.get(&format!("/api/v1/events/{EVENT}/candidates")).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("reading.json");
    std::fs::write(&json_path, serde_json::to_vec_pretty(&reading(&versions)).unwrap()).unwrap();

    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let c = driver.session().await;
    driver.set_viewport(&c, 1366, 768).await;
    sign_in_to_paper(&c, &server.base).await;
    khaothi_testkit::browser::assert_accessible(&c, "paper page, empty").await;

    // The room switches to paper, with its reason (it goes into the biên bản).
    type_into(&c, "#switch-reason", "Mất điện phòng máy lúc 08:40").await;
    click_css(&c, "#switch-submit").await;
    wait_for(
        &c,
        "document.querySelector('#paper-rooms tr[data-room=\"P001\"] td').innerText.startsWith('Trên giấy')",
        "P001 on paper",
    )
    .await;
    let record = board
        .call(reqwest::Method::GET, &format!("/api/v1/events/{EVENT}/rooms/P001/record?format=json"), None)
        .await
        .unwrap();
    assert!(record.to_string().contains("Mất điện phòng máy"), "{record}");

    // The folder's reading goes up: two sheets written, two marks queued.
    c.find(Locator::Css("#paper-files"))
        .await
        .unwrap()
        .send_keys(&json_path.display().to_string())
        .await
        .unwrap();
    click_css(&c, "#upload-sheets").await;
    wait_for(&c, "document.querySelector('#upload-summary') !== null", "the upload's outcome").await;
    let summary = js(&c, "return document.querySelector('#upload-summary').innerText").await;
    assert!(summary.as_str().unwrap().contains("Đã nhận 2 phiếu"), "{summary}");
    wait_for(&c, "document.querySelectorAll('.flag-card').length === 2", "two flagged marks").await;
    assert_eq!(js(&c, "return document.querySelector('#paper-pending').innerText").await, "2");
    let loaded = js(&c, "return [...document.querySelectorAll('.paper-crop')].every((i) => i.complete && i.naturalWidth === 160)").await;
    assert_eq!(loaded, true, "the crops are shown");
    khaothi_testkit::browser::assert_accessible(&c, "paper page, review queue").await;
    js(&c, "document.getElementById('h-paper-queue').scrollIntoView(); return true").await;
    screenshot(&c, "console-paper-review").await;

    // Keyboard: the first card's reading is accepted (the default), saved with Enter on its button.
    let first = js(&c, "return document.querySelector('.flag-card[data-key=\"I.2\"]').dataset.flag").await;
    let first = first.as_str().unwrap().to_string();
    c.find(Locator::Css(&format!("#decide-{first}"))).await.unwrap().send_keys("\u{E007}").await.unwrap();
    wait_for(&c, "document.querySelectorAll('.flag-card').length === 1", "one mark left").await;

    // The faint mark has no reading: a malformed answer is refused on the page, then C is saved.
    let second = js(&c, "return document.querySelector('.flag-card[data-key=\"I.3\"]').dataset.flag").await;
    let second = second.as_str().unwrap().to_string();
    let set = js(&c, &format!("return document.querySelector('#decision-{second}-set').checked")).await;
    assert_eq!(set, true, "without a reading, entering a value is the choice");
    type_into(&c, &format!("#value-{second}"), "E").await;
    click_css(&c, &format!("#decide-{second}")).await;
    wait_for(
        &c,
        &format!("document.querySelector('.flag-card[data-flag=\"{second}\"] .error-box') !== null"),
        "the refusal",
    )
    .await;
    assert_eq!(js(&c, "return document.activeElement.id").await, format!("value-{second}"));
    c.find(Locator::Css(&format!("#value-{second}"))).await.unwrap().clear().await.unwrap();
    type_into(&c, &format!("#value-{second}"), "c").await;
    click_css(&c, &format!("#decide-{second}")).await;
    wait_for(&c, "document.querySelector('#queue-empty') !== null", "the queue emptied").await;
    let rows =
        js(&c, "return [...document.querySelectorAll('#decided-flags tbody tr')].map((r) => r.innerText)")
            .await;
    let rows: Vec<String> =
        rows.as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r.contains("board") && r.contains("TS000001")), "{rows:?}");
    assert!(rows.iter().any(|r| r.contains("Chấp nhận")), "{rows:?}");
    js(&c, "document.getElementById('h-paper-queue').scrollIntoView(); return true").await;
    screenshot(&c, "console-paper-decided").await;

    // The third sheet's số báo danh disagreed with its QR code: held, not refused. The person reads
    // the handwritten number, corrects the proposed one and assigns it by keyboard.
    js(&c, "document.getElementById('h-paper-held').scrollIntoView(); return true").await;
    let held = js(&c, "return document.querySelector('.held-card').dataset.held").await;
    let held = held.as_str().unwrap().to_string();
    assert_eq!(
        js(&c, &format!("return document.getElementById('held-number-{held}').value")).await,
        "TS000803"
    );
    assert_eq!(js(&c, "return document.querySelector('#paper-held-pending').innerText").await, "1");
    screenshot(&c, "console-paper-held").await;
    c.find(Locator::Css(&format!("#held-number-{held}"))).await.unwrap().clear().await.unwrap();
    type_into(&c, &format!("#held-number-{held}"), "TS000003").await;
    type_into(&c, &format!("#held-note-{held}"), "Đối chiếu số báo danh viết tay").await;
    c.find(Locator::Css(&format!("#held-assign-{held}"))).await.unwrap().send_keys("\u{E007}").await.unwrap();
    wait_for(&c, "document.querySelector('#held-empty') !== null", "no sheet held").await;
    let row = js(&c, "return document.querySelector('#decided-held tbody tr').innerText").await;
    assert!(row.as_str().unwrap().contains("TS000003") && row.as_str().unwrap().contains("board"), "{row}");

    // The decisions are answers: the chain holds them.
    let chains = board.get("/api/v1/chains/verify").await.unwrap();
    assert_eq!(chains["ok"], true, "{chains}");
    let flags = board.get(&format!("/api/v1/events/{EVENT}/paper/flags?state=all")).await.unwrap();
    let values: Vec<&Value> = flags["flags"].as_array().unwrap().iter().map(|f| &f["value"]).collect();
    assert_eq!(values, [&json!("C"), &json!("C")], "{flags}");

    // English.
    click_css(&c, "#btn-lang").await;
    wait_for(&c, "document.querySelector('#h-paper-queue') && document.querySelector('#h-paper-queue').innerText === 'Marks for a person to decide'", "the English page").await;
    khaothi_testkit::browser::assert_accessible(&c, "paper page, English").await;
    screenshot(&c, "console-paper-english").await;
}
