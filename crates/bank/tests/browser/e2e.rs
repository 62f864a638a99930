//! One paper from start to end through the pages (issue 12): a writer writes and submits an item,
//! a reviewer approves it, the board writes a blueprint, assembles, freezes, prints and packages;
//! a signed result file of 600 simulated candidates (signed as a delivery site signs it) is
//! imported on the results page, calibrated as a background job from the imported set, and the
//! board adopts the unflagged items' parameters. Screenshots are kept (target/screenshots/bank/).

use khaothi_irt::ItemModel;
use khaothi_package::result_file::{ChainHead, ChainHeads, UnsignedResults};
use khaothi_package::{SiteSigningKey, sign_result_file};
use khaothi_testkit::browser::{Browser, Client, Locator, assert_accessible, wait_for, wait_for_text};
use rand::SeedableRng;
use reqwest::Method;
use serde_json::json;

use crate::board::{blueprint_assembly_print_package, labelled, load_pool, wait_for_xpath};
use crate::harness::*;
use crate::writer::write_math_item;

const CANDIDATES: usize = 600;

/// The calibration part of a result file: `person,<id@version>…` for the pool's single choice.
fn calibration_csv() -> String {
    let models: Vec<ItemModel> =
        (0..24).map(|i| ItemModel::TwoPl { a: 0.8 + i as f64 * 0.05, b: -1.5 + i as f64 * 0.12 }).collect();
    let ids = (0..24).map(|i| format!("P-SC-{i:02}@1")).collect();
    let thetas = khaothi_irt::simulate::draw_thetas(CANDIDATES, 0.0, 1.0, 41);
    let m = khaothi_irt::simulate::simulate_responses_with_ids(&models, ids, &thetas, 42);
    let mut plain = Vec::new();
    khaothi_irt::csv::write_responses(&m, &mut plain).unwrap();
    let text = String::from_utf8(plain).unwrap();
    let mut out = String::new();
    for (n, line) in text.lines().enumerate() {
        let person = if n == 0 { "person".to_string() } else { format!("{n:06}") };
        out.push_str(&format!("{person},{line}\n"));
    }
    out
}

/// A result file signed with `key`, as a delivery site writes it.
fn result_file(key: &SiteSigningKey, dir: &std::path::Path) -> std::path::PathBuf {
    let parts = std::collections::BTreeMap::from([
        ("results.json".to_string(), json!({"event": "KT-2026-01", "candidates": []}).to_string()),
        ("calibration.csv".to_string(), calibration_csv()),
    ]);
    let head = |length, c: &str| ChainHead { length, head: c.repeat(64) };
    let file = sign_result_file(
        UnsignedResults {
            event_id: "KT-2026-01".into(),
            site_name: "THPT Chu Văn An".into(),
            created_at: "2026-12-05T11:00:00Z".into(),
            parts,
            chains: ChainHeads { responses: head(14_400, "a"), audit: head(60, "b") },
        },
        key,
    );
    let path = dir.join("ket-qua.json");
    std::fs::write(&path, file.to_json()).unwrap();
    path
}

async fn review_and_approve(client: &Client, b: &Browser) {
    wait_for_text(client, "table.queue", "TOAN12-W001").await;
    client.find(Locator::LinkText("TOAN12-W001")).await.unwrap().click().await.unwrap();
    wait_for(client, ".item-render math").await;
    press(client, "Duyệt").await;
    wait_for_text(client, "#page-title", "Hàng chờ duyệt").await;
    b.assert_no_page_errors(client, "approving").await;
}

async fn import_results_and_calibrate(client: &Client, b: &Browser, bank: &Bank) {
    let key = SiteSigningKey::generate(&mut rand::rngs::StdRng::seed_from_u64(12));
    open(client, bank, "results").await;
    labelled(client, "Tên điểm thi").await.send_keys("THPT Chu Văn An").await.unwrap();
    labelled(client, "Khoá công khai của điểm thi").await.send_keys(&key.public().to_string()).await.unwrap();
    press(client, "Đăng ký điểm thi").await;
    wait_for_text(client, "main", "Đã đăng ký điểm thi THPT Chu Văn An").await;
    let dir = tempfile::tempdir().unwrap();
    labelled(client, "Tệp kết quả (.json)")
        .await
        .send_keys(result_file(&key, dir.path()).to_str().unwrap())
        .await
        .unwrap();
    press(client, "Nhập tệp kết quả đã ký").await;
    wait_for_text(client, "main", "của kỳ thi KT-2026-01").await;
    shot(client, "30-e2e-results-imported").await;
    client.find(Locator::LinkText("Hiệu chỉnh từ bộ này")).await.unwrap().click().await.unwrap();
    wait_for_text(client, "#page-title", "Hiệu chỉnh tham số").await;
    press(client, "Chạy hiệu chỉnh").await;
    wait_for_text(client, "main", "Tham số và cảnh báo").await;
    wait_for_text(client, "main", &format!("{CANDIDATES} thí sinh")).await;
    b.assert_no_page_errors(client, "calibration from the imported set").await;

    // Nothing changed yet; the board adopts the ticked (unflagged) items.
    let board = token(bank, "board").await;
    let ticked = wait_for(client, "input[type=checkbox][data-item]:checked").await;
    let id = ticked.attr("data-item").await.unwrap().unwrap();
    let irt = |v: serde_json::Value| v["item"]["irt"].clone();
    let before = irt(call(bank, &board, Method::GET, &format!("items/{id}"), None).await);
    assert_eq!(before["n"], serde_json::Value::Null, "the run alone changed {id}: {before}");
    let adopt =
        wait_for_xpath(client, "//button[starts-with(normalize-space(.), 'Nhận tham số đã chọn')]").await;
    click(client, adopt).await;
    wait_for_text(client, ".adopt .ok-box", "Đã nhận tham số mới cho").await;
    shot(client, "31-e2e-calibration-adopted").await;
    assert_accessible(client, "calibration adopted").await;
    let after = irt(call(bank, &board, Method::GET, &format!("items/{id}"), None).await);
    assert_eq!(after["n"], CANDIDATES, "{id} took the run's parameters: {after}");
    b.assert_no_page_errors(client, "adoption").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_paper_from_writing_to_calibration() {
    let _serial = SERIAL.lock().await;
    let Some(mut b) = Browser::start().await else { return };
    let bank = Bank::start();
    load_pool(&bank).await;
    let c = b.session().await;
    sign_in(&c, &bank, "writer").await;
    write_math_item(&c, &b).await;
    sign_out(&c).await;
    sign_in(&c, &bank, "reviewer").await;
    review_and_approve(&c, &b).await;
    sign_out(&c).await;
    sign_in(&c, &bank, "board").await;
    blueprint_assembly_print_package(&c, &b, &bank).await;
    import_results_and_calibrate(&c, &b, &bank).await;
}
