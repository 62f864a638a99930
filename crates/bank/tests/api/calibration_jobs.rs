//! Calibration as a background job (issue 16, finding 13): 202 with a job at once, progress, the
//! run kept when done, cancellation that stores nothing, and the job's own role checks.

use reqwest::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::common::{Backend, TestApp};

/// Starts a calibration (`query` after `/api/v1/calibrations`), follows its job until it ends
/// and returns the stored run (`GET /api/v1/calibrations/{id}`).
pub async fn calibrate_and_wait(app: &TestApp, token: &str, query: &str, csv: Vec<u8>) -> Value {
    let (s, started) =
        app.post_raw(Some(token), &format!("/api/v1/calibrations{query}"), "text/csv", csv).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{started}");
    let job = wait(app, token, started["href"].as_str().unwrap()).await;
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(job["progress"], 1.0);
    let (s, run) = app
        .get(Some(token), &format!("/api/v1/calibrations/{}", job["calibration_id"].as_str().unwrap()))
        .await;
    assert_eq!(s, StatusCode::OK, "{run}");
    run
}

async fn delete(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let res = app.client.delete(format!("{}{path}", app.url)).bearer_auth(token).send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Polls a job until it is no longer queued or running (at most two minutes).
async fn wait(app: &TestApp, token: &str, href: &str) -> Value {
    for _ in 0..1200 {
        let (s, job) = app.get(Some(token), href).await;
        assert_eq!(s, StatusCode::OK, "{job}");
        if job["status"] != "queued" && job["status"] != "running" {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("calibration job {href} did not end in two minutes");
}

async fn a_calibration_job_is_followed_and_cancelled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::assembly::import_pool(&app).await;
    let board = app.login("board").await;
    let writer = app.login("writer").await;
    let csv = crate::calibration::responses().0;

    let run = calibrate_and_wait(&app, &board, "?model=2pl", csv.clone()).await;
    assert_eq!(run["report"]["items"].as_array().unwrap().len(), 24, "the run is kept");

    let (s, started) = app.post_raw(Some(&board), "/api/v1/calibrations", "text/csv", csv.clone()).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{started}");
    let href = started["href"].as_str().unwrap();
    let (s, _) = app.get(Some(&writer), href).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "writers do not follow calibrations");
    let (s, _) = delete(&app, &writer, href).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, cancelled) = delete(&app, &board, href).await;
    assert_eq!(s, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    let job = wait(&app, &board, href).await;
    assert_eq!(job["status"], "cancelled", "a late estimate does not revive it: {job}");
    assert_eq!(job["calibration_id"], Value::Null);
    let (s, body) = delete(&app, &board, href).await;
    assert_eq!(s, StatusCode::CONFLICT, "an ended job cannot be cancelled again: {body}");
    // Give the dropped estimate time to finish, then check it stored nothing.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let (_, history) = app.get(Some(&board), "/api/v1/items/P-SC-05/calibrations").await;
    assert_eq!(history.as_array().unwrap().len(), 1, "only the finished run: {history}");
    let (s, _) = app.get(Some(&board), "/api/v1/calibration-jobs/CJOB-none").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
both_backends!(a_calibration_job_is_followed_and_cancelled);
