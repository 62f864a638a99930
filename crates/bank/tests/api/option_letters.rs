//! Issue 15, item 14 in the editor: a typed leading option letter ("A. $x=1$") is stripped on
//! `POST items` and `PUT items/{id}` as on import, and the create/edit response says so in its
//! `warnings` (`{field, message}`), so the editor can show it; reads carry no `warnings`.

use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::common::{Backend, TestApp, sample_item};

async fn create_and_edit_say_which_option_letters_were_removed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;

    // Clean options: an empty warnings array.
    let (s, body) = app.post(Some(&writer), "/api/v1/items", sample_item("TOAN12-7101")).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["warnings"], json!([]), "{body}");

    // Typed letters on two options: stored without them, one warning per option.
    let mut typed = sample_item("TOAN12-7102");
    typed["options"][0] = json!("A. $(-1; 1)$");
    typed["options"][2] = json!("(C) $(-\\infty; -1)$");
    let (s, body) = app.post(Some(&writer), "/api/v1/items", typed).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["item"]["options"][0], "$(-1; 1)$");
    assert_eq!(body["item"]["options"][2], "$(-\\infty; -1)$");
    let warnings = body["warnings"].as_array().unwrap();
    let fields: Vec<&str> = warnings.iter().map(|w| w["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["options[0]", "options[2]"], "{body}");
    assert!(warnings[0]["message"].as_str().unwrap().contains("\"A.\""), "{body}");
    assert!(warnings[1]["message"].as_str().unwrap().contains("(C)"), "{body}");

    // A read has no warnings; the stored option has no letter.
    let (s, read) = app.get(Some(&writer), "/api/v1/items/TOAN12-7102").await;
    assert_eq!(s, StatusCode::OK);
    assert!(read.get("warnings").is_none(), "{read}");
    assert_eq!(read["item"]["options"][0], "$(-1; 1)$");

    // An edit that types a letter again is warned the same way; another option's own text that
    // only looks like a letter ("B. …" in the first option) is kept, without a warning.
    let mut edit = sample_item("TOAN12-7102");
    edit["options"][1] = json!("B) $(1; +\\infty)$");
    edit["options"][0] = json!("B. $(-1; 1)$");
    let (s, body) = app.put(Some(&writer), "/api/v1/items/TOAN12-7102", edit).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["item"]["options"][1], "$(1; +\\infty)$");
    assert_eq!(body["item"]["options"][0], "B. $(-1; 1)$");
    let fields: Vec<&str> =
        body["warnings"].as_array().unwrap().iter().map(|w| w["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["options[1]"], "{body}");

    // The editor's preview of a draft warns before the save does.
    let mut draft = sample_item("TOAN12-7103");
    draft["options"][3] = json!("D. $(0; 2)$");
    let (s, body) = app.post(Some(&writer), "/api/v1/items/preview", draft).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["errors"], json!([]), "{body}");
    let fields: Vec<&str> =
        body["warnings"].as_array().unwrap().iter().map(|w| w["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["options[3]"], "{body}");
}
both_backends!(create_and_edit_say_which_option_letters_were_removed);
