//! The bank's errors are the shared HTTP layer's ([`khaothi_http::ApiError`]): one JSON body and one
//! table of codes for both services. Re-exported so handlers keep `crate::error::{ApiError, ApiResult}`.

pub use khaothi_http::{ApiError, ApiResult};
