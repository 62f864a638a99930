//! An unlocked event's content, decrypted once and prepared as the messages candidates are sent.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use khaothi_domain::ItemKind;
use khaothi_package::{PackageContent, PackageKeys};

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
