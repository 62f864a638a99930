//! Issue 21: verifying from a phone without `BarcodeDetector` — a photo of the certificate's QR
//! code, decoded in the page by the vendored jsQR. The "photo" is a real image of the printed
//! certificate: the bank's own A4 page (`format=html`) rendered by Chromium, its QR code turned 8°
//! on a grey desk and screenshotted to PNG, then given to the page's file input. The page reads
//! it, verifies it offline and shows the claims; a picture without a QR code says so.

use khaothi_testkit::browser::{Browser, Client, Locator, assert_accessible, wait_for, wait_for_text};

use crate::harness::*;
use crate::verify::certificates;

/// A PNG "photo" of the printed certificate's QR code, written to `path`.
async fn photograph(client: &Client, bank: &Bank, number: &str, path: &std::path::Path) {
    let board = token(bank, "board").await;
    let html = reqwest::Client::new()
        .get(format!("{}/api/v1/certificates/{number}?events=THPT-2026-TOAN&format=html", bank.base))
        .bearer_auth(&board)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let page = path.with_extension("html");
    std::fs::write(&page, html).unwrap();
    client.goto(&format!("file://{}", page.display())).await.unwrap();
    wait_for(client, "svg").await;
    // Only the QR code, larger, turned and on a desk: what a phone held over the paper sees.
    client
        .execute(
            "const svg = document.querySelector('svg[role=img]') || document.querySelector('svg');
             document.body.replaceChildren(svg);
             document.body.setAttribute('style', 'margin:0;background:#8a8f96;display:flex;align-items:center;justify-content:center;height:100vh');
             svg.setAttribute('width', '520'); svg.setAttribute('height', '520');
             svg.setAttribute('style', 'transform: rotate(8deg)');
             return true;",
            vec![],
        )
        .await
        .unwrap();
    std::fs::write(path, client.screenshot().await.unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_of_the_qr_code_is_read_and_verified_in_the_page() {
    let _serial = SERIAL.lock().await;
    let Some(mut b) = Browser::start().await else { return };
    let bank = Bank::start();
    let certs = certificates(&bank).await;
    let number = certs[0]["candidate"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("qr-photo.png");
    let client = b.window(1366, 768).await;
    photograph(&client, &bank, &number, &photo).await;

    client.goto(&format!("{}/verify", bank.base)).await.unwrap();
    wait_for_text(&client, "h1", "Kiểm tra giấy chứng nhận").await;
    // Headless Chromium on plain http: no camera button; the photo input is there for everyone.
    let input = client.find(Locator::Css("#photo")).await.unwrap();
    assert_eq!(input.attr("capture").await.unwrap().as_deref(), Some("environment"));
    assert_eq!(input.attr("accept").await.unwrap().as_deref(), Some("image/*"));
    input.send_keys(&photo.display().to_string()).await.unwrap();
    let verdict = wait_for(&client, "#verdict").await.text().await.unwrap();
    assert!(verdict.starts_with("HỢP LỆ"), "{verdict}");
    let shown = wait_for_text(&client, "#result", &number).await;
    assert!(shown.contains("Nguyễn Thị Minh Châu") && shown.contains("8,25"), "{shown}");
    let code = client.execute("return document.getElementById('code').value", vec![]).await.unwrap();
    assert_eq!(code.as_str(), certs[0]["text"].as_str(), "the string read from the photo");
    assert_accessible(&client, "verify (from a photo)").await;
    shot(&client, "63-verify-photo").await;

    // A picture with no QR code in it: said, nothing verified.
    let blank = dir.path().join("no-qr.png");
    std::fs::write(&blank, client.screenshot().await.unwrap()).unwrap();
    client.goto(&format!("{}/verify", bank.base)).await.unwrap();
    wait_for_text(&client, "h1", "Kiểm tra giấy chứng nhận").await;
    client.find(Locator::Css("#photo")).await.unwrap().send_keys(&blank.display().to_string()).await.unwrap();
    let said = wait_for_text(&client, "#photo-error", "Không tìm thấy mã QR").await;
    assert!(said.contains("chụp lại"), "{said}");
    let verdicts = client.find_all(Locator::Css("#verdict")).await.unwrap();
    assert!(verdicts.is_empty(), "no verdict without a code");
    b.assert_no_page_errors(&client, "the verification page, photos").await;
}
