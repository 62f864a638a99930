//! Issue 22 §1: the bank prints a frozen form's answer sheets — blank, pre-filled per candidate
//! from a candidate CSV — and their layout.json. The PDFs are parsed back with poppler (pages, A4)
//! and a candidate's page is rendered and read with the sheet reader against the layout the bank
//! gave: the QR code and the số báo danh come back.

use khaothi_omr::Layout;
use khaothi_omr::read::{ReadOptions, read_sheet};
use reqwest::StatusCode;
use serde_json::json;

use crate::assembly::{BLUEPRINT, poll, pool};
use crate::both_backends;
use crate::common::{Backend, TestApp};

/// An assembled job of the assembly tests' pool: its forms' ids (two forms, three versions each).
pub async fn a_job(app: &TestApp, board: &str) -> Vec<String> {
    let admin = app.login("admin").await;
    let (s, body) = app
        .post_raw(Some(&admin), "/api/v1/items/import?keep_status=true", "application/x-ndjson", pool())
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, bp) = app.post_raw(Some(board), "/api/v1/blueprints", "application/yaml", BLUEPRINT.into()).await;
    assert_eq!(s, StatusCode::CREATED, "{bp}");
    let path = format!("/api/v1/blueprints/{}/assemble", bp["id"].as_str().unwrap());
    let (s, job) = app.post(Some(board), &path, json!({"seed": 3, "time_limit": 30})).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{job}");
    let job = poll(app, board, job["id"].as_str().unwrap()).await;
    job["forms"].as_array().expect("forms").iter().map(|f| f.as_str().unwrap().to_string()).collect()
}

/// An assembled form of the assembly tests' pool: its id and first version code.
async fn a_form(app: &TestApp, board: &str) -> (String, String) {
    let form = a_job(app, board).await.swap_remove(0);
    let (_, view) = app.get(Some(board), &format!("/api/v1/forms/{form}")).await;
    (form, view["versions"][0]["code"].as_str().unwrap().to_string())
}

/// `pdfinfo`'s page count of `pdf`, and whether its pages are A4.
fn pages(dir: &std::path::Path, name: &str, pdf: &[u8]) -> (usize, bool) {
    let path = dir.join(name);
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdfinfo").arg(&path).output().expect("pdfinfo (poppler-utils)");
    let info = String::from_utf8_lossy(&out.stdout).to_string();
    let n = info.lines().find_map(|l| l.strip_prefix("Pages:")).map(|n| n.trim().parse().unwrap());
    (n.unwrap_or_else(|| panic!("{info}")), info.contains("595.276 x 841.89"))
}

async fn a_frozen_forms_answer_sheets_print_and_read_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let board = app.login("board").await;
    let (form, code) = a_form(&app, &board).await;
    let url = |q: &str| format!("{}/api/v1/forms/{form}/answer-sheets?version={code}{q}", app.url);

    // Not frozen yet: refused.
    let res = app.client.get(url("")).bearer_auth(&board).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let (s, frozen) = app.post(Some(&board), &format!("/api/v1/forms/{form}/freeze"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{frozen}");

    let dir = tempfile::tempdir().unwrap();
    let res = app.client.get(url("&event=KT%2012A")).bearer_auth(&board).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(pages(dir.path(), "blank.pdf", &res.bytes().await.unwrap()), (1, true));
    let res = app.client.get(url("&format=layout")).bearer_auth(&board).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let layout: Layout = res.json().await.unwrap();
    assert_eq!(layout.version.as_deref(), Some(code.as_str()));
    assert!(!layout.bubbles.is_empty() && layout.marks.len() == 4);
    let res = app.client.get(url("&format=docx")).bearer_auth(&board).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .client
        .get(format!("{}/api/v1/forms/{form}/answer-sheets?version=9999", app.url))
        .bearer_auth(&board)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // A class list: a page per candidate, in the CSV's order.
    let csv = "so_bao_danh,ho_ten,ngay_sinh,phong\n120001,Nguyễn Văn An,12/03/2009,12A1\n120002,Trần Thị Bình,01/09/2009,12A1\n";
    let post = |body: &'static str| {
        app.client
            .post(url("&event=KT%2012A"))
            .bearer_auth(&board)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let res = post(csv).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let pdf = res.bytes().await.unwrap();
    assert_eq!(pages(dir.path(), "class.pdf", &pdf), (2, true));
    let res = post("so_bao_danh\n12-0001\n").await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().starts_with("line 2:"), "{body}");

    // The second candidate's page rendered at 200 dpi and read against the bank's layout.
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "200", "-gray", "-png", "-f", "2", "-l", "2", "-singlefile"])
        .arg(dir.path().join("class.pdf"))
        .arg(dir.path().join("page2"))
        .status()
        .unwrap();
    assert!(status.success());
    let img = image::open(dir.path().join("page2.png")).unwrap().to_luma8();
    let reading = read_sheet(&img, &layout, &ReadOptions::default());
    assert_eq!(reading.event.as_deref(), Some("KT 12A"), "{reading:?}");
    assert_eq!(reading.candidate.as_deref(), Some("120002"), "{reading:?}");
    assert_eq!(reading.version.as_deref(), Some(code.as_str()), "{reading:?}");
    assert!(reading.answers.is_empty() && reading.flags.is_empty(), "an unfilled sheet: {reading:?}");
}
both_backends!(a_frozen_forms_answer_sheets_print_and_read_back);
