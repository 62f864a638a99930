//! Storage for khaothi through sea-orm: SQLite by default (one file, WAL), PostgreSQL by URL.
//! Each service gets its own database; this crate connects, migrates and offers the queries the
//! services need, in the domain's words.

pub mod assembly;
pub mod audit;
pub mod backup;
pub mod calibration;
pub mod calibration_jobs;
pub mod cat_jobs;
pub mod certificates;
pub mod control_room;
pub mod enemies;
pub mod entity;
mod error;
pub mod items;
mod jobs;
mod keyed;
pub mod media;
pub mod org_settings;
pub mod packages;
pub mod paper;
pub mod results;
pub mod review_queue;
pub mod search;
pub mod stimuli;
pub mod users;

pub use error::StoreError;
pub use keyed::{by_id, by_key};
pub use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, TransactionTrait};

use khaothi_migration::{BankMigrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, SqliteTransactionMode, TransactionOptions};
use std::time::Duration;

/// The organisation every table refers to until several levels exist (DESIGN §8).
pub const DEFAULT_ORG: &str = "default";

/// Opens a database. `sqlite://path` (created when missing, WAL journal) or `postgres://…`.
pub async fn connect(url: &str) -> Result<DatabaseConnection, StoreError> {
    let url = if url.starts_with("sqlite:") && !url.contains("mode=") && !url.contains(":memory:") {
        format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
    } else {
        url.to_string()
    };
    let mut opts = ConnectOptions::new(url);
    opts.sqlx_logging(false).connect_timeout(Duration::from_secs(10)).max_connections(16);
    if opts.get_url().starts_with("sqlite:") {
        // Both pragmas hold per connection, so every pooled connection gets them: a write
        // transaction ([`begin_write`]) waits up to 10 s for the write lock on any of them.
        opts.after_connect(|c| {
            Box::pin(async move {
                c.execute_unprepared("PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;").await?;
                Ok(())
            })
        });
    }
    let db = Database::connect(opts).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // WAL lets readers proceed while a writer commits; the setting persists in the file.
        db.execute_unprepared("PRAGMA journal_mode=WAL;").await?;
    }
    Ok(db)
}

/// Starts a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken
/// at the start, waiting (busy timeout) for another writer to commit. A plain deferred `BEGIN` that
/// reads first holds a read snapshot and cannot upgrade it once another connection has committed:
/// SQLite answers "database is locked" at once, without waiting, and the request fails with a 500.
/// PostgreSQL is unchanged (row locks and its own isolation). Every write transaction of the bank
/// and of the delivery server's staff actions starts here.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Brings the bank database to the newest schema and makes sure the default organisation exists.
pub async fn migrate_bank(db: &DatabaseConnection) -> Result<(), StoreError> {
    BankMigrator::up(db, None).await?;
    users::ensure_org(db, DEFAULT_ORG, "Default organisation").await?;
    Ok(())
}

/// How many bank migrations this database still lacks (readiness: 0 when the schema is current).
pub async fn pending_bank_migrations(db: &DatabaseConnection) -> Result<usize, StoreError> {
    Ok(BankMigrator::get_pending_migrations(db).await?.len())
}

/// The SQLite URL of a file in a data directory.
pub fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
