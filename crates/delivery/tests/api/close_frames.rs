//! The close codes docs/protocol.md promises reach a real websocket client as close frames, not as
//! a reset: 1009 for a message above `hard_max_message_bytes`, `too_many_frames` and 1008 for a
//! sustained flood, 1008 after five messages without a successful login (failed logins count),
//! 4002 to every candidate and proctor when the server stops (SIGTERM's drain).

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

/// A stopping server (SIGTERM) closes every candidate socket at once with 4002, within the
/// 10 s a service manager allows, and the candidate resumes — on the restarted server here, as
/// on another node behind nginx — with every acknowledged answer there.
async fn a_stopping_server_closes_candidates_with_4002_and_they_resume(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, _) = app.event("E1", 2, 2, None).await;
    let mut s = app.socket().await;
    let w = s.login(&list[0].0, &list[0].2).await.unwrap();
    let token = w["resume_token"].as_str().unwrap().to_string();
    let item = w["items"][0].clone();
    let value = khaothi_loadtest::candidate::some_answer(&item, 0);
    s.answer(1, item["id"].as_str().unwrap(), value.clone()).await.unwrap();
    // A proctor watching the room gets the same close code (its page reconnects at once).
    let mut p = khaothi_loadtest::candidate::CandidateSocket::connect(
        &app.ws.replace("/ws/candidate", "/ws/proctor"),
    )
    .await
    .unwrap();
    p.send(json!({"type": "login", "token": app.board.token, "event": "E1", "room": "P001"})).await.unwrap();
    p.expect("roster", SECS).await.unwrap();
    let started = std::time::Instant::now();
    let (config, signer, data) = app.drain().await;
    // Well under the drain's 5 s bound: the sockets closed at once, they did not wait it out.
    assert!(started.elapsed() < khaothi_delivery::DRAIN, "drained in {:?}", started.elapsed());
    while s.next(SECS).await.is_some() {}
    assert_eq!(s.closed, Some(4002), "the draining close code: {:?}", s.received.last());
    while p.next(SECS).await.is_some() {}
    assert_eq!(p.closed, Some(4002), "the proctor's close code: {:?}", p.received.last());
    let again = TestApp::start(config, signer, data).await;
    let mut r = again.socket().await;
    let w2 = r.resume(&list[0].0, &token).await.unwrap();
    assert_eq!(w2["answers"][0]["item"], item["id"], "{w2}");
    assert_eq!(w2["answers"][0]["value"], value, "{w2}");
}
both_backends!(a_stopping_server_closes_candidates_with_4002_and_they_resume);
