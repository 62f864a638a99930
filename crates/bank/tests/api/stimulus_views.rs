//! `GET stimuli/{id}/preview` (the passage as the candidate sees it) and `GET stimuli/{id}/diff`
//! (word diff of title, subject and text between two versions), for the stimulus review page.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::{Backend, TestApp};

fn passage(text: &str) -> Value {
    json!({"id": "SV-1", "subject": "toan", "title": "Đề bài chung", "text": text})
}

fn changed(diff: &Value, field: &str) -> bool {
    let f = diff["fields"].as_array().unwrap().iter().find(|f| f["field"] == field);
    f.unwrap_or_else(|| panic!("no field {field}: {diff}"))["changed"].as_bool().unwrap()
}

async fn preview_and_diff(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let reviewer = app.login("reviewer").await;
    let (s, _) = app.post(Some(&writer), "/api/v1/stimuli", passage("Cho hàm số $f(x) = x^2$.")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post(
            Some(&writer),
            "/api/v1/stimuli",
            passage("Cho hàm số $f(x) = x^2 + 1$ <script>alert(1)</script>."),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let (s, p) = app.get(Some(&reviewer), "/api/v1/stimuli/SV-1/preview").await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["version"], 2);
    let html = p["html"].as_str().unwrap();
    assert!(html.contains("<math"), "LaTeX as MathML: {html}");
    assert!(!html.contains("<script"), "the renderer's allow-list: {html}");
    let (_, p1) = app.get(Some(&reviewer), "/api/v1/stimuli/SV-1/preview?version=1").await;
    assert_eq!(p1["version"], 1);

    let (s, d) = app.get(Some(&reviewer), "/api/v1/stimuli/SV-1/diff").await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!((d["from"].clone(), d["to"].clone()), (json!(1), json!(2)));
    assert!(changed(&d, "text") && !changed(&d, "title"), "{d}");
    assert!(d["fields"].to_string().contains("\"op\":\"insert\""), "{d}");

    let (s, body) = app.get(Some(&reviewer), "/api/v1/stimuli/SV-1/diff?from=7").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    let (s, _) = app.get(Some(&reviewer), "/api/v1/stimuli/NONE/preview").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get(None, "/api/v1/stimuli/SV-1/preview").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
both_backends!(preview_and_diff);
