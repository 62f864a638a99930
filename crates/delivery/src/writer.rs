//! The single writer with group commit. Every answer, integrity event and session change is sent
//! here; the task takes whatever has queued (up to `max_batch`), writes it in one transaction,
//! commits, and only then tells each sender. One fsync serves every session that wrote meanwhile,
//! so throughput grows with load while each answer is still acknowledged only once durable.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use crate::store::entity::{candidate, integrity_event, response, server_clock};

pub enum WriteOp {
    Answer(response::Model),
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
}

struct Job {
    op: WriteOp,
    done: Option<oneshot::Sender<Result<(), String>>>,
}

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

#[derive(Debug, thiserror::Error)]
#[error("the write was not saved: {0}")]
pub struct WriteFailed(pub String);

impl Writer {
    pub fn spawn(db: DatabaseConnection, max_batch: usize) -> Self {
        let (tx, rx) = mpsc::channel(65_536);
        tokio::spawn(run(db, rx, max_batch.max(1)));
        Self { tx }
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
}

async fn run(db: DatabaseConnection, mut rx: mpsc::Receiver<Job>, max_batch: usize) {
    let mut batch = Vec::with_capacity(max_batch);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let result = commit(&db, &mut batch).await.map_err(|e| {
            tracing::error!(error = %e, n = batch.len(), "group commit failed");
            e.to_string()
        });
        for job in batch.drain(..) {
            if let Some(done) = job.done {
                let _ = done.send(result.clone());
            }
        }
    }
}

async fn commit(db: &DatabaseConnection, batch: &mut [Job]) -> Result<(), sea_orm::DbErr> {
    let txn = db.begin().await?;
    let mut answers = Vec::new();
    for job in batch.iter_mut() {
        match std::mem::replace(&mut job.op, WriteOp::Clock(Utc::now())) {
            WriteOp::Answer(a) => answers.push(response::ActiveModel {
                candidate_id: Set(a.candidate_id),
                epoch: Set(a.epoch),
                seq: Set(a.seq),
                item_id: Set(a.item_id),
                value: Set(a.value),
                received_at: Set(a.received_at),
            }),
            WriteOp::Integrity { candidate_id, epoch, kind, detail, at } => {
                integrity_event::ActiveModel {
                    candidate_id: Set(candidate_id),
                    epoch: Set(epoch),
                    kind: Set(kind),
                    detail: Set(detail),
                    at: Set(at),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
            WriteOp::Session(m) => {
                (*m).update(&txn).await?;
            }
            WriteOp::Clock(at) => {
                let row = server_clock::ActiveModel { id: Set(1), heartbeat_at: Set(at) };
                server_clock::Entity::insert(row)
                    .on_conflict(
                        OnConflict::column(server_clock::Column::Id)
                            .update_column(server_clock::Column::HeartbeatAt)
                            .to_owned(),
                    )
                    .exec_without_returning(&txn)
                    .await?;
            }
        }
    }
    // SQLite allows 32 766 parameters per statement; 6 per row.
    for chunk in answers.chunks(4000) {
        response::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    response::Column::CandidateId,
                    response::Column::Epoch,
                    response::Column::Seq,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await
}
