//! Several delivery nodes on one PostgreSQL database, behind nginx (issue 18 §1, DESIGN §7,
//! docs/multi-node.md). Nothing here is a cluster protocol of its own: every node talks only to
//! PostgreSQL.
//!
//! - **Fan-out** ([`wire`]): what the in-memory hub pushes to its outbox (a session changed, a seat
//!   or log entry for a room's proctors, a room watched, an event unlocked) is sent with
//!   `NOTIFY khaothi_delivery`; every node `LISTEN`s and applies what others sent: a newer login
//!   elsewhere supersedes the connection here, a proctor's pause/extend/terminate reaches the
//!   candidate here, seats of candidates here reach proctors there.
//! - **Epochs**: a login claims its epoch with a compare-and-swap on the candidate row
//!   ([`Cluster::claim_epoch`]), so two nodes never open the same epoch.
//! - **Once-only jobs** ([`nodes`]): the node holding a session-level advisory lock (the leader)
//!   runs the deadline sweep and takes over dead nodes; the lock goes with its connection, so it
//!   moves to another node when the leader dies.
//! - **Outage credit** ([`nodes`]): each node's heartbeat is its own row; a node's candidates are
//!   credited from that node's last heartbeat, whether they resumed elsewhere or not.
//! - **Hash chains**: one chain per table through the database, each writer linking under a
//!   transaction-scoped advisory lock (`store::shared_chain`): result files and the verifier keep
//!   their single chain.
//!
//! sqlx's `PgListener` (the driver under sea-orm, same version, no new dependency) carries the
//! notifications; it reconnects by itself, and the node resynchronises its sessions then.

pub mod nodes;
pub mod wire;

use std::sync::Arc;

use crate::state::AppState;
pub use crate::store::nodes::{Cluster, valid_node_name};

/// The NOTIFY channel every node listens on.
pub const CHANNEL: &str = "khaothi_delivery";

/// Joins the others: credits this node's own outage (its candidates that no node took over),
/// stores its heartbeat and connects the hub's outbox. Before the server takes connections.
pub async fn join(s: &AppState) -> Result<(), String> {
    let Some(c) = &s.cluster else { return Ok(()) };
    nodes::credit_own_outage(s, c).await.map_err(|e| format!("outage credit of node {}: {e}", c.node))?;
    crate::store::nodes::beat(c).await.map_err(|e| format!("the heartbeat of node {}: {e}", c.node))?;
    Ok(())
}

/// Starts the node's tasks: the outbox sender, the listener, the heartbeat and the leader lock.
pub fn spawn(s: AppState, stop: tokio::sync::watch::Receiver<bool>) {
    let Some(c) = s.cluster.clone() else { return };
    let Some(rx) = s.hub.rooms.outbox.connect(&c.node) else { return };
    tokio::spawn(wire::send_loop(c.clone(), s.hub.clone(), rx, stop.clone()));
    tokio::spawn(wire::listen_loop(s.clone(), c.clone(), stop.clone()));
    tokio::spawn(nodes::heartbeat_loop(s, c, stop));
}

/// The signal a candidate row stands for (what a login or a change published on its node).
pub fn signal_of(c: &crate::store::entity::candidate::Model) -> crate::state::Signal {
    crate::state::Signal {
        epoch: c.epoch,
        deadline: c.deadline_at,
        submitted: c.submit_reason.clone(),
        paused_at: c.paused_at,
        pause_reason: c.pause_reason.clone(),
        terminate_reason: c.terminate_reason.clone(),
    }
}

/// A session changed in the database (outage credit here): the connection here gets it, the
/// other nodes reload it.
pub async fn refresh_session(s: &AppState, candidate_id: &str) -> Result<(), sea_orm::DbErr> {
    use crate::store::entity::candidate;
    if let Some(row) = crate::store::by_id::<candidate::Entity>(&s.db.read, candidate_id.to_string()).await? {
        s.hub.apply_remote(candidate_id, signal_of(&row));
        s.hub.rooms.touch(candidate_id, &row.room_id);
    }
    s.hub.rooms.outbox.send(crate::state::outbox::Outgoing::Session(candidate_id.to_string()));
    Ok(())
}

/// Shared with the tasks.
pub type Shared = Arc<Cluster>;
