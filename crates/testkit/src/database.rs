//! A fresh place to keep data for every test: a temporary directory (where SQLite puts its file)
//! and, on PostgreSQL, a new database on the server named by [`POSTGRES_ENV`]. Both go away when
//! the [`TestData`] is dropped, so a run leaves nothing behind — also when the test panics, since
//! dropping happens while unwinding too.

use std::path::Path;

use sea_orm::{ConnectionTrait, Database};

/// The admin URL of the PostgreSQL server the tests may create databases on.
pub const POSTGRES_ENV: &str = "KHAOTHI_TEST_POSTGRES";

/// Overrides the name prefix of test databases (default `khaothi_test_`), so one run can count
/// what it left on a server others share. Lower-case letters, digits and `_` only.
pub const PREFIX_ENV: &str = "KHAOTHI_TEST_DB_PREFIX";

const DEFAULT_PREFIX: &str = "khaothi_test_";

/// The database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One test's data directory and, on PostgreSQL, its database; removed on drop.
#[derive(Debug)]
pub struct TestData {
    dir: tempfile::TempDir,
    postgres: Option<PostgresDatabase>,
}

impl TestData {
    /// A new temporary directory, and a new PostgreSQL database when `backend` asks for one.
    pub async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("a temporary data directory");
        let postgres = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(PostgresDatabase::create().await),
        };
        TestData { dir, postgres }
    }

    /// The data directory; on SQLite the services keep their database file here.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The URL to configure as the service's database: the PostgreSQL database, or `None` for
    /// the service's default SQLite file in [`dir`](Self::dir).
    pub fn database_url(&self) -> Option<String> {
        self.postgres.as_ref().map(|p| p.url.clone())
    }
}

/// A database created for one test on the server named by [`POSTGRES_ENV`], dropped (with
/// `WITH (FORCE)`, so connections the test left open do not keep it) when this is dropped.
#[derive(Debug)]
pub struct PostgresDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PostgresDatabase {
    /// Creates an empty database with a fresh name.
    pub async fn create() -> Self {
        let admin_url = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
            panic!(
                "{POSTGRES_ENV} is not set: run scripts/test-all.sh (it starts PostgreSQL) or point it at a server"
            )
        });
        let name = format!("{}{}", prefix(), uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url).await.expect("connect to the PostgreSQL admin URL");
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
        let _ = admin.close().await;
        let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin_url);
        let url = format!("{base}/{name}");
        PostgresDatabase { admin_url, name, url }
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name (it starts with the prefix of [`PREFIX_ENV`]).
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for PostgresDatabase {
    /// Drop runs inside the test's async runtime, where blocking on another runtime is refused;
    /// a thread with its own small runtime does the drop and is waited for.
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || drop_database(&admin_url, &name)).join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: test database {} was not dropped: {e}", self.name),
            Err(_) => eprintln!("warning: dropping test database {} panicked", self.name),
        }
    }
}

fn drop_database(admin_url: &str, name: &str) -> Result<(), String> {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let admin = Database::connect(admin_url).await.map_err(|e| e.to_string())?;
        let dropped = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        let _ = admin.close().await;
        dropped.map(|_| ()).map_err(|e| e.to_string())
    })
}

/// The name prefix of test databases: [`PREFIX_ENV`] when set (and a safe identifier).
fn prefix() -> String {
    match std::env::var(PREFIX_ENV) {
        Ok(p)
            if !p.is_empty()
                && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') =>
        {
            p
        }
        Ok(p) if !p.is_empty() => panic!("{PREFIX_ENV}={p:?}: use lower-case letters, digits and `_` only"),
        _ => DEFAULT_PREFIX.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_needs_no_database_and_the_directory_goes_away() {
        let data = TestData::new(Backend::Sqlite).await;
        let dir = data.dir().to_path_buf();
        assert!(dir.is_dir());
        assert_eq!(data.database_url(), None);
        drop(data);
        assert!(!dir.exists());
    }

    async fn exists(admin: &sea_orm::DatabaseConnection, name: &str) -> bool {
        let row = admin
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!("SELECT 1 AS one FROM pg_database WHERE datname = '{name}'"),
            ))
            .await
            .unwrap();
        row.is_some()
    }

    /// Needs a PostgreSQL server ([`POSTGRES_ENV`]); skipped without one.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_postgres_database_is_dropped_even_while_in_use_and_after_a_panic() {
        let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
            eprintln!("{POSTGRES_ENV} is not set; skipped");
            return;
        };
        let admin = Database::connect(&admin_url).await.unwrap();
        let data = TestData::new(Backend::Postgres).await;
        let name = data.postgres.as_ref().unwrap().name().to_string();
        assert!(name.starts_with(&prefix()), "{name}");
        assert!(exists(&admin, &name).await);
        // A connection left open (as a server under test keeps its pool) does not stop the drop.
        let open = Database::connect(data.database_url().unwrap()).await.unwrap();
        open.execute_unprepared("CREATE TABLE t (x INT)").await.unwrap();
        drop(data);
        assert!(!exists(&admin, &name).await, "{name} is still there");

        let data = TestData::new(Backend::Postgres).await;
        let name = data.postgres.as_ref().unwrap().name().to_string();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let _held = data;
            panic!("a failing test");
        }));
        assert!(panicked.is_err());
        assert!(!exists(&admin, &name).await, "{name} outlived the panic");
    }
}
