//! The close codes docs/protocol.md promises reach a real websocket client as close frames, not as
//! a reset: 1009 for a message above `hard_max_message_bytes`, `too_many_frames` and 1008 for a
//! sustained flood, 1008 after five messages without a successful login (failed logins count).

use std::time::Duration;

use serde_json::json;

use crate::both_backends;
use crate::common::*;

async fn oversized_messages_close_with_1009(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, _) = app.event("E1", 2, 2, None).await;
    let mut s = app.socket().await;
    let w = s.login(&list[0].0, &list[0].2).await.unwrap();
    // 80 KiB: above the 64 KiB hard limit.
    let huge = format!("{{\"type\":\"heartbeat\",\"pad\":\"{}\"}}", "y".repeat(80 * 1024));
    let _ = s.send_text(huge).await;
    while s.next(SECS).await.is_some() {}
    assert_eq!(s.closed, Some(1009), "the client reads the close frame: {:?}", s.received);
    // The session is not lost: the candidate resumes on a new socket.
    let mut again = app.socket().await;
    again.resume(&list[0].0, w["resume_token"].as_str().unwrap()).await.unwrap();
}
both_backends!(oversized_messages_close_with_1009);

async fn a_sustained_flood_gets_too_many_frames_and_1008(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, _) = app.event("E1", 2, 2, None).await;
    let mut f = app.socket().await;
    f.login(&list[0].0, &list[0].2).await.unwrap();
    for _ in 0..800 {
        if f.send(json!({"type": "heartbeat"})).await.is_err() {
            break;
        }
    }
    while f.next(Duration::from_secs(5)).await.is_some() {}
    assert!(f.received.iter().any(|v| v["code"] == "too_many_frames"), "{:?}", f.received.last());
    assert_eq!(f.closed, Some(1008), "a close frame, not a reset");
}
both_backends!(a_sustained_flood_gets_too_many_frames_and_1008);

async fn five_failed_logins_close_with_1008(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, _) = app.event("E1", 2, 2, None).await;
    let mut s = app.socket().await;
    for k in 0..5 {
        s.send(json!({"type": "login", "candidate": list[0].0, "code": format!("AAAAA-AAAA{k}")}))
            .await
            .unwrap();
    }
    while s.next(SECS).await.is_some() {}
    assert_eq!(s.received.iter().filter(|v| v["type"] == "error").count(), 5, "{:?}", s.received);
    assert_eq!(s.closed, Some(1008));
}
both_backends!(five_failed_logins_close_with_1008);
