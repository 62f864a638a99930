//! One error type for the HTTP layer of both services; every failure leaves as
//! `{"error": code, "message": text}` (plus `details` for invalid items and `report` for a refused
//! batch). The `error` code is the contract clients branch on; the message is for people.
//! Internal errors are logged in full and reach the client only as a generic message.
//!
//! The variants are the union of what the bank and the delivery server need. Service-local errors
//! convert with `From` impls beside their own types (the orphan rule allows `impl From<Local> for
//! ApiError` there); sea-orm's `DbErr` and the store's `StoreError`, foreign to both services,
//! convert here behind the `sea-orm` and `store` features (a storage crate should not know HTTP).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use khaothi_domain::FieldError;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A request the server understood but will not take, with its own code (`invalid_json`,
    /// `invalid_query`, `invalid_path`, `bad_body`, and the handlers' own codes). 400.
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// An item (or another record) that fails validation; `errors` go out as `details`. 422 `invalid`.
    #[error("{message}")]
    Invalid { message: String, errors: Vec<FieldError> },
    /// No access token was sent. 401 `unauthorized`, with `www-authenticate: Bearer`.
    #[error("{0}")]
    Unauthorized(String),
    /// The access token does not verify, has expired or is not valid on this service. 401
    /// `invalid_token`, with `www-authenticate: Bearer`.
    #[error("{0}")]
    InvalidToken(String),
    /// The user's role may not do this. 403 `forbidden`.
    #[error("{0}")]
    Forbidden(String),
    /// A wrong user name, password or login code. 401 `login_failed`.
    #[error("{0}")]
    LoginFailed(String),
    /// No such record or route. 404 `not_found`.
    #[error("{0}")]
    NotFound(String),
    /// The request contradicts the current state (a duplicate, a stale version). 409 `conflict`.
    #[error("{0}")]
    Conflict(String),
    /// A workflow rule refuses the action (e.g. editing an approved item). 403 `not_allowed`.
    #[error("{0}")]
    NotAllowed(String),
    /// The body is larger than the route accepts. 413 `payload_too_large`.
    #[error("{0}")]
    TooLarge(String),
    /// The body is not of the type the route reads; the message names the expected type.
    /// 415 `unsupported_media_type`.
    #[error("{0}")]
    UnsupportedMedia(String),
    /// A signed result file that does not verify or cannot be read (bank). 422 `result_refused`.
    #[error("{0}")]
    ResultRefused(String),
    /// A result file signed by a key no registered site has (bank). 422 `unknown_site`.
    #[error("{0}")]
    UnknownSite(String),
    /// A control-room report whose signature does not verify (bank). 422 `report_refused`.
    #[error("{0}")]
    ReportRefused(String),
    /// A control-room report whose counter is not above the last one accepted from its site and
    /// node: a replayed or older report (bank). 409 `report_replayed`.
    #[error("{0}")]
    ReportReplayed(String),
    /// Scoring, results and exports wait for the keys section's release (delivery).
    /// 409 `keys_not_released`.
    #[error("{0}")]
    KeysNotReleased(String),
    /// A package refused on import (bad signature, malformed) or a key that does not open it
    /// (delivery). 422 `package_refused`.
    #[error("{0}")]
    PackageRefused(String),
    /// A batch refused as a whole (the bank's item import, the delivery's candidate CSV); `report`
    /// lists each row's problems and goes out as `report`. 422 `rejected`.
    #[error("{message}")]
    Rejected { message: String, report: serde_json::Value },
    /// A hash chain does not verify: nothing is signed over it (delivery). 409 `chain_broken`.
    #[error("{0}")]
    ChainBroken(String),
    /// The bank could not be reached or refused an upload; the message carries the bank's words
    /// (delivery). 502 `upload_failed`.
    #[error("{0}")]
    UploadFailed(String),
    /// Too many failed logins; the number is the seconds to wait, also sent as `retry-after`.
    /// 429 `rate_limited`.
    #[error("too many failed logins; try again in {0} s")]
    RateLimited(u64),
    /// Every password-hashing slot and queue place is taken; the number is the seconds to wait,
    /// also sent as `retry-after`. 503 `busy`.
    #[error("the server is checking too many passwords at once; try again in {0} s")]
    Busy(u64),
    /// The route exists but not for this method. 405 `method_not_allowed`.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// Anything the client cannot act on; the detail is logged, never sent. 500 `internal`.
    #[error("internal error")]
    Internal(String),
}

/// Shorthand for handlers.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest { code, message: message.into() }
    }

    /// A validation failure of `item` (or of the request when `None`), listing every field error.
    pub fn invalid(item: Option<&str>, errors: Vec<FieldError>) -> Self {
        let list = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        let message = match item {
            Some(id) => format!("item {id} is invalid: {list}"),
            None => format!("invalid: {list}"),
        };
        Self::Invalid { message, errors }
    }

    /// The HTTP status and the `error` code; the websockets send the same codes.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, *code),
            Self::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::InvalidToken(_) => (StatusCode::UNAUTHORIZED, "invalid_token"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::LoginFailed(_) => (StatusCode::UNAUTHORIZED, "login_failed"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::NotAllowed(_) => (StatusCode::FORBIDDEN, "not_allowed"),
            Self::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::UnsupportedMedia(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            Self::ResultRefused(_) => (StatusCode::UNPROCESSABLE_ENTITY, "result_refused"),
            Self::UnknownSite(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_site"),
            Self::ReportRefused(_) => (StatusCode::UNPROCESSABLE_ENTITY, "report_refused"),
            Self::ReportReplayed(_) => (StatusCode::CONFLICT, "report_replayed"),
            Self::KeysNotReleased(_) => (StatusCode::CONFLICT, "keys_not_released"),
            Self::PackageRefused(_) => (StatusCode::UNPROCESSABLE_ENTITY, "package_refused"),
            Self::Rejected { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "rejected"),
            Self::ChainBroken(_) => (StatusCode::CONFLICT, "chain_broken"),
            Self::UploadFailed(_) => (StatusCode::BAD_GATEWAY, "upload_failed"),
            Self::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            Self::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let (status, code) = self.status_and_code();
        let mut body = json!({"error": code, "message": self.to_string()});
        let mut extra_header = None;
        match self {
            Self::Invalid { errors, .. } => body["details"] = json!(errors),
            Self::Rejected { report, .. } => body["report"] = report,
            Self::RateLimited(secs) | Self::Busy(secs) => {
                extra_header = Some((header::RETRY_AFTER, HeaderValue::from(secs)))
            }
            Self::Unauthorized(_) | Self::InvalidToken(_) => {
                extra_header = Some((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            _ => {}
        }
        let mut res = (status, axum::Json(body)).into_response();
        if let Some((name, value)) = extra_header {
            res.headers_mut().insert(name, value);
        }
        res
    }
}

#[cfg(feature = "sea-orm")]
impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Internal(e.to_string())
    }
}

/// The store's errors by meaning: a missing record is a 404, a clash a 409, a refused workflow
/// step a 403; a database or corrupt-data error is internal.
#[cfg(feature = "store")]
impl From<khaothi_store::StoreError> for ApiError {
    fn from(e: khaothi_store::StoreError) -> Self {
        use khaothi_store::StoreError;
        match e {
            StoreError::NotFound(m) => Self::NotFound(m),
            StoreError::Conflict(m) => Self::Conflict(m),
            StoreError::Rule(m) => Self::NotAllowed(m),
            e @ (StoreError::Db(_) | StoreError::Corrupt(_)) => Self::Internal(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn parts(e: ApiError) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let res = e.into_response();
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        (parts.status, parts.headers, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn every_error_is_a_json_body_with_its_code() {
        let (status, headers, body) =
            parts(ApiError::bad_request("invalid_query", "limit: not a number")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(headers[header::CONTENT_TYPE], "application/json");
        assert_eq!(body, json!({"error": "invalid_query", "message": "limit: not a number"}));
        let (status, _, body) = parts(ApiError::KeysNotReleased("wait".into())).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("keys_not_released")));
    }

    #[tokio::test]
    async fn internal_detail_never_reaches_the_client() {
        let (status, _, body) = parts(ApiError::Internal("password=hunter2 at db.rs:12".into())).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body, json!({"error": "internal", "message": "internal error"}));
    }

    #[tokio::test]
    async fn invalid_items_carry_details_and_refused_batches_their_report() {
        let e = ApiError::invalid(Some("M1"), vec![FieldError::new("options[2]", "empty option")]);
        let (status, _, body) = parts(e).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"], "invalid");
        assert!(body["message"].as_str().unwrap().starts_with("item M1 is invalid: "));
        assert_eq!(body["details"][0]["field"], "options[2]");
        let (_, _, body) =
            parts(ApiError::Rejected { message: "2 rows refused".into(), report: json!({"rows": [3, 7]}) })
                .await;
        assert_eq!(body["report"], json!({"rows": [3, 7]}));
        assert_eq!(body["error"], "rejected");
    }

    #[tokio::test]
    async fn auth_failures_ask_for_a_bearer_token_and_rate_limits_say_when() {
        for e in [ApiError::Unauthorized("no token".into()), ApiError::InvalidToken("expired".into())] {
            let (status, headers, _) = parts(e).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
        }
        let (_, headers, _) = parts(ApiError::LoginFailed("wrong password".into())).await;
        assert!(!headers.contains_key(header::WWW_AUTHENTICATE), "a failed login is not a token problem");
        let (status, headers, body) = parts(ApiError::RateLimited(30)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers[header::RETRY_AFTER], "30");
        assert_eq!(body["message"], "too many failed logins; try again in 30 s");
    }
}
