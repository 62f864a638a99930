//! The bank's extractors are the shared HTTP layer's (JSON errors, 413 for an oversized body, 415
//! for a body that is not JSON); the bank's handlers call the path and query extractors `ApiPath`
//! and `ApiQuery`, so they are re-exported under those names.

pub use khaothi_http::{ApiJson, MaybeJson, Path as ApiPath, Query as ApiQuery, read_body};
