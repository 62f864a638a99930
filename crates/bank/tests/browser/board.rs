//! The exam board and the administrator through the pages only: a board member writes a
//! blueprint in the editor, assembles, reads the TIF/SE chart, freezes a form, prints a version,
//! builds a package and sees its two release keys once; a calibration from an uploaded response
//! CSV shows the flags (a planted DIF item is found) and an item characteristic curve; the
//! administrator creates and deactivates a user and reads the audit log. Every page is scanned
//! by axe-core and none logs an uncaught error.

use khaothi_irt::ItemModel;
use khaothi_testkit::browser::{Browser, Client, Locator, assert_accessible, wait_for, wait_for_text};
use serde_json::{Value, json};

use crate::harness::*;

/// An approved, calibrated pool (as the API tests' `assembly::pool`): 24 single choice, 8
/// true/false groups, 8 short answers.
fn pool() -> String {
    let levels = ["biet", "hieu", "van_dung"];
    let mut lines: Vec<Value> = (0..24)
        .map(|i| json!({"id": format!("P-SC-{i:02}"), "subject": "toan", "grade": 12,
            "topic": if i % 2 == 0 { "12.1.1" } else { "12.2.1" }, "level": levels[i % 3], "kind": "single_choice",
            "stem": format!("Tính giá trị của ${i} + {}$.", i + 1),
            "options": [format!("{}", 2 * i + 1), format!("{}", 2 * i), format!("{}", 2 * i + 2), format!("{}", 2 * i + 3)],
            "key": "A", "status": "approved", "irt": {"model": "2pl", "a": 0.8 + i as f64 * 0.05, "b": -1.5 + i as f64 * 0.12}}))
        .collect();
    lines.extend((0..8).map(|i| {
        json!({"id": format!("P-TF-{i:02}"), "subject": "toan", "grade": 12, "topic": "12.3.1",
        "level": "hieu", "kind": "true_false_group", "stem": format!("Cho hàm số $f(x) = x^2 - {i}x$."),
        "statements": ["$f(0) = 0$.", "$f$ là hàm số lẻ.", "$f'(x) = 2x - {i}$.", "Đồ thị là một parabol."],
        "keys": [true, false, true, true], "status": "approved",
        "irt": {"model": "gpcm", "a": 0.9, "thresholds": [-1.5, -0.5, 0.3, 1.2]}})
    }));
    lines.extend((0..8).map(|i| {
        json!({"id": format!("P-SA-{i:02}"), "subject": "toan", "grade": 12, "topic": "12.4.1",
        "level": "van_dung", "kind": "short_answer", "stem": format!("Tính ${}^2$.", i + 1),
        "answer": format!("{}", (i + 1) * (i + 1)), "status": "approved",
        "irt": {"model": "2pl", "a": 1.1, "b": 0.2 + i as f64 * 0.1}})
    }));
    lines.iter().map(Value::to_string).collect::<Vec<_>>().join("\n")
}

/// Loads the pool through the API as the administrator (the import keeps the file's status).
async fn load_pool(bank: &Bank) {
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{}/api/v1/auth/login", bank.base))
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = http
        .post(format!("{}/api/v1/items/import?keep_status=true", bank.base))
        .bearer_auth(login["access_token"].as_str().unwrap())
        .header("content-type", "application/x-ndjson")
        .body(pool())
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
}

/// The input labelled `label` in the page (not the hidden sign-in form; the pages tie every label
/// to its control with `for`).
async fn labelled(client: &Client, label: &str) -> khaothi_testkit::browser::Element {
    let l = wait_for_xpath(client, &format!("//main//label[normalize-space(.)=\"{label}\"]")).await;
    let id = l.attr("for").await.unwrap().expect("the label names its control");
    wait_for(client, &format!("#{id}")).await
}

async fn wait_for_xpath(client: &Client, xpath: &str) -> khaothi_testkit::browser::Element {
    let start = std::time::Instant::now();
    loop {
        if let Ok(el) = client.find(Locator::XPath(xpath)).await {
            return el;
        }
        assert!(start.elapsed() < khaothi_testkit::browser::WAIT, "nothing matches {xpath}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn blueprint_assembly_print_package(client: &Client, b: &Browser, bank: &Bank) {
    open(client, bank, "blueprints").await;
    wait_for(client, "textarea.yaml-editor").await;
    shot(client, "20-blueprint-editor").await;
    assert_accessible(client, "blueprints").await;
    press(client, "Lưu ma trận").await;
    wait_for_text(client, "#page-title", "Kiểm tra định kỳ").await;
    press(client, "Lắp đề").await;
    wait_for(client, "figure.chart svg[role=img]").await;
    let chart = wait_for_text(client, "figure.chart", "Sai số chuẩn").await;
    assert!(chart.contains("F1") && chart.contains("F2"), "both forms on one chart: {chart}");
    wait_for_text(client, "main", "Câu hỏi trùng giữa các đề").await;
    wait_for_text(client, "main", "Điểm kỳ vọng").await;
    shot(client, "21-assembly-tif-chart").await;
    assert_accessible(client, "assembly").await;
    // The chart's numbers as a table, for those who cannot see it.
    press(client, "Xem bảng số liệu").await;
    wait_for(client, ".chart-table").await;
    press(client, "Khoá đề").await;
    wait_for_text(client, "main", "Đã khoá").await;
    b.assert_no_page_errors(client, "assembly").await;

    // Print a version: the print view is a GET the page cannot add a header to (the cookie).
    let href = wait_for(client, "a[href*='/print?']").await.attr("href").await.unwrap().unwrap();
    let packages =
        wait_for(client, "a[href^='#/packages?forms=']").await.attr("href").await.unwrap().unwrap();
    client.goto(&format!("{}{href}", bank.base)).await.unwrap();
    let paper = wait_for_text(client, "body", "Mã đề").await;
    assert!(paper.contains("PHẦN I"), "{paper}");
    shot(client, "22-print-version").await;

    client.goto(&format!("{}/{packages}", bank.base)).await.unwrap();
    wait_for(client, "#page-title").await;
    labelled(client, "Mã kỳ thi").await.send_keys("KT-2026-01").await.unwrap();
    press(client, "Tạo gói đề").await;
    let keys = wait_for_text(client, ".key-once", "KHÔNG lưu").await;
    assert!(keys.contains("Khoá nội dung") && keys.contains("Khoá đáp án"), "{keys}");
    shot(client, "23-package-keys-once").await;
    assert_accessible(client, "packages with keys").await;
    // Shown once: the page opened again lists the package, without keys.
    open(client, bank, "packages").await;
    wait_for_text(client, "main", "KT-2026-01").await;
    assert!(client.find(Locator::Css(".key-once")).await.is_err(), "the keys are not shown again");
    b.assert_no_page_errors(client, "packages").await;
}

/// Responses of 1,000 simulated candidates to the 24 single-choice items with a group column;
/// P-SC-04 is harder by 1.3 logits for group F.
fn responses_csv(dir: &std::path::Path) -> std::path::PathBuf {
    let models: Vec<ItemModel> =
        (0..24).map(|i| ItemModel::TwoPl { a: 0.8 + i as f64 * 0.05, b: -1.5 + i as f64 * 0.12 }).collect();
    let mut shifted = models.clone();
    shifted[4] = ItemModel::TwoPl { a: 1.0, b: -1.02 + 1.3 };
    let ids: Vec<String> = (0..24).map(|i| format!("P-SC-{i:02}")).collect();
    let mut csv = format!("{},group\n", ids.join(","));
    for (g, set, seed) in [("M", &models, 31), ("F", &shifted, 32)] {
        let thetas = khaothi_irt::simulate::draw_thetas(500, 0.0, 1.0, seed);
        let m = khaothi_irt::simulate::simulate_responses_with_ids(set, ids.clone(), &thetas, seed + 10);
        for p in 0..m.n_persons() {
            let row: Vec<String> = m.row(p).iter().map(u8::to_string).collect();
            csv.push_str(&format!("{},{g}\n", row.join(",")));
        }
    }
    let path = dir.join("tra-loi.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

async fn calibration_flags_and_curves(client: &Client, b: &Browser, bank: &Bank) {
    open(client, bank, "calibration").await;
    assert_accessible(client, "calibration").await;
    let dir = tempfile::tempdir().unwrap();
    labelled(client, "Tệp CSV trả lời")
        .await
        .send_keys(responses_csv(dir.path()).to_str().unwrap())
        .await
        .unwrap();
    labelled(client, "Cột nhóm (cho DIF, tuỳ chọn)").await.send_keys("group").await.unwrap();
    press(client, "Chạy hiệu chỉnh").await;
    let table = wait_for_text(client, "main", "Tham số và cảnh báo").await;
    assert!(table.contains("P-SC-23"), "{table}");
    let row = wait_for_xpath(client, "//tr[th[normalize-space(.)='P-SC-04']]").await.text().await.unwrap();
    assert!(row.contains("DIF loại"), "the planted DIF item is flagged: {row}");
    wait_for_text(client, "main", "Đường cong đặc trưng câu hỏi P-SC-00").await;
    wait_for_xpath(client, "//tr[th[normalize-space(.)='P-SC-04']]//button").await.click().await.unwrap();
    wait_for_text(client, "main", "Đường cong đặc trưng câu hỏi P-SC-04").await;
    wait_for_text(client, "main", "Phân bố tổng điểm").await;
    assert!(body_text(client).await.contains("Ngưỡng: S-X² p < 0.01"), "the thresholds are stated");
    shot(client, "24-calibration-flags-icc").await;
    assert_accessible(client, "calibration results").await;
    adopt_unflagged(client, bank).await;
    open(client, bank, "results").await;
    assert_accessible(client, "sites and results").await;
    b.assert_no_page_errors(client, "calibration").await;
}

/// The run changed no item; the flagged item is not ticked; adopting the ticked ones changes those.
async fn adopt_unflagged(client: &Client, bank: &Bank) {
    let board = token(bank, "board").await;
    let irt = |v: Value| v["item"]["irt"].clone();
    let before = irt(call(bank, &board, reqwest::Method::GET, "items/P-SC-04", None).await);
    assert_eq!(irt(call(bank, &board, reqwest::Method::GET, "items/P-SC-00", None).await)["n"], Value::Null);
    let dif = wait_for(client, "input[type=checkbox][data-item='P-SC-04']").await;
    assert!(!dif.is_selected().await.unwrap(), "a flagged item is not ticked by default");
    assert!(wait_for(client, "input[type=checkbox][data-item='P-SC-00']").await.is_selected().await.unwrap());
    let adopt =
        wait_for_xpath(client, "//button[starts-with(normalize-space(.), 'Nhận tham số đã chọn')]").await;
    click(client, adopt).await;
    wait_for_text(client, ".adopt .ok-box", "Đã nhận tham số mới cho").await;
    assert_eq!(irt(call(bank, &board, reqwest::Method::GET, "items/P-SC-00", None).await)["n"], 1000);
    let after = irt(call(bank, &board, reqwest::Method::GET, "items/P-SC-04", None).await);
    assert_eq!(after, before, "the flagged item kept its parameters");
}

async fn admin_users_and_audit(client: &Client, b: &Browser, bank: &Bank) {
    open(client, bank, "users").await;
    labelled(client, "Tên đăng nhập").await.send_keys("gv-moi").await.unwrap();
    labelled(client, "Họ tên").await.send_keys("Giáo viên Mới").await.unwrap();
    labelled(client, "Mật khẩu (ít nhất 12 ký tự)").await.send_keys("mot-mat-khau-that-dai").await.unwrap();
    press(client, "Tạo người dùng").await;
    wait_for_text(client, "main", "Đã tạo người dùng gv-moi").await;
    wait_for_xpath(client, "//tr[th[.='gv-moi']]//button[normalize-space(.)='Khoá tài khoản']")
        .await
        .click()
        .await
        .unwrap();
    wait_for_xpath(client, "//tr[th[.='gv-moi']]//span[normalize-space(.)='Đã khoá']").await;
    shot(client, "25-admin-users").await;
    assert_accessible(client, "users").await;
    // The deactivated account cannot sign in.
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", bank.base))
        .json(&json!({"username": "gv-moi", "password": "mot-mat-khau-that-dai"}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "a deactivated user signs in: {}", res.status());
    open(client, bank, "audit").await;
    labelled(client, "Người thực hiện").await.send_keys("admin").await.unwrap();
    press(client, "Lọc").await;
    wait_for_text(client, "main", "user_create").await;
    shot(client, "26-admin-audit").await;
    assert_accessible(client, "audit").await;
    b.assert_no_page_errors(client, "admin").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn board_and_admin_through_the_pages() {
    let _serial = SERIAL.lock().await;
    let Some(mut b) = Browser::start().await else { return };
    let bank = Bank::start();
    load_pool(&bank).await;
    let board = b.session().await;
    sign_in(&board, &bank, "board").await;
    blueprint_assembly_print_package(&board, &b, &bank).await;
    calibration_flags_and_curves(&board, &b, &bank).await;
    let admin = b.session().await;
    sign_in(&admin, &bank, "admin").await;
    admin_users_and_audit(&admin, &b, &bank).await;
}
