use std::sync::Arc;

use axum::extract::FromRef;
use khaothi_auth::{JwtKeys, LoginLimiter, PasswordPool};
use khaothi_package::BoardSigningKey;
use khaothi_store::DatabaseConnection;

use crate::config::BankConfig;

/// Everything a handler needs, passed explicitly; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub keys: JwtKeys,
    pub limiter: Arc<LoginLimiter>,
    /// Where login passwords are checked (bounded; crate::login).
    pub passwords: Arc<PasswordPool>,
    /// Failed logins for unknown names, audited in aggregate (crate::login).
    pub unknown_failures: Arc<crate::failed_logins::UnknownFailures>,
    pub config: Arc<BankConfig>,
    /// Signs the exam packages the bank builds.
    pub board_key: Arc<BoardSigningKey>,
    /// `/metrics` (khaothi_http::metrics).
    pub metrics: Arc<khaothi_http::metrics::Metrics>,
    /// The bank's own families in that registry (crate::metrics).
    pub live: Arc<crate::metrics::BankMetrics>,
}

impl FromRef<AppState> for JwtKeys {
    fn from_ref(s: &AppState) -> JwtKeys {
        s.keys.clone()
    }
}
