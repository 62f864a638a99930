//! What this node tells the other delivery nodes sharing its database (issue 18 §1): the
//! in-memory hub pushes [`Outgoing`] messages here as things change, and `crate::cluster` (when
//! the node runs with others) sends them through PostgreSQL `NOTIFY`. A node running alone never
//! connects the outbox, and sending costs one check.
//!
//! Delivery is best-effort by design: a message lost (a full queue, a database outage) is made
//! good by the receivers' resynchronisation after their listener reconnects, and by the next
//! change; nothing acknowledged to a candidate depends on it (answers live in the database).

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

/// Messages queued for the other nodes before new ones are dropped (never a wait on a hot path).
pub const OUTBOX_CAPACITY: usize = 65_536;

/// What a connection of this node knows about a candidate's seat, with the time it last changed,
/// so every node keeps the newest facts whichever node reports them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveFacts {
    /// The node holding (or last holding) the candidate's connection.
    pub node: String,
    pub connected: bool,
    pub disconnected_at: Option<DateTime<Utc>>,
    /// The newest connection epoch's count of answered items.
    pub answered: Option<(i64, u32)>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub enum Outgoing {
    /// A session's signal changed here, after its commit: other nodes reload it (a newer login
    /// supersedes their connection; a pause, extra time or the end reaches the candidate).
    Session(String),
    /// A message for a room's proctor sockets (a log entry).
    Room { room: String, text: Arc<str> },
    /// A seat for a room's proctor sockets, with the newest facts about the connection.
    Seat { room: String, candidate: String, text: Arc<str>, facts: Option<LiveFacts> },
    /// A proctor socket here started watching a room.
    Watch(String),
    /// An event was unlocked or its keys released here: other nodes open it too.
    Event(String),
}

/// Connected once by `crate::cluster` when the node runs with others.
#[derive(Default)]
pub struct Outbox {
    tx: OnceLock<mpsc::Sender<Outgoing>>,
    node: OnceLock<String>,
}

impl Outbox {
    /// Connects the outbox (once): this node's name and the queue the cluster task reads.
    pub fn connect(&self, node: &str) -> Option<mpsc::Receiver<Outgoing>> {
        let (tx, rx) = mpsc::channel(OUTBOX_CAPACITY);
        self.tx.set(tx).ok()?;
        let _ = self.node.set(node.to_string());
        Some(rx)
    }

    /// Whether this node runs with others.
    pub fn active(&self) -> bool {
        self.tx.get().is_some()
    }

    /// This node's name (`""` alone).
    pub fn node(&self) -> &str {
        self.node.get().map_or("", String::as_str)
    }

    pub fn send(&self, m: Outgoing) {
        if let Some(tx) = self.tx.get()
            && tx.try_send(m).is_err()
        {
            tracing::warn!("the outbox to the other nodes is full: a message was dropped");
        }
    }
}
