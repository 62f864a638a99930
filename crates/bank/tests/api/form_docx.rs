//! `GET /api/v1/forms/{id}/docx`: a frozen form as Word papers — one version's paper (with the
//! bank's pictures), the key document (audited as a key read), or a zip of every paper and the
//! key; 409 before freezing or for a picture the bank lacks, 404 for an unknown version, 403 for a
//! writer.

use std::io::Read;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api_assembly::{BLUEPRINT, poll, pool};
use crate::both_backends;
use crate::common::{Backend, TestApp};

/// A 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";

async fn fetch(app: &TestApp, token: &str, path: &str) -> (StatusCode, String, Vec<u8>) {
    let res = app.client.get(format!("{}{path}", app.url)).bearer_auth(token).send().await.unwrap();
    let status = res.status();
    let ty = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, ty, res.bytes().await.unwrap().to_vec())
}

fn entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().to_string(), data)
        })
        .collect()
}

fn document_xml(docx: &[u8]) -> String {
    let (_, xml) =
        entries(docx).into_iter().find(|(n, _)| n == "word/document.xml").expect("word/document.xml");
    String::from_utf8(xml).unwrap()
}

/// A pool whose first single-choice item shows `picture` (a bank media id), assembled into forms.
async fn assembled(app: &TestApp, picture: &str) -> (String, String) {
    let admin = app.login("admin").await;
    let text = String::from_utf8(pool()).unwrap();
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            if v["kind"] == "single_choice" {
                v["stem"] =
                    format!("{} ![Hình](/api/v1/media/{picture})", v["stem"].as_str().unwrap()).into();
            }
            v.to_string()
        })
        .collect();
    let (s, body) = app
        .post_raw(
            Some(&admin),
            "/api/v1/items/import?keep_status=true",
            "application/x-ndjson",
            lines.join("\n").into_bytes(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let board = app.login("board").await;
    let (s, bp) =
        app.post_raw(Some(&board), "/api/v1/blueprints", "application/yaml", BLUEPRINT.into()).await;
    assert_eq!(s, StatusCode::CREATED, "{bp}");
    let (s, job) = app
        .post(
            Some(&board),
            &format!("/api/v1/blueprints/{}/assemble", bp["id"].as_str().unwrap()),
            json!({"seed": 7, "time_limit": 30}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{job}");
    let job = poll(app, &board, job["id"].as_str().unwrap()).await;
    (board, job["forms"][0].as_str().unwrap().to_string())
}

async fn board_prints_a_frozen_form_as_word(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let (s, media) = app.post_raw(Some(&writer), "/api/v1/media", "image/png", PNG.to_vec()).await;
    assert_eq!(s, StatusCode::CREATED, "{media}");
    let (board, form_id) = assembled(&app, media["id"].as_str().unwrap()).await;
    let base = format!("/api/v1/forms/{form_id}/docx");

    // Not frozen yet: refused, and said why.
    let (s, _, body) = fetch(&app, &board, &format!("{base}?version=0101")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(String::from_utf8_lossy(&body).contains("not frozen"));
    let (s, _) = app.post(Some(&board), &format!("/api/v1/forms/{form_id}/freeze"), json!({})).await;
    assert_eq!(s, StatusCode::OK);

    let (_, form) = app.get(Some(&board), &format!("/api/v1/forms/{form_id}")).await;
    let code = form["versions"][1]["code"].as_str().unwrap().to_string();
    let (s, ty, docx) = fetch(&app, &board, &format!("{base}?version={code}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ty, "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    let paper = document_xml(&docx);
    assert!(paper.contains(&format!("Mã đề thi {code}")) && paper.contains(">PHẦN I. <"), "the paper");
    assert!(paper.contains("<m:oMath>") && paper.contains("<w:drawing>"), "equations and the picture");
    assert!(
        entries(&docx).iter().any(|(n, d)| n.starts_with("word/media/") && d == PNG),
        "the bank's picture"
    );
    assert!(!paper.contains("ĐÁP ÁN"), "no key on the paper");

    let (s, _, key) = fetch(&app, &board, &format!("{base}?version={code}&answers=true")).await;
    assert_eq!(s, StatusCode::OK);
    let key = document_xml(&key);
    assert!(key.contains(&format!("Mã đề {code}")) && key.matches("<w:tbl>").count() == 1, "{key}");

    let (s, ty, zip) = fetch(&app, &board, &base).await;
    assert_eq!((s, ty.as_str()), (StatusCode::OK, "application/zip"));
    let names: Vec<String> = entries(&zip).into_iter().map(|(n, _)| n).collect();
    let versions: Vec<String> = form["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| format!("de-{}.docx", v["code"].as_str().unwrap()))
        .collect();
    assert_eq!(names, [versions, vec!["dap-an.docx".to_string()]].concat());

    let (s, _, _) = fetch(&app, &board, &format!("{base}?version=9999")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = fetch(&app, &board, &format!("{base}?format=pdf")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "unknown parameters are refused");
    let (s, _, _) = fetch(&app, &writer, &format!("{base}?version={code}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The key document and the zip are key reads; the paper alone is a print.
    let admin = app.login("admin").await;
    let (_, keys) = app.get(Some(&admin), "/api/v1/audit?action=form_key_read").await;
    assert_eq!(keys["entries"].as_array().unwrap().len(), 2, "{keys}");
    let (_, prints) = app.get(Some(&admin), "/api/v1/audit?action=form_print").await;
    assert_eq!(prints["entries"].as_array().unwrap().len(), 1, "{prints}");
}
both_backends!(board_prints_a_frozen_form_as_word);

async fn a_picture_the_bank_lacks_is_a_conflict_naming_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (board, form_id) = assembled(&app, "khong-co.png").await;
    let (s, _) = app.post(Some(&board), &format!("/api/v1/forms/{form_id}/freeze"), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, body) = fetch(&app, &board, &format!("/api/v1/forms/{form_id}/docx?version=0101")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let body = String::from_utf8_lossy(&body);
    assert!(
        body.contains("picture khong-co.png is not in the bank's media") && body.contains("Câu "),
        "{body}"
    );
}
both_backends!(a_picture_the_bank_lacks_is_a_conflict_naming_it);
