//! The notifications between nodes: one `NOTIFY khaothi_delivery` payload carries a batch of
//! [`Wire`] messages from one node (`{"n": node, "m": [...]}`), below PostgreSQL's 8,000-byte
//! limit. The sender batches what the hub queued; the listener applies what other nodes sent and
//! notices nodes gone silent (their seat facts are dropped: their candidates are not connected).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::sqlx::{self, postgres::PgListener};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};

use super::{CHANNEL, Cluster};
use crate::state::outbox::{LiveFacts, Outgoing};
use crate::state::{AppState, Hub};
use crate::store::entity::candidate;

/// Payload bytes a batch stays below (PostgreSQL refuses 8,000 and more).
pub const MAX_PAYLOAD: usize = 7_500;
/// How often each node announces the rooms its proctors watch (also its sign of life).
pub const ANNOUNCE: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
pub enum Wire {
    Session { c: String },
    Room { r: String, t: String },
    Seat { r: String, c: String, t: String, f: Option<LiveFacts> },
    Watch { r: Vec<String> },
    Event { e: String },
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Batch {
    pub n: String,
    pub m: Vec<Wire>,
}

impl From<Outgoing> for Wire {
    fn from(o: Outgoing) -> Self {
        match o {
            Outgoing::Session(c) => Wire::Session { c },
            Outgoing::Room { room, text } => Wire::Room { r: room, t: text.to_string() },
            Outgoing::Seat { room, candidate, text, facts } => {
                Wire::Seat { r: room, c: candidate, t: text.to_string(), f: facts }
            }
            Outgoing::Watch(room) => Wire::Watch { r: vec![room] },
            Outgoing::Event(e) => Wire::Event { e },
        }
    }
}

/// Packs messages into payloads below [`MAX_PAYLOAD`] bytes, in order; a message too large on
/// its own is left out (logged).
pub fn pack(node: &str, msgs: Vec<Wire>) -> Vec<String> {
    let head = serde_json::to_string(&Batch { n: node.to_string(), m: Vec::new() }).expect("json");
    let mut out = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let mut len = head.len();
    for m in msgs {
        let text = serde_json::to_string(&m).expect("json");
        if head.len() + text.len() + 1 > MAX_PAYLOAD {
            tracing::warn!(bytes = text.len(), "a message for the other nodes is too large to send");
            continue;
        }
        if len + text.len() + 1 > MAX_PAYLOAD {
            out.push(join(node, &cur));
            cur.clear();
            len = head.len();
        }
        len += text.len() + 1;
        cur.push(text);
    }
    if !cur.is_empty() {
        out.push(join(node, &cur));
    }
    out
}

fn join(node: &str, parts: &[String]) -> String {
    let n = serde_json::to_string(node).expect("json");
    format!("{{\"n\":{n},\"m\":[{}]}}", parts.join(","))
}

/// Sends what the hub queued, batched, and every [`ANNOUNCE`] the rooms watched here.
pub async fn send_loop(
    c: Arc<Cluster>,
    hub: Arc<Hub>,
    mut rx: mpsc::Receiver<Outgoing>,
    mut stop: watch::Receiver<bool>,
) {
    let mut announce = tokio::time::interval(ANNOUNCE);
    loop {
        let mut msgs: Vec<Wire> = Vec::new();
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = announce.tick() => msgs.push(Wire::Watch { r: hub.rooms.watched_rooms() }),
            m = rx.recv() => match m {
                Some(m) => msgs.push(m.into()),
                None => return,
            },
        }
        // Whatever queued meanwhile goes in the same payloads.
        while msgs.len() < 4096 {
            match rx.try_recv() {
                Ok(m) => msgs.push(m.into()),
                Err(_) => break,
            }
        }
        for payload in pack(&c.node, msgs) {
            let sent =
                sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(&payload).execute(&c.pool).await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "a notification to the other nodes was not sent");
            }
        }
    }
}

/// Listens to the other nodes until `stop`; reconnects by itself, resynchronising after.
pub async fn listen_loop(s: AppState, c: Arc<Cluster>, mut stop: watch::Receiver<bool>) {
    let mut heard: HashMap<String, Instant> = HashMap::new();
    let mut check = tokio::time::interval(ANNOUNCE);
    let mut listener: Option<PgListener> = None;
    loop {
        if listener.is_none() {
            listener = match connect(&c).await {
                Ok(l) => {
                    resync(&s).await;
                    Some(l)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen to the other nodes; retrying");
                    tokio::select! {
                        _ = stop.wait_for(|s| *s) => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    }
                }
            };
        }
        let l = listener.as_mut().expect("connected");
        // The step is chosen first and acted on after (the stop signal's guard is not `Send`).
        let step = tokio::select! {
            _ = stop.wait_for(|s| *s) => Step::Stop,
            _ = check.tick() => Step::Check,
            n = l.try_recv() => Step::Got(n),
        };
        match step {
            Step::Stop => return,
            Step::Check => forget_silent(&s, &c, &mut heard).await,
            Step::Got(Ok(Some(n))) => apply(&s, &c, n.payload(), &mut heard).await,
            Step::Got(Ok(None)) => {
                tracing::warn!("the listener lost its connection; resynchronising");
                resync(&s).await;
            }
            Step::Got(Err(e)) => {
                tracing::warn!(error = %e, "the listener failed; reconnecting");
                listener = None;
            }
        }
    }
}

enum Step {
    Stop,
    Check,
    Got(Result<Option<sqlx::postgres::PgNotification>, sqlx::Error>),
}

async fn connect(c: &Cluster) -> Result<PgListener, sqlx::Error> {
    let mut l = PgListener::connect_with(&c.pool).await?;
    l.listen(CHANNEL).await?;
    Ok(l)
}

/// After notifications may have been lost: every session held here is reloaded.
async fn resync(s: &AppState) {
    for id in s.hub.session_ids() {
        if let Err(e) = reload_session(s, &id).await {
            tracing::warn!(error = %e, "a session could not be resynchronised");
        }
    }
}

async fn reload_session(s: &AppState, id: &str) -> Result<(), sea_orm::DbErr> {
    if let Some(row) = crate::store::by_id::<candidate::Entity>(&s.db.read, id.to_string()).await? {
        s.hub.apply_remote(id, super::signal_of(&row));
    }
    Ok(())
}

/// Applies one payload from another node.
async fn apply(s: &AppState, c: &Cluster, payload: &str, heard: &mut HashMap<String, Instant>) {
    let batch: Batch = match serde_json::from_str(payload) {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "an unreadable notification was ignored");
            return;
        }
    };
    if batch.n == c.node {
        return;
    }
    heard.insert(batch.n.clone(), Instant::now());
    for m in batch.m {
        match m {
            Wire::Session { c: id } => {
                if s.hub.has_session(&id)
                    && let Err(e) = reload_session(s, &id).await
                {
                    tracing::warn!(error = %e, "a session changed elsewhere could not be reloaded");
                }
            }
            Wire::Room { r, t } => s.hub.rooms.send_here(&r, t.into()),
            Wire::Seat { r, c: id, t, f } => {
                if let Some(f) = f {
                    s.hub.rooms.merge_remote(&id, &r, f);
                }
                s.hub.rooms.send_here(&r, t.into());
            }
            Wire::Watch { r } => r.iter().for_each(|room| s.hub.rooms.watched_elsewhere(room)),
            Wire::Event { e } => {
                if let Err(err) = crate::bootstrap::reopen_event(s, &e).await {
                    tracing::error!(error = %err, event = e, "an event opened elsewhere could not be opened here");
                }
            }
        }
    }
}

/// Nodes not heard from for `node_dead_after_seconds` are gone: their candidates' seats are
/// published again here without their facts (not connected).
async fn forget_silent(s: &AppState, c: &Cluster, heard: &mut HashMap<String, Instant>) {
    let silent: Vec<String> =
        heard.iter().filter(|(_, t)| t.elapsed() > c.dead_after).map(|(n, _)| n.clone()).collect();
    for node in silent {
        heard.remove(&node);
        tracing::warn!(node, "a delivery node went silent: its candidates show as disconnected");
        for (room, ids) in s.hub.rooms.forget_node(&node) {
            if let Err(e) = crate::proctor::roster::publish_seats(s, &room, &ids).await {
                tracing::warn!(error = %e, room, "seats not published again");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_stay_below_the_payload_limit_and_keep_the_order() {
        let msgs: Vec<Wire> =
            (0..500).map(|i| Wire::Room { r: format!("R{i}"), t: "x".repeat(100 + i % 50) }).collect();
        let payloads = pack("node-1", msgs.clone());
        assert!(payloads.len() > 1);
        let mut back = Vec::new();
        for p in &payloads {
            assert!(p.len() <= MAX_PAYLOAD, "{} bytes", p.len());
            let b: Batch = serde_json::from_str(p).unwrap();
            assert_eq!(b.n, "node-1");
            back.extend(b.m);
        }
        assert_eq!(back, msgs);
    }

    #[test]
    fn a_message_too_large_alone_is_left_out() {
        let msgs = vec![
            Wire::Session { c: "a".into() },
            Wire::Room { r: "R".into(), t: "é".repeat(5000) },
            Wire::Event { e: "E".into() },
        ];
        let payloads = pack("n", msgs);
        let b: Batch = serde_json::from_str(&payloads.concat()).unwrap();
        assert_eq!(b.m, vec![Wire::Session { c: "a".into() }, Wire::Event { e: "E".into() }]);
    }
}
