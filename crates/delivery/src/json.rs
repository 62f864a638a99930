//! The delivery server's extractors are the shared HTTP layer's: a JSON body checked for its type
//! (415) and size (413), an optional JSON body, and path and query parameters whose errors are JSON
//! like every other error. Handlers import them from here or from `khaothi_http` alike.

pub use khaothi_http::{ApiJson, MaybeJson, Path, Query, parse_json, read_body};
