//! Issue 16, finding 3: one candidate cannot lock another out. An attacker tries codes for a
//! classmate's number on two connections; the victim still logs in and resumes, the attacker's
//! connection is throttled, and the proctor sees (and clears) the alarm on the victim's seat.

use khaothi_loadtest::candidate::CandidateSocket;
use serde_json::json;

use crate::both_backends;
use crate::common::*;

async fn an_attacker_cannot_lock_a_classmate_out(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (list, _) = app.event("E1", 2, 5, None).await;
    let (victim, _, victim_code) = list[0].clone();
    let mut v = app.socket().await;
    let welcome = v.login(&victim, &victim_code).await.unwrap();
    let resume = welcome["resume_token"].as_str().unwrap().to_string();

    // Six wrong attempts on two connections: the first connection is closed after five.
    let mut a = app.socket().await;
    for _ in 0..5 {
        a.send(json!({"type": "login", "candidate": victim, "code": "AAAAA-AAAAA"})).await.unwrap();
        assert_error(&a.next(SECS).await.unwrap(), "login_failed");
    }
    assert!(a.next(SECS).await.is_none(), "the attacker's connection is closed");
    assert_eq!(a.closed, Some(1008));
    let mut a2 = app.socket().await;
    a2.send(json!({"type": "resume", "candidate": victim, "token": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}))
        .await
        .unwrap();
    assert_error(&a2.next(SECS).await.unwrap(), "resume_failed");

    // The victim is never refused: the resume token works (today's code answered rate_limited).
    let mut v2 = app.socket().await;
    let back = v2.resume(&victim, &resume).await.unwrap();
    assert_eq!(back["type"], "welcome", "{back}");

    // The proctor's view: the victim's seat carries the alarm; clearing it is audited.
    let mut p = CandidateSocket::connect(&app.ws.replace("/ws/candidate", "/ws/proctor")).await.unwrap();
    p.send(json!({"type": "login", "token": app.board.token, "event": "E1", "room": "P001"})).await.unwrap();
    let roster = p.expect("roster", SECS).await.unwrap();
    let seat = roster["seats"].as_array().unwrap().iter().find(|s| s["number"] == victim.as_str()).unwrap();
    assert_eq!(seat["login_alarm"]["failures"], 6, "{seat}");
    let other = roster["seats"].as_array().unwrap().iter().find(|s| s["number"] != victim.as_str()).unwrap();
    assert!(other["login_alarm"].is_null(), "{other}");
    let cleared = app
        .board
        .post(&format!("/api/v1/events/E1/candidates/{victim}/clear-login-alarm"), json!({}))
        .await
        .unwrap();
    assert_eq!(cleared["failures"], 6, "{cleared}");
    assert!(cleared["seat"]["login_alarm"].is_null(), "{cleared}");
    let seat = p.expect("seat", SECS).await.unwrap();
    assert!(seat["seat"]["login_alarm"].is_null(), "{seat}");
}
both_backends!(an_attacker_cannot_lock_a_classmate_out);
