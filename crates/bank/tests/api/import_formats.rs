//! The import's document and spreadsheet formats (LaTeX `ex_test`, `.xlsx`) and the `.xlsx`
//! export of a filtered list, on both backends.

use std::io::Write;

use reqwest::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::common::{Backend, TestApp, sample_item};

const PAPER: &str = include_str!("../../../interop/tests/fixtures/tex/de-thi-thu-toan-12.tex");
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

async fn a_tex_paper_with_its_picture_imports(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let body = zip_of(&[("de-thi-thu.tex", PAPER.as_bytes()), ("hinh/mat-phang.png", PNG)]);
    let (s, res) = app
        .post_raw(
            Some(&writer),
            "/api/v1/items/import?format=tex&subject=toan&id_prefix=DT",
            "application/zip",
            body,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{res}");
    assert_eq!(res["created"], 10, "{res}");
    let warnings: Vec<&Value> =
        res["report"]["lines"].as_array().unwrap().iter().filter(|l| l["status"] == "warning").collect();
    assert_eq!(warnings.len(), 1, "only the TikZ figure: {res}");
    let (s, item) = app.get(Some(&writer), "/api/v1/items/DT-0004").await;
    assert_eq!(s, StatusCode::OK, "{item}");
    let media = item["item"]["media"][0].as_str().unwrap().to_string();
    assert!(item["item"]["stem"].as_str().unwrap().contains(&format!("![hình]({media})")), "{item}");
    let res = app
        .client
        .get(format!("{}/api/v1/media/{media}", app.url))
        .bearer_auth(&writer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    let (_, first) = app.get(Some(&writer), "/api/v1/items/DT-0001").await;
    assert!(first["item"]["solution"].as_str().unwrap().starts_with("Ta có"), "{first}");
    assert_eq!(first["item"]["topic"], "12.1.1");
    // The same paper again: unchanged items are not versioned again (no pictures in them).
    let (s, again) = app
        .post_raw(
            Some(&writer),
            "/api/v1/items/import?format=tex&subject=toan&id_prefix=DT",
            "text/x-tex",
            PAPER.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["created"], 0, "{again}");
}
both_backends!(a_tex_paper_with_its_picture_imports);

async fn tex_refusals_name_the_problem(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let tex = "\\begin{ex}\nCâu hỏi.\\shortans{2}\n\\end{ex}\n".as_bytes().to_vec();
    let (s, res) =
        app.post_raw(Some(&writer), "/api/v1/items/import?format=tex", "text/x-tex", tex.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    let messages = res["report"]["lines"][0]["messages"].to_string();
    assert!(messages.contains("no subject") && messages.contains("--subject"), "{messages}");
    let (s, res) = app
        .post_raw(Some(&writer), "/api/v1/items/import?format=tex&level=kho", "text/x-tex", tex.clone())
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{res}");
    assert!(res["message"].as_str().unwrap().contains("level \"kho\""), "{res}");
    let (s, res) =
        app.post_raw(Some(&writer), "/api/v1/items/import?format=tex&id_prefix=a/b", "text/x-tex", tex).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{res}");
    let (s, res) = app
        .post_raw(Some(&writer), "/api/v1/items/import?format=tex", "text/x-tex", b"\\section{x}".to_vec())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    assert!(res["message"].as_str().unwrap().contains("no \\begin{ex}"), "{res}");
    let bomb = zip_of(&[("a.tex", &vec![b' '; 8 * 1024 * 1024])]);
    let (s, res) =
        app.post_raw(Some(&writer), "/api/v1/items/import?format=tex", "application/zip", bomb).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    assert!(res["message"].as_str().unwrap().contains("zip bomb"), "{res}");
    let (s, res) =
        app.post_raw(Some(&writer), "/api/v1/items/import?format=docm", "text/plain", vec![]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{res}");
}
both_backends!(tex_refusals_name_the_problem);

async fn xlsx_in_and_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let items: Vec<khaothi_domain::Item> = ["XL-1", "XL-2", "XL-3"]
        .iter()
        .map(|id| {
            let mut v = sample_item(id);
            if *id == "XL-3" {
                v["topic"] = Value::from("12.2.1");
            }
            khaothi_domain::ItemRecord::from_json_line(&v.to_string()).unwrap().into_item().unwrap().0
        })
        .collect();
    let sheet = khaothi_interop::write_xlsx(&items).unwrap();
    let (s, res) = app.post_raw(Some(&writer), "/api/v1/items/import?format=xlsx", XLSX, sheet).await;
    assert_eq!(s, StatusCode::OK, "{res}");
    assert_eq!(res["created"], 3, "{res}");
    assert_eq!(res["report"]["format"], "xlsx");
    let res = app
        .client
        .get(format!("{}/api/v1/items/export?format=xlsx&topic=12.2", app.url))
        .bearer_auth(&writer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], XLSX);
    let bytes = res.bytes().await.unwrap();
    let mut report = khaothi_interop::parse_xlsx(&bytes, &Default::default());
    let back: Vec<_> =
        report.apply(khaothi_interop::ImportPolicy::AllOrNothing).into_iter().map(|(_, i)| i.id).collect();
    assert_eq!(back, vec!["XL-3"], "{report:?}");
    let (s, res) = app.get(Some(&writer), "/api/v1/items/export?format=pdf").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{res}");
    let (s, res) = app.get(Some(&writer), "/api/v1/items/export?format=xlsx&colour=red").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{res}");
    let (s, jsonl) = app.get(Some(&writer), "/api/v1/items/export?subject=toan").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(jsonl.as_str().unwrap().lines().count(), 3);
    let (s, res) = app
        .post_raw(Some(&writer), "/api/v1/items/import?format=xlsx", XLSX, b"PK\x03\x04junk".to_vec())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
}
both_backends!(xlsx_in_and_out);

async fn a_word_paper_imports_with_its_passage_and_pictures(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let docx = include_bytes!("../../../interop/tests/fixtures/docx/toan-thpt.docx").to_vec();
    let path = "/api/v1/items/import?format=docx&mode=skip_bad&subject=toan&grade=12&topic=12.1&level=hieu&id_prefix=W";
    let (s, res) = app
        .post_raw(
            Some(&writer),
            path,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            docx,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{res}");
    assert!(res["created"].as_u64().unwrap() >= 10, "{res}");
    assert_eq!(res["report"]["format"], "docx");
    let (s, stimulus) = app.get(Some(&writer), "/api/v1/stimuli/W-S01").await;
    assert_eq!(s, StatusCode::OK, "{stimulus}");
    assert_eq!(stimulus["subject"], "toan", "{stimulus}");
    let (_, page) = app.get(Some(&writer), "/api/v1/items?stimulus=W-S01").await;
    assert!(page["total"].as_u64().unwrap() >= 1, "{page}");
    let (_, page) = app.get(Some(&writer), "/api/v1/items?per_page=200").await;
    let with_media: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["item"]["media"].as_array().is_some_and(|m| !m.is_empty()))
        .collect();
    assert!(!with_media.is_empty(), "{page}");
    let media = with_media[0]["item"]["media"][0].as_str().unwrap();
    assert!(!media.ends_with(".png"), "named by media id: {media}");
    let res = app
        .client
        .get(format!("{}/api/v1/media/{media}", app.url))
        .bearer_auth(&writer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.bytes().await.unwrap().starts_with(b"\x89PNG"));
    // Câu 7's equation object (∲, no LaTeX) keeps its preview, rasterised to PNG by LibreOffice.
    let (s, c7) = app.get(Some(&writer), "/api/v1/items/W-0007").await;
    assert_eq!(s, StatusCode::OK, "{c7}");
    assert_eq!(c7["item"]["media"].as_array().map(Vec::len), Some(1), "{c7}");
    // Exported as a QTI 3.0 package, the passage travels once, as a stimulus of its two items.
    let res = app
        .client
        .get(format!("{}/api/v1/items/export?format=qti3&stimulus=W-S01", app.url))
        .bearer_auth(&writer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let doc = khaothi_interop::read_qti_package(&res.bytes().await.unwrap(), &Default::default());
    assert!(!doc.report.has_errors(), "{:#?}", doc.report);
    assert_eq!(doc.stimuli.len(), 1, "{:?}", doc.stimuli);
    assert_eq!(doc.stimuli[0].id, "W-S01");
    assert_eq!(doc.stimuli[0].item_ids, ["W-0007", "W-0008"]);
    assert!(doc.stimuli[0].text.contains("begin{cases}"), "{}", doc.stimuli[0].text);
}
both_backends!(a_word_paper_imports_with_its_passage_and_pictures);
