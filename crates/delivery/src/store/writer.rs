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

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Set, Statement, TransactionTrait,
};
use tokio::sync::{mpsc, oneshot};

use super::entity::{audit_log, candidate, cat_step, integrity_event, response, server_clock};
use crate::chain::{Heads, audit_bytes, response_bytes, stored_time};

/// An answer to append to the response log.
#[derive(Debug, Clone)]
pub struct NewAnswer {
    pub candidate_id: String,
    pub epoch: i64,
    pub seq: i64,
    pub item_id: String,
    /// The answer's JSON text.
    pub value: String,
    pub received_at: DateTime<Utc>,
}

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
        std::thread::Builder::new()
            .name("khaothi-writer".into())
            .spawn(move || {
                let chains = (heads, shared_chain);
                runtime.block_on(run(db, rx, max_batch.max(1), chains, (heads_out, asked), metrics))
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
    (shared, rewind): (Arc<Mutex<Heads>>, super::wal::Rewind),
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
        for job in batch.drain(..) {
            if let Some(done) = job.done {
                let _ = done.send(result.clone());
            }
        }
        if rewind.take() {
            super::wal::rewind(&db).await;
        }
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
    let seen = if skip_stored { stored_keys(&txn, &answers).await? } else { HashSet::new() };
    let rows = link_answers(answers, seen, heads);
    let inserted = insert.run(&txn, &rows).await?;
    if inserted != rows.len() as u64 {
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

/// An answer's response-log row: the answer, its stored time and its link in the response chain.
struct AnswerRow<'a> {
    answer: &'a NewAnswer,
    at: DateTime<Utc>,
    link: crate::chain::Link,
}

impl AnswerRow<'_> {
    /// The row's values in the table's column order (as [`insert_sql`] names them).
    fn values(&self) -> [sea_orm::Value; 9] {
        let a = self.answer;
        [
            a.candidate_id.clone().into(),
            a.epoch.into(),
            a.seq.into(),
            a.item_id.clone().into(),
            a.value.clone().into(),
            self.at.into(),
            self.link.chain_seq.into(),
            self.link.prev_hash.clone().into(),
            self.link.hash.clone().into(),
        ]
    }
}

/// The response-log rows of `answers`, linked into the response chain in order; an answer whose
/// (candidate, epoch, seq) is in `seen` (stored already, or earlier in the batch) is left out.
fn link_answers<'a>(
    answers: Vec<&'a NewAnswer>,
    mut seen: HashSet<(&'a str, i64, i64)>,
    heads: &mut Heads,
) -> Vec<AnswerRow<'a>> {
    let mut rows = Vec::with_capacity(answers.len());
    for a in answers {
        if !seen.insert((a.candidate_id.as_str(), a.epoch, a.seq)) {
            continue;
        }
        let at = stored_time(a.received_at);
        let n = heads.responses.length as i64 + 1;
        let link = heads.responses.append(&response_bytes(
            n,
            &a.candidate_id,
            a.epoch,
            a.seq,
            &a.item_id,
            &a.value,
            at,
        ));
        rows.push(AnswerRow { answer: a, at, link });
    }
    rows
}

/// Rows per answer `INSERT`, largest first: a batch goes in as chunks of these sizes (37 rows:
/// 32 + 4 + 1), so the writer runs a handful of statements whose SQL never changes and the
/// driver's statement cache keeps each compiled. One statement per batch of whatever size (as
/// before) built a new SQL text and a new sea-query tree of boxed values for every commit, and
/// SQLite compiled each size again once the cache had turned over; one statement per row would
/// cost a round trip to the driver's thread per answer. SQLite allows 32,766 parameters per
/// statement (9 per row), PostgreSQL 65,535.
const SHAPES: [usize; 9] = [256, 128, 64, 32, 16, 8, 4, 2, 1];

/// The SQL of the answer insert for each of [`SHAPES`], built once for the backend.
struct AnswerInsert {
    backend: DbBackend,
    sql: Vec<String>,
}

impl AnswerInsert {
    fn new(backend: DbBackend) -> Self {
        let sql = SHAPES.iter().map(|&n| insert_sql(backend, n)).collect();
        Self { backend, sql }
    }

    /// Inserts the rows, skipping any already stored; the number inserted.
    async fn run(&self, txn: &DatabaseTransaction, rows: &[AnswerRow<'_>]) -> Result<u64, DbErr> {
        let mut inserted = 0;
        let mut rest = rows;
        while let Some(shape) = next_shape(rest.len()) {
            let (chunk, tail) = rest.split_at(SHAPES[shape]);
            let values = chunk.iter().flat_map(AnswerRow::values);
            let stmt = Statement::from_sql_and_values(self.backend, self.sql[shape].clone(), values);
            inserted += txn.execute_raw(stmt).await?.rows_affected();
            rest = tail;
        }
        Ok(inserted)
    }
}

/// The index in [`SHAPES`] of the next statement for `left` rows still to insert (`None`: done).
fn next_shape(left: usize) -> Option<usize> {
    SHAPES.iter().position(|&n| n <= left)
}

/// sea-orm's own multi-row insert of `n` rows (so the SQL is exactly what `insert_many` would
/// send), kept as text; the values are bound at each use.
fn insert_sql(backend: DbBackend, n: usize) -> String {
    let row = response::ActiveModel {
        candidate_id: Set(String::new()),
        epoch: Set(0),
        seq: Set(0),
        item_id: Set(String::new()),
        value: Set(String::new()),
        received_at: Set(DateTime::<Utc>::UNIX_EPOCH),
        chain_seq: Set(0),
        prev_hash: Set(String::new()),
        hash: Set(String::new()),
    };
    response::Entity::insert_many(std::iter::repeat_n(row, n))
        .on_conflict(
            OnConflict::columns([
                response::Column::CandidateId,
                response::Column::Epoch,
                response::Column::Seq,
            ])
            .do_nothing()
            .to_owned(),
        )
        .build(backend)
        .sql
}

/// The (candidate, epoch, seq) of `answers` already in the response log (the rare path: only
/// after an insert found a duplicate).
async fn stored_keys<'a>(
    txn: &impl sea_orm::ConnectionTrait,
    answers: &[&'a NewAnswer],
) -> Result<HashSet<(&'a str, i64, i64)>, DbErr> {
    let mut ids: Vec<&str> = answers.iter().map(|a| a.candidate_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut stored: HashSet<(String, i64, i64)> = HashSet::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, i64, i64)> = response::Entity::find()
            .select_only()
            .column(response::Column::CandidateId)
            .column(response::Column::Epoch)
            .column(response::Column::Seq)
            .filter(response::Column::CandidateId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(txn)
            .await?;
        stored.extend(rows);
    }
    Ok(answers
        .iter()
        .filter(|a| stored.contains(&(a.candidate_id.clone(), a.epoch, a.seq)))
        .map(|a| (a.candidate_id.as_str(), a.epoch, a.seq))
        .collect())
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

    #[test]
    fn a_batch_goes_in_as_few_fixed_shapes_covering_every_row() {
        for n in 0..2000usize {
            let (mut left, mut sizes) = (n, Vec::new());
            while let Some(i) = next_shape(left) {
                sizes.push(SHAPES[i]);
                left -= SHAPES[i];
            }
            assert_eq!(sizes.iter().sum::<usize>(), n);
            assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "largest first: {sizes:?}");
            // Below the largest shape, one statement per set bit of n.
            if n < 256 {
                assert_eq!(sizes.len(), n.count_ones() as usize);
            }
        }
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let sql = AnswerInsert::new(backend).sql;
            assert!(sql[SHAPES.len() - 1].contains("ON CONFLICT"), "{}", sql[SHAPES.len() - 1]);
            for (s, n) in sql.iter().zip(SHAPES) {
                assert_eq!(s.matches("(").count(), n + 2, "{n} rows: {s}");
            }
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
