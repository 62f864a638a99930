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

/// A log of at least this many frames (pages of 4 KiB: 32 MiB) asks for a rewind. Each rewind
/// holds up one batch's acknowledgements for a checkpoint and an fsync of the database file. In
/// the lead's quiet runs of stop 19 (docs/benchmarks.md) a limit of 256 MiB gave a worse tail
/// than 32 MiB at both rates measured (a longer log to finish and to cut back), so the log is kept
/// short.
pub const REWIND_FRAMES: i64 = 8_192;

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

/// The side checkpoint: asks the writer to rewind when the log has grown long.
pub async fn checkpoint_beside(db: &DatabaseConnection, rewind: &Rewind) -> Result<(), DbErr> {
    if checkpoint(db).await?.is_some_and(|c| c.log_frames >= REWIND_FRAMES) {
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

    async fn log_frames(db: &DatabaseConnection) -> i64 {
        checkpoint(db).await.unwrap().unwrap().log_frames
    }

    /// The log is left with frames no checkpoint has copied (here a reader's snapshot stops the
    /// side checkpoint, as a commit during it does in an exam): commits append to it. After the
    /// writer's rewind the next commit starts it over.
    #[tokio::test]
    async fn the_writers_rewind_starts_the_log_over() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::store::fixtures::database(&dir).await;
        let mut builder = khaothi_http::metrics::MetricsBuilder::new("delivery");
        let metrics = Arc::new(crate::metrics::DeliveryMetrics::register(&mut builder));
        let w = Writer::start(db.write.clone(), 16, metrics).await.unwrap();
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

    #[test]
    fn a_request_is_taken_once() {
        let r = Rewind::default();
        assert!(!r.take());
        r.clone().ask();
        assert!(r.take());
        assert!(!r.take());
    }
}
