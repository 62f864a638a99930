//! Storage of the delivery server: connections, queries in the domain's words, the server clock.
//!
//! SQLite is opened with WAL and `synchronous=FULL` on every connection (set in `after_connect`,
//! since the pragma is per connection), so an acknowledged commit survives a power cut, not only a
//! crash. Writes on the hot path go through the single writer task ([`writer`]); its pool
//! has one connection.
//!
//! Inside, dependencies point one way: this module's queries and [`audit`] use the [`writer`];
//! the writer uses only the tables ([`entity`]) and the chain heads ([`chains`]). The room log
//! ([`room_log`]) is appended on the writer's pool.

pub mod candidates;
pub mod cat_steps;
pub mod chains;
pub mod entity;
pub mod events;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod login;
pub mod nodes;
pub mod paper;
pub mod room_layouts;
pub mod room_log;
pub mod rooms;
pub mod seb;
pub mod shared_chain;
pub mod staff;
pub mod wal;
pub mod writer;

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QueryTrait, Statement, Value,
};

use entity::{candidate, event, response, server_clock};

use writer::{AuditEntry, WriteFailed, WriteOp, Writer};

/// The two pools: `read` for queries and staff actions, `write` (one connection) for the writer.
#[derive(Clone)]
pub struct Db {
    pub read: DatabaseConnection,
    pub write: DatabaseConnection,
}

async fn open(url: &str, max: u32, writer: bool) -> Result<DatabaseConnection, DbErr> {
    let url = if url.starts_with("sqlite:") && !url.contains("mode=") {
        format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
    } else {
        url.to_string()
    };
    let sqlite = url.starts_with("sqlite:");
    let mut opts = ConnectOptions::new(url);
    opts.sqlx_logging(false).connect_timeout(Duration::from_secs(10)).max_connections(max).min_connections(1);
    // A connection is pinged before it is handed out only after a minute unused, not at every
    // acquire: the writer acquires its connection for every batch, and each ping was a round trip
    // to the driver's thread (two thread wake-ups) per commit (issue 17, docs/benchmarks.md stop
    // 20). A connection in use every few milliseconds is known to be alive by its last statement;
    // a broken one fails that batch, which the candidates send again.
    opts.test_before_acquire_if_idle_for(Duration::from_secs(60));
    if sqlite {
        // The writer never checkpoints inside a commit (a checkpoint fsyncs the database file and
        // would stall every acknowledgement behind it); `wal::checkpoint_beside` does it beside it.
        // Its statement journals stay in memory (`temp_store=MEMORY`): a multi-row answer insert
        // keeps the prior content of every page it changes so that the statement alone can be
        // undone, and past 64 KiB SQLite spilled that journal to a new temporary file — opened,
        // written and deleted at every batch, as many bytes as the WAL itself (issue 17,
        // docs/benchmarks.md "stop 19"). The journal is never synced and never outlives its
        // statement; durability is the WAL's alone. `journal_size_limit`: the WAL file is cut
        // back to this size (`wal::LOG_SIZE_LIMIT_BYTES`) when the log starts over (`wal`).
        let pragmas: std::sync::Arc<str> = if writer {
            format!(
                "PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA wal_autocheckpoint=0; \
                 PRAGMA temp_store=MEMORY; PRAGMA journal_size_limit={};",
                wal::LOG_SIZE_LIMIT_BYTES
            )
            .into()
        } else {
            "PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;".into()
        };
        opts.after_connect(move |c| {
            let pragmas = pragmas.clone();
            Box::pin(async move {
                c.execute_unprepared(&pragmas).await?;
                Ok(())
            })
        });
    }
    let db = Database::connect(opts).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA journal_mode=WAL;").await?;
    }
    Ok(db)
}

/// Opens both pools and brings the schema up to date.
pub async fn connect_and_migrate(url: &str) -> Result<Db, DbErr> {
    use khaothi_migration::MigratorTrait;
    let write = open(url, 1, true).await?;
    // Nodes starting together on one PostgreSQL database migrate one at a time (the pool has one
    // connection, so the session lock is held across the migration).
    let postgres = write.get_database_backend() == DbBackend::Postgres;
    if postgres {
        write.execute_unprepared("SELECT pg_advisory_lock(7165086042)").await?;
    }
    let migrated = khaothi_migration::DeliveryMigrator::up(&write, None).await;
    if postgres {
        write.execute_unprepared("SELECT pg_advisory_unlock(7165086042)").await?;
    }
    migrated?;
    let read = open(url, 8, false).await?;
    Ok(Db { read, write })
}

/// Appends to the audit log (staff actions, outage credits, automatic submissions) through the
/// single writer, which links the row into the audit chain.
pub async fn audit(
    writer: &Writer,
    event_id: Option<&str>,
    actor: &str,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), WriteFailed> {
    writer.write(WriteOp::Audit(audit_entry(event_id, actor, action, detail))).await
}

/// An audit row, for [`WriteOp::Audit`] (e.g. inside [`WriteOp::Together`]).
pub fn audit_entry(
    event_id: Option<&str>,
    actor: &str,
    action: &str,
    detail: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        event_id: event_id.map(str::to_string),
        actor: actor.to_string(),
        action: action.to_string(),
        detail: detail.to_string(),
        at: Utc::now(),
    }
}

/// Reads by key without `LIMIT` (khaothi_store::keyed: sea-orm's `.one()` binds `LIMIT ?`, which
/// made SQLite compile the statement again at every login; docs/benchmarks.md, issue 17).
pub use khaothi_store::{by_id, by_key};

pub async fn event(db: &impl ConnectionTrait, id: &str) -> Result<Option<event::Model>, DbErr> {
    by_id::<event::Entity>(db, id.to_string()).await
}

/// The manifest of an event's imported package (`None`: no such event, no package yet, or a
/// manifest that does not parse), read alone: the event's row also holds the whole package
/// (`package_file`), which the callers of this do not need.
pub async fn event_manifest(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<khaothi_package::Manifest>, DbErr> {
    use sea_orm::QuerySelect;
    // `all`, not `one`: see [`by_id`] (a bound `LIMIT` recompiles the statement).
    let rows: Vec<Option<String>> = event::Entity::find_by_id(id.to_string())
        .select_only()
        .column(event::Column::Manifest)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().next().flatten().and_then(|m| serde_json::from_str(&m).ok()))
}

pub async fn candidate_by_number(
    db: &impl ConnectionTrait,
    event_id: Option<&str>,
    number: &str,
) -> Result<Vec<candidate::Model>, DbErr> {
    let mut q = candidate::Entity::find().filter(candidate::Column::Number.eq(number));
    if let Some(e) = event_id {
        q = q.filter(candidate::Column::EventId.eq(e));
    }
    q.all(db).await
}

/// One answer as stored: the newest (epoch, seq) of an item wins.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SavedAnswer {
    pub item: String,
    pub value: serde_json::Value,
    pub epoch: i64,
    pub seq: i64,
    /// When the server received it; for the raw export, never sent to candidates.
    #[serde(skip)]
    pub received_at: DateTime<Utc>,
}

/// The newest answer of each item for one candidate (every resume reads them: its SQL is built
/// once, [`SqlOnce`]).
pub async fn latest_answers(
    db: &impl ConnectionTrait,
    candidate_id: &str,
) -> Result<BTreeMap<String, SavedAnswer>, DbErr> {
    static SQL: SqlOnce = SqlOnce::new();
    let backend = db.get_database_backend();
    let sql = SQL.get(backend, |b| {
        let q = response::Entity::find()
            .filter(response::Column::CandidateId.eq(""))
            .order_by_asc(response::Column::Epoch)
            .order_by_asc(response::Column::Seq);
        b.build(&QueryTrait::into_query(q)).sql
    });
    let stmt = Statement::from_sql_and_values(backend, sql, [Value::from(candidate_id)]);
    let rows = response::Model::find_by_statement(stmt).all(db).await?;
    Ok(fold_latest(rows))
}

/// The SQL text of a query on the login's path, built once per database backend and kept. Built
/// with sea-query at each use (the statement tree made, rendered and dropped), such a query cost
/// about as much CPU as SQLite's own work for it (docs/benchmarks.md, issue 17 target 3, stop 21).
/// The values are bound at each use, in the order the query's filters name them.
pub(crate) struct SqlOnce([OnceLock<String>; 3]);

impl SqlOnce {
    pub(crate) const fn new() -> Self {
        Self([const { OnceLock::new() }; 3])
    }

    /// The text for `backend`, rendered by `build` the first time.
    pub(crate) fn get(
        &'static self,
        backend: DbBackend,
        build: impl FnOnce(DbBackend) -> String,
    ) -> &'static str {
        let slot = match backend {
            DbBackend::Sqlite => 0,
            DbBackend::Postgres => 1,
            _ => 2,
        };
        self.0[slot].get_or_init(|| build(backend))
    }
}

pub fn fold_latest(rows: impl IntoIterator<Item = response::Model>) -> BTreeMap<String, SavedAnswer> {
    let mut out: BTreeMap<String, SavedAnswer> = BTreeMap::new();
    for r in rows {
        let newer = out.get(&r.item_id).is_none_or(|a| (r.epoch, r.seq) > (a.epoch, a.seq));
        if newer {
            let value = serde_json::from_str(&r.value).unwrap_or(serde_json::Value::Null);
            out.insert(
                r.item_id.clone(),
                SavedAnswer {
                    item: r.item_id,
                    value,
                    epoch: r.epoch,
                    seq: r.seq,
                    received_at: r.received_at,
                },
            );
        }
    }
    out
}

/// The newest answers of every candidate of an event.
pub async fn event_answers(
    db: &impl ConnectionTrait,
    event_id: &str,
) -> Result<BTreeMap<String, BTreeMap<String, SavedAnswer>>, DbErr> {
    let ids: Vec<String> = candidate::Entity::find()
        .filter(candidate::Column::EventId.eq(event_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let rows = response::Entity::find()
            .filter(response::Column::CandidateId.is_in(chunk.to_vec()))
            .order_by_asc(response::Column::CandidateId)
            .all(db)
            .await?;
        let mut by: BTreeMap<String, Vec<response::Model>> = BTreeMap::new();
        for r in rows {
            by.entry(r.candidate_id.clone()).or_default().push(r);
        }
        for (c, rows) in by {
            out.insert(c, fold_latest(rows));
        }
    }
    Ok(out)
}

pub async fn last_heartbeat(db: &impl ConnectionTrait) -> Result<Option<DateTime<Utc>>, DbErr> {
    Ok(by_id::<server_clock::Entity>(db, 1).await?.map(|r| r.heartbeat_at))
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Statement};

    use super::*;

    async fn pragma(db: &DatabaseConnection, name: &str) -> i64 {
        let row = db
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, format!("PRAGMA {name}")))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index(0).unwrap()
    }

    #[tokio::test]
    async fn the_writer_syncs_every_commit_never_checkpoints_and_keeps_statement_journals_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let db = connect_and_migrate(&format!("sqlite://{}", dir.path().join("d.sqlite").display()))
            .await
            .unwrap();
        // synchronous: 2 = FULL; temp_store: 2 = MEMORY (0 = the build's default, a file).
        assert_eq!(pragma(&db.write, "synchronous").await, 2);
        assert_eq!(pragma(&db.read, "synchronous").await, 2);
        assert_eq!(pragma(&db.write, "wal_autocheckpoint").await, 0);
        assert_eq!(pragma(&db.write, "temp_store").await, 2);
        assert_eq!(pragma(&db.write, "journal_size_limit").await, wal::LOG_SIZE_LIMIT_BYTES);
        let mode =
            db.write.query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA journal_mode")).await;
        assert_eq!(mode.unwrap().unwrap().try_get_by_index::<String>(0).unwrap(), "wal");
    }
}
