//! `GET items?counts=false`: the page without the count over every match (a keyset page after the
//! first), its items and cursor unchanged; by default the counts are there.

use reqwest::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::common::{Backend, TestApp, sample_item};

async fn counts_are_skipped_when_not_asked_for(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let lines: Vec<String> = (0..5).map(|i| sample_item(&format!("CNT-{i}")).to_string()).collect();
    let (s, _) = app
        .post_raw(
            Some(&writer),
            "/api/v1/items/import",
            "application/x-ndjson",
            lines.join("\n").into_bytes(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let (s, counted) = app.get(Some(&writer), "/api/v1/items?q=ham&per_page=2").await;
    assert_eq!(s, StatusCode::OK, "{counted}");
    assert_eq!(counted["total"], 5);
    assert_eq!(counted["status_counts"]["draft"], 5, "{counted}");
    let cursor = counted["next_cursor"].as_str().unwrap();

    let (s, page) =
        app.get(Some(&writer), &format!("/api/v1/items?q=ham&per_page=2&counts=false&after={cursor}")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["total"], Value::Null, "not counted: {page}");
    assert!(page.get("status_counts").is_none(), "{page}");
    let ids: Vec<&str> =
        page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["CNT-2", "CNT-3"]);
    assert!(page["next_cursor"].is_string(), "{page}");

    let (s, body) = app.get(Some(&writer), "/api/v1/items?counts=maybe").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
}
both_backends!(counts_are_skipped_when_not_asked_for);
