//! A school test on paper through the bank's page (issue 22 §4): the board opens the test for a
//! frozen form, uploads the class's scans (the bank's own printed sheets, rendered with pdftoppm
//! and filled with the generator's pencil marks, one with a double mark), decides every flagged
//! mark from its crop, and finalizes; axe-core scans the list, the queue and the results.

use khaothi_omr::read::{ReadOptions, read_sheet};
use khaothi_omr::synth::fill;
use khaothi_omr::{FlagReason, Layout};
use khaothi_testkit::browser::{Browser, Client, Locator, assert_accessible, wait_for_text};
use rand::SeedableRng;
use reqwest::Method;
use serde_json::json;

use crate::board::{labelled, load_pool};
use crate::harness::*;

const BLUEPRINT: &str = r#"
name: "Kiểm tra 15 phút – Toán 12"
subject: toan
duration_minutes: 15
forms: 1
versions: 1
sections:
  - { kind: single_choice,    count: 6, points: 0.25 }
  - { kind: true_false_group, count: 2, points: 1.0 }
  - { kind: short_answer,     count: 2, points: 0.5 }
matrix:
  - { topic: "12.1", biet: { min: 1 }, hieu: { min: 1 } }
information:
  objective: maximin
  thetas: [-1.0, 0.0, 1.0]
"#;

const TEST: &str = "KT 15 phút 12A2";
const DPI: f64 = 150.0;

/// A frozen form assembled through the API: its id and version code.
async fn frozen_form(bank: &Bank, board: &str) -> (String, String) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/blueprints", bank.base))
        .bearer_auth(board)
        .header("content-type", "application/yaml")
        .body(BLUEPRINT)
        .send()
        .await
        .unwrap();
    let bp: serde_json::Value = res.json().await.unwrap();
    let path = format!("blueprints/{}/assemble", bp["id"].as_str().unwrap());
    let job = call(bank, board, Method::POST, &path, Some(json!({"seed": 5, "time_limit": 30}))).await;
    let job_path = format!("assembly-jobs/{}", job["id"].as_str().unwrap());
    let mut done = job;
    for _ in 0..600 {
        done = call(bank, board, Method::GET, &job_path, None).await;
        if done["status"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let form = done["forms"][0].as_str().expect("a form").to_string();
    call(bank, board, Method::POST, &format!("forms/{form}/freeze"), Some(json!({}))).await;
    let view = call(bank, board, Method::GET, &format!("forms/{form}"), None).await;
    (form, view["versions"][0]["code"].as_str().unwrap().to_string())
}

/// The class's sheets printed by the bank, filled in pencil (the first with a double mark) and
/// saved as PNG scans in `dir`; their paths.
async fn scans(
    bank: &Bank,
    board: &str,
    form: &str,
    code: &str,
    dir: &std::path::Path,
) -> Vec<std::path::PathBuf> {
    let url = |q: &str| {
        format!(
            "{}/api/v1/forms/{form}/answer-sheets?version={code}&event=KT%2015%20ph%C3%BAt%2012A2{q}",
            bank.base
        )
    };
    let numbers = ["220001", "220002", "220003"];
    let csv = numbers.iter().fold(String::from("so_bao_danh\n"), |t, n| t + n + "\n");
    let http = reqwest::Client::new();
    let pdf = http
        .post(url(""))
        .bearer_auth(board)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert!(pdf.status().is_success());
    std::fs::write(dir.join("class.pdf"), pdf.bytes().await.unwrap()).unwrap();
    let layout: Layout =
        http.get(url("&format=layout")).bearer_auth(board).send().await.unwrap().json().await.unwrap();
    let ok = std::process::Command::new("pdftoppm")
        .args(["-r", "150", "-gray", "-png"])
        .arg(dir.join("class.pdf"))
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(ok.success());
    let mut out = Vec::new();
    for (i, n) in numbers.iter().enumerate() {
        let page = image::open(dir.join(format!("page-{}.png", i + 1))).unwrap().to_luma8();
        let img = (1..200u64)
            .map(|seed| {
                let mut img = page.clone();
                fill(&mut img, &layout, DPI / 25.4, n, code, &mut rand::rngs::StdRng::seed_from_u64(seed));
                img
            })
            .find(|img| {
                let r = read_sheet(img, &layout, &ReadOptions::default());
                let doubled = r.flags.iter().any(|f| f.reason == FlagReason::DoubleMark);
                r.candidate.as_deref() == Some(*n)
                    && r.flags.iter().all(|f| f.key.contains('.'))
                    && doubled == (i == 0)
            })
            .expect("a seed that fills the sheet as wanted");
        let path = dir.join(format!("12A2-{n}.png"));
        img.save(&path).unwrap();
        out.push(path);
    }
    out
}

async fn decide_everything(client: &Client) {
    for _ in 0..40 {
        let text = body_text(client).await;
        if text.contains("Không còn dấu nào chờ xử lý") {
            return;
        }
        let card = client.find(Locator::Css("form.paper-flag")).await.expect("a flag's card");
        // A short answer the reader proposes may not be a number: the person reads it as blank.
        if let Ok(text) = card.find(Locator::Css("input.mono")).await {
            text.clear().await.unwrap();
        }
        click(client, card.find(Locator::Css("button[type=submit]")).await.unwrap()).await;
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    }
    panic!("the queue did not empty");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_on_paper_through_the_page() {
    let _serial = SERIAL.lock().await;
    let Some(mut b) = Browser::start().await else { return };
    let bank = Bank::start();
    load_pool(&bank).await;
    let board_token = token(&bank, "board").await;
    let (form, code) = frozen_form(&bank, &board_token).await;
    let dir = tempfile::tempdir().unwrap();
    let files = scans(&bank, &board_token, &form, &code, dir.path()).await;

    let client = b.session().await;
    sign_in(&client, &bank, "board").await;
    open(&client, &bank, "paper").await;
    wait_for_text(&client, "#page-title", "Bài kiểm tra trên giấy").await;
    labelled(&client, "Tên bài kiểm tra").await.send_keys(TEST).await.unwrap();
    assert_accessible(&client, "paper list").await;
    shot(&client, "60-paper-open").await;
    press(&client, "Mở bài kiểm tra").await;
    wait_for_text(&client, "#page-title", TEST).await;
    // The class's sheets can be printed from here, with the test's name on them.
    labelled(&client, "Danh sách lớp (CSV, không bắt buộc)").await;

    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    labelled(&client, "Các tệp ảnh quét (PNG, JPEG, TIFF)").await.send_keys(&paths.join("\n")).await.unwrap();
    press(&client, "Đọc các bản quét").await;
    wait_for_text(&client, "main", "Đã đọc 3 phiếu").await;
    wait_for_text(&client, "main", "Tô hai lựa chọn").await;
    let crop = client.find(Locator::Css(".paper-crop img")).await.unwrap();
    assert!(crop.attr("src").await.unwrap().unwrap().starts_with("data:image/png;base64,"));
    let card = serde_json::to_value(client.find(Locator::Css("form.paper-flag")).await.unwrap()).unwrap();
    client.execute("arguments[0].scrollIntoView({block: 'start'});", vec![card]).await.unwrap();
    shot(&client, "61-paper-queue").await;
    assert_accessible(&client, "paper queue").await;

    decide_everything(&client).await;
    press(&client, "Chốt và chấm điểm").await;
    wait_for_text(&client, "main", "220003").await;
    wait_for_text(&client, "main", "Tải kết quả (CSV)").await;
    shot(&client, "62-paper-finalized").await;
    assert_accessible(&client, "paper results").await;
    b.assert_no_page_errors(&client, "paper").await;

    // The decisions are in the audit log, the results among the bank's imports.
    let results = call(&bank, &board_token, Method::GET, "results", None).await;
    assert!(
        results.as_array().unwrap().iter().any(|r| r["site_name"] == "Bài kiểm tra trên giấy (ngân hàng)"),
        "{results}"
    );
}
