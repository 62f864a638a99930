//! What the bank's and the delivery server's integration tests share: run a test body on both
//! databases ([`both_backends!`]), give each test its own data directory and, on PostgreSQL, its
//! own database ([`TestData`], dropped again when the test ends, passed or panicked), talk
//! JSON over HTTP to a server started on port 0 ([`JsonClient`]), check a router's OpenAPI
//! document ([`openapi`]), and run a service's example server as a child process ([`process`]).
//!
//! Dev-only (`publish = false`): the services list it under `[dev-dependencies]`.

pub mod browser;
mod database;
mod http;
pub mod matrix;
pub mod openapi;
pub mod process;

pub use database::{Backend, POSTGRES_ENV, PREFIX_ENV, PostgresDatabase, TestData};
pub use http::{JsonClient, assert_error_body};

/// Runs one async test body, `async fn name(backend: Backend)`, once on SQLite and once on
/// PostgreSQL, as the tests `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::Backend::Postgres).await
            }
        }
    };
}
