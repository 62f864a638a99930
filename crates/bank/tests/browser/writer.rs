//! Writer → reviewer → writer → reviewer through the pages only: a math item with an image and a
//! true/false group with statement levels are written, previewed and submitted; the reviewer
//! rejects one with a comment (an empty comment is refused on the page) and approves the other;
//! the writer reads the comment, revises, sees the change in the word diff and resubmits; the
//! reviewer approves. Every page is scanned by axe-core and no page logs an uncaught error.

use khaothi_testkit::browser::{Browser, Locator, assert_accessible, wait_for, wait_for_text};

use crate::harness::*;

pub(crate) async fn write_math_item(client: &khaothi_testkit::browser::Client, b: &Browser) {
    press(client, "Soạn câu hỏi mới").await;
    wait_for_text(client, "#page-title", "Soạn câu hỏi mới").await;
    fill(client, "id", "TOAN12-W001").await;
    fill(client, "topic", "12.2.2").await;
    wait_for_text(client, ".meta", "Tích phân").await;
    choose(client, "level", "hieu").await;
    fill(client, "stem", "Tính tích phân $\\int_0^1 2x\\,dx$ dựa vào hình vẽ: ").await;
    let dir = tempfile::tempdir().unwrap();
    let picker = wait_for(client, "#media-pick").await;
    picker.send_keys(png_file(dir.path()).to_str().unwrap()).await.unwrap();
    wait_for_text(client, ".media-list", "").await;
    let start = std::time::Instant::now();
    while !client
        .find(Locator::Css("textarea[data-field=stem]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
        .contains("/api/v1/media/")
    {
        assert!(start.elapsed() < khaothi_testkit::browser::WAIT, "the image was not inserted into the stem");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for (i, text) in ["$0$", "$1$", "$2$", "$\\frac{1}{2}$"].iter().enumerate() {
        fill(client, &format!("options[{i}]"), text).await;
    }
    pick(client, "key", "B").await;
    wait_for_text(client, ".problems", "hợp lệ").await;
    wait_for(client, ".preview-box math").await;
    wait_for(client, ".preview-box img").await;
    shot(client, "01-editor-math-item").await;
    assert_accessible(client, "editor").await;
    press(client, "Lưu câu hỏi").await;
    wait_for_text(client, "#page-title", "TOAN12-W001").await;
    press(client, "Gửi duyệt").await;
    wait_for_text(client, ".editor-bar", "Chờ duyệt").await;
    b.assert_no_page_errors(client, "writing the math item").await;
}

async fn write_true_false_group(client: &khaothi_testkit::browser::Client) {
    open_new(client).await;
    fill(client, "id", "TOAN12-W002").await;
    fill(client, "topic", "12.1.1").await;
    choose(client, "kind", "true_false_group").await;
    wait_for(client, "[data-field=\"statements[3]\"]").await;
    fill(client, "stem", "Cho hàm số $y = x^3 - 3x$. Xét tính đúng sai của các mệnh đề sau.").await;
    let statements = [
        "Hàm số đồng biến trên $(1; +\\infty)$.",
        "Hàm số có hai điểm cực trị.",
        "Giá trị cực đại bằng $2$.",
        "Đồ thị cắt trục hoành tại 4 điểm.",
    ];
    let levels = ["biet", "hieu", "van_dung", "van_dung_cao"];
    for i in 0..4 {
        fill(client, &format!("statements[{i}]"), statements[i]).await;
        choose(client, &format!("statements[{i}].level"), levels[i]).await;
    }
    pick(client, "keys[3]", "false").await;
    pick(client, "keys[1]", "true").await;
    wait_for_text(client, ".problems", "hợp lệ").await;
    shot(client, "02-editor-true-false-group").await;
    press(client, "Lưu câu hỏi").await;
    wait_for_text(client, "#page-title", "TOAN12-W002").await;
    press(client, "Gửi duyệt").await;
    wait_for_text(client, ".editor-bar", "Chờ duyệt").await;
}

async fn open_new(client: &khaothi_testkit::browser::Client) {
    let url = client.current_url().await.unwrap();
    let base = url.as_str().split('#').next().unwrap().to_string();
    client.goto(&format!("{base}#/items/new")).await.unwrap();
    wait_for_text(client, "#page-title", "Soạn câu hỏi mới").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writer_and_reviewer_through_the_pages() {
    let _serial = SERIAL.lock().await;
    let Some(mut b) = Browser::start().await else { return };
    let bank = Bank::start();
    let writer = b.session().await;

    sign_in(&writer, &bank, "writer").await;
    wait_for_text(&writer, "#page-title", "Câu hỏi của tôi").await;
    shot(&writer, "00-my-items-empty").await;
    assert_accessible(&writer, "my items").await;
    write_math_item(&writer, &b).await;
    write_true_false_group(&writer).await;
    open(&writer, &bank, "items").await;
    wait_for_text(&writer, "table.items", "TOAN12-W002").await;
    shot(&writer, "03-my-items").await;
    sign_out(&writer).await;

    // The reviewer: the queue, an empty comment refused, a rejection with a comment, an approval.
    sign_in(&writer, &bank, "reviewer").await;
    wait_for_text(&writer, "#page-title", "Hàng chờ duyệt").await;
    wait_for_text(&writer, "table.queue", "TOAN12-W001").await;
    shot(&writer, "04-review-queue").await;
    assert_accessible(&writer, "review queue").await;
    writer.find(Locator::LinkText("TOAN12-W001")).await.unwrap().click().await.unwrap();
    wait_for(&writer, ".item-render math").await;
    wait_for_text(&writer, "main", "Phương án đúng: B").await;
    press(&writer, "Trả lại cho người soạn").await;
    wait_for_text(&writer, ".decision .error-text", "Hãy viết nhận xét").await;
    shot(&writer, "05-review-item").await;
    assert_accessible(&writer, "review item").await;
    fill_comment(&writer, "Phương án D nên là $\\frac{3}{2}$ để gây nhiễu tốt hơn.").await;
    press(&writer, "Trả lại cho người soạn").await;
    wait_for_text(&writer, "#page-title", "Hàng chờ duyệt").await;
    writer.find(Locator::LinkText("TOAN12-W002")).await.unwrap().click().await.unwrap();
    wait_for_text(&writer, "main", "mức độ: Vận dụng cao").await;
    press(&writer, "Duyệt").await;
    wait_for_text(&writer, "#page-title", "Hàng chờ duyệt").await;
    wait_for_text(&writer, "main", "Không có gì chờ duyệt").await;
    b.assert_no_page_errors(&writer, "reviewing").await;
    sign_out(&writer).await;

    // The writer reads the comment beside its version, revises, sees the diff, resubmits.
    sign_in(&writer, &bank, "writer").await;
    open(&writer, &bank, "items/TOAN12-W001").await;
    wait_for_text(&writer, ".comments", "gây nhiễu tốt hơn").await;
    wait_for_text(&writer, ".comments", "Phiên bản 1").await;
    fill(&writer, "options[3]", "$\\frac{3}{2}$").await;
    wait_for_text(&writer, ".problems", "hợp lệ").await;
    shot(&writer, "06-editor-revision-with-comment").await;
    press(&writer, "Lưu phiên bản mới").await;
    wait_for_text(&writer, ".editor-bar", "Phiên bản 2").await;
    press(&writer, "Gửi duyệt").await;
    wait_for_text(&writer, ".editor-bar", "Chờ duyệt").await;
    open(&writer, &bank, "items/TOAN12-W001/history").await;
    wait_for_text(&writer, "#page-title", "Lịch sử").await;
    let diff = wait_for_text(&writer, "table.diff", "options[3]").await;
    assert!(diff.contains("frac{3}{2}") && diff.contains("frac{1}{2}"), "{diff}");
    wait_for(&writer, "table.diff ins").await;
    wait_for(&writer, "table.diff del").await;
    shot(&writer, "07-history-diff").await;
    assert_accessible(&writer, "history").await;
    b.assert_no_page_errors(&writer, "revising").await;
    sign_out(&writer).await;

    // The reviewer approves the revision (once the queue has loaded: the sign-in lands before it).
    sign_in(&writer, &bank, "reviewer").await;
    wait_for_text(&writer, "table.queue", "TOAN12-W001").await;
    writer.find(Locator::LinkText("TOAN12-W001")).await.unwrap().click().await.unwrap();
    wait_for(&writer, ".item-render math").await;
    press(&writer, "Duyệt").await;
    wait_for_text(&writer, "main", "Không có gì chờ duyệt").await;
    b.assert_no_page_errors(&writer, "approving").await;
}

async fn fill_comment(client: &khaothi_testkit::browser::Client, text: &str) {
    let el = wait_for(client, ".decision textarea").await;
    el.send_keys(text).await.unwrap();
}
