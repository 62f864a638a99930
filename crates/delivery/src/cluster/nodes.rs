//! Nodes' heartbeats, the leader lock, and outage credit when a node dies while others live on.
//!
//! Each node stores its own heartbeat (`dl_nodes`) every `heartbeat_seconds`, and each login
//! records the node serving the candidate (`dl_candidate_nodes`; a move away from another node
//! keeps that node and the time). When node D dies (its heartbeat H older than
//! `node_dead_after_seconds`), the leader, in one transaction guarded by D's row:
//! - credits D's candidates still served by D the time from H to now and hands them to itself
//!   (their clocks run again like any disconnected candidate's on a live server);
//! - credits D's candidates who resumed elsewhere after H the time from H to their resume;
//! - deletes D's row (a restarted D starts afresh).
//!
//! So a candidate of a dead node loses no time, whichever node they resume on (up to one
//! heartbeat's granularity, in the candidate's favour). A node restarted before the takeover
//! does the same for itself. The leader is whoever holds a session-level advisory lock on its own
//! connection; when that node dies, PostgreSQL drops the lock with the connection and another
//! node's next try takes it.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sqlx::{self, Connection, PgConnection};
use serde_json::json;
use tokio::sync::watch;

use crate::state::AppState;
use crate::store;
use crate::store::nodes::{Cluster, Credited, beat, credit_node};

/// The advisory lock key of the leader (any fixed number; "khaoth" in ASCII).
pub const LEADER_LOCK: i64 = 0x6b68_616f_7468;

/// Audits a credit (one row per event, through the writer: the audit chain) and tells the
/// credited candidates' connections, here and elsewhere.
async fn announce(s: &AppState, node: &str, last: DateTime<Utc>, now: DateTime<Utc>, done: Credited) {
    if done.candidates.is_empty() {
        return;
    }
    let mut per_event: std::collections::BTreeMap<&str, usize> = Default::default();
    for (_, e) in &done.candidates {
        *per_event.entry(e.as_str()).or_default() += 1;
    }
    for (event, n) in per_event {
        let detail = json!({"node": node, "from": last, "to": now, "milliseconds": done.milliseconds, "candidates": n});
        if let Err(e) = store::audit(&s.writer, Some(event), "server", "outage_credited", detail).await {
            tracing::error!(error = %e, "the outage credit was not audited");
        }
    }
    for (id, _) in &done.candidates {
        if let Err(e) = super::refresh_session(s, id).await {
            tracing::warn!(error = %e, "a credited session was not refreshed");
        }
    }
    tracing::warn!(node, sessions = done.candidates.len(), outage_ms = done.milliseconds, "outage credited");
}

/// At start: this node's own outage (since its last heartbeat), unless another node took its
/// candidates over already.
pub async fn credit_own_outage(s: &AppState, c: &Cluster) -> Result<(), sqlx::Error> {
    let last: Option<DateTime<Utc>> = sqlx::query_scalar("SELECT heartbeat_at FROM dl_nodes WHERE name = $1")
        .bind(&c.node)
        .fetch_optional(&c.pool)
        .await?;
    if let Some(last) = last {
        let now = Utc::now();
        let done = credit_node(c, &c.node, last, now, &c.node).await?;
        announce(s, &c.node, last, now, done).await;
    }
    Ok(())
}

/// The heartbeat, the leader lock and, while leader, the takeover of dead nodes.
pub async fn heartbeat_loop(s: AppState, c: Arc<Cluster>, mut stop: watch::Receiver<bool>) {
    let mut t = tokio::time::interval(c.heartbeat);
    t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut lock: Option<PgConnection> = None;
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            _ = t.tick() => {}
        }
        if let Err(e) = beat(&c).await {
            tracing::error!(error = %e, node = c.node, "cannot store the node's heartbeat");
        }
        lock = hold_leader_lock(&c, lock).await;
        if c.is_leader()
            && let Err(e) = take_over_dead(&s, &c).await
        {
            tracing::error!(error = %e, "the takeover of dead nodes failed");
        }
    }
    // Leaving: another node's next try takes the lock when this connection closes.
    c.leader.store(false, Ordering::Relaxed);
    if let Some(conn) = lock {
        let _ = conn.close().await;
    }
}

/// Keeps (or tries to take) the leader lock on its own connection; leadership ends with the
/// connection.
async fn hold_leader_lock(c: &Cluster, lock: Option<PgConnection>) -> Option<PgConnection> {
    let mut conn = match lock {
        Some(mut conn) => {
            if sqlx::query("SELECT 1").execute(&mut conn).await.is_ok() {
                return Some(conn);
            }
            tracing::warn!(node = c.node, "the leader's connection is lost: no longer leader");
            c.leader.store(false, Ordering::Relaxed);
            return None;
        }
        None => match tokio::time::timeout(
            Duration::from_secs(5),
            PgConnection::connect_with(&c.pool.connect_options()),
        )
        .await
        {
            Ok(Ok(conn)) => conn,
            _ => return None,
        },
    };
    match sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock($1)")
        .bind(LEADER_LOCK)
        .fetch_one(&mut conn)
        .await
    {
        Ok(true) => {
            tracing::info!(node = c.node, "this node is the leader (once-only jobs run here)");
            c.leader.store(true, Ordering::Relaxed);
            Some(conn)
        }
        _ => {
            let _ = conn.close().await;
            None
        }
    }
}

/// Nodes whose heartbeat is older than `node_dead_after_seconds` are taken over; not while this
/// node's own heartbeats have not been stored that long (after a database outage every
/// heartbeat is old).
async fn take_over_dead(s: &AppState, c: &Cluster) -> Result<(), sqlx::Error> {
    let now = Utc::now();
    let dead_after = chrono::Duration::from_std(c.dead_after).unwrap_or_default();
    let since = *c.writing_since.lock().expect("cluster lock");
    if since.is_none_or(|t| now - t < dead_after) {
        return Ok(());
    }
    let dead: Vec<(String, DateTime<Utc>)> =
        sqlx::query_as("SELECT name, heartbeat_at FROM dl_nodes WHERE heartbeat_at < $1 AND name <> $2")
            .bind(now - dead_after)
            .bind(&c.node)
            .fetch_all(&c.pool)
            .await?;
    for (node, last) in dead {
        tracing::warn!(node, %last, "a delivery node is dead: its candidates are taken over");
        let done = credit_node(c, &node, last, now, &c.node).await?;
        announce(s, &node, last, now, done).await;
    }
    Ok(())
}
