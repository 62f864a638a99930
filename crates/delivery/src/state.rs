//! Shared state: the database pools, the writer, the live-session hub and the unlocked content.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use axum::extract::FromRef;
use chrono::{DateTime, Utc};
use khaothi_auth::{JwtKeys, LoginLimiter};
use khaothi_domain::ItemKind;
use khaothi_package::{BoardPublicKey, PackageContent, PackageKeys, SiteSigningKey};
use tokio::sync::watch;

use crate::codes::CodeSecret;
use crate::config::DeliveryConfig;
use crate::store::Db;
use crate::writer::Writer;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub writer: Writer,
    pub keys: JwtKeys,
    /// Staff logins, by username.
    pub staff_limiter: Arc<LoginLimiter>,
    /// Candidate logins and resumes, by candidate number (not by address: a lab shares one).
    pub candidate_limiter: Arc<LoginLimiter>,
    pub codes: CodeSecret,
    pub board_key: Option<BoardPublicKey>,
    /// Signs result files (crate::site).
    pub site_key: Arc<SiteSigningKey>,
    pub hub: Arc<Hub>,
    pub config: Arc<DeliveryConfig>,
}

impl FromRef<AppState> for JwtKeys {
    fn from_ref(s: &AppState) -> JwtKeys {
        s.keys.clone()
    }
}

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

/// Target size of one `items` message (bytes of JSON).
pub const ITEMS_MESSAGE_BYTES: usize = 3000;

/// An unlocked event's content, decrypted once and kept in memory.
pub struct EventContent {
    pub subject: String,
    pub title: String,
    pub content: PackageContent,
    /// Item kinds by id, to check answers.
    pub kinds: HashMap<String, ItemKind>,
    /// The items of each version as ready-to-send `items` messages, each about
    /// [`ITEMS_MESSAGE_BYTES`] or one item: a websocket's write buffer keeps the capacity of the
    /// largest message it sent, so small messages keep every connection small.
    pub items_messages: HashMap<String, Arc<Vec<String>>>,
    /// Shared passages as ready-to-send `stimulus` messages.
    pub stimulus_messages: Arc<Vec<String>>,
    pub keys: RwLock<Option<PackageKeys>>,
    /// The package's images, decoded once: (content type, bytes) by bank media id.
    pub media: HashMap<String, (String, axum::body::Bytes)>,
}

impl EventContent {
    pub fn new(subject: String, title: String, content: PackageContent) -> Self {
        let mut kinds = HashMap::new();
        let mut items_messages = HashMap::new();
        for v in &content.versions {
            let mut messages = Vec::new();
            let mut batch: Vec<serde_json::Value> = Vec::new();
            let mut size = 0;
            for (n, i) in v.items.iter().enumerate() {
                kinds.insert(i.rendered.id.clone(), i.rendered.kind);
                let value = serde_json::to_value(i).expect("item serializes");
                let len = value.to_string().len();
                if !batch.is_empty() && size + len > ITEMS_MESSAGE_BYTES {
                    let first = n - batch.len();
                    let items = std::mem::take(&mut batch);
                    messages.push(
                        serde_json::json!({"type": "items", "first": first, "items": items}).to_string(),
                    );
                    size = 0;
                }
                size += len;
                batch.push(value);
            }
            if !batch.is_empty() {
                let first = v.items.len() - batch.len();
                messages
                    .push(serde_json::json!({"type": "items", "first": first, "items": batch}).to_string());
            }
            items_messages.insert(v.code.clone(), Arc::new(messages));
        }
        let stimulus_messages = Arc::new(
            content
                .stimuli
                .iter()
                .map(|(id, html)| serde_json::json!({"type": "stimulus", "id": id, "html": html}).to_string())
                .collect(),
        );
        let media = content
            .media
            .iter()
            .filter_map(|(id, f)| match f.bytes() {
                Ok(b) => Some((id.clone(), (f.content_type.clone(), axum::body::Bytes::from(b)))),
                Err(e) => {
                    tracing::error!(media = %id, error = %e, "an image of the package cannot be decoded");
                    None
                }
            })
            .collect();
        Self {
            subject,
            title,
            content,
            kinds,
            items_messages,
            stimulus_messages,
            keys: RwLock::new(None),
            media,
        }
    }
}

#[derive(Default)]
pub struct Hub {
    sessions: Mutex<HashMap<String, watch::Sender<Signal>>>,
    login_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    contents: RwLock<HashMap<String, Arc<EventContent>>>,
    /// Proctors' live view: who is connected, answer counts, per-room fan-out.
    pub rooms: crate::proctor::RoomHub,
}

impl Hub {
    pub fn publish(&self, candidate_id: &str, signal: Signal) {
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
        let map = self.sessions.lock().expect("hub lock");
        if let Some(tx) = map.get(candidate_id) {
            tx.send_modify(f);
        }
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
