use std::time::Duration;

use serde_json::json;

use crate::both_backends;
use crate::common::*;

async fn tokens_and_logins_are_checked(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, _) = app.event("E1", 3, 3, None).await;
    let (a, _, code_a) = list[0].clone();
    let (bn, _, code_b) = list[1].clone();
    let mut sa = app.socket().await;
    let wa = sa.login(&a, &code_a).await.unwrap();
    let token_a = wa["resume_token"].as_str().unwrap().to_string();
    // Forged token.
    let mut s = app.socket().await;
    s.send(json!({"type": "resume", "candidate": a, "token": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}))
        .await
        .unwrap();
    assert_error(&s.next(SECS).await.unwrap(), "resume_failed");
    // Another candidate's token for my number, and my code for another number.
    let mut sb = app.socket().await;
    sb.send(json!({"type": "resume", "candidate": bn, "token": token_a})).await.unwrap();
    assert_error(&sb.next(SECS).await.unwrap(), "resume_failed");
    sb.send(json!({"type": "login", "candidate": bn, "code": code_a})).await.unwrap();
    assert_error(&sb.next(SECS).await.unwrap(), "login_failed");
    // Failed attempts never lock the number out (issue 16, finding 3; security_alarms.rs):
    // after more failures the right code still gets in.
    for _ in 0..3 {
        sb.send(json!({"type": "login", "candidate": bn, "code": "AAAAA-AAAAA"})).await.unwrap();
        assert_error(&sb.next(SECS).await.unwrap(), "login_failed");
    }
    let mut sb2 = app.socket().await;
    sb2.login(&bn, &code_b).await.unwrap();
    // The rest of the room is unaffected: candidate 3 logs in, candidate A keeps answering.
    let (c, _, code_c) = list[2].clone();
    app.socket().await.login(&c, &code_c).await.unwrap();
    sa.answer(1, wa["items"][0]["id"].as_str().unwrap(), json!("A")).await.unwrap();
    // A socket that never logs in: refused, then closed.
    let mut anon = app.socket().await;
    anon.send(json!({"type": "answer", "seq": 1, "item": "SC1", "value": "A"})).await.unwrap();
    assert_error(&anon.next(SECS).await.unwrap(), "not_logged_in");
    anon.send(json!({"type": "submit"})).await.unwrap();
    assert_error(&anon.next(SECS).await.unwrap(), "not_logged_in");
    assert_no_keys(&sa.received);
}
both_backends!(tokens_and_logins_are_checked);

async fn bad_frames_and_floods(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.login_timeout_seconds = 2).await;
    let (list, _) = app.event("E1", 3, 3, None).await;
    let mut flooder = app.socket().await;
    let w = flooder.login(&list[0].0, &list[0].2).await.unwrap();
    let item = w["items"][0]["id"].as_str().unwrap().to_string();
    let mut calm = app.socket().await;
    let wc = calm.login(&list[1].0, &list[1].2).await.unwrap();
    let calm_item = wc["items"][0]["id"].as_str().unwrap().to_string();
    // Oversized (above max_frame_bytes, below the hard limit): an error, the session goes on.
    let big = json!({"type": "answer", "seq": 1, "item": item, "value": "x".repeat(9000)});
    flooder.send(big).await.unwrap();
    assert_error(&flooder.next(SECS).await.unwrap(), "frame_too_large");
    flooder.answer(2, &item, json!("B")).await.unwrap();
    // Frames larger than the socket's read buffer (`ws_buffer_bytes`, 1 KiB) but within
    // max_frame_bytes are read whole: an answer padded to 6 KB is acknowledged, and an integrity
    // event of 3 KB is noted.
    let padded =
        format!("{{\"type\":\"answer\",\"seq\":4,\"item\":\"{item}\",\"value\":\"C\"}}{}", " ".repeat(6000));
    flooder.send_text(padded).await.unwrap();
    let ack = flooder.next(SECS).await.unwrap();
    assert_eq!((ack["type"].as_str(), ack["seq"].as_i64()), (Some("ack"), Some(4)), "{ack}");
    flooder
        .send(json!({"type": "integrity", "kind": "focus_lost", "detail": "d".repeat(3000)}))
        .await
        .unwrap();
    assert_eq!(flooder.next(SECS).await.unwrap()["type"], "noted");
    // A flood: frames beyond the rate are dropped with one error a second.
    for _ in 0..100 {
        flooder.send(json!({"type": "heartbeat"})).await.unwrap();
    }
    let mut saw_limit = false;
    while let Some(v) = flooder.next(Duration::from_millis(500)).await {
        if v["type"] == "error" {
            assert_error(&v, "rate_limited");
            saw_limit = true;
        }
    }
    assert!(saw_limit);
    // Meanwhile a neighbour is served normally.
    for k in 1..=5 {
        calm.answer(k, &calm_item, json!("C")).await.unwrap();
    }
    // After a pause the flooder's session still works.
    tokio::time::sleep(Duration::from_secs(2)).await;
    flooder.answer(3, &item, json!("D")).await.unwrap();
    // Beyond the hard limit the connection alone is closed; the candidate can resume.
    let huge = format!("{{\"type\":\"heartbeat\",\"pad\":\"{}\"}}", "y".repeat(80 * 1024));
    let _ = flooder.send_text(huge).await;
    assert!(flooder.next(SECS).await.is_none(), "an oversized message closes the connection");
    calm.answer(6, &calm_item, json!("A")).await.unwrap();
    let token = w["resume_token"].as_str().unwrap();
    app.socket().await.resume(&list[0].0, token).await.unwrap();
    // A sustained flood closes that connection (policy violation), nobody else's.
    let mut f2 = app.socket().await;
    f2.resume(&list[0].0, token).await.unwrap();
    for _ in 0..700 {
        if f2.send(json!({"type": "heartbeat"})).await.is_err() {
            break;
        }
    }
    while f2.next(Duration::from_secs(3)).await.is_some() {}
    // The close frame may race the client's own writes (a reset); either way the socket is gone.
    let told = f2.closed == Some(1008) || f2.received.iter().any(|v| v["code"] == "too_many_frames");
    let gone = f2.send(json!({"type": "heartbeat"})).await.is_err()
        || f2.next(Duration::from_secs(2)).await.is_none();
    assert!(told || gone, "a sustained flood closes the connection: {:?}", f2.closed);
    calm.answer(7, &calm_item, json!("B")).await.unwrap();
    // A socket that never logs in is closed after the login timeout.
    let mut idle = app.socket().await;
    assert_error(&idle.next(Duration::from_secs(5)).await.unwrap(), "login_timeout");
    assert!(idle.next(SECS).await.is_none());
    assert_no_keys(&calm.received);
    assert_no_keys(&flooder.received);
}
both_backends!(bad_frames_and_floods);
