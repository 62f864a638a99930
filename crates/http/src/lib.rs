//! The HTTP layer the bank and the delivery server share, so a client meets one set of rules:
//!
//! - [`ApiError`]: one error type, one JSON body `{"error": code, "message": text, "details"?,
//!   "report"?}`, one table of statuses and codes ([`ApiError::status_and_code`], which the
//!   delivery's websockets use too);
//! - extractors whose rejections are that body: [`ApiJson`], [`MaybeJson`], [`Path`], [`Query`];
//! - [`StartError`], how a service's start-up fails, and [`config::load_section`], how its
//!   configuration is read;
//! - the layers every router is wrapped in ([`with_service_layers`]): request ids, tracing, JSON for
//!   the errors axum writes itself, and security headers with a Content-Security-Policy per
//!   [`PageKind`];
//! - the embedded page files as both serve them ([`serve_asset`]: type, ETag, caching, `304`).
//!
//! It sits below `khaothi-auth` (whose `AuthError` converts into [`ApiError`]) and the services,
//! and knows nothing of either.

mod assets;
pub mod config;
mod error;
mod extract;
mod layers;
pub mod metrics;
pub mod ready;
mod security;
mod start;
pub mod uploads;

pub use assets::{PERMISSIONS_POLICY, asset_content_type, asset_etag, etag_matches, serve_asset};
pub use error::{ApiError, ApiResult};
pub use extract::{ApiJson, MaybeJson, Path, Query, parse_json, read_body};
pub use layers::{REQUEST_ID, errors_as_json, with_service_layers};
pub use security::{PageKind, content_security_policy, page_policy, policy_for_host, security_headers};
pub use start::StartError;
