//! The exam-day control room (issue 18 §2): 50 simulated delivery sites report over real HTTP to
//! a real bank — 40 fine, 3 with incidents, 2 still locked after the scheduled unlock, 2 whose
//! response chain stands still, 3 that go quiet — and the board's view puts each in its state.
//! A replayed or older report, a bad or missing signature, an unregistered key, a malformed or
//! oversized body are refused, each with its code; the refusals and acceptances are counted in
//! `/metrics`.

use std::time::Duration;

use khaothi_package::site_report::sign_report;
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::common::{Backend, TestApp, assert_error};
use crate::sites::{Behaviour, EVENT, SimSite, fifty, one_round, run_rounds, send};

async fn fifty_sites_report_and_the_board_sees_each_state(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.control_room.offline_after_seconds = 8;
        c.control_room.stalled_after_seconds = 5;
        c.control_room.late_after_minutes = 0;
        c.control_room.max_report_bytes = 64 * 1024;
    })
    .await;
    let board = app.login("board").await;
    let mut sites = fifty();
    let mut ids = Vec::new();
    for s in &sites {
        ids.push(s.register(&app.client, &app.url, &board).await);
    }
    let unlock_by = (chrono::Utc::now() - chrono::Duration::minutes(10)).to_rfc3339();
    let (s, b) = app
        .put(
            Some(&board),
            "/api/v1/control-room/schedule",
            json!({"event_id": EVENT, "unlock_by": unlock_by}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["set_by"], "board");

    // Eight rounds a second apart, a pause (the silent sites are now 9 s quiet), and a last
    // round of everyone else, so the fine sites are fresh while the stuck ones stood still 9 s.
    let mut accepted = run_rounds(&mut sites, &app.url, 8, Duration::from_millis(1000)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    accepted += one_round(&mut sites, &app.url, false).await;
    assert_eq!(accepted, 47 * 9 + 3);

    let (s, room) = app.get(Some(&board), "/api/v1/control-room").await;
    assert_eq!(s, StatusCode::OK, "{room}");
    let list = room["sites"].as_array().unwrap();
    assert_eq!(list.len(), 50);
    assert_eq!(
        room["summary"],
        json!({"offline": 3, "stalled": 2, "late": 2, "incidents": 3, "online": 40}),
        "{room}"
    );
    let state_of = |name: &str| list.iter().find(|r| r["name"] == name).unwrap().clone();
    for s in &sites {
        let row = state_of(&s.name);
        let want = match s.behaviour {
            Behaviour::Fine => "online",
            Behaviour::Incidents => "incidents",
            Behaviour::Locked => "late",
            Behaviour::Stuck => "stalled",
            Behaviour::Silent => "offline",
        };
        assert_eq!(row["state"], want, "{}: {row}", s.name);
    }
    // Most urgent first.
    assert_eq!(list[0]["state"], "offline");
    assert_eq!(list[49]["state"], "online");
    let fine = state_of(&sites[0].name);
    assert_eq!(fine["total"]["in_progress"], 60);
    assert_eq!(fine["total"]["logged_in"], 60);
    assert_eq!(fine["events"][0]["status"], "open");
    assert_eq!(fine["chains"]["responses"]["length"], 500 + 37 * 9);
    assert_eq!(fine["nodes"][0]["node"], "main");
    let late = state_of(&sites[43].name);
    assert_eq!(late["events"][0]["late"], true);
    assert_eq!(state_of(&sites[40].name)["incidents"], 6);

    // One site: its rooms and its last hour.
    let (s, d) = app.get(Some(&board), &format!("/api/v1/control-room/sites/{}", ids[0])).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["reports"][0]["events"][0]["rooms"].as_array().unwrap().len(), 3);
    assert_eq!(d["history"].as_array().unwrap().len(), 9);
    assert_eq!(d["history"][0]["responses_length"], 500 + 37 * 9, "newest first");
    let (s, _) = app.get(Some(&board), "/api/v1/control-room/sites/SITE-nothing").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The refusals send two honest reports of their own besides.
    refusals(&app, &mut sites[0]).await;
    let accepted = accepted + 2;

    let metrics = app.client.get(format!("{}/metrics", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains(&format!(
            "khaothi_site_reports_total{{service=\"bank\",outcome=\"accepted\"}} {accepted}"
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains("khaothi_site_reports_total{service=\"bank\",outcome=\"report_replayed\"} 2"),
        "{metrics}"
    );

    // The schedule: listed, removed (then the locked sites are no longer late), audited.
    let (_, sched) = app.get(Some(&board), "/api/v1/control-room/schedule").await;
    assert_eq!(sched[0]["event_id"], EVENT);
    let res = app
        .client
        .delete(format!("{}/api/v1/control-room/schedule/{EVENT}", app.url))
        .bearer_auth(&board)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (_, room) = app.get(Some(&board), "/api/v1/control-room").await;
    assert_eq!(room["summary"]["late"], 0, "{room}");
    let (s, b) = app
        .put(Some(&board), "/api/v1/control-room/schedule", json!({"event_id": " ", "unlock_by": unlock_by}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_error(&b, "invalid_event");
}
both_backends!(fifty_sites_report_and_the_board_sees_each_state);

/// Everything a site's report may not be.
async fn refusals(app: &TestApp, site: &mut SimSite) {
    let http = &app.client;
    // The same report again (a replay), then an older one.
    let (status, _, body, sig) = site.report(http, &app.url).await;
    assert_eq!(status, 202);
    let (status, answer) = send(http, &app.url, body.clone(), Some(&sig)).await;
    assert_eq!(status, 409, "{answer}");
    assert_error(&answer, "report_replayed");
    let mut older = site.next_report();
    older.counter -= 5;
    let (b, s) = sign_report(older, &site.key);
    let (status, answer) = send(http, &app.url, b, Some(&s)).await;
    assert_eq!(status, 409, "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("not above"), "{answer}");
    // Signed by another key while naming this site's key; a changed byte; no signature.
    let thief = SimSite::new(99, Behaviour::Fine);
    let (_, forged) = sign_report(site.next_report(), &thief.key);
    let (honest, _) = sign_report(site.next_report(), &site.key);
    let (status, answer) = send(http, &app.url, honest.clone(), Some(&forged)).await;
    assert_eq!(status, 422, "{answer}");
    assert_error(&answer, "report_refused");
    let (mut body, sig) = sign_report(site.next_report(), &site.key);
    let text = String::from_utf8(body.clone()).unwrap().replace("\"in_progress\":20", "\"in_progress\":21");
    body = text.into_bytes();
    let (status, answer) = send(http, &app.url, body, Some(&sig)).await;
    assert_eq!((status, answer["error"].clone()), (422, json!("report_refused")), "{answer}");
    let (status, answer) = send(http, &app.url, honest, None).await;
    assert_eq!((status, answer["error"].clone()), (422, json!("report_refused")), "{answer}");
    // A key no site registered.
    let mut stranger = SimSite::new(77, Behaviour::Fine);
    let (status, answer, _, _) = stranger.report(http, &app.url).await;
    assert_eq!(status, 422, "{answer}");
    assert_error(&answer, "unknown_site");
    // Not a report; a report over the limit.
    let (status, answer) = send(http, &app.url, b"{\"format\":1}".to_vec(), Some("AAAA")).await;
    assert_eq!((status, answer["error"].clone()), (400, json!("report_malformed")), "{answer}");
    let mut big = site.next_report();
    big.events[0].rooms = (0..1500).map(|_| big.events[0].rooms[0].clone()).collect();
    let (b, s) = sign_report(big, &site.key);
    assert!(b.len() > 64 * 1024);
    let (status, answer) = send(http, &app.url, b, Some(&s)).await;
    assert_eq!(status, 413, "{answer}");
    // None of these moved the counter: the next honest report is accepted.
    let (status, answer, _, _) = site.report(http, &app.url).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["accepted"], true);
}
