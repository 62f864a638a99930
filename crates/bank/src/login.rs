//! The bank's password check (issue 16, findings 1 and 2): what a login costs the server is
//! bounded before anything else happens.
//!
//! 1. Over-long names or passwords are refused at once: no limiter entry, no hashing, no audit
//!    row of their own.
//! 2. The per-account limiter ([`khaothi_auth::LoginLimiter`]) keys by a hash, in a table of fixed
//!    capacity.
//! 3. The password is checked on the fixed pool ([`khaothi_auth::PasswordPool`]); unknown names
//!    against a dummy hash of the same cost. A full pool answers 503 with `Retry-After`.
//! 4. The audit log records failed logins of existing accounts by name (at most the limiter's
//!    count per window each); failures for unknown or over-long names are counted and written as
//!    one `login_failed_unknown` row per minute at most, with the count: a flood of invented names
//!    cannot fill the table.

use khaothi_auth::{ClientSource, LoginRequest};
use khaothi_store::audit::{self, Actor};
use khaothi_store::users;

use crate::error::{ApiError, ApiResult};
use crate::failed_logins::UNKNOWN_AUDIT_PERIOD;
use crate::state::AppState;

/// Longest username looked at; longer ones fail at once.
pub const MAX_USERNAME_BYTES: usize = 128;
/// Longest password hashed; longer ones fail at once.
pub const MAX_PASSWORD_BYTES: usize = 1024;
fn failed() -> ApiError {
    ApiError::LoginFailed("wrong username or password".into())
}

/// The account, when `req` names an active one with its password; otherwise the refusal.
pub async fn check_password(
    state: &AppState,
    source: ClientSource,
    req: &LoginRequest,
) -> ApiResult<users::User> {
    if req.username.is_empty()
        || req.username.len() > MAX_USERNAME_BYTES
        || req.password.len() > MAX_PASSWORD_BYTES
    {
        unknown_failure(state).await?;
        return Err(failed());
    }
    let key = format!("user:{}", req.username.to_lowercase());
    state.limiter.check(&key).map_err(ApiError::RateLimited)?;
    let user = users::find_by_username(&state.db, &req.username).await?;
    let hash = user.as_ref().map(|u| u.password_hash.as_str());
    let valid = state
        .passwords
        .verify(source.0, &req.password, hash)
        .await
        .map_err(|busy| ApiError::Busy(busy.retry_after))?;
    match user {
        Some(u) if valid && u.active => {
            state.limiter.reset(&key);
            Ok(u)
        }
        Some(u) => {
            state.limiter.record_failure(&key);
            state.metrics.login_failures.inc();
            let actor = Actor { org_id: u.org_id.clone(), username: u.username.clone(), role: "-".into() };
            audit::record(&state.db, &actor, "login_failed", "user", &u.username, serde_json::json!({}))
                .await?;
            Err(failed())
        }
        None => {
            state.limiter.record_failure(&key);
            state.metrics.login_failures.inc();
            unknown_failure(state).await?;
            Err(failed())
        }
    }
}

async fn unknown_failure(state: &AppState) -> ApiResult<()> {
    if let Some(count) = state.unknown_failures.note() {
        let actor =
            Actor { org_id: khaothi_store::DEFAULT_ORG.into(), username: "-".into(), role: "-".into() };
        let detail = serde_json::json!({"count": count, "period_seconds": UNKNOWN_AUDIT_PERIOD.as_secs()});
        audit::record(&state.db, &actor, "login_failed_unknown", "user", "-", detail).await?;
    }
    Ok(())
}
