//! The proctors' live view of their rooms, kept cheap for the candidate hot path.
//!
//! Candidate connections only update small in-memory facts (connected or not, the answered count)
//! and mark the candidate *dirty*, and only when a proctor socket watches the room. The fan-out
//! task (`proctor::fanout`) turns the dirty set into `seat` messages at each flush, so a candidate
//! answering fast costs at most one seat update per flush however many answers arrive, and a room
//! nobody watches costs one map lookup per answer.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use khaothi_package::is_answered;
use tokio::sync::broadcast;

use super::content::ItemIds;
use super::outbox::{LiveFacts, Outbox, Outgoing};
use crate::store::SavedAnswer;

/// Messages a slow proctor socket may fall behind before it is sent a fresh roster instead.
const CHANNEL_CAPACITY: usize = 512;

#[derive(Default)]
struct Live {
    /// Open candidate connections (briefly two while a newer login supersedes an older one).
    connections: u32,
    /// The newest connection epoch's count of answered items.
    answered: Option<(i64, u32)>,
    /// When the last connection closed (none open since): the proctor reads "disconnected since".
    disconnected_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The room of the newest connection.
    room: String,
    /// When any of the above last changed (the newest facts win across nodes).
    at: DateTime<Utc>,
}

/// Another node's facts about a candidate it serves (from its seat messages), and the room.
struct Remote {
    room: String,
    facts: LiveFacts,
}

/// The connection facts a seat shows: this node's or another node's, whichever changed last.
struct View {
    connected: bool,
    disconnected_at: Option<DateTime<Utc>>,
    answered: Option<(i64, u32)>,
}

/// Per-room broadcast channels and the live facts the seats show.
#[derive(Default)]
pub struct RoomHub {
    channels: Mutex<HashMap<String, broadcast::Sender<Arc<str>>>>,
    live: Mutex<HashMap<String, Live>>,
    /// Candidate id → room id of seats to publish at the next flush.
    dirty: Mutex<HashMap<String, String>>,
    /// Other nodes' facts about candidates they serve (empty when running alone).
    remote: Mutex<HashMap<String, Remote>>,
    /// Rooms proctors on other nodes watch, until when (their announcements renew it).
    remote_watched: Mutex<HashMap<String, Instant>>,
    /// To the other nodes (crate::cluster); unconnected when running alone.
    pub outbox: Outbox,
}

/// How long another node's announcement that it watches a room holds (renewed every second).
pub const REMOTE_WATCH: Duration = Duration::from_secs(5);

impl RoomHub {
    /// Whether any proctor socket is watching the room now.
    pub fn watched(&self, room_id: &str) -> bool {
        self.watched_here(room_id)
            || (self.outbox.active()
                && self
                    .remote_watched
                    .lock()
                    .expect("rooms lock")
                    .get(room_id)
                    .is_some_and(|t| *t > Instant::now()))
    }

    /// Whether a proctor socket of this node watches the room.
    pub fn watched_here(&self, room_id: &str) -> bool {
        self.channels.lock().expect("rooms lock").get(room_id).is_some_and(|tx| tx.receiver_count() > 0)
    }

    /// The rooms proctor sockets of this node watch (announced to the other nodes).
    pub fn watched_rooms(&self) -> Vec<String> {
        let channels = self.channels.lock().expect("rooms lock");
        channels.iter().filter(|(_, tx)| tx.receiver_count() > 0).map(|(r, _)| r.clone()).collect()
    }

    /// Another node watches `room`: seats of this node's connections there are published from
    /// now on, and at once when the room is new to this node (the proctor's roster there lacks
    /// this node's facts).
    pub fn watched_elsewhere(&self, room: &str) {
        let until = Instant::now() + REMOTE_WATCH;
        let fresh = {
            let mut w = self.remote_watched.lock().expect("rooms lock");
            w.insert(room.to_string(), until).is_none_or(|t| t < Instant::now())
        };
        if fresh {
            let live = self.live.lock().expect("rooms lock");
            let mut dirty = self.dirty.lock().expect("rooms lock");
            for (id, l) in live.iter().filter(|(_, l)| l.room == room) {
                dirty.insert(id.clone(), l.room.clone());
            }
        }
    }

    /// Something about this candidate's seat changed; it is published at the next flush.
    pub fn touch(&self, candidate_id: &str, room_id: &str) {
        if self.watched(room_id) {
            self.dirty.lock().expect("rooms lock").insert(candidate_id.to_string(), room_id.to_string());
        }
    }

    /// A connection of `epoch` now has `n` answered items (the count of an older epoch is ignored).
    pub fn answered(&self, candidate_id: &str, room_id: &str, epoch: i64, n: u32) {
        let changed = {
            let mut live = self.live.lock().expect("rooms lock");
            let l = live.entry(candidate_id.to_string()).or_default();
            match l.answered {
                Some((e, old)) if e > epoch || (e == epoch && old == n) => false,
                _ => {
                    l.answered = Some((epoch, n));
                    l.at = Utc::now();
                    true
                }
            }
        };
        if changed {
            self.touch(candidate_id, room_id);
        }
    }

    /// The newest facts about a candidate's connection: this node's, or another node's when they
    /// changed later.
    fn view(&self, candidate_id: &str) -> Option<View> {
        let local = self.live.lock().expect("rooms lock").get(candidate_id).map(|l| {
            (
                View {
                    connected: l.connections > 0,
                    disconnected_at: l.disconnected_at,
                    answered: l.answered,
                },
                l.at,
            )
        });
        if !self.outbox.active() {
            return local.map(|(v, _)| v);
        }
        let remote = self.remote.lock().expect("rooms lock").get(candidate_id).map(|r| {
            let f = &r.facts;
            (View { connected: f.connected, disconnected_at: f.disconnected_at, answered: f.answered }, f.at)
        });
        match (local, remote) {
            (Some((l, at)), Some((r, rat))) => Some(if rat > at { r } else { l }),
            (l, r) => l.or(r).map(|(v, _)| v),
        }
    }

    pub fn is_connected(&self, candidate_id: &str) -> bool {
        self.view(candidate_id).is_some_and(|v| v.connected)
    }

    /// Since when a candidate who had connected has had no connection (`None` while connected, or
    /// never connected since the server started).
    pub fn disconnected_since(&self, candidate_id: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        self.view(candidate_id).filter(|v| !v.connected).and_then(|v| v.disconnected_at)
    }

    /// The answered count known from a connection, if the candidate connected since the start.
    pub fn answered_count(&self, candidate_id: &str) -> Option<u32> {
        self.view(candidate_id).and_then(|v| v.answered).map(|(_, n)| n)
    }

    /// The newest facts about a candidate's connection, named by the node they come from, to send
    /// with a seat to the other nodes.
    pub fn facts(&self, candidate_id: &str) -> Option<LiveFacts> {
        let local = self.live.lock().expect("rooms lock").get(candidate_id).map(|l| LiveFacts {
            node: self.outbox.node().to_string(),
            connected: l.connections > 0,
            disconnected_at: l.disconnected_at,
            answered: l.answered,
            at: l.at,
        });
        let remote = self.remote.lock().expect("rooms lock").get(candidate_id).map(|r| r.facts.clone());
        match (local, remote) {
            (Some(l), Some(r)) => Some(if r.at > l.at { r } else { l }),
            (l, r) => l.or(r),
        }
    }

    /// Facts from another node (kept when newer than what this node holds from elsewhere).
    pub fn merge_remote(&self, candidate_id: &str, room: &str, facts: LiveFacts) {
        if facts.node == self.outbox.node() {
            return;
        }
        let mut remote = self.remote.lock().expect("rooms lock");
        let newer = remote.get(candidate_id).is_none_or(|r| r.facts.at <= facts.at);
        if newer {
            remote.insert(candidate_id.to_string(), Remote { room: room.to_string(), facts });
        }
    }

    /// A node died: its facts are dropped (its candidates are no longer connected there). The
    /// candidates affected, by room, to publish again.
    pub fn forget_node(&self, node: &str) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        self.remote.lock().expect("rooms lock").retain(|id, r| {
            let gone = r.facts.node == node;
            if gone {
                out.entry(r.room.clone()).or_default().push(id.clone());
            }
            !gone
        });
        out
    }

    pub fn subscribe(&self, room_id: &str) -> broadcast::Receiver<Arc<str>> {
        self.outbox.send(Outgoing::Watch(room_id.to_string()));
        self.channels
            .lock()
            .expect("rooms lock")
            .entry(room_id.to_string())
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe()
    }

    /// Sends a ready JSON text to every proctor socket of the room (none: dropped), on every node.
    pub fn send(&self, room_id: &str, text: Arc<str>) {
        self.outbox.send(Outgoing::Room { room: room_id.to_string(), text: text.clone() });
        self.send_here(room_id, text);
    }

    /// A candidate's seat for the room's proctor sockets on every node, with the newest facts
    /// about the connection for the other nodes' next seats.
    pub fn send_seat(&self, room_id: &str, candidate_id: &str, text: Arc<str>) {
        if self.outbox.active() {
            let facts = self.facts(candidate_id);
            let (room, candidate) = (room_id.to_string(), candidate_id.to_string());
            self.outbox.send(Outgoing::Seat { room, candidate, text: text.clone(), facts });
        }
        self.send_here(room_id, text);
    }

    /// Sends to this node's proctor sockets of the room only.
    pub fn send_here(&self, room_id: &str, text: Arc<str>) {
        if let Some(tx) = self.channels.lock().expect("rooms lock").get(room_id) {
            let _ = tx.send(text);
        }
    }

    /// The dirty seats, room by room, emptied.
    pub fn take_dirty(&self) -> BTreeMap<String, Vec<String>> {
        let dirty = std::mem::take(&mut *self.dirty.lock().expect("rooms lock"));
        let mut by_room: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (candidate, room) in dirty {
            by_room.entry(room).or_default().push(candidate);
        }
        by_room
    }

    pub(super) fn connections(&self, candidate_id: &str, room_id: &str, delta: i32) {
        let mut live = self.live.lock().expect("rooms lock");
        let l = live.entry(candidate_id.to_string()).or_default();
        l.connections = l.connections.saturating_add_signed(delta);
        l.disconnected_at = (l.connections == 0).then(chrono::Utc::now);
        l.room = room_id.to_string();
        l.at = Utc::now();
    }
}

/// A connection's count of answered items: the newest (epoch, seq) of each item decides whether
/// it holds an answer (`null` clears), as in the response log. Items are kept by their position
/// in the test's shared [`ItemIds`], 24 bytes each, in a vector grown a few at a time: a map of
/// copied ids cost a candidate ~4.5 KB by the end of a 40-item test (docs/benchmarks.md, issue 17
/// stop 19). An id outside the test is not counted (answers to it are refused before any write).
pub struct AnswerTally {
    items: Arc<ItemIds>,
    /// Sorted by position.
    latest: Vec<Latest>,
    answered: u32,
}

#[derive(Clone, Copy)]
struct Latest {
    position: u32,
    answered: bool,
    epoch: i64,
    seq: i64,
}

/// How many entries [`AnswerTally`] adds room for at a time (a doubling vector would keep up to
/// twice the room it needs for the rest of the exam).
const TALLY_GROWTH: usize = 8;

impl AnswerTally {
    pub fn from_saved(items: Arc<ItemIds>, saved: &BTreeMap<String, SavedAnswer>) -> Self {
        let mut t = Self { items, latest: Vec::new(), answered: 0 };
        for a in saved.values() {
            t.record(&a.item, a.epoch, a.seq, is_answered(&a.value));
        }
        t
    }

    pub fn count(&self) -> u32 {
        self.answered
    }

    /// Records an acknowledged answer; the new count when it changed.
    pub fn record(&mut self, item: &str, epoch: i64, seq: i64, answered: bool) -> Option<u32> {
        let position = self.items.position(item)?;
        let before = self.answered;
        let new = Latest { position, answered, epoch, seq };
        match self.latest.binary_search_by_key(&position, |l| l.position) {
            Ok(i) => {
                let e = &mut self.latest[i];
                if (e.epoch, e.seq) >= (epoch, seq) {
                    return None;
                }
                if e.answered != answered {
                    if answered {
                        self.answered += 1;
                    } else {
                        self.answered -= 1;
                    }
                }
                *e = new;
            }
            Err(i) => {
                if self.latest.len() == self.latest.capacity() {
                    let left = self.items.len().saturating_sub(self.latest.len());
                    self.latest.reserve_exact(left.clamp(1, TALLY_GROWTH));
                }
                self.latest.insert(i, new);
                if answered {
                    self.answered += 1;
                }
            }
        }
        (self.answered != before).then_some(self.answered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_answer_of_an_item_decides() {
        let ids = |names: &[&str]| Arc::new(names.iter().map(|n| n.to_string()).collect::<ItemIds>());
        let mut t = AnswerTally::from_saved(ids(&["A", "B"]), &BTreeMap::new());
        assert_eq!(t.record("A", 1, 1, true), Some(1));
        assert_eq!(t.record("B", 1, 2, true), Some(2));
        // Same count: nothing to publish.
        assert_eq!(t.record("A", 1, 3, true), None);
        // A late duplicate of an older (epoch, seq) changes nothing.
        assert_eq!(t.record("A", 1, 1, false), None);
        // Clearing counts down; a newer epoch wins over a higher seq of an older one.
        assert_eq!(t.record("B", 2, 1, false), Some(1));
        assert_eq!(t.record("B", 1, 9, true), None);
        assert_eq!(t.count(), 1);
    }

    proptest::proptest! {
        /// The tally kept by position agrees with a map of each item's newest answer, whatever
        /// the order, the epochs and the duplicates, and never keeps room for more items than the
        /// test has.
        #[test]
        fn the_tally_agrees_with_a_map_of_newest_answers(
            ops in proptest::collection::vec((0u8..12, 1i64..4, 1i64..30, proptest::bool::ANY), 0..200)
        ) {
            let names: Vec<String> = (0..10).map(|i| format!("I{i}")).collect();
            let mut t = AnswerTally::from_saved(Arc::new(names.iter().cloned().collect()), &BTreeMap::new());
            let mut model: HashMap<String, (i64, i64, bool)> = HashMap::new();
            for (item, epoch, seq, answered) in ops {
                let id = format!("I{item}");
                let before = model.values().filter(|v| v.2).count();
                if item < 10 && model.get(&id).is_none_or(|e| (e.0, e.1) < (epoch, seq)) {
                    model.insert(id.clone(), (epoch, seq, answered));
                }
                let after = model.values().filter(|v| v.2).count();
                let expected = (after != before).then_some(after as u32);
                proptest::prop_assert_eq!(t.record(&id, epoch, seq, answered), expected);
                proptest::prop_assert_eq!(t.count() as usize, after);
                proptest::prop_assert!(t.latest.capacity() <= names.len());
            }
        }
    }

    #[test]
    fn counts_start_from_the_saved_answers() {
        let saved: BTreeMap<String, SavedAnswer> = [("A", true), ("B", false)]
            .into_iter()
            .map(|(i, a)| {
                let value = if a { serde_json::json!("C") } else { serde_json::Value::Null };
                (
                    i.to_string(),
                    SavedAnswer { item: i.into(), value, epoch: 1, seq: 5, received_at: chrono::Utc::now() },
                )
            })
            .collect();
        let items: Arc<ItemIds> = Arc::new(["A", "B"].into_iter().map(String::from).collect());
        let mut t = AnswerTally::from_saved(items, &saved);
        assert_eq!(t.count(), 1);
        assert_eq!(t.record("B", 2, 1, true), Some(2));
        // An id outside the test is not counted.
        assert_eq!(t.record("Z", 2, 2, true), None);
        assert_eq!(t.count(), 2);
    }

    /// Several nodes: the newest facts about a connection win whichever node reports them, and a
    /// dead node's facts go with it.
    #[test]
    fn the_newest_facts_of_any_node_decide_the_seat() {
        let hub = RoomHub::default();
        let _rx = hub.outbox.connect("node-3");
        let at = |s: i64| chrono::DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap();
        let facts = |node: &str, connected, n, s| LiveFacts {
            node: node.into(),
            connected,
            disconnected_at: None,
            answered: Some((1, n)),
            at: at(s),
        };
        assert!(!hub.is_connected("c1"));
        hub.merge_remote("c1", "r1", facts("node-1", true, 3, 10));
        assert!(hub.is_connected("c1"));
        assert_eq!(hub.answered_count("c1"), Some(3));
        // An older report (from a node relaying what it knew) changes nothing.
        hub.merge_remote("c1", "r1", facts("node-2", false, 1, 5));
        assert_eq!(hub.answered_count("c1"), Some(3));
        // The node's own report is never taken as another's.
        hub.merge_remote("c1", "r1", facts("node-3", false, 9, 20));
        assert_eq!(hub.facts("c1").map(|f| f.node), Some("node-1".to_string()));
        hub.merge_remote("c1", "r1", facts("node-2", true, 4, 11));
        assert_eq!(hub.answered_count("c1"), Some(4));
        // Node 2 dies: its candidates show as not connected, and are named to publish again.
        let gone = hub.forget_node("node-2");
        assert_eq!(gone.get("r1"), Some(&vec!["c1".to_string()]));
        assert!(!hub.is_connected("c1"));
        // Another node watching a room makes this node publish its seats there.
        hub.connections("c2", "r2", 1);
        assert!(!hub.watched("r2"));
        hub.watched_elsewhere("r2");
        assert!(hub.watched("r2"));
        assert_eq!(hub.take_dirty().get("r2"), Some(&vec!["c2".to_string()]));
    }

    #[test]
    fn unwatched_rooms_collect_nothing() {
        let hub = RoomHub::default();
        hub.touch("c1", "r1");
        hub.answered("c1", "r1", 1, 3);
        assert!(hub.take_dirty().is_empty());
        assert_eq!(hub.answered_count("c1"), Some(3));
        let _rx = hub.subscribe("r1");
        hub.answered("c1", "r1", 1, 4);
        // An older epoch's count is ignored.
        hub.answered("c1", "r1", 0, 9);
        assert_eq!(hub.take_dirty().get("r1").map(Vec::len), Some(1));
        assert_eq!(hub.answered_count("c1"), Some(4));
    }
}
