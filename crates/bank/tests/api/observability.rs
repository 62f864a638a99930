//! `/metrics` (Prometheus text, allow-listed, every family listed before any traffic) and
//! `/readyz` (database and schema) on the bank.

use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::common::*;

async fn scrape(app: &TestApp) -> (StatusCode, String) {
    let res = reqwest::get(format!("{}/metrics", app.url)).await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The sample's value (`name{labels} value`), 0 when absent.
fn value(text: &str, series: &str) -> f64 {
    text.lines().find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok())).unwrap_or(0.0)
}

async fn metrics_count_requests_and_failed_logins(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (status, first) = scrape(&app).await;
    assert_eq!(status, StatusCode::OK);
    for family in [
        "# TYPE khaothi_http_requests_total counter",
        "# TYPE khaothi_http_request_duration_seconds histogram",
        "# TYPE khaothi_login_failures_total counter",
    ] {
        assert!(first.contains(family), "listed before any traffic: {family}\n{first}");
    }
    assert!(first.contains("khaothi_login_failures_total{service=\"bank\"} 0"), "{first}");

    let (s, _) = app
        .post(None, "/api/v1/auth/login", json!({"username": "admin", "password": "wrong-password"}))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let token = app.login("admin").await;
    let (s, _) = app.get(Some(&token), "/api/v1/items/NOPE-1").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (_, text) = scrape(&app).await;
    assert_eq!(value(&text, "khaothi_login_failures_total{service=\"bank\"}"), 1.0, "{text}");
    let by_route = "khaothi_http_requests_total{service=\"bank\",route=\"/api/v1/items/{id}\",method=\"GET\",status=\"404\"}";
    assert_eq!(value(&text, by_route), 1.0, "the route as declared, never the raw path:\n{text}");
    assert!(!text.contains("NOPE-1"), "no raw path in a label");
    let logins = "khaothi_http_requests_total{service=\"bank\",route=\"/api/v1/auth/login\",method=\"POST\",status=\"401\"}";
    assert_eq!(value(&text, logins), 1.0, "{text}");
}
both_backends!(metrics_count_requests_and_failed_logins);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_answer_only_the_allow_list() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.metrics_allow = vec!["10.0.0.0/8".into()]).await;
    let (status, text) = scrape(&app).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    assert!(text.contains("allow-list") && text.contains("\"error\""), "{text}");
}

async fn readiness_reports_database_and_schema(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (s, v) = app.get(None, "/readyz").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["ready"], true);
    assert_eq!(v["checks"]["database"], "ok");
    assert_eq!(v["checks"]["migrations"], "ok");
}
both_backends!(readiness_reports_database_and_schema);

/// Issue 18 §4: the database pool, the control-room reports and the job durations are listed at
/// zero before any traffic; a calibration job is timed under its outcome.
async fn pool_reports_and_job_durations_are_scraped(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, first) = scrape(&app).await;
    for series in [
        "khaothi_site_reports_total{service=\"bank\",outcome=\"accepted\"} 0",
        "khaothi_calibration_job_seconds_count{service=\"bank\",outcome=\"done\"} 0",
        "khaothi_calibration_job_seconds_count{service=\"bank\",outcome=\"failed\"} 0",
        "khaothi_assembly_job_seconds_count{service=\"bank\",outcome=\"infeasible\"} 0",
        "# TYPE khaothi_db_pool_connections gauge",
    ] {
        assert!(first.contains(series), "listed before any traffic: {series}\n{first}");
    }
    let pool = |t: &str, state: &str| {
        value(t, &format!("khaothi_db_pool_connections{{service=\"bank\",pool=\"main\",state=\"{state}\"}}"))
    };
    assert!(pool(&first, "idle") + pool(&first, "in_use") >= 1.0, "the pool is read at the scrape: {first}");

    crate::assembly::import_pool(&app).await;
    let board = app.login("board").await;
    crate::calibration_jobs::calibrate_and_wait(
        &app,
        &board,
        "?model=2pl",
        crate::calibration::responses().0,
    )
    .await;
    // The job's task records its duration right after it stores the run.
    let mut text = String::new();
    for _ in 0..50 {
        text = scrape(&app).await.1;
        if value(&text, "khaothi_calibration_job_seconds_count{service=\"bank\",outcome=\"done\"}") == 1.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        value(&text, "khaothi_calibration_job_seconds_count{service=\"bank\",outcome=\"done\"}"),
        1.0,
        "{text}"
    );
    assert!(value(&text, "khaothi_calibration_job_seconds_sum{service=\"bank\",outcome=\"done\"}") > 0.0);
}
both_backends!(pool_reports_and_job_durations_are_scraped);
