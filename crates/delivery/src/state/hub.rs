//! The live-session hub: each session's [`Signal`] (a newer login, extra time, a pause,
//! submission, termination) for its connection, the login locks, the unlocked contents, and the
//! proctors' rooms ([`RoomHub`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::content::EventContent;
use super::outbox::Outgoing;
use super::rooms::RoomHub;

/// What a connection needs to know about its session as it changes elsewhere (a newer login,
/// extra time, a pause, submission or termination).
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub epoch: i64,
    pub deadline: Option<DateTime<Utc>>,
    pub submitted: Option<String>,
    /// Set while the proctor has the clock stopped.
    pub paused_at: Option<DateTime<Utc>>,
    pub pause_reason: Option<String>,
    /// Set when the proctor ended the session.
    pub terminate_reason: Option<String>,
}

#[derive(Default)]
pub struct Hub {
    sessions: Mutex<HashMap<String, watch::Sender<Signal>>>,
    login_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    contents: RwLock<HashMap<String, Arc<EventContent>>>,
    /// Proctors' live view: who is connected, answer counts, per-room fan-out.
    pub rooms: RoomHub,
    /// Set once when the server starts to stop (SIGTERM): candidate sockets close with
    /// [`DRAINING_CLOSE`] so their pages resume on another node (docs/protocol.md §3).
    pub draining: Draining,
}

/// The close code of a candidate socket the server closes because it is stopping: the page
/// resumes at once (with a little jitter), through the load balancer, on another node or on this
/// one after its restart.
pub const DRAINING_CLOSE: u16 = 4002;

/// Whether the server is stopping, for every live connection to watch.
pub struct Draining(watch::Sender<bool>);

impl Default for Draining {
    fn default() -> Self {
        Self(watch::channel(false).0)
    }
}

impl Draining {
    /// Tells every connection the server is stopping (idempotent).
    pub fn start(&self) {
        self.0.send_replace(true);
    }

    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.0.subscribe()
    }
}

impl Hub {
    pub fn publish(&self, candidate_id: &str, signal: Signal) {
        self.rooms.outbox.send(Outgoing::Session(candidate_id.to_string()));
        let mut map = self.sessions.lock().expect("hub lock");
        match map.get(candidate_id) {
            Some(tx) => {
                tx.send_replace(signal);
            }
            None => {
                map.insert(candidate_id.to_string(), watch::channel(signal).0);
            }
        }
    }

    /// Changes part of a session's signal (keeps the rest).
    pub fn update(&self, candidate_id: &str, f: impl FnOnce(&mut Signal)) {
        self.rooms.outbox.send(Outgoing::Session(candidate_id.to_string()));
        let map = self.sessions.lock().expect("hub lock");
        if let Some(tx) = map.get(candidate_id) {
            tx.send_modify(f);
        }
    }

    /// A session changed on another node: its connection here (if any) gets the stored signal.
    pub fn apply_remote(&self, candidate_id: &str, signal: Signal) {
        let map = self.sessions.lock().expect("hub lock");
        if let Some(tx) = map.get(candidate_id) {
            tx.send_if_modified(|s| {
                let changed = *s != signal;
                *s = signal;
                changed
            });
        }
    }

    /// Whether this node holds a signal for the session (a connection here had it).
    pub fn has_session(&self, candidate_id: &str) -> bool {
        self.sessions.lock().expect("hub lock").contains_key(candidate_id)
    }

    /// The sessions this node holds a signal for (resynchronised after a lost listener).
    pub fn session_ids(&self) -> Vec<String> {
        self.sessions.lock().expect("hub lock").keys().cloned().collect()
    }

    pub fn subscribe(&self, candidate_id: &str, current: Signal) -> watch::Receiver<Signal> {
        let mut map = self.sessions.lock().expect("hub lock");
        map.entry(candidate_id.to_string()).or_insert_with(|| watch::channel(current).0).subscribe()
    }

    /// Serializes logins of one candidate (epochs are issued one at a time).
    pub fn login_lock(&self, candidate_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.login_locks.lock().expect("hub lock").entry(candidate_id.to_string()).or_default().clone()
    }

    pub fn content(&self, event_id: &str) -> Option<Arc<EventContent>> {
        self.contents.read().expect("hub lock").get(event_id).cloned()
    }

    /// An image of any unlocked event's content.
    pub fn media(&self, id: &str) -> Option<(String, axum::body::Bytes)> {
        self.contents.read().expect("hub lock").values().find_map(|c| c.media.get(id).cloned())
    }

    pub fn set_content(&self, event_id: &str, c: Arc<EventContent>) {
        self.contents.write().expect("hub lock").insert(event_id.to_string(), c);
    }
}

/// Held by a logged-in candidate connection: the seat shows `connected` while one is alive.
pub struct LiveGuard {
    hub: Arc<Hub>,
    candidate_id: String,
    room_id: String,
}

impl LiveGuard {
    pub fn connect(hub: &Arc<Hub>, candidate_id: &str, room_id: &str) -> Self {
        hub.rooms.connections(candidate_id, room_id, 1);
        hub.rooms.touch(candidate_id, room_id);
        Self { hub: hub.clone(), candidate_id: candidate_id.to_string(), room_id: room_id.to_string() }
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.hub.rooms.connections(&self.candidate_id, &self.room_id, -1);
        self.hub.rooms.touch(&self.candidate_id, &self.room_id);
    }
}
