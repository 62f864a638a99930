//! One error type for the HTTP layer; every failure leaves as `{"error": code, "message": text}`.
//! Internal errors are logged in full and reach the client only as a generic message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use khaothi_auth::AuthError;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
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
    /// Scoring, results and exports wait for the keys section's release (409 `keys_not_released`).
    #[error("{0}")]
    KeysNotReleased(String),
    /// A package refused on import (bad signature, malformed) or a key that does not open it.
    #[error("{0}")]
    PackageRefused(String),
    /// A CSV import refused as a whole; `report` lists each row's problems.
    #[error("{message}")]
    Rejected { message: String, report: serde_json::Value },
    /// A hash chain does not verify: nothing is signed over it.
    #[error("{0}")]
    ChainBroken(String),
    /// The bank could not be reached or refused an upload; the message carries the bank's words.
    #[error("{0}")]
    UploadFailed(String),
    #[error("too many failed logins; try again in {0} s")]
    RateLimited(u64),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest { code, message: message.into() }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<crate::writer::WriteFailed> for ApiError {
    fn from(e: crate::writer::WriteFailed) -> Self {
        Self::Internal(e.to_string())
    }
}

impl ApiError {
    /// The HTTP status and the `error` code; websockets send the same code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, *code),
            Self::Auth(AuthError::MissingToken) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::Auth(AuthError::InvalidToken(_)) => (StatusCode::UNAUTHORIZED, "invalid_token"),
            Self::Auth(AuthError::Forbidden { .. }) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::LoginFailed(_) => (StatusCode::UNAUTHORIZED, "login_failed"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::NotAllowed(_) => (StatusCode::FORBIDDEN, "not_allowed"),
            Self::KeysNotReleased(_) => (StatusCode::CONFLICT, "keys_not_released"),
            Self::PackageRefused(_) => (StatusCode::UNPROCESSABLE_ENTITY, "package_refused"),
            Self::Rejected { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "rejected"),
            Self::ChainBroken(_) => (StatusCode::CONFLICT, "chain_broken"),
            Self::UploadFailed(_) => (StatusCode::BAD_GATEWAY, "upload_failed"),
            Self::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Auth(a) = self {
            return a.into_response();
        }
        if let Self::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let (status, code) = self.status_and_code();
        let mut body = json!({"error": code, "message": self.to_string()});
        if let Self::Rejected { report, .. } = self {
            body["report"] = report;
        }
        (status, axum::Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
