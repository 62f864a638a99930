//! The writer's import page: a file with a bad line is previewed (nothing stored), the report
//! shows the bad line with its message, "Nhập" under all-or-nothing stores nothing and says why,
//! and with "skip bad lines" the good lines are stored.

use khaothi_testkit::browser::{Browser, Locator, assert_accessible, wait_for, wait_for_text};
use serde_json::json;

use crate::harness::*;

fn item(id: &str, key: &str) -> String {
    json!({"id": id, "subject": "toan", "grade": 12, "topic": "12.1.2", "level": "hieu", "kind": "single_choice",
        "stem": "Hàm số $y = x^3 - 3x$ nghịch biến trên khoảng nào dưới đây?",
        "options": ["$(-1; 1)$", "$(1; +\\infty)$", "$(-\\infty; -1)$", "$(-3; 3)$"], "key": key})
    .to_string()
}

/// Two good lines and, on line 3, a key that is not A–D.
fn file_with_a_bad_line(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("cau-hoi.jsonl");
    std::fs::write(&path, [item("NHAP-001", "A"), item("NHAP-002", "C"), item("NHAP-003", "F")].join("\n"))
        .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_preview_then_commit() {
    let _serial = SERIAL.lock().await;
    let Some(mut b) = Browser::start().await else { return };
    let bank = Bank::start();
    let c = b.session().await;
    sign_in(&c, &bank, "writer").await;
    // The list's button opens the page.
    press(&c, "Nhập từ tệp").await;
    wait_for_text(&c, "#page-title", "Nhập câu hỏi từ tệp").await;
    assert_accessible(&c, "import").await;
    let dir = tempfile::tempdir().unwrap();
    let input = wait_for(&c, "main input[type=file]").await;
    input.send_keys(file_with_a_bad_line(dir.path()).to_str().unwrap()).await.unwrap();
    press(&c, "Xem trước").await;
    let report = wait_for_text(&c, "table.import-report", "NHAP-003").await;
    assert!(report.contains("lỗi") && report.contains("key"), "the bad line and its message: {report}");
    let summary = wait_for_text(&c, "main", "3 dòng: 2 hợp lệ, 0 có cảnh báo, 1 lỗi").await;
    assert!(summary.contains("không lưu gì"), "all-or-nothing says it would store nothing: {summary}");
    shot(&c, "08-import-preview").await;
    assert_accessible(&c, "import preview").await;
    // Nothing was stored by the preview.
    open(&c, &bank, "items?q=NHAP").await;
    wait_for_text(&c, "main", "Không có câu hỏi nào").await;

    // Commit under all-or-nothing: refused, the report stays, nothing stored.
    press(&c, "Nhập từ tệp").await;
    let input = wait_for(&c, "main input[type=file]").await;
    input.send_keys(file_with_a_bad_line(dir.path()).to_str().unwrap()).await.unwrap();
    press(&c, "Xem trước").await;
    wait_for(&c, "table.import-report").await;
    press(&c, "Nhập").await;
    wait_for_text(&c, "main .error-box", "nothing was imported").await;
    wait_for_text(&c, "table.import-report", "NHAP-003").await;

    // Skip bad lines: the preview is redone for the new mode, then the good lines are stored.
    let skip = c.find(Locator::Css("input[value=skip_bad]")).await.unwrap();
    click(&c, skip).await;
    wait_for_text(&c, "main", "Nếu nhập: 2 câu mới").await;
    press(&c, "Nhập").await;
    wait_for_text(&c, "main .ok-box", "Đã nhập: 2 câu mới").await;
    c.find(Locator::LinkText("Xem câu hỏi của tôi")).await.unwrap().click().await.unwrap();
    open(&c, &bank, "items?q=NHAP").await;
    let list = wait_for_text(&c, "main", "NHAP-002").await;
    assert!(!list.contains("NHAP-003"), "the bad line was not stored: {list}");
    b.assert_no_page_errors(&c, "import").await;
}

/// A QTI package from another system: the writer picks QTI, gives the subject, grade, topic and
/// level its items lack, and the preview reports each item — the three khaothi cannot represent
/// named with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qti_package_with_the_document_options() {
    let _serial = SERIAL.lock().await;
    let Some(mut b) = Browser::start().await else { return };
    let bank = Bank::start();
    let c = b.session().await;
    sign_in(&c, &bank, "writer").await;
    open(&c, &bank, "writer/import").await;
    wait_for_text(&c, "#page-title", "Nhập câu hỏi từ tệp").await;
    let options = c.find(Locator::Css("fieldset.doc-options")).await.unwrap();
    assert!(!options.is_displayed().await.unwrap(), "JSON Lines needs no document options");
    // Chromium takes only a canonical path.
    let package = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../interop/tests/fixtures/qti/tao-export-qti21.zip")
        .canonicalize()
        .unwrap();
    let input = wait_for(&c, "main input[type=file]").await;
    input.send_keys(package.to_str().unwrap()).await.unwrap();
    c.find(Locator::Css("main select option[value=qti]")).await.unwrap().click().await.unwrap();
    assert!(options.is_displayed().await.unwrap(), "QTI items may lack metadata: the options show");
    let prefix = c.find(Locator::Css("input[name=id_prefix]")).await.unwrap();
    assert!(!prefix.is_displayed().await.unwrap(), "QTI items keep their identifiers");
    for (name, value) in [("subject", "toan"), ("grade", "12"), ("topic", "12.1")] {
        c.find(Locator::Css(&format!("input[name={name}]"))).await.unwrap().send_keys(value).await.unwrap();
    }
    c.find(Locator::Css("select[name=level] option[value=hieu]")).await.unwrap().click().await.unwrap();
    let skip = c.find(Locator::Css("input[value=skip_bad]")).await.unwrap();
    click(&c, skip).await;
    press(&c, "Xem trước").await;
    let report = wait_for_text(&c, "table.import-report", "i1701761234567e").await;
    assert!(report.contains("custom response processing is not supported"), "{report}");
    let summary = wait_for_text(&c, "main", "Nếu nhập: 4 câu mới").await;
    assert!(summary.contains("3 lỗi"), "{summary}");
    shot(&c, "08b-import-qti-preview").await;
    assert_accessible(&c, "import QTI preview").await;
    press(&c, "Nhập").await;
    wait_for_text(&c, "main .ok-box", "Đã nhập: 4 câu mới").await;
    b.assert_no_page_errors(&c, "import qti").await;
}
