use serde_json::json;

use crate::both_backends;
use crate::common::*;

async fn answer_resume_admit_submit(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, pkg) = app.event("E1", 3, 3, None).await;
    let (num, _, code) = list[0].clone();
    let mut frames = Vec::new();

    let mut s1 = app.socket().await;
    let w = s1.login(&num, &code).await.unwrap();
    assert_eq!(w["status"], "in_progress");
    assert_eq!(w["epoch"], 1);
    let remaining = w["remaining_ms"].as_i64().unwrap();
    assert!(remaining > 89 * 60 * 1000 && remaining <= 90 * 60 * 1000, "{remaining}");
    let items = w["items"].as_array().unwrap().clone();
    let token = w["resume_token"].as_str().unwrap().to_string();
    // Answers are acknowledged; a duplicate (same epoch and seq) is acknowledged again, once saved.
    let first = items[0]["id"].as_str().unwrap().to_string();
    s1.answer(1, &first, json!("A")).await.unwrap();
    s1.answer(2, &first, json!("C")).await.unwrap();
    s1.answer(2, &first, json!("D")).await.unwrap();
    for (k, it) in items.iter().enumerate().skip(1) {
        let v = khaothi_loadtest::candidate::some_answer(it, k as u64);
        s1.answer(k as i64 + 2, it["id"].as_str().unwrap(), v).await.unwrap();
    }
    // Integrity events are recorded for the proctor.
    s1.send(json!({"type": "integrity", "kind": "focus_lost", "detail": "alt-tab"})).await.unwrap();
    s1.expect("noted", SECS).await.unwrap();
    let integ = app.board.get(&format!("/api/v1/events/E1/candidates/{num}/integrity")).await.unwrap();
    assert_eq!(integ["events"][0]["kind"], "focus_lost");
    s1.send(json!({"type": "heartbeat"})).await.unwrap();
    let hb = s1.expect("heartbeat", SECS).await.unwrap();
    assert!(hb["remaining_ms"].as_i64().unwrap() <= remaining);

    // Same browser, dropped connection: the resume token is enough; every answer is back.
    frames.extend(s1.received.iter().cloned());
    drop(s1);
    let mut s2 = app.socket().await;
    let w2 = s2.resume(&num, &token).await.unwrap();
    assert_eq!(w2["epoch"], 2);
    let answers = w2["answers"].as_array().unwrap();
    assert_eq!(answers.len(), items.len());
    let a0 = answers.iter().find(|a| a["item"] == first.as_str()).unwrap();
    assert_eq!(a0["value"], "C", "the duplicate (epoch 1, seq 2) did not overwrite the first save");
    // New epoch, counting from 1 again, wins over the older saves.
    s2.answer(1, &first, json!("B")).await.unwrap();

    // New browser with the code: refused until the proctor admits, then the old one is superseded.
    let mut s3 = app.socket().await;
    s3.send(json!({"type": "login", "candidate": num, "code": code})).await.unwrap();
    assert_error(&s3.next(SECS).await.unwrap(), "admit_required");
    app.board.post(&format!("/api/v1/events/E1/candidates/{num}/admit"), json!({})).await.unwrap();
    let w3 = s3.login(&num, &code).await.unwrap();
    assert_eq!(w3["epoch"], 3);
    let a0 = w3["answers"].as_array().unwrap().iter().find(|a| a["item"] == first.as_str()).unwrap().clone();
    assert_eq!(a0["value"], "B");
    s2.expect("superseded", SECS).await.unwrap();
    // The old browser's token is replaced: it cannot resume.
    let mut s4 = app.socket().await;
    s4.send(json!({"type": "resume", "candidate": num, "token": token})).await.unwrap();
    assert_error(&s4.next(SECS).await.unwrap(), "resume_failed");
    // The admit was used up: another new browser needs another admit.
    let mut s5 = app.socket().await;
    s5.send(json!({"type": "login", "candidate": num, "code": code})).await.unwrap();
    assert_error(&s5.next(SECS).await.unwrap(), "admit_required");

    // Extra time reaches the connected candidate.
    app.board
        .post(
            &format!("/api/v1/events/E1/candidates/{num}/extra-time"),
            json!({"minutes": 15, "reason": "khuyết tật"}),
        )
        .await
        .unwrap();
    let t = s3.expect("time", SECS).await.unwrap();
    assert!(t["remaining_ms"].as_i64().unwrap() > 100 * 60 * 1000, "{t}");

    s3.send(json!({"type": "submit"})).await.unwrap();
    let sub = s3.expect("submitted", SECS).await.unwrap();
    assert_eq!(sub["reason"], "candidate");
    assert_eq!(sub["answered"].as_u64().unwrap() as usize, items.len());
    // After submission a resume shows the submitted state and answers are refused.
    let w6 = app.socket().await.resume(&num, w3["resume_token"].as_str().unwrap()).await.unwrap();
    assert_eq!(w6["status"], "submitted");
    let list = app.board.get("/api/v1/events/E1/candidates").await.unwrap();
    let me = list["candidates"].as_array().unwrap().iter().find(|c| c["number"] == num.as_str()).unwrap();
    assert_eq!(me["status"], "submitted");
    assert_eq!(me["extra_seconds"], 900);
    // The others never started: the keys can be released, and every answer is in the results.
    app.board.post("/api/v1/events/E1/keys", json!({"release_key": pkg.keys_key.to_hex()})).await.unwrap();
    let results = app.board.get("/api/v1/events/E1/results").await.unwrap();
    let me = results["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == num.as_str())
        .unwrap()
        .clone();
    assert_eq!(me["status"], "submitted");
    assert_eq!(me["answered"].as_u64().unwrap() as usize, items.len());

    for s in [&s2, &s3, &s4, &s5] {
        frames.extend(s.received.iter().cloned());
    }
    assert!(frames.len() > 20);
    assert_no_keys(&frames);
}
both_backends!(answer_resume_admit_submit);

/// A browser that gives up while its login waits for a place (a synchronized start's queue) and
/// closes leaves the queue: its login never runs, so the clock does not start and the next try
/// with the code is let in without the proctor. A frame sent while waiting is answered
/// `login_pending` and the login still goes through.
async fn a_login_abandoned_in_the_queue_never_runs(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, _) = app.event("E1", 2, 3, None).await;
    let (num, _, code) = list[0].clone();
    let gate = app.state.hub.admission.clone();
    let mut held = Vec::new();
    while gate.available() > 0 {
        held.push(gate.enter().await);
    }
    let mut gave_up = app.socket().await;
    gave_up.send(json!({"type": "login", "candidate": num, "code": code})).await.unwrap();
    gave_up.send(json!({"type": "heartbeat"})).await.unwrap();
    assert_error(&gave_up.next(SECS).await.unwrap(), "login_pending");
    drop(gave_up);
    // the close reaches the server well before the gate opens
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    held.clear();
    let w = app.socket().await.login(&num, &code).await.expect("the second try is let in");
    assert_eq!(w["epoch"], 1, "the abandoned login ran: {w}");

    // A login that waits on an open socket runs when the gate opens.
    let (other, _, other_code) = list[1].clone();
    while gate.available() > 0 {
        held.push(gate.enter().await);
    }
    let mut waits = app.socket().await;
    waits.send(json!({"type": "login", "candidate": other, "code": other_code})).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    held.clear();
    let w = waits.expect("welcome", SECS).await.unwrap();
    assert_eq!(w["epoch"], 1);
}
both_backends!(a_login_abandoned_in_the_queue_never_runs);

/// Frames sent while a login waits for its place count against the frame rate limit like any
/// other: a flood gets `too_many_frames` and a 1008 close, not a `login_pending` for each.
async fn a_flood_while_the_login_waits_is_rate_limited(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, _) = app.event("E1", 1, 3, None).await;
    let (num, _, code) = list[0].clone();
    let gate = app.state.hub.admission.clone();
    let mut held = Vec::new();
    while gate.available() > 0 {
        held.push(gate.enter().await);
    }
    let mut f = app.socket().await;
    f.send(json!({"type": "login", "candidate": num, "code": code})).await.unwrap();
    for _ in 0..800 {
        if f.send(json!({"type": "heartbeat"})).await.is_err() {
            break;
        }
    }
    while f.next(std::time::Duration::from_secs(5)).await.is_some() {}
    assert!(f.received.iter().any(|v| v["code"] == "too_many_frames"), "{:?}", f.received.last());
    assert!(f.received.iter().any(|v| v["code"] == "rate_limited"));
    assert!(f.received.iter().filter(|v| v["code"] == "login_pending").count() < 800);
    assert_eq!(f.closed, Some(1008), "a close frame, not a reset");
    drop(held);
}
both_backends!(a_flood_while_the_login_waits_is_rate_limited);

async fn answers_are_checked(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, _) = app.event("E1", 2, 2, None).await;
    let (num, _, code) = list[0].clone();
    let mut s = app.socket().await;
    let w = s.login(&num, &code).await.unwrap();
    let items = w["items"].as_array().unwrap();
    let sc = items.iter().find(|i| i["kind"] == "single_choice").unwrap()["id"].as_str().unwrap().to_string();
    let tf =
        items.iter().find(|i| i["kind"] == "true_false_group").unwrap()["id"].as_str().unwrap().to_string();
    let cases = [
        (json!({"type": "answer", "seq": 1, "item": "NOPE", "value": "A"}), "unknown_item"),
        (json!({"type": "answer", "seq": 2, "item": sc, "value": "E"}), "invalid_answer"),
        (json!({"type": "answer", "seq": 3, "item": tf, "value": [true]}), "invalid_answer"),
        (json!({"type": "answer", "seq": 0, "item": sc, "value": "A"}), "invalid_seq"),
        (json!({"type": "answer", "seq": 4, "item": sc}), "bad_frame"),
        (json!({"type": "answer", "seq": 5, "item": sc, "value": "A", "session": "other"}), "bad_frame"),
        (json!({"type": "dance"}), "unknown_type"),
        (json!({"type": "login", "candidate": num, "code": code}), "already_logged_in"),
    ];
    for (frame, code) in cases {
        s.send(frame.clone()).await.unwrap();
        let e = s.next(SECS).await.unwrap();
        assert_error(&e, code);
    }
    s.send_text("{not json".into()).await.unwrap();
    assert_error(&s.next(SECS).await.unwrap(), "bad_frame");
    // The session is unharmed.
    s.answer(6, &sc, json!("A")).await.unwrap();
    s.answer(7, &sc, serde_json::Value::Null).await.unwrap();
    assert_no_keys(&s.received);
}
both_backends!(answers_are_checked);

async fn demo_event_is_ready_to_take(b: Backend) {
    let app = TestApp::spawn(b).await;
    let demo = khaothi_loadtest::demo::setup_demo_event(&app.url, &items(), &app.signer, 5).await.unwrap();
    assert_eq!(demo.candidates.len(), 5);
    let c = &demo.candidates[0];
    let mut s = khaothi_loadtest::candidate::CandidateSocket::connect(&demo.ws_url).await.unwrap();
    let w = s.login(&c.number, &c.code).await.unwrap();
    assert_eq!(w["items"].as_array().unwrap().len(), 10);
    // A second call (an existing demo database) reads the same sheet.
    let again = khaothi_loadtest::demo::setup_demo_event(&app.url, &items(), &app.signer, 5).await.unwrap();
    assert_eq!(again.candidates[0].code, c.code);
    assert!(demo.keys_key.is_some() && again.keys_key.is_none(), "the keys' code is known at creation only");
    // The demo proctor watches the demo room.
    let proctor = khaothi_loadtest::board::BoardClient::login(
        &app.url,
        "proctor",
        khaothi_delivery::routes::staff::DEMO_PASSWORD,
    )
    .await
    .unwrap();
    let record = proctor.get("/api/v1/events/DEMO/rooms/P001/record?format=json").await.unwrap();
    assert_eq!(record["candidates"].as_array().unwrap().len(), 5, "{record}");
}
both_backends!(demo_event_is_ready_to_take);
