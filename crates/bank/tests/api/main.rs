//! The bank's integration tests: each test starts the real server on port 0 with a fresh database
//! and talks HTTP to it, once on SQLite and once on PostgreSQL.

mod common;

mod assembly;
mod bad_input;
mod calibration;
mod import;
mod openapi;
mod packages;
mod results;
mod roles;
mod security_flood;
mod security_tokens;
mod workflow;
