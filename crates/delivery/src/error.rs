//! The delivery server's errors are the shared HTTP layer's ([`khaothi_http::ApiError`]): one JSON
//! body and one table of codes for both services, which the websockets send too. Re-exported so
//! handlers keep `crate::error::{ApiError, ApiResult}`; only the writer's error converts here.

pub use khaothi_http::{ApiError, ApiResult};

/// A write the single writer could not make is the server's problem, never the client's.
impl From<crate::writer::WriteFailed> for ApiError {
    fn from(e: crate::writer::WriteFailed) -> Self {
        Self::Internal(e.to_string())
    }
}
