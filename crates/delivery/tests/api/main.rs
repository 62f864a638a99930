//! Delivery server integration tests: the real server on port 0 with a fresh database, real
//! websocket clients, on SQLite and PostgreSQL.

mod adaptive;
mod answered;
mod authorization_matrix;
mod backup;
mod bad_input;
mod chains;
mod close_frames;
mod common;
mod console;
mod content;
mod control_room;
mod empty_package;
mod events;
mod exam;
mod exam_record;
mod file_modes;
mod observability;
mod openapi;
mod openapi_spec;
mod pages;
mod paper;
mod paper_scans;
mod proctor;
mod results;
mod seb;
mod security;
mod security_alarms;
mod security_tokens;
mod sessions;
mod sheets;
mod timing;
mod upload;

/// Scanned answer sheets, shared with the browser tests.
#[path = "../support/scans.rs"]
mod scans;
