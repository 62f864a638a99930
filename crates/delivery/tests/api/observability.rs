//! `/metrics` and `/readyz` on the delivery server.

use serde_json::{Value, json};

use crate::both_backends;
use crate::common::*;

async fn scrape(app: &TestApp) -> (reqwest::StatusCode, String) {
    let res = reqwest::get(format!("{}/metrics", app.url)).await.unwrap();
    (res.status(), res.text().await.unwrap())
}

fn value(text: &str, series: &str) -> f64 {
    text.lines().find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok())).unwrap_or(0.0)
}

async fn failed_logins_of_staff_and_candidates_are_counted(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (status, first) = scrape(&app).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(first.contains("khaothi_login_failures_total{service=\"delivery\"} 0"), "{first}");
    assert!(first.contains("# TYPE khaothi_http_requests_total counter"), "{first}");

    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", app.url))
        .json(&json!({"username": "board", "password": "not-the-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::UNAUTHORIZED);
    let (list, _) = app.event("E1", 1, 1, None).await;
    let mut s = app.socket().await;
    assert!(s.login(&list[0].0, "WRONG-CODE").await.is_err());

    let (_, text) = scrape(&app).await;
    assert_eq!(value(&text, "khaothi_login_failures_total{service=\"delivery\"}"), 2.0, "{text}");
    let refused = "khaothi_http_requests_total{service=\"delivery\",route=\"/api/v1/auth/login\",method=\"POST\",status=\"401\"}";
    assert_eq!(value(&text, refused), 1.0, "{text}");
}
both_backends!(failed_logins_of_staff_and_candidates_are_counted);

async fn readiness_includes_the_writer(b: Backend) {
    let app = TestApp::spawn(b).await;
    let v: Value = reqwest::get(format!("{}/readyz", app.url)).await.unwrap().json().await.unwrap();
    assert_eq!(v, json!({"ready": true, "checks": {"database": "ok", "migrations": "ok", "writer": "ok"}}));
}
both_backends!(readiness_includes_the_writer);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_answer_only_the_allow_list() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.metrics_allow = vec!["192.0.2.0/24".into()]).await;
    let (status, text) = scrape(&app).await;
    assert_eq!(status, reqwest::StatusCode::FORBIDDEN, "{text}");
}

// The dashboard (deploy/grafana/khaothi.json) is checked against both services' scrapes, in both
// directions, by tests/tests/dashboard.rs (real bank and delivery processes).

/// An answer shows in the delivery families: the open socket, the acknowledgement and its
/// latency, and the writer's commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_is_counted_from_socket_to_commit() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (list, _) = app.event("E1", 1, 1, None).await;
    let mut s = app.socket().await;
    let w = s.login(&list[0].0, &list[0].2).await.unwrap();
    let item = &w["items"][0];
    s.answer(1, item["id"].as_str().unwrap(), khaothi_loadtest::candidate::some_answer(item, 1))
        .await
        .unwrap();
    let (_, text) = scrape(&app).await;
    let v = |series: &str| value(&text, series);
    assert_eq!(v("khaothi_answers_total{service=\"delivery\",outcome=\"acknowledged\"}"), 1.0, "{text}");
    assert_eq!(v("khaothi_websocket_connections{service=\"delivery\",kind=\"candidate\"}"), 1.0, "{text}");
    assert_eq!(v("khaothi_ack_latency_seconds_count{service=\"delivery\"}"), 1.0, "{text}");
    assert!(v("khaothi_writer_batch_rows_count{service=\"delivery\"}") >= 1.0, "{text}");
    drop(s);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (_, text) = scrape(&app).await;
    assert_eq!(
        value(&text, "khaothi_websocket_connections{service=\"delivery\",kind=\"candidate\"}"),
        0.0,
        "{text}"
    );
}

/// Issue 18 §4: the pools, the events by status and the control-room reports are listed at zero
/// before any traffic, and the gauges are read at each scrape.
async fn pools_events_and_reports_are_scraped(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, first) = scrape(&app).await;
    for series in [
        "khaothi_events{service=\"delivery\",status=\"open\"} 0",
        "khaothi_events{service=\"delivery\",status=\"created\"} 0",
        "khaothi_site_reports_total{service=\"delivery\",outcome=\"sent\"} 0",
        "khaothi_site_reports_total{service=\"delivery\",outcome=\"failed\"} 0",
        "# TYPE khaothi_db_pool_connections gauge",
    ] {
        assert!(first.contains(series), "listed before any traffic: {series}\n{first}");
    }
    for pool in ["read", "write"] {
        let sum: f64 = ["idle", "in_use"]
            .iter()
            .map(|s| {
                value(
                    &first,
                    &format!(
                        "khaothi_db_pool_connections{{service=\"delivery\",pool=\"{pool}\",state=\"{s}\"}}"
                    ),
                )
            })
            .sum();
        assert!(sum >= 1.0, "{pool}: {first}");
    }
    app.event("E1", 2, 2, None).await;
    let (_, text) = scrape(&app).await;
    assert_eq!(value(&text, "khaothi_events{service=\"delivery\",status=\"open\"}"), 1.0, "{text}");
}
both_backends!(pools_events_and_reports_are_scraped);
