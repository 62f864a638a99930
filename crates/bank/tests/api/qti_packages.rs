//! QTI content packages through the bank: a package from another system imported item by item
//! (its pictures stored once), and a frozen form exported as a package that reads back as the
//! form's items.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::assembly::{BLUEPRINT, poll, pool};
use crate::both_backends;
use crate::common::{Backend, TestApp};

const TAO: &[u8] = include_bytes!("../../../interop/tests/fixtures/qti/tao-export-qti21.zip");
const IMPORT: &str = "/api/v1/items/import?format=qti&subject=toan&grade=12&topic=12.1&level=hieu";

async fn media_of(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let (s, body) = app.get(Some(token), &format!("/api/v1/items/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    serde_json::from_value(body["item"]["media"].clone()).unwrap()
}

async fn a_qti_package_imports_item_by_item_and_pictures_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    // All-or-nothing: the three items khaothi cannot represent refuse the package, with the report.
    let (s, body) = app.post_raw(Some(&writer), IMPORT, "application/zip", TAO.to_vec()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let errors: Vec<&Value> =
        body["report"]["lines"].as_array().unwrap().iter().filter(|l| l["status"] == "error").collect();
    assert_eq!(errors.len(), 3, "{body}");
    assert!(
        errors[0]["messages"][0]["message"]
            .as_str()
            .unwrap()
            .contains("custom response processing is not supported")
    );

    let skip = format!("{IMPORT}&mode=skip_bad");
    let (s, body) = app.post_raw(Some(&writer), &skip, "application/zip", TAO.to_vec()).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["created"], 4, "{body}");
    assert_eq!(body["report"]["format"], "qti");
    let (s, item) = app.get(Some(&writer), "/api/v1/items/i1701761234567c").await;
    assert_eq!(s, StatusCode::OK, "{item}");
    assert_eq!(item["item"]["kind"], "multiple_response");
    assert_eq!(item["item"]["scoring"], "partial");
    assert_eq!(item["item"]["status"], "draft");
    // The figure and its copy in the shared folder have the same bytes: one media row.
    let a = media_of(&app, &writer, "i1701761234567a").await;
    let b = media_of(&app, &writer, "i1701761234567b").await;
    assert_eq!(a.len(), 1);
    assert_eq!(a, b, "same bytes, same media");
    let stem = item_stem(&app, &writer, "i1701761234567a").await;
    assert!(stem.contains(&format!("]({})", a[0])), "the text points at the media id: {stem}");
    // Importing again stores new versions, not new pictures.
    let (s, body) = app.post_raw(Some(&writer), &skip, "application/zip", TAO.to_vec()).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(media_of(&app, &writer, "i1701761234567a").await, a);
    let res = app
        .client
        .get(format!("{}/api/v1/media/{}", app.url, a[0]))
        .bearer_auth(&writer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.bytes().await.unwrap().starts_with(b"\x89PNG"));
}
both_backends!(a_qti_package_imports_item_by_item_and_pictures_once);

async fn item_stem(app: &TestApp, token: &str, id: &str) -> String {
    let (_, body) = app.get(Some(token), &format!("/api/v1/items/{id}")).await;
    body["item"]["stem"].as_str().unwrap().to_string()
}

async fn get_bytes(app: &TestApp, token: &str, path: &str) -> (StatusCode, Vec<u8>) {
    let res = app.client.get(format!("{}{path}", app.url)).bearer_auth(token).send().await.unwrap();
    (res.status(), res.bytes().await.unwrap().to_vec())
}

async fn the_board_exports_a_frozen_form_as_a_qti_package(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let (s, body) = app
        .post_raw(Some(&admin), "/api/v1/items/import?keep_status=true", "application/x-ndjson", pool())
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let board = app.login("board").await;
    let (s, bp) =
        app.post_raw(Some(&board), "/api/v1/blueprints", "application/yaml", BLUEPRINT.into()).await;
    assert_eq!(s, StatusCode::CREATED, "{bp}");
    let path = format!("/api/v1/blueprints/{}/assemble", bp["id"].as_str().unwrap());
    let (s, job) = app.post(Some(&board), &path, json!({"seed": 7, "time_limit": 30})).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{job}");
    let job = poll(&app, &board, job["id"].as_str().unwrap()).await;
    let form_id = job["forms"][0].as_str().unwrap().to_string();
    let qti = format!("/api/v1/forms/{form_id}/qti");
    let (s, _) = get_bytes(&app, &board, &qti).await;
    assert_eq!(s, StatusCode::CONFLICT, "a form is exported once frozen");
    let (s, _) = app.post(Some(&board), &format!("/api/v1/forms/{form_id}/freeze"), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (_, form) = app.get(Some(&board), &format!("/api/v1/forms/{form_id}")).await;

    let (s, zip) = get_bytes(&app, &board, &qti).await;
    assert_eq!(s, StatusCode::OK);
    let doc = khaothi_interop::read_qti_package(&zip, &Default::default());
    assert!(!doc.report.has_errors(), "{:#?}", doc.report);
    let form_ids: Vec<&str> =
        form["form"]["items"].as_array().unwrap().iter().map(|i| i["item_id"].as_str().unwrap()).collect();
    let ids: Vec<String> = doc.report.lines.iter().map(|l| l.id.clone().unwrap()).collect();
    assert_eq!(ids, form_ids, "the form's items in its order");

    // A version: its order, its option order and key letters.
    let v = &form["versions"][1];
    let code = v["code"].as_str().unwrap();
    let (s, zip) = get_bytes(&app, &board, &format!("{qti}?version={code}&qti=2.1")).await;
    assert_eq!(s, StatusCode::OK);
    let doc = khaothi_interop::read_qti_package(&zip, &Default::default());
    assert!(!doc.report.has_errors(), "{:#?}", doc.report);
    let ids: Vec<String> = doc.report.lines.iter().map(|l| l.id.clone().unwrap()).collect();
    let version_ids: Vec<String> = serde_json::from_value(v["items"].clone()).unwrap();
    assert_eq!(ids, version_ids);
    for line in &doc.report.lines {
        let item = line.item.as_ref().unwrap();
        if let khaothi_domain::ItemBody::SingleChoice { key, .. } = &item.body {
            assert_eq!(v["keys"][&item.id]["single_choice"], key.letter().to_string(), "{item:?}");
        }
    }
    let (s, _) = get_bytes(&app, &board, &format!("{qti}?version=9999")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = get_bytes(&app, &board, &format!("{qti}?qti=4")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let writer = app.login("writer").await;
    let (s, _) = get_bytes(&app, &writer, &qti).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, audit) = app.get(Some(&admin), "/api/v1/audit?action=form_export_qti").await;
    assert!(audit.to_string().contains("form_export_qti"), "{audit}");

    // The item export as a package: the admin reads every key.
    let (s, zip) = get_bytes(&app, &admin, "/api/v1/items/export?format=qti3&subject=toan").await;
    assert_eq!(s, StatusCode::OK);
    let doc = khaothi_interop::read_qti_package(&zip, &Default::default());
    assert_eq!(doc.report.lines.len(), 40, "{:#?}", doc.report.file_error);
    assert!(!doc.report.has_errors());
}
both_backends!(the_board_exports_a_frozen_form_as_a_qti_package);
