//! The readiness answer both services give at `/readyz` (issue 18 §4): `/healthz` says the
//! process answers (liveness: restart it when not); `/readyz` says it can do its work now
//! (readiness: send it traffic only when so) — the database answers, its schema is current, and
//! (delivery) the single writer runs.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `true` when every check passed.
    pub ready: bool,
    /// Each check by name (`database`, `migrations`, `writer`): `ok`, or what is wrong.
    pub checks: BTreeMap<&'static str, String>,
}

impl Readiness {
    pub fn new() -> Self {
        Self { ready: true, checks: BTreeMap::new() }
    }

    /// Records one check; any failure makes the whole answer not ready.
    pub fn check(&mut self, name: &'static str, outcome: Result<(), String>) {
        self.ready &= outcome.is_ok();
        self.checks.insert(name, outcome.err().unwrap_or_else(|| "ok".into()));
    }

    /// 200 when ready, 503 when not, with the checks either way.
    pub fn into_response(self) -> (StatusCode, Json<Readiness>) {
        let status = if self.ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
        (status, Json(self))
    }
}

impl Default for Readiness {
    fn default() -> Self {
        Self::new()
    }
}
