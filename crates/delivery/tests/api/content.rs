//! The content once (issue 17, docs/protocol.md §3 "Content"): a client that names the hash of
//! the content it holds is sent none on resume or a new login; a wrong or stale hash gets the
//! content; compressed content inflates to the same items and stimuli as the JSON messages.

use serde_json::{Value, json};

use crate::both_backends;
use crate::common::*;

/// How many `items`/`stimulus` messages (JSON content) a socket received.
fn content_after_welcome(received: &[Value]) -> usize {
    received.iter().filter(|m| m["type"] == "items" || m["type"] == "stimulus").count()
}

async fn a_client_holding_the_content_is_sent_none(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, _) = app.event("C1", 2, 2, None).await;
    let (num, _, code) = list[0].clone();

    // First login: the JSON text messages, as before, and the hash that names them.
    let mut s1 = app.socket().await;
    let w = s1.login(&num, &code).await.unwrap();
    let hash = w["content_hash"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 64, "hex SHA-256: {hash}");
    assert_eq!(w["content_sent"], json!(true));
    let items = w["items"].as_array().unwrap().clone();
    assert_eq!(items.len() as u64, w["item_count"].as_u64().unwrap());
    assert!(content_after_welcome(&s1.received) > 0);
    let token = w["resume_token"].as_str().unwrap().to_string();
    let first = items[0]["id"].as_str().unwrap().to_string();
    s1.answer(1, &first, json!("C")).await.unwrap();
    drop(s1);

    // Resume naming the hash: a welcome with the answers and the clock, and no content.
    let mut s2 = app.socket().await;
    let w2 = s2.resume_with(&num, &token, json!({"content_hash": hash})).await.unwrap();
    assert_eq!(w2["content_sent"], json!(false));
    assert_eq!(w2["content_hash"], json!(hash));
    assert_eq!(w2["answers"][0]["value"], json!("C"));
    // Nothing but acks and heartbeats follow: an answer is acknowledged at once.
    s2.answer(1, &first, json!("D")).await.unwrap();
    assert_eq!(content_after_welcome(&s2.received), 0, "{:?}", s2.received);
    drop(s2);

    // A wrong hash (another version's, or an older package's) gets the content again.
    let mut s3 = app.socket().await;
    let wrong = "0".repeat(64);
    let w3 = s3.resume_with(&num, &token, json!({"content_hash": wrong})).await.unwrap();
    assert_eq!(w3["content_sent"], json!(true));
    assert_eq!(w3["items"].as_array().unwrap(), &items);
    drop(s3);

    // A new login by code (after the proctor's admit) naming the hash: no content either.
    app.board.post(&format!("/api/v1/events/C1/candidates/{num}/admit"), json!({})).await.unwrap();
    let mut s4 = app.socket().await;
    let w4 = s4.login_with(&num, &code, json!({"content_hash": hash})).await.unwrap();
    assert_eq!(w4["content_sent"], json!(false));
    assert_eq!(content_after_welcome(&s4.received), 0);
    assert_eq!(w4["answers"][0]["value"], json!("D"));

    // Another candidate of another version names this hash: not theirs, so they get content.
    let (num2, _, code2) = list[1].clone();
    let mut s5 = app.socket().await;
    let w5 = s5.login_with(&num2, &code2, json!({"content_hash": hash})).await.unwrap();
    assert_ne!(w5["version"], w["version"], "neighbouring seats sit different versions");
    assert_ne!(w5["content_hash"], json!(hash));
    assert_eq!(w5["content_sent"], json!(true));
    assert!(!w5["items"].as_array().unwrap().is_empty());
}
both_backends!(a_client_holding_the_content_is_sent_none);

async fn compressed_content_is_the_same_content(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, _) = app.event("C2", 1, 1, None).await;
    let (num, _, code) = list[0].clone();
    let mut plain = app.socket().await;
    let w = plain.login(&num, &code).await.unwrap();
    let plain_bytes = plain.bytes;
    let token = w["resume_token"].as_str().unwrap().to_string();
    drop(plain);

    let mut z = app.socket().await;
    let wz = z.resume_with(&num, &token, json!({"content_encoding": "deflate-raw"})).await.unwrap();
    assert_eq!(wz["content_encoding"], "deflate-raw");
    assert!(wz["content_frames"].as_u64().unwrap() >= 1);
    assert_eq!(wz["items"], w["items"], "the same items, in the same order");
    assert_eq!(wz["stimuli"], w["stimuli"]);
    assert_eq!(wz["content_hash"], w["content_hash"], "the hash names the content, not its encoding");
    assert!(z.bytes < plain_bytes, "compressed {} vs plain {plain_bytes} bytes", z.bytes);
    // No JSON content message came besides the binary frames.
    assert_eq!(content_after_welcome(&z.received), 0);

    // An encoding the server does not know is a bad frame, not a silent fallback.
    let mut bad = app.socket().await;
    bad.send(json!({"type": "resume", "candidate": num, "token": token, "content_encoding": "br"}))
        .await
        .unwrap();
    assert_error(&bad.next(SECS).await.unwrap(), "bad_frame");
}
both_backends!(compressed_content_is_the_same_content);
