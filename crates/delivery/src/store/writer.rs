//! The single writer with group commit. Every answer, integrity event, session change and audit
//! row is sent here; the task takes whatever has queued (up to `max_batch`), writes it in one
//! transaction, commits, and only then tells each sender. One fsync serves every session that
//! wrote meanwhile, so throughput grows with load while each answer is still acknowledged only
//! once durable.
//!
//! The writer runs on its own OS thread (a single-threaded runtime of its own), not as one task
//! among the connections': with 20,000 sockets on two cores the shared runtime's queues hold
//! thousands of ready tasks, and a writer scheduled behind them delays every acknowledgement of
//! its batch. On its thread it takes the next batch as soon as a commit ends. (A blocking SQLite
//! driver was measured against this in issue 17 and not taken: see docs/benchmarks.md.)
//!
//! Being the only writer of the response log and the audit log, it also links both hash chains
//! ([`crate::chain`]): it holds their heads in memory (loaded once at start), so linking an answer
//! costs one SHA-256 and no query. Heads move only when a commit succeeds.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};
use tokio::sync::{mpsc, oneshot};

use super::entity::{audit_log, candidate, cat_step, integrity_event, server_clock};
use crate::chain::{Heads, audit_bytes, stored_time};

mod answers;

pub use answers::NewAnswer;
use answers::{AnswerInsert, link_answers, stored_keys};

/// A row to append to the audit log.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub event_id: Option<String>,
    pub actor: String,
    pub action: String,
    /// JSON text.
    pub detail: String,
    pub at: DateTime<Utc>,
}

#[derive(Clone)]
pub enum WriteOp {
    Answer(NewAnswer),
    Integrity {
        candidate_id: String,
        epoch: i64,
        kind: String,
        detail: String,
        at: DateTime<Utc>,
    },
    /// A change to a candidate's session (login, submit, extra time, admit).
    Session(Box<candidate::ActiveModel>),
    /// The server is up at this time (outage credit after a crash).
    Clock(DateTime<Utc>),
    Audit(AuditEntry),
    /// Writes that must commit together (a batch is one transaction, so they always do).
    Together(Vec<WriteOp>),
    /// Paper-room rows (sheets, flags, provenance; [`super::paper`]), beside their answers.
    Paper(Box<super::paper::PaperRows>),
    /// A step of an adaptive test (the item picked, or the end), in the same transaction as the
    /// answer it follows (crate::adaptive). A step already stored is left as it is: the pick is
    /// deterministic, so a resent answer recomputes the same row.
    CatStep(super::cat_steps::NewStep),
}

struct Job {
    op: WriteOp,
    done: Option<oneshot::Sender<Result<(), String>>>,
}

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
    /// The chain heads as of the last successful commit.
    heads: Arc<Mutex<Heads>>,
    /// Several nodes write the chains (super::shared_chain).
    shared: bool,
    /// Asked by the side checkpoint when the log has grown long (super::wal).
    pub rewind: super::wal::Rewind,
}

#[derive(Debug, thiserror::Error)]
#[error("the write was not saved: {0}")]
pub struct WriteFailed(pub String);

impl Writer {
    /// Loads the chain heads (linking rows from before the chains, once) and starts the writer's
    /// thread. The thread ends when every `Writer` is dropped.
    pub async fn start(
        db: DatabaseConnection,
        max_batch: usize,
        metrics: Arc<crate::metrics::DeliveryMetrics>,
    ) -> Result<Self, DbErr> {
        Self::start_with(db, max_batch, metrics, false).await
    }

    /// As [`Writer::start`]; `shared`: other nodes write the same database, so each commit links
    /// from the stored heads under the chains' lock ([`super::shared_chain`]).
    pub async fn start_with(
        db: DatabaseConnection,
        max_batch: usize,
        metrics: Arc<crate::metrics::DeliveryMetrics>,
        shared: bool,
    ) -> Result<Self, DbErr> {
        let heads = super::chains::load_heads(&db).await?;
        let (shared_chain, shared_heads) = (shared, Arc::new(Mutex::new(heads)));
        let shared = shared_heads.clone();
        let (tx, rx) = mpsc::channel(65_536);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| DbErr::Custom(format!("the writer's runtime: {e}")))?;
        let (heads_out, rewind) = (shared.clone(), super::wal::Rewind::default());
        let asked = rewind.clone();
        // The connections' runtime: each batch's outcomes go back to it in one task (`hand_back`).
        let acks = tokio::runtime::Handle::try_current().ok();
        std::thread::Builder::new()
            .name("khaothi-writer".into())
            .spawn(move || {
                let chains = (heads, shared_chain);
                let told = (heads_out, asked, acks);
                runtime.block_on(run(db, rx, max_batch.max(1), chains, told, metrics))
            })
            .map_err(|e| DbErr::Custom(format!("the writer's thread: {e}")))?;
        Ok(Self { tx, heads: shared_heads, shared: shared_chain, rewind })
    }

    /// Returns once the write is committed (durable).
    pub async fn write(&self, op: WriteOp) -> Result<(), WriteFailed> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Job { op, done: Some(done) })
            .await
            .map_err(|_| WriteFailed("the writer has stopped".into()))?;
        wait.await.map_err(|_| WriteFailed("the writer has stopped".into()))?.map_err(WriteFailed)
    }

    /// Whether the writer task still takes writes (readiness, `/readyz`).
    pub fn is_running(&self) -> bool {
        !self.tx.is_closed()
    }

    /// The chain heads as of the last commit: every row up to them is in the database.
    pub fn heads(&self) -> Heads {
        *self.heads.lock().expect("heads lock")
    }

    /// The chain heads every committed row is under: this writer's when it is the only one, the
    /// stored heads when other nodes write too.
    pub async fn current_heads(&self, db: &DatabaseConnection) -> Result<Heads, DbErr> {
        if self.shared { super::shared_chain::stored_heads(db).await } else { Ok(self.heads()) }
    }
}

async fn run(
    db: DatabaseConnection,
    mut rx: mpsc::Receiver<Job>,
    max_batch: usize,
    (mut heads, shared_chain): (Heads, bool),
    (shared, rewind, acks): (Arc<Mutex<Heads>>, super::wal::Rewind, Option<tokio::runtime::Handle>),
    metrics: Arc<crate::metrics::DeliveryMetrics>,
) {
    let mut batch = Vec::with_capacity(max_batch);
    let insert = AnswerInsert::new(db.get_database_backend());
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let started = std::time::Instant::now();
        let mut outcome = commit(&db, &insert, &batch, &mut heads, (false, shared_chain)).await;
        if matches!(outcome, Err(CommitError::Duplicates)) {
            // An (epoch, seq) sent again: redo the batch, skipping answers already stored.
            outcome = commit(&db, &insert, &batch, &mut heads, (true, shared_chain)).await;
        }
        metrics.writer_commit_seconds.observe(started.elapsed().as_secs_f64());
        metrics.writer_batch_rows.observe(batch.len() as f64);
        let result = match outcome {
            Ok(()) => {
                *shared.lock().expect("heads lock") = heads;
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, n = batch.len(), "group commit failed");
                Err(e.to_string())
            }
        };
        hand_back(acks.as_ref(), &mut batch, result);
        if rewind.take() {
            super::wal::rewind(&db).await;
        }
    }
}

/// Tells every sender of a committed (or failed) batch, emptying it. With the connections'
/// runtime at hand, one task spawned there sends them all: one wake-up of that runtime per batch.
/// Each send wakes its connection's task; from this thread each of those was a wake-up from
/// outside the runtime (its shared queue's lock, often a sleeping worker's futex) — hundreds per
/// commit at the benchmark's rate (docs/benchmarks.md, issue 17 stop 20). From a task on a worker
/// they go to that worker's own queue. Nothing changes about when an answer is acknowledged: the
/// outcome is decided, and the commit durable, before this is called.
fn hand_back(acks: Option<&tokio::runtime::Handle>, batch: &mut Vec<Job>, result: Result<(), String>) {
    let senders: Vec<_> = batch.drain(..).filter_map(|job| job.done).collect();
    let tell = move || {
        for done in senders {
            let _ = done.send(result.clone());
        }
    };
    match acks {
        Some(runtime) => drop(runtime.spawn(async move { tell() })),
        None => tell(),
    }
}

#[derive(Debug, thiserror::Error)]
enum CommitError {
    #[error(transparent)]
    Db(#[from] DbErr),
    /// Some answers were already stored; the transaction was rolled back.
    #[error("answers already stored")]
    Duplicates,
}

/// Commits a batch; on failure the heads are as before.
async fn commit(
    db: &DatabaseConnection,
    insert: &AnswerInsert,
    batch: &[Job],
    heads: &mut Heads,
    skip_stored: (bool, bool),
) -> Result<(), CommitError> {
    let before = *heads;
    let result = commit_links(db, insert, batch, heads, skip_stored).await;
    if result.is_err() {
        *heads = before;
    }
    result
}

fn flatten<'a>(op: &'a WriteOp, out: &mut Vec<&'a WriteOp>) {
    match op {
        WriteOp::Together(ops) => ops.iter().for_each(|o| flatten(o, out)),
        other => out.push(other),
    }
}

/// Writes a batch in one transaction, linking audit rows and answers into their chains as it goes.
async fn commit_links(
    db: &DatabaseConnection,
    insert: &AnswerInsert,
    batch: &[Job],
    heads: &mut Heads,
    (skip_stored, shared_chain): (bool, bool),
) -> Result<(), CommitError> {
    let mut ops = Vec::with_capacity(batch.len());
    batch.iter().for_each(|j| flatten(&j.op, &mut ops));
    let txn = db.begin().await?;
    if shared_chain {
        *heads = super::shared_chain::lock_heads(&txn).await?;
    }
    let mut answers = Vec::new();
    for op in ops {
        match op {
            WriteOp::Answer(a) => answers.push(a),
            other => write_other(&txn, other, heads).await?,
        }
    }
    // The first try links every answer; an (epoch, seq) sent twice in one batch makes the insert
    // skip a row, and the retry (skip_stored) leaves out the stored and the repeated keys.
    let seen = if skip_stored { Some(stored_keys(&txn, &answers).await?) } else { None };
    let rows = link_answers(answers, seen, heads);
    let linked = rows.len() as u64;
    let inserted = insert.run(&txn, rows).await?;
    if inserted != linked {
        // A skipped duplicate would leave a hole in the chain: start over knowing the stored keys.
        txn.rollback().await?;
        return Err(CommitError::Duplicates);
    }
    txn.commit().await?;
    Ok(())
}

/// Every write but an answer (answers are inserted together, after the rest of the batch).
async fn write_other(txn: &DatabaseTransaction, op: &WriteOp, heads: &mut Heads) -> Result<(), DbErr> {
    match op {
        WriteOp::Integrity { candidate_id, epoch, kind, detail, at } => {
            let row = integrity_event::ActiveModel {
                candidate_id: Set(candidate_id.clone()),
                epoch: Set(*epoch),
                kind: Set(kind.clone()),
                detail: Set(detail.clone()),
                at: Set(*at),
                ..Default::default()
            };
            integrity_event::Entity::insert(row).exec_without_returning(txn).await?;
        }
        WriteOp::Session(m) => update_session(txn, m).await?,
        WriteOp::Clock(at) => {
            let row = server_clock::ActiveModel { id: Set(1), heartbeat_at: Set(*at) };
            server_clock::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(server_clock::Column::Id)
                        .update_column(server_clock::Column::HeartbeatAt)
                        .to_owned(),
                )
                .exec_without_returning(txn)
                .await?;
        }
        WriteOp::Audit(e) => append_audit(txn, e, heads).await?,
        WriteOp::Paper(rows) => rows.write(txn).await?,
        WriteOp::CatStep(st) => insert_step(txn, st).await?,
        WriteOp::Answer(_) | WriteOp::Together(_) => {
            unreachable!("answers are inserted apart; groups flattened")
        }
    }
    Ok(())
}

/// Inserts an adaptive test's step unless that (candidate, step) is stored already.
async fn insert_step(txn: &DatabaseTransaction, st: &super::cat_steps::NewStep) -> Result<(), DbErr> {
    let row = cat_step::ActiveModel {
        candidate_id: Set(st.candidate_id.clone()),
        step: Set(st.step),
        item_id: Set(st.item_id.clone()),
        theta: Set(st.theta),
        se: Set(st.se),
        picked_at: Set(stored_time(st.picked_at)),
    };
    cat_step::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([cat_step::Column::CandidateId, cat_step::Column::Step])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// Links one audit row into the audit chain and inserts it.
async fn append_audit(txn: &DatabaseTransaction, e: &AuditEntry, heads: &mut Heads) -> Result<(), DbErr> {
    let at = stored_time(e.at);
    let n = heads.audit.length as i64 + 1;
    let link = heads.audit.append(&audit_bytes(n, e.event_id.as_deref(), &e.actor, &e.action, &e.detail, at));
    let row = audit_log::ActiveModel {
        event_id: Set(e.event_id.clone()),
        actor: Set(e.actor.clone()),
        action: Set(e.action.clone()),
        detail: Set(e.detail.clone()),
        at: Set(at),
        chain_seq: Set(link.chain_seq),
        prev_hash: Set(link.prev_hash),
        hash: Set(link.hash),
        ..Default::default()
    };
    audit_log::Entity::insert(row).exec_without_returning(txn).await?;
    Ok(())
}

/// Writes the changed columns of a session. Not `ActiveModel::update`: on SQLite it reads the
/// row back with `.one()` (`LIMIT ?`, compiled again at every use: super::by_id) inside the
/// writer's transaction, for a model nobody reads.
async fn update_session(txn: &DatabaseTransaction, m: &candidate::ActiveModel) -> Result<(), DbErr> {
    let id = match &m.id {
        sea_orm::ActiveValue::Set(id) | sea_orm::ActiveValue::Unchanged(id) => id.clone(),
        sea_orm::ActiveValue::NotSet => return Err(DbErr::UpdateGetPrimaryKey),
    };
    if !m.is_changed() {
        return Ok(());
    }
    let done = candidate::Entity::update_many()
        .set(m.clone())
        .filter(candidate::Column::Id.eq(id))
        .exec(txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(DbErr::RecordNotUpdated);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use sea_orm::IntoActiveModel;

    use super::*;
    use crate::store::{Db, by_id, candidates, fixtures};

    async fn one_candidate(dir: &tempfile::TempDir) -> (Db, candidate::Model) {
        let db = fixtures::database(dir).await;
        fixtures::seat_one(&db, "ev", 5400).await;
        let c = candidates::of_event(&db.read, "ev").await.unwrap().remove(0);
        (db, c)
    }

    /// The first try links every answer without looking for repeats; an (epoch, seq) twice in one
    /// batch, or one stored already, sends the batch to the retry, which stores each key once and
    /// keeps the chain whole. Every sender of the batch is told (through the runtime's task).
    #[tokio::test]
    async fn answers_repeated_in_a_batch_or_stored_go_in_once_and_every_sender_is_told() {
        let dir = tempfile::tempdir().unwrap();
        let (db, c) = one_candidate(&dir).await;
        let answer = |seq: i64| NewAnswer {
            candidate_id: c.id.clone(),
            epoch: 1,
            seq,
            item_id: format!("Q{seq}"),
            value: "\"A\"".into(),
            received_at: Utc::now(),
        };
        let insert = AnswerInsert::new(db.write.get_database_backend());
        let mut heads = crate::store::chains::load_heads(&db.write).await.unwrap();
        let (mut batch, mut told) = (Vec::new(), Vec::new());
        for seq in [1, 2, 2, 3, 1] {
            let (done, wait) = oneshot::channel();
            batch.push(Job { op: WriteOp::Answer(answer(seq)), done: Some(done) });
            told.push(wait);
        }
        let first = commit(&db.write, &insert, &batch, &mut heads, (false, false)).await;
        assert!(matches!(first, Err(CommitError::Duplicates)), "{first:?}");
        assert_eq!(heads.responses.length, 0, "heads as before a failed try");
        commit(&db.write, &insert, &batch, &mut heads, (true, false)).await.unwrap();
        assert_eq!(heads.responses.length, 3);
        // Stored already: one new row, linked after them.
        let again = [3, 4].map(|seq| Job { op: WriteOp::Answer(answer(seq)), done: None });
        assert!(commit(&db.write, &insert, &again, &mut heads, (false, false)).await.is_err());
        commit(&db.write, &insert, &again, &mut heads, (true, false)).await.unwrap();
        let report = crate::store::chains::verify_chain(
            &db.read,
            crate::chain::Chain::Responses,
            Some(heads.responses),
        )
        .await
        .unwrap();
        assert!(report.ok && report.length == 4, "{report:?}");
        hand_back(Some(&tokio::runtime::Handle::current()), &mut batch, Ok(()));
        assert!(batch.is_empty());
        for wait in told {
            assert_eq!(wait.await.unwrap(), Ok(()));
        }
    }

    #[tokio::test]
    async fn a_session_write_changes_only_its_set_columns_and_refuses_a_missing_candidate() {
        let dir = tempfile::tempdir().unwrap();
        let (db, c) = one_candidate(&dir).await;
        assert_eq!(by_id::<candidate::Entity>(&db.read, c.id.clone()).await.unwrap().as_ref(), Some(&c));
        assert_eq!(by_id::<candidate::Entity>(&db.read, "nobody".to_string()).await.unwrap(), None);

        let mut am = c.clone().into_active_model();
        am.epoch = Set(3);
        am.resume_hash = Set(Some("h".into()));
        let txn = db.write.begin().await.unwrap();
        update_session(&txn, &am).await.unwrap();
        // Nothing set: nothing written, no error.
        update_session(&txn, &c.clone().into_active_model()).await.unwrap();
        txn.commit().await.unwrap();
        let after = by_id::<candidate::Entity>(&db.read, c.id.clone()).await.unwrap().unwrap();
        assert_eq!((after.epoch, after.resume_hash.as_deref()), (3, Some("h")));
        assert_eq!(candidate::Model { epoch: c.epoch, resume_hash: None, ..after }, c);

        let mut gone = c.clone().into_active_model();
        gone.id = Set("nobody".into());
        gone.epoch = Set(9);
        let txn = db.write.begin().await.unwrap();
        assert!(matches!(update_session(&txn, &gone).await, Err(DbErr::RecordNotUpdated)));
    }
}
