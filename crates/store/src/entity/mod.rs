//! Bank tables. Relations are resolved in queries rather than through sea-orm relation types: the
//! queries are few and explicit, which keeps both SQLite and PostgreSQL plans obvious.

pub mod audit_log;
pub mod item;
pub mod item_version;
pub mod media;
pub mod organisation;
pub mod refresh_token;
pub mod review_event;
pub mod stimulus;
pub mod user;
