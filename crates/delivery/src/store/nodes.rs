//! The delivery nodes sharing one PostgreSQL database, as stored (issue 18 §1; the tasks that
//! use this are `crate::cluster`): this node's handle on the database ([`Cluster`]), each node's
//! heartbeat (`dl_nodes`), the node serving each candidate (`dl_candidate_nodes`), the epoch a
//! login claims, and the outage credit of a dead node ([`credit_node`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sqlx::{self, PgPool};

/// Whether `name` can name a node: 1 to 40 letters, digits, `-`, `_`, `.`.
pub fn valid_node_name(name: &str) -> bool {
    (1..=40).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// This node among the others.
pub struct Cluster {
    pub node: String,
    pub(crate) pool: PgPool,
    pub(crate) leader: AtomicBool,
    pub(crate) dead_after: Duration,
    pub(crate) heartbeat: Duration,
    /// Since when this node's heartbeats have been stored without a failure (after a database
    /// outage every node's heartbeat is old: nobody is declared dead until the others had time
    /// to write theirs again).
    pub(crate) writing_since: std::sync::Mutex<Option<DateTime<Utc>>>,
}

impl Cluster {
    /// The node `node` on the database behind `db` (PostgreSQL only).
    pub fn new(
        node: &str,
        db: &sea_orm::DatabaseConnection,
        dead_after: Duration,
        heartbeat: Duration,
    ) -> Result<Self, String> {
        if !valid_node_name(node) {
            return Err(format!("node `{node}`: 1 to 40 characters: letters, digits, `-`, `_` or `.`"));
        }
        if db.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Err("several delivery nodes share one PostgreSQL database: `node` needs a postgres:// database_url".into());
        }
        Ok(Self {
            node: node.to_string(),
            pool: db.get_postgres_connection_pool().clone(),
            leader: AtomicBool::new(false),
            dead_after,
            heartbeat,
            writing_since: std::sync::Mutex::new(None),
        })
    }

    /// Whether this node holds the leader lock now (runs the once-only jobs).
    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::Relaxed)
    }

    /// Claims epoch `epoch + 1` of a candidate's session for a login here: only if no other login
    /// (on any node) took it first. Records that this node serves the candidate (and the node it
    /// moved from, for outage credit). `false`: another login won; the caller refuses this one.
    pub async fn claim_epoch(
        &self,
        candidate_id: &str,
        epoch: i64,
        resume_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let claimed = sqlx::query(
            "UPDATE dl_candidates SET epoch = epoch + 1, resume_hash = $3 WHERE id = $1 AND epoch = $2",
        )
        .bind(candidate_id)
        .bind(epoch)
        .bind(resume_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(SERVED_HERE).bind(candidate_id).bind(&self.node).bind(now).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Records that `$2` serves candidate `$1` since `$3`; a move from another node keeps the node it
/// left and when (the first move since the last credit).
pub const SERVED_HERE: &str = "INSERT INTO dl_candidate_nodes (candidate_id, node, since) VALUES ($1, $2, $3)
ON CONFLICT (candidate_id) DO UPDATE SET
  moved_from = CASE WHEN dl_candidate_nodes.moved_from IS NULL AND dl_candidate_nodes.node <> EXCLUDED.node
                    THEN dl_candidate_nodes.node ELSE dl_candidate_nodes.moved_from END,
  moved_at = CASE WHEN dl_candidate_nodes.moved_from IS NULL AND dl_candidate_nodes.node <> EXCLUDED.node
                  THEN EXCLUDED.since ELSE dl_candidate_nodes.moved_at END,
  node = EXCLUDED.node, since = EXCLUDED.since";

/// Credits candidates still served by the dead node `$1` (last heartbeat `$2`) `$3` ms.
const CREDIT_SERVED: &str = "UPDATE dl_candidates k
SET deadline_at = k.deadline_at + ($3::bigint * interval '1 millisecond'),
    credited_seconds = k.credited_seconds + CAST(CEIL($3::bigint / 1000.0) AS integer)
FROM dl_candidate_nodes cn
WHERE cn.candidate_id = k.id AND cn.node = $1
  AND k.submitted_at IS NULL AND k.paused_at IS NULL AND k.deadline_at > $2
RETURNING k.id, k.event_id";

/// Credits candidates who moved away from the dead node `$1` after its last heartbeat `$2` the
/// time between the two.
const CREDIT_MOVED: &str = "UPDATE dl_candidates k
SET deadline_at = k.deadline_at + (cn.moved_at - $2),
    credited_seconds = k.credited_seconds + CAST(CEIL(EXTRACT(EPOCH FROM (cn.moved_at - $2))) AS integer)
FROM dl_candidate_nodes cn
WHERE cn.candidate_id = k.id AND cn.moved_from = $1 AND cn.moved_at > $2
  AND k.submitted_at IS NULL AND k.paused_at IS NULL AND k.deadline_at > $2
RETURNING k.id, k.event_id";

/// Who was credited what, for the audit log and the connections.
#[derive(Debug, Default)]
pub struct Credited {
    pub candidates: Vec<(String, String)>,
    pub milliseconds: i64,
}

/// The outage of node `dead` (last heartbeat `last`) credited as of `now`; its candidates go to
/// `to`. Nothing when another node did it first (the guarded row is gone or newer).
pub async fn credit_node(
    c: &Cluster,
    dead: &str,
    last: DateTime<Utc>,
    now: DateTime<Utc>,
    to: &str,
) -> Result<Credited, sqlx::Error> {
    let mut tx = c.pool.begin().await?;
    let gone = sqlx::query("DELETE FROM dl_nodes WHERE name = $1 AND heartbeat_at = $2")
        .bind(dead)
        .bind(last)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if gone != 1 {
        tx.rollback().await?;
        return Ok(Credited::default());
    }
    let ms = (now - last).num_milliseconds().max(0);
    let mut candidates: Vec<(String, String)> =
        sqlx::query_as(CREDIT_SERVED).bind(dead).bind(last).bind(ms).fetch_all(&mut *tx).await?;
    candidates.extend(
        sqlx::query_as::<_, (String, String)>(CREDIT_MOVED).bind(dead).bind(last).fetch_all(&mut *tx).await?,
    );
    sqlx::query("UPDATE dl_candidate_nodes SET node = $2, since = $3 WHERE node = $1")
        .bind(dead)
        .bind(to)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE dl_candidate_nodes SET moved_from = NULL, moved_at = NULL WHERE moved_from = $1")
        .bind(dead)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Credited { candidates, milliseconds: ms })
}

/// Stores this node's heartbeat.
pub async fn beat(c: &Cluster) -> Result<(), sqlx::Error> {
    let now = Utc::now();
    let r = sqlx::query(
        "INSERT INTO dl_nodes (name, heartbeat_at, started_at) VALUES ($1, $2, $2)
         ON CONFLICT (name) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at",
    )
    .bind(&c.node)
    .bind(now)
    .execute(&c.pool)
    .await;
    let mut since = c.writing_since.lock().expect("cluster lock");
    match r {
        Ok(_) => {
            since.get_or_insert(now);
            Ok(())
        }
        Err(e) => {
            *since = None;
            Err(e)
        }
    }
}

/// The candidates of `ids` served by a node that missed heartbeats but is not yet taken over:
/// the deadline sweep leaves them (their outage credit is coming).
pub async fn on_silent_nodes(c: &Cluster, ids: &[String]) -> Result<Vec<String>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let missed =
        chrono::Duration::from_std(c.heartbeat * 2).unwrap_or_default() + chrono::Duration::seconds(1);
    sqlx::query_scalar(
        "SELECT cn.candidate_id FROM dl_candidate_nodes cn JOIN dl_nodes n ON n.name = cn.node
         WHERE cn.candidate_id = ANY($1) AND n.heartbeat_at < $2",
    )
    .bind(ids)
    .bind(Utc::now() - missed)
    .fetch_all(&c.pool)
    .await
}
