//! The site's reports to the bank's exam-day control room (issue 18 §2), from a real delivery
//! server to a real bank: once the bank knows the site's key, the site shows online with its
//! event, rooms and counts (and nothing but counts and states); when the bank goes away the exam
//! goes on, and the failed reports are counted and retried, never in the candidates' way.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::both_backends;
use crate::chains::answered_event;
use crate::common::*;
use crate::upload::bank;

async fn control_room_row(bank_url: &str, token: &str) -> Option<Value> {
    let res = reqwest::Client::new()
        .get(format!("{bank_url}/api/v1/control-room"))
        .bearer_auth(token)
        .send()
        .await
        .ok()?;
    let room: Value = res.json().await.ok()?;
    room["sites"].as_array()?.iter().find(|s| s["name"] == "Điểm thi số 1").cloned()
}

async fn the_site_reports_and_the_exam_never_waits_for_the_bank(b: Backend) {
    let bank = bank(b).await;
    let app = TestApp::spawn_with(b, |c| {
        c.bank_url = Some(bank.url.clone());
        c.control_room.report_seconds = 1;
        c.control_room.node = "may-chu-1".into();
    })
    .await;
    let site = khaothi_delivery::site::load_or_create_site_key(&app.config).unwrap().public();
    let bank_board =
        khaothi_loadtest::board::BoardClient::login(&bank.url, "board", "khaothi-demo").await.unwrap();
    bank_board
        .post("/api/v1/sites", json!({"name": "Điểm thi số 1", "public_key": site.to_string()}))
        .await
        .unwrap();
    answered_event(&app).await;

    // Within a few report intervals the board sees the site, its event and every submission.
    let token = bank_board.token.clone();
    let start = Instant::now();
    let row = loop {
        if let Some(r) = control_room_row(&bank.url, &token).await
            && r["state"] != "offline"
            && r["events"]
                .as_array()
                .is_some_and(|e| e.iter().any(|e| e["id"] == "E1" && e["total"]["submitted"] == 2))
        {
            break r;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the site never showed: {:?}",
            control_room_row(&bank.url, &token).await
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(row["nodes"][0]["node"], "may-chu-1", "{row}");
    assert_eq!(row["software_version"], env!("CARGO_PKG_VERSION"));
    assert!(row["chains"]["responses"]["length"].as_u64().unwrap() >= 8, "{row}");
    let detail: Value = bank_board
        .get(&format!("/api/v1/control-room/sites/{}", row["site_id"].as_str().unwrap()))
        .await
        .unwrap();
    let report = &detail["reports"][0];
    assert_eq!(report["site"]["public_key"], site.to_string());
    let rooms = report["events"][0]["rooms"].as_array().unwrap();
    assert_eq!(rooms.len(), 1, "{report}");
    // Counts and states only: a room carries its names and numbers, nothing of a candidate.
    let keys: Vec<&str> = rooms[0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "absent",
            "candidates",
            "disconnected",
            "id",
            "in_progress",
            "incidents",
            "logged_in",
            "name",
            "not_started",
            "paused",
            "submitted",
            "terminated"
        ]
    );
    let text = report.to_string();
    for word in ["answer", "\"key", "number", "full_name", "code"] {
        assert!(!text.contains(word), "the report mentions {word}: {text}");
    }

    // The bank goes away: the site goes on serving, and counts the failed reports.
    drop(bank);
    let failed = |m: &str| {
        m.lines()
            .find(|l| l.starts_with("khaothi_site_reports_total{service=\"delivery\",outcome=\"failed\"}"))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let start = Instant::now();
    loop {
        let m = reqwest::get(format!("{}/metrics", app.url)).await.unwrap().text().await.unwrap();
        if failed(&m) >= 2 {
            assert!(m.contains("khaothi_site_reports_total{service=\"delivery\",outcome=\"sent\"}"), "{m}");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no failed report counted: {m}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let overview: Value = app.board.get("/api/v1/events/E1/overview").await.unwrap();
    assert_eq!(overview["total"]["submitted"], 2, "{overview}");
}
both_backends!(the_site_reports_and_the_exam_never_waits_for_the_bank);
