//! The item list at scale: indexed full text, keyset paging and counts by status.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::{Backend, TestApp, assert_error, sample_item};

fn ids(body: &Value) -> Vec<String> {
    body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

/// Seven items: stems about `hàm số` for even numbers, `tích phân` for odd ones.
async fn seed(app: &TestApp, writer: &str) {
    for n in 0..7 {
        let mut item = sample_item(&format!("TOAN12-{n:04}"));
        item["stem"] = if n % 2 == 0 {
            json!(format!("Hàm số bậc {n} đồng biến trên khoảng nào? (50% a_b)"))
        } else {
            json!(format!("Tính tích phân số {n}."))
        };
        let (s, b) = app.post(Some(writer), "/api/v1/items", item).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    for n in [0, 1] {
        let (s, _) = app.post(Some(writer), &format!("/api/v1/items/TOAN12-{n:04}/submit"), json!({})).await;
        assert_eq!(s, StatusCode::OK);
    }
}

async fn text_search_is_indexed_and_diacritic_insensitive(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    seed(&app, &writer).await;
    let (s, body) = app.get(Some(&writer), "/api/v1/items?q=HAM%20so").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(ids(&body), ["TOAN12-0000", "TOAN12-0002", "TOAN12-0004", "TOAN12-0006"]);
    // A two-letter word matches as a substring, a three-letter one through the trigram index.
    let (_, body) = app.get(Some(&writer), "/api/v1/items?q=tich%20so").await;
    assert_eq!(ids(&body), ["TOAN12-0001", "TOAN12-0003", "TOAN12-0005"]);
    let (_, body) = app.get(Some(&writer), "/api/v1/items?q=phan%200003").await;
    assert_eq!(ids(&body), ["TOAN12-0003"]);
    // LIKE wildcards and FTS syntax are plain text.
    let (_, body) = app.get(Some(&writer), "/api/v1/items?q=50%25").await;
    assert_eq!(ids(&body).len(), 4);
    let (_, body) = app.get(Some(&writer), "/api/v1/items?q=a_b").await;
    assert_eq!(ids(&body).len(), 4);
    let (s, body) = app.get(Some(&writer), "/api/v1/items?q=%22ham%20OR%20x%22").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(ids(&body), Vec::<String>::new());
    // Counts by status for the same filters, whatever the status filter.
    let (_, body) = app.get(Some(&writer), "/api/v1/items?q=ham%20so&status=in_review").await;
    assert_eq!(ids(&body), ["TOAN12-0000"]);
    assert_eq!(body["total"], 1);
    assert_eq!(
        body["status_counts"],
        json!({"draft": 3, "in_review": 1, "approved": 0, "rejected": 0, "retired": 0})
    );
    // An edit re-indexes: the old words are gone, the new ones found.
    let mut item = sample_item("TOAN12-0006");
    item["stem"] = json!("Khối chóp có thể tích bằng bao nhiêu?");
    let (s, _) = app.put(Some(&writer), "/api/v1/items/TOAN12-0006", item).await;
    assert_eq!(s, StatusCode::OK);
    let (_, body) = app.get(Some(&writer), "/api/v1/items?q=khoi%20chop").await;
    assert_eq!(ids(&body), ["TOAN12-0006"]);
    let (_, body) = app.get(Some(&writer), "/api/v1/items?q=bac%206").await;
    assert!(ids(&body).is_empty(), "{body}");
}
both_backends!(text_search_is_indexed_and_diacritic_insensitive);

async fn keyset_pages_walk_the_same_order_as_page_numbers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    seed(&app, &writer).await;
    let mut walked = Vec::new();
    let (_, mut body) = app.get(Some(&writer), "/api/v1/items?per_page=3").await;
    assert_eq!(body["total"], 7);
    loop {
        walked.extend(ids(&body));
        let Some(cursor) = body["next_cursor"].as_str().map(str::to_string) else { break };
        let (s, next) = app.get(Some(&writer), &format!("/api/v1/items?per_page=3&after={cursor}")).await;
        assert_eq!(s, StatusCode::OK, "{next}");
        body = next;
    }
    let mut paged = Vec::new();
    for page in 1..=3 {
        let (_, body) = app.get(Some(&writer), &format!("/api/v1/items?per_page=3&page={page}")).await;
        paged.extend(ids(&body));
        assert_eq!(body["next_cursor"].is_null(), page == 3, "{body}");
    }
    assert_eq!(walked, paged);
    assert_eq!(walked.len(), 7);

    let (s, body) = app.get(Some(&writer), "/api/v1/items?after=TOAN12-0001").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_error(&body, "invalid_query");
    let (_, first) = app.get(Some(&writer), "/api/v1/items?per_page=3").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (s, body) = app.get(Some(&writer), &format!("/api/v1/items?page=2&after={cursor}")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_error(&body, "invalid_query");
}
both_backends!(keyset_pages_walk_the_same_order_as_page_numbers);
