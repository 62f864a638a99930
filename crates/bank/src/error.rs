//! One error type for the HTTP layer; every failure leaves as `{"error": code, "message": text}`.
//! Internal errors are logged in full and reach the client only as a generic message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use khaothi_auth::AuthError;
use khaothi_domain::FieldError;
use khaothi_store::StoreError;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{message}")]
    Invalid { message: String, errors: Vec<FieldError> },
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("{0}")]
    LoginFailed(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedMedia(String),
    /// A signed result file that does not verify or cannot be read.
    #[error("{0}")]
    ResultRefused(String),
    /// A result file signed by a key no registered site has.
    #[error("{0}")]
    UnknownSite(String),
    #[error("too many failed logins; try again in {0} s")]
    RateLimited(u64),
    /// A report that explains a refused batch (import all-or-nothing).
    #[error("{message}")]
    Rejected { message: String, report: serde_json::Value },
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest { code, message: message.into() }
    }

    pub fn invalid(item: Option<&str>, errors: Vec<FieldError>) -> Self {
        let list = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        let message = match item {
            Some(id) => format!("item {id} is invalid: {list}"),
            None => format!("invalid: {list}"),
        };
        Self::Invalid { message, errors }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => Self::NotFound(m),
            StoreError::Conflict(m) => Self::Conflict(m),
            StoreError::Rule(m) => Self::NotAllowed(m),
            e @ (StoreError::Db(_) | StoreError::Corrupt(_)) => Self::Internal(e.to_string()),
        }
    }
}

impl From<khaothi_store::DbErr> for ApiError {
    fn from(e: khaothi_store::DbErr) -> Self {
        Self::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Auth(a) = self {
            return a.into_response();
        }
        let (status, code) = match &self {
            Self::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, *code),
            Self::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            Self::Auth(_) => unreachable!("handled above"),
            Self::LoginFailed(_) => (StatusCode::UNAUTHORIZED, "login_failed"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::NotAllowed(_) => (StatusCode::FORBIDDEN, "not_allowed"),
            Self::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::UnsupportedMedia(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            Self::ResultRefused(_) => (StatusCode::UNPROCESSABLE_ENTITY, "result_refused"),
            Self::UnknownSite(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_site"),
            Self::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::Rejected { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "rejected"),
            Self::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        let mut body = json!({"error": code, "message": self.to_string()});
        match self {
            Self::Invalid { errors, .. } => body["details"] = json!(errors),
            Self::Rejected { report, .. } => body["report"] = report,
            Self::RateLimited(secs) => {
                let mut res = (status, axum::Json(body)).into_response();
                res.headers_mut().insert("retry-after", secs.into());
                return res;
            }
            _ => {}
        }
        (status, axum::Json(body)).into_response()
    }
}

/// Shorthand for handlers.
pub type ApiResult<T> = Result<T, ApiError>;
