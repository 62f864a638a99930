//! Delivery server integration tests: the real server on port 0 with a fresh database, real
//! websocket clients, on SQLite and PostgreSQL.

mod chains;
mod common;
mod events;
mod exam;
mod proctor;
mod results;
mod pages;
mod security;
mod sessions;
mod timing;
mod upload;
