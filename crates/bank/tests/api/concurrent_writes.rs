//! Write requests that overlap all succeed: on SQLite each write transaction takes the write lock
//! at its start (`khaothi_store::begin_write`, `BEGIN IMMEDIATE`) and waits for the one before, where
//! a deferred `BEGIN` that read first answered 500 "database is locked" (a submit overlapping a
//! delivery site's control-room report in `khaothi demo`). Each request here reads the settings,
//! then writes them and an audit entry, in one transaction.

use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::common::{Backend, TestApp};

/// Concurrent requests, more than the bank's 16 pooled connections.
const REQUESTS: usize = 32;

async fn overlapping_settings_changes_all_succeed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..REQUESTS {
        let (api, token) = ((*app).clone(), admin.clone());
        tasks.spawn(async move {
            let body = json!({"closed_bank": n % 2 == 0});
            (n, api.put(Some(&token), "/api/v1/organisation/settings", body).await)
        });
    }
    let mut failed = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (n, (status, body)) = done.expect("the request task runs");
        if status != StatusCode::OK {
            failed.push(format!("request {n}: {status} {body}"));
        }
    }
    assert!(failed.is_empty(), "overlapping writes failed: {failed:#?}");
    let (s, log) = app.get(Some(&admin), "/api/v1/audit?action=org_settings_set").await;
    assert_eq!(s, StatusCode::OK, "{log}");
    assert_eq!(log["total"], REQUESTS as u64, "one audit entry per change: {log}");
}
both_backends!(overlapping_settings_changes_all_succeed);
