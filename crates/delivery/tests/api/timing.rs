use std::time::Duration;

use serde_json::json;

use crate::both_backends;
use crate::common::*;

async fn deadline_grace_and_timeout(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, _) = app.event("E1", 2, 2, Some(3)).await;
    let (num, _, code) = list[0].clone();
    let mut s = app.socket().await;
    let w = s.login(&num, &code).await.unwrap();
    let item = w["items"][0]["id"].as_str().unwrap().to_string();
    let remaining = w["remaining_ms"].as_i64().unwrap();
    assert!(remaining <= 3000 && remaining > 2000, "{remaining}");
    s.answer(1, &item, json!("A")).await.unwrap();
    // An answer arriving just after the deadline (within the stated grace) is saved.
    tokio::time::sleep(Duration::from_millis(remaining as u64 + 300)).await;
    s.answer(2, &item, json!("B")).await.unwrap();
    // At deadline + grace the server submits and says so.
    let sub = s.expect("submitted", Duration::from_secs(5)).await.unwrap();
    assert_eq!(sub["reason"], "time_over");
    // Resume after the deadline: submitted state with the saved answers; nothing more accepted.
    let mut r = app.socket().await;
    let w2 = r.resume(&num, w["resume_token"].as_str().unwrap()).await.unwrap();
    assert_eq!(w2["status"], "submitted");
    assert_eq!(w2["remaining_ms"], 0);
    assert_eq!(w2["answers"][0]["value"], "B");
    r.send(json!({"type": "answer", "seq": 3, "item": item, "value": "C"})).await.unwrap();
    assert_error(&r.next(SECS).await.unwrap(), "already_submitted");
    // A candidate who never logged in has not started; their clock has not run.
    let list2 = app.board.get("/api/v1/events/E1/candidates").await.unwrap();
    let other = list2["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == list[1].0.as_str())
        .unwrap()
        .clone();
    assert_eq!(other["status"], "not_started");
}
both_backends!(deadline_grace_and_timeout);

async fn restart_credits_the_outage(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, _) = app.event("E1", 2, 2, Some(8)).await;
    let (num, _, code) = list[0].clone();
    let mut s = app.socket().await;
    let w = s.login(&num, &code).await.unwrap();
    let token = w["resume_token"].as_str().unwrap().to_string();
    let item = w["items"][0]["id"].as_str().unwrap().to_string();
    s.answer(1, &item, json!("D")).await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    s.send(json!({"type": "heartbeat"})).await.unwrap();
    let before = s.expect("heartbeat", SECS).await.unwrap()["remaining_ms"].as_i64().unwrap();
    let up_before_stop = std::time::Instant::now();
    drop(s);
    let (config, signer, dir) = app.stop().await;
    let up = up_before_stop.elapsed();
    // Down for longer than the candidate had left: the deadline passes while the server is down.
    tokio::time::sleep(Duration::from_secs(9)).await;
    let restarted = std::time::Instant::now();
    let app = TestApp::start(config, signer, dir).await;
    let mut s = app.socket().await;
    let w = s.resume(&num, &token).await.unwrap();
    let up = up + restarted.elapsed();
    assert_eq!(w["status"], "in_progress", "the outage was credited: {w}");
    let after = w["remaining_ms"].as_i64().unwrap();
    // The clock ran only while the server was up: between the heartbeat above and the stop, and
    // between the restart and this resume (start-up, board login: measured as `up`, seconds on a
    // loaded machine). The credit errs in the candidate's favour by at most one heartbeat
    // interval (1 s); 500 ms more for the heartbeat's own round trip.
    let up_ms = up.as_millis() as i64;
    assert!(
        after >= before - up_ms - 500 && after <= before + 1500,
        "before {before} ms, after {after} ms, up {up_ms} ms in between"
    );
    assert_eq!(w["answers"][0]["value"], "D");
    let c = app.board.get("/api/v1/events/E1/candidates").await.unwrap();
    let me =
        c["candidates"].as_array().unwrap().iter().find(|c| c["number"] == num.as_str()).unwrap().clone();
    assert!(me["credited_seconds"].as_i64().unwrap() >= 9, "{me}");
    // The session still ends on time.
    let sub = s.expect("submitted", Duration::from_secs(after as u64 / 1000 + 5)).await.unwrap();
    assert_eq!(sub["reason"], "time_over");
}
both_backends!(restart_credits_the_outage);
