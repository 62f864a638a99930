//! Keeping SQLite's write-ahead log from growing through an exam.
//!
//! The side checkpoint (`session::spawn_background`, once per heartbeat, PASSIVE on a reader)
//! copies the log into the database without holding up the writer. But SQLite starts the log
//! over from its beginning only when a write transaction begins with *every* frame copied, and
//! under steady answering the writer commits again while each checkpoint runs: the frames of that
//! commit are left, the next transaction appends, and the file only grows (557 MB after 121,000
//! answers in issue 17's benchmark; docs/benchmarks.md, "stop 19"). So when the side checkpoint
//! finds a long log it asks the writer for a [`Rewind`]: between two batches — after the acks of
//! one, before the next begins, so no commit of its own can overlap — the writer checkpoints the
//! few frames left, and its next transaction starts the log over. `journal_size_limit` then
//! truncates the file. The cost is one short checkpoint (the frames since the side one, an fsync
//! of the database file) on the ack path, only while the log is long.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

/// The default of `wal_rewind_mib`: a log of 1 MiB (256 pages of 4 KiB) asks for a rewind.
/// Each rewind holds up one batch's acknowledgements for a checkpoint of the frames left and a
/// sync of the database file, and what that sync writes is every copy the side checkpoints made
/// since the last rewind. Short logs, rewound often, keep each sync small: in the lead's quiet
/// runs of stop 22 (docs/benchmarks.md), with a side checkpoint every 50 ms, 1 MiB gave a steady
/// p99 of 6.3–10.3 ms at 4,800 answers/s, against 21–26 ms for stop 19's 32 MiB at one checkpoint
/// a second, in the same window (and 256 MiB was worse still in stop 19).
pub const DEFAULT_REWIND_MIB: u32 = 1;

/// The default of `wal_checkpoint_ms`: how often the side checkpoint copies the log and looks at
/// its length. With the rewind at 1 MiB it is what sets how much one rewind's sync has to write
/// (about 1.6 MB at 4,800 answers/s; stop 22: 100 ms gave 12.5–13.8 ms of steady p99, 50 ms
/// 6.3–10.3). Each pass is one `PRAGMA wal_checkpoint(PASSIVE)` on a reader, which costs nothing
/// measurable when there is nothing to copy (the server's CPU did not change in those runs).
pub const DEFAULT_CHECKPOINT_MS: u64 = 50;
/// The bounds of `wal_checkpoint_ms`.
pub const MIN_CHECKPOINT_MS: u64 = 10;
pub const MAX_CHECKPOINT_MS: u64 = 60_000;

/// The largest `wal_rewind_mib` the configuration takes (4 GiB of log).
pub const MAX_REWIND_MIB: u32 = 4096;

/// Frames of 4 KiB per MiB of log.
const FRAMES_PER_MIB: i64 = 256;

/// The size the log file is truncated to when it starts over (`PRAGMA journal_size_limit`).
pub const LOG_SIZE_LIMIT_BYTES: i64 = 64 * 1024 * 1024;

/// The request from the side checkpoint to the writer (shared by both).
#[derive(Clone, Default)]
pub struct Rewind(Arc<AtomicBool>);

impl Rewind {
    pub fn ask(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether a rewind was asked for since the last call (and clears the request).
    pub fn take(&self) -> bool {
        self.0.swap(false, Ordering::AcqRel)
    }
}

/// What a checkpoint found: frames in the log, and frames copied into the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpointed {
    pub log_frames: i64,
    pub copied_frames: i64,
}

/// SQLite: copies the WAL into the database without blocking the writer (PASSIVE). `None` on
/// PostgreSQL, which has no such log to keep.
pub async fn checkpoint(db: &DatabaseConnection) -> Result<Option<Checkpointed>, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(None);
    }
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA wal_checkpoint(PASSIVE);"))
        .await?
        .ok_or_else(|| DbErr::Custom("wal_checkpoint returned no row".into()))?;
    Ok(Some(Checkpointed { log_frames: row.try_get_by_index(1)?, copied_frames: row.try_get_by_index(2)? }))
}

/// The side checkpoint: asks the writer to rewind when the log has grown past `rewind_mib`
/// (0: never).
///
/// What the rewind costs (issue 17, docs/benchmarks.md "stop 20" and "stop 22"): SQLite syncs the
/// database file only at the end of a checkpoint that copied the log to its very end. Under steady
/// answering a commit lands during every side checkpoint, so none ends there and their copies stay
/// unsynced; the writer's rewind, which no commit can overlap, then syncs them all while its batch
/// waits. With a side pass a second and 32 MiB of log that was 25–38 ms once a second, which set
/// the steady p99; syncing beside the writer instead (stop 20) made the writer's own syncs wait
/// behind it. What works is to keep the unsynced copies small: side passes every
/// `wal_checkpoint_ms` (50) and a rewind past `wal_rewind_mib` (1), so each sync writes about
/// what 50 ms of answers changed and the steady p99 is that of the rewind off (stop 22).
pub async fn checkpoint_beside(
    db: &DatabaseConnection,
    rewind: &Rewind,
    rewind_mib: u32,
) -> Result<(), DbErr> {
    let Some(c) = checkpoint(db).await? else { return Ok(()) };
    if rewind_mib > 0 && c.log_frames >= i64::from(rewind_mib) * FRAMES_PER_MIB {
        rewind.ask();
    }
    Ok(())
}

/// The writer's part, between two of its batches: the frames the side checkpoint left are
/// copied, so the next transaction starts the log over (and truncates the file).
pub async fn rewind(db: &DatabaseConnection) {
    let started = std::time::Instant::now();
    match checkpoint(db).await {
        Ok(Some(c)) if c.copied_frames < c.log_frames => {
            // A reader still holds a snapshot in the log: the next request tries again.
            tracing::debug!(log = c.log_frames, copied = c.copied_frames, "WAL rewind left frames");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "WAL rewind failed"),
    }
    if started.elapsed() > std::time::Duration::from_millis(100) {
        tracing::warn!(ms = started.elapsed().as_millis() as u64, "slow WAL rewind");
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::TransactionTrait;

    use super::*;
    use crate::store::writer::{WriteOp, Writer};

    async fn clock(w: &Writer, n: usize) {
        for _ in 0..n {
            w.write(WriteOp::Clock(chrono::Utc::now())).await.unwrap();
        }
    }

    /// A fresh database with its writer (batches of up to 16).
    async fn database_with_writer(dir: &tempfile::TempDir) -> (crate::store::Db, Writer) {
        let db = crate::store::fixtures::database(dir).await;
        let mut builder = khaothi_http::metrics::MetricsBuilder::new("delivery");
        let metrics = Arc::new(crate::metrics::DeliveryMetrics::register(&mut builder));
        let w = Writer::start(db.write.clone(), 16, metrics).await.unwrap();
        (db, w)
    }

    async fn log_frames(db: &DatabaseConnection) -> i64 {
        checkpoint(db).await.unwrap().unwrap().log_frames
    }

    /// The log is left with frames no checkpoint has copied (here a reader's snapshot stops the
    /// side checkpoint, as a commit during it does in an exam): commits append to it. After the
    /// writer's rewind the next commit starts it over.
    #[tokio::test]
    async fn the_writers_rewind_starts_the_log_over() {
        let dir = tempfile::tempdir().unwrap();
        let (db, w) = database_with_writer(&dir).await;
        let uncopied = async || {
            let reader = db.read.begin().await.unwrap();
            crate::store::last_heartbeat(&reader).await.unwrap();
            clock(&w, 20).await;
            let c = checkpoint(&db.read).await.unwrap().unwrap();
            reader.commit().await.unwrap();
            c
        };
        clock(&w, 20).await;
        let held = uncopied().await;
        assert!(held.copied_frames < held.log_frames, "{held:?}");
        // Without a rewind the log keeps the frames it had and grows.
        clock(&w, 5).await;
        let grown = log_frames(&db.read).await;
        assert!(grown > held.log_frames, "{grown} after {held:?}");
        let held = uncopied().await;
        assert!(held.copied_frames < held.log_frames, "{held:?}");
        w.rewind.ask();
        clock(&w, 1).await; // the batch after which the writer rewinds
        clock(&w, 1).await; // starts the log over
        let after = log_frames(&db.read).await;
        assert!(after < 8, "the log started over: {after} frames after {held:?}");
        assert!(!w.rewind.take(), "the writer took the request");
    }

    /// Commits of about 100 KiB each (an audit row with a long detail): 25 or more frames each.
    async fn grow(w: &Writer, commits: usize) {
        for _ in 0..commits {
            let entry = crate::store::writer::AuditEntry {
                event_id: None,
                actor: "test".into(),
                action: "grow".into(),
                detail: format!("\"{}\"", "x".repeat(100 * 1024)),
                at: chrono::Utc::now(),
            };
            w.write(WriteOp::Audit(entry)).await.unwrap();
        }
    }

    /// The side checkpoint asks for a rewind only past `wal_rewind_mib`, never with 0, and leaves
    /// the log copied.
    #[tokio::test]
    async fn the_side_checkpoint_asks_past_its_limit_only_and_leaves_the_log_copied() {
        let dir = tempfile::tempdir().unwrap();
        let (db, w) = database_with_writer(&dir).await;
        // The schema's frames copied, the log starts over at the next commit.
        checkpoint(&db.read).await.unwrap();
        clock(&w, 1).await;
        grow(&w, 4).await;
        assert!(log_frames(&db.read).await < FRAMES_PER_MIB);
        checkpoint_beside(&db.read, &w.rewind, 1).await.unwrap();
        assert!(!w.rewind.take(), "under 1 MiB of log: no rewind");
        grow(&w, 12).await;
        assert!(log_frames(&db.read).await >= FRAMES_PER_MIB);
        checkpoint_beside(&db.read, &w.rewind, 0).await.unwrap();
        assert!(!w.rewind.take(), "0 never rewinds");
        checkpoint_beside(&db.read, &w.rewind, 1).await.unwrap();
        let c = checkpoint(&db.read).await.unwrap().unwrap();
        assert!(c.log_frames >= FRAMES_PER_MIB && c.copied_frames == c.log_frames, "{c:?}");
        assert!(w.rewind.take(), "past 1 MiB: the writer is asked");
        // Its rewind after the next batch, and the log starts over at the one after.
        w.rewind.ask();
        clock(&w, 2).await;
        assert!(log_frames(&db.read).await < FRAMES_PER_MIB, "the log started over");
    }

    #[test]
    fn a_request_is_taken_once() {
        let r = Rewind::default();
        assert!(!r.take());
        r.clone().ask();
        assert!(r.take());
        assert!(!r.take());
    }
}
