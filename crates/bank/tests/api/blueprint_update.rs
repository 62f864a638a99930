//! `PUT blueprints/{id}` (same checks as create; 409 once a frozen form was assembled from it),
//! `GET forms` (the packages page's list) and the assembly job's progress.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::assembly::{BLUEPRINT, poll, pool};
use crate::both_backends;
use crate::common::{Backend, TestApp};

async fn put_yaml(app: &TestApp, token: &str, id: &str, yaml: &str) -> (StatusCode, Value) {
    let req = app
        .client
        .put(format!("{}/api/v1/blueprints/{id}", app.url))
        .header("content-type", "application/yaml");
    app.send(req.body(yaml.to_string()), Some(token)).await
}

async fn blueprints_are_edited_until_a_form_is_frozen(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let (s, _) = app
        .post_raw(Some(&admin), "/api/v1/items/import?keep_status=true", "application/x-ndjson", pool())
        .await;
    assert_eq!(s, StatusCode::OK);
    let board = app.login("board").await;
    let (s, bp) =
        app.post_raw(Some(&board), "/api/v1/blueprints", "application/yaml", BLUEPRINT.into()).await;
    assert_eq!(s, StatusCode::CREATED, "{bp}");
    let id = bp["id"].as_str().unwrap();

    // The same checks as create, and the roles.
    let writer = app.login("writer").await;
    let (s, body) = put_yaml(&app, &writer, id, BLUEPRINT).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, body) = put_yaml(&app, &board, id, &BLUEPRINT.replace("forms: 2", "forms: two")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["message"].as_str().unwrap().contains("forms"), "names the key: {body}");
    let (s, _) = put_yaml(&app, &board, "BP-none", BLUEPRINT).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let renamed = BLUEPRINT.replace("Kiểm tra định kỳ – Toán 12", "Kiểm tra giữa kỳ – Toán 12");
    let (s, body) = put_yaml(&app, &board, id, &renamed).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (_, read) = app.get(Some(&board), &format!("/api/v1/blueprints/{id}")).await;
    assert_eq!(read["name"], "Kiểm tra giữa kỳ – Toán 12", "{read}");
    assert_eq!(read["yaml"], renamed);

    // Assemble: the job shows its progress; the forms are listed as drafts.
    let (s, job) =
        app.post(Some(&board), &format!("/api/v1/blueprints/{id}/assemble"), json!({"time_limit": 30})).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{job}");
    assert!(job["progress"].as_f64().is_some_and(|p| (0.0..1.0).contains(&p)), "{job}");
    assert_eq!(job["time_limit"], 30.0);
    let job = poll(&app, &board, job["id"].as_str().unwrap()).await;
    assert_eq!((job["status"].clone(), job["progress"].clone()), (json!("done"), json!(1.0)), "{job}");
    let (s, forms) = app.get(Some(&board), "/api/v1/forms").await;
    assert_eq!(s, StatusCode::OK, "{forms}");
    assert_eq!(forms.as_array().unwrap().len(), 2, "{forms}");
    assert_eq!(forms[0]["status"], "draft");
    assert_eq!(forms[0]["blueprint_name"], "Kiểm tra giữa kỳ – Toán 12");
    assert_eq!(forms[0]["versions"].as_array().unwrap().len(), 3, "{forms}");
    let (s, _) = app.get(Some(&writer), "/api/v1/forms").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.get(Some(&board), "/api/v1/forms?status=sealed").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Editing is still allowed while no form is frozen; freezing one makes it a 409.
    let (s, _) = put_yaml(&app, &board, id, &renamed).await;
    assert_eq!(s, StatusCode::OK);
    let form_id = job["forms"][0].as_str().unwrap();
    let (s, _) = app.post(Some(&board), &format!("/api/v1/forms/{form_id}/freeze"), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = put_yaml(&app, &board, id, BLUEPRINT).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap().contains(form_id), "names the frozen form: {body}");
    let (_, read) = app.get(Some(&board), &format!("/api/v1/blueprints/{id}")).await;
    assert_eq!(read["yaml"], renamed, "unchanged");
    let (_, frozen) = app.get(Some(&board), "/api/v1/forms?status=frozen").await;
    assert_eq!(frozen.as_array().unwrap().len(), 1, "{frozen}");
    assert_eq!(frozen[0]["id"], form_id);
    let (_, log) = app.get(Some(&admin), "/api/v1/audit?action=blueprint_update").await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 2, "{log}");
}
both_backends!(blueprints_are_edited_until_a_form_is_frozen);
