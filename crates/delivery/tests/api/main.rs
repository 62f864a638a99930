//! Delivery server integration tests: the real server on port 0 with a fresh database, real
//! websocket clients, on SQLite and PostgreSQL.

mod common;
mod events;
mod pages;
mod security;
mod sessions;
mod timing;
