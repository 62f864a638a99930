//! The live-session hub: each session's [`Signal`] (a newer login, extra time, a pause,
//! submission, termination) for its connection, the login locks, the unlocked contents, and the
//! proctors' rooms ([`RoomHub`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use tokio::sync::watch;

pub use super::admission::Admission;
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

/// Logins that may be between their first read and the last byte of their content at once, on
/// this node (all events together: they share its cores, its SQLite reader and the writer's
/// commits). More would not log anyone in sooner but would make the answers of candidates
/// already in wait behind a crowd of welcomes — and each login in progress holds its reads'
/// futures and rows (≈ 37 KB). A login waits here before anything is read for it: when the gate
/// came after the candidate's read, 10,000 candidates connecting at once peaked at 490–630 MB;
/// gated first, 220–230 MB (docs/benchmarks.md, issue 17 stop 18).
/// The configuration's `admission_slots` sets them on a node; this is its default. They are the
/// most: while answers wait for their acks, pacing lends fewer ([`Admission`]).
pub const ADMISSION_SLOTS: usize = crate::config::DEFAULT_ADMISSION_SLOTS;

/// Submissions in progress at once on this node. At the end of an exam every candidate submits
/// within a second, and each submission reads the candidate and its answers through the read
/// pool, whose connections are a handful and whose queue gives up after its acquire timeout
/// (10 s, `khaothi_store::connect`): at 19,000 candidates on 2 cores the pool's waits reached
/// that limit and submissions failed with `not_saved` (docs/benchmarks.md, issue 17 stop 18).
/// Here they wait without a limit instead — the pool's queue stays at most this long — and as
/// many as this still go into one group commit of the writer.
pub const SUBMIT_SLOTS: usize = 256;

/// A first-come-first-served gate of `N` places (submissions: [`SUBMIT_SLOTS`]; the logins'
/// gate is paced: [`Admission`]).
#[derive(Clone)]
pub struct Gate<const N: usize>(Arc<tokio::sync::Semaphore>);

impl<const N: usize> Default for Gate<N> {
    fn default() -> Self {
        Self(Arc::new(tokio::sync::Semaphore::new(N)))
    }
}

impl<const N: usize> Gate<N> {
    /// A gate of `places` places instead of `N` (at least one).
    pub fn with_places(places: usize) -> Self {
        Self(Arc::new(tokio::sync::Semaphore::new(places.max(1))))
    }

    /// Waits for a place (first come, first served); the place is held until the permit drops.
    pub async fn enter(&self) -> tokio::sync::OwnedSemaphorePermit {
        self.0.clone().acquire_owned().await.expect("the gate's semaphore is never closed")
    }

    /// Places free now.
    pub fn available(&self) -> usize {
        self.0.available_permits()
    }
}

#[derive(Default)]
pub struct Hub {
    sessions: Mutex<HashMap<String, watch::Sender<Signal>>>,
    login_locks: Mutex<HashMap<String, Arc<LoginLock>>>,
    /// Counts the releases of every login lock of this node (see [`LoginLock`]).
    session_changes: Arc<AtomicU64>,
    contents: RwLock<HashMap<String, Arc<EventContent>>>,
    /// Proctors' live view: who is connected, answer counts, per-room fan-out.
    pub rooms: RoomHub,
    /// Set once when the server starts to stop (SIGTERM): candidate sockets close with
    /// [`DRAINING_CLOSE`] so their pages resume on another node (docs/protocol.md §3).
    pub draining: Draining,
    /// Candidate logins in progress (see [`ADMISSION_SLOTS`]).
    pub admission: Admission,
    /// Submissions in progress (see [`SUBMIT_SLOTS`]).
    pub submissions: Gate<SUBMIT_SLOTS>,
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
    /// A hub whose login gate has `admission_slots` places, paced by `ack_target` (see
    /// [`Admission`]).
    pub fn with_admission(admission_slots: usize, ack_target: Option<std::time::Duration>) -> Self {
        Self { admission: Admission::new(admission_slots, ack_target), ..Self::default() }
    }

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

    /// Serializes logins of one candidate (epochs are issued one at a time) and every other
    /// change of the candidate's session on this node (proctor actions, submission, paper).
    pub fn login_lock(&self, candidate_id: &str) -> Arc<LoginLock> {
        let mut locks = self.login_locks.lock().expect("hub lock");
        if let Some(l) = locks.get(candidate_id) {
            return l.clone();
        }
        let lock = Arc::new(LoginLock {
            mutex: tokio::sync::Mutex::new(()),
            changed_at: AtomicU64::new(0),
            clock: self.session_changes.clone(),
        });
        locks.insert(candidate_id.to_string(), lock.clone());
        lock
    }

    /// A mark to take **before** reading a candidate's row outside its login lock; under the
    /// lock, [`LoginGuard::unchanged_since`] with it tells whether that read is still the row.
    pub fn change_mark(&self) -> u64 {
        self.session_changes.load(Ordering::SeqCst)
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

/// A candidate's login lock, which every change of the candidate's session on this node holds
/// while it reads the row and writes it (a login, a proctor's action, a submission, a paper
/// sheet). Each release stamps the lock with the next value of the node's change count, so a login
/// that read the row *before* taking the lock (and took [`Hub::change_mark`] before that read)
/// knows, once it holds the lock, whether anything may have changed the row since: every change
/// that committed after the read began released the lock after that, and stamped it above the
/// mark. Nothing changed (the usual case): the read stands and the login saves its second read.
/// Changes made by other nodes are not counted here: several nodes read the row again under the
/// lock (`ws::login`). A release stamps whether or not its write succeeded (an unknown outcome
/// counts as a change).
pub struct LoginLock {
    mutex: tokio::sync::Mutex<()>,
    /// The change count stamped by the last release.
    changed_at: AtomicU64,
    /// The node's change count (`Hub::session_changes`).
    clock: Arc<AtomicU64>,
}

impl LoginLock {
    pub async fn lock(&self) -> LoginGuard<'_> {
        LoginGuard { lock: self, _held: self.mutex.lock().await }
    }
}

/// The held [`LoginLock`]; stamps it on release.
pub struct LoginGuard<'a> {
    lock: &'a LoginLock,
    _held: tokio::sync::MutexGuard<'a, ()>,
}

impl LoginGuard<'_> {
    /// Whether no holder of this lock released it after `mark` ([`Hub::change_mark`]) was taken:
    /// then a read of the candidate's row begun after the mark is the row as it is now.
    pub fn unchanged_since(&self, mark: u64) -> bool {
        self.lock.changed_at.load(Ordering::SeqCst) <= mark
    }
}

impl Drop for LoginGuard<'_> {
    fn drop(&mut self) {
        // Before the mutex is released (fields drop after this): the next holder sees the stamp.
        let n = self.lock.clock.fetch_add(1, Ordering::SeqCst) + 1;
        self.lock.changed_at.store(n, Ordering::SeqCst);
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_read_after_the_mark_stands_until_a_holder_of_the_lock_releases_it() {
        let hub = Hub::default();
        let lock = hub.login_lock("c1");
        let other = hub.login_lock("c2");
        // The same lock for the same candidate.
        assert!(Arc::ptr_eq(&lock, &hub.login_lock("c1")));
        let mark = hub.change_mark();
        // Another candidate's change does not invalidate this candidate's read.
        drop(other.lock().await);
        assert!(lock.lock().await.unchanged_since(mark));
        // That check released the lock too: a read taken before it is stale now...
        assert!(!lock.lock().await.unchanged_since(mark));
        // ...and a read begun after a new mark stands again.
        let mark = hub.change_mark();
        assert!(lock.lock().await.unchanged_since(mark));
        // A change that holds the lock while the login reads (outside the lock) is seen.
        let mark = hub.change_mark();
        let change = lock.lock().await;
        let login = {
            let lock = lock.clone();
            tokio::spawn(async move { lock.lock().await.unchanged_since(mark) })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(change);
        assert!(!login.await.unwrap());
    }

    #[tokio::test]
    async fn the_admission_gate_lets_in_at_most_its_slots_and_the_next_when_one_is_done() {
        let gate = Admission::new(ADMISSION_SLOTS, None);
        let mut held = Vec::new();
        for _ in 0..ADMISSION_SLOTS {
            held.push(gate.enter().await);
        }
        assert_eq!(gate.available(), 0);
        // A login past the slots waits...
        let g = gate.clone();
        let waiting = tokio::spawn(async move { g.enter().await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished());
        // ...until a login in progress is done: then it gets the freed place.
        held.pop();
        let p = tokio::time::timeout(Duration::from_secs(5), waiting).await.expect("admitted").unwrap();
        assert_eq!(gate.available(), 0);
        drop(p);
        drop(held);
        assert_eq!(gate.available(), ADMISSION_SLOTS);
    }
}
