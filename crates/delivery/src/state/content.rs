//! An unlocked event's content, decrypted once and prepared as the messages candidates are sent.
//!
//! Each version's `stimulus` and `items` messages are serialised once, when the content is
//! unlocked, into shared buffers: a login hands the same bytes to its socket (a reference count,
//! no copy), in two forms — the JSON text frames every client understands, and the same text
//! compressed once (raw DEFLATE) for clients that ask for it (`content_encoding`, docs/protocol.md
//! §3). A content hash names each version's messages, so a browser that holds them already can
//! say so and be sent none.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, OnceLock, RwLock};

use axum::body::Bytes;
use axum::extract::ws::Utf8Bytes;
use khaothi_domain::ItemKind;
use khaothi_package::{PackageContent, PackageKeys, VersionContent};
use sha2::{Digest, Sha256};

/// Target size of one `items` message (bytes of JSON).
pub const ITEMS_MESSAGE_BYTES: usize = 3000;

/// Size of one binary frame of compressed content: small, for the same reason as
/// [`ITEMS_MESSAGE_BYTES`] (a websocket's write buffer keeps the capacity of the largest message
/// it sent, for the rest of the exam). 1 KiB: about a fresh login's `welcome`; at 3,000 bytes a
/// version whose compressed content passed 3 KB left every connected candidate's buffer at 3 KB
/// (docs/benchmarks.md, issue 17 stop 19). A 66 KB version compresses to about a dozen frames.
pub const DEFLATE_FRAME_BYTES: usize = 1024;

/// One version's content as sent to a candidate: the messages, their compressed form and the
/// hash that names them.
pub struct VersionMessages {
    /// The `stimulus` messages (all of the package's passages), then the version's `items`
    /// messages, as text frames.
    pub text: Arc<[Utf8Bytes]>,
    /// Bytes of `text` altogether.
    pub text_bytes: usize,
    /// The same messages joined by `\n` and compressed with raw DEFLATE (RFC 1951), cut into
    /// binary frames of at most [`DEFLATE_FRAME_BYTES`].
    pub deflated: Arc<[Bytes]>,
    /// Bytes of `deflated` altogether.
    pub deflated_bytes: usize,
    /// Hex SHA-256 of the messages (each followed by `\n`): what a client names in `content_hash`
    /// to say it holds this content.
    pub hash: String,
    /// The version's item ids (to check answers), shared by its sessions rather than copied
    /// into each.
    pub item_ids: Arc<ItemIds>,
}

/// A test's item ids, each with its position in the test (the order they were collected in):
/// shared by the test's sessions, so a session's count of answered items keeps positions, not
/// copies of the ids ([`super::AnswerTally`]).
#[derive(Debug, Default)]
pub struct ItemIds(HashMap<String, u32>);

impl ItemIds {
    pub fn contains(&self, id: &str) -> bool {
        self.0.contains_key(id)
    }

    /// The item's position in the test, if it is in it.
    pub fn position(&self, id: &str) -> Option<u32> {
        self.0.get(id).copied()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<String> for ItemIds {
    /// Positions in the order given; a repeated id keeps its first position.
    fn from_iter<I: IntoIterator<Item = String>>(ids: I) -> Self {
        let mut map = HashMap::new();
        for id in ids {
            let next = u32::try_from(map.len()).expect("fewer than 2^32 items");
            map.entry(id).or_insert(next);
        }
        Self(map)
    }
}

/// An unlocked event's content, decrypted once and kept in memory.
pub struct EventContent {
    pub subject: String,
    pub title: String,
    pub content: PackageContent,
    /// Item kinds by id, to check answers.
    pub kinds: HashMap<String, ItemKind>,
    /// Each version's messages, by version code.
    pub messages: HashMap<String, VersionMessages>,
    pub keys: RwLock<Option<PackageKeys>>,
    /// The package's images, decoded once: (content type, bytes) by bank media id.
    pub media: HashMap<String, (String, axum::body::Bytes)>,
    /// An adaptive event's pool, design and keys (crate::adaptive), set with its keys.
    adaptive: OnceLock<crate::adaptive::AdaptiveTest>,
}

impl EventContent {
    pub fn new(subject: String, title: String, content: PackageContent) -> Self {
        let mut kinds = HashMap::new();
        for v in &content.versions {
            for i in &v.items {
                kinds.insert(i.rendered.id.clone(), i.rendered.kind);
            }
        }
        let stimuli: Vec<String> = content
            .stimuli
            .iter()
            .map(|(id, html)| serde_json::json!({"type": "stimulus", "id": id, "html": html}).to_string())
            .collect();
        // An adaptive test's one version is its pool: it is never sent whole (crate::adaptive
        // sends the items one step at a time).
        let messages = content
            .versions
            .iter()
            .filter(|_| content.adaptive.is_none())
            .map(|v| {
                let mut all = stimuli.clone();
                all.extend(items_messages(v));
                let ids = v.items.iter().map(|i| i.rendered.id.clone()).collect();
                (v.code.clone(), VersionMessages::new(all, ids))
            })
            .collect();
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
            messages,
            keys: RwLock::new(None),
            media,
            adaptive: OnceLock::new(),
        }
    }

    /// Whether this is an adaptive test (its package carries a pool and a design).
    pub fn is_adaptive(&self) -> bool {
        self.content.adaptive.is_some()
    }

    /// The adaptive test, once its keys are on site.
    pub fn adaptive(&self) -> Option<&crate::adaptive::AdaptiveTest> {
        self.adaptive.get()
    }

    /// The items a candidate of this version may answer: the adaptive pool, or the version's.
    pub fn item_ids(&self, version_code: &str) -> Arc<ItemIds> {
        match self.adaptive() {
            Some(t) => t.item_ids.clone(),
            None => self.messages.get(version_code).map(|m| m.item_ids.clone()).unwrap_or_default(),
        }
    }

    /// Puts the keys section on site; for an adaptive event also prepares its test (which needs
    /// the keys to score each answer as it comes).
    pub fn set_keys(&self, keys: PackageKeys) -> Result<(), String> {
        if self.adaptive.get().is_none()
            && let Some(t) = crate::adaptive::AdaptiveTest::of(&self.content, &keys, &self.subject)?
        {
            let _ = self.adaptive.set(t);
        }
        *self.keys.write().expect("keys lock") = Some(keys);
        Ok(())
    }
}

/// A version's items as `items` messages, each about [`ITEMS_MESSAGE_BYTES`] or one item: small
/// messages keep every connection's buffers small.
fn items_messages(v: &VersionContent) -> Vec<String> {
    let mut messages = Vec::new();
    let mut batch: Vec<serde_json::Value> = Vec::new();
    let mut size = 0;
    for (n, i) in v.items.iter().enumerate() {
        let value = serde_json::to_value(i).expect("item serializes");
        let len = value.to_string().len();
        if !batch.is_empty() && size + len > ITEMS_MESSAGE_BYTES {
            let first = n - batch.len();
            let items = std::mem::take(&mut batch);
            messages.push(serde_json::json!({"type": "items", "first": first, "items": items}).to_string());
            size = 0;
        }
        size += len;
        batch.push(value);
    }
    if !batch.is_empty() {
        let first = v.items.len() - batch.len();
        messages.push(serde_json::json!({"type": "items", "first": first, "items": batch}).to_string());
    }
    messages
}

impl VersionMessages {
    fn new(messages: Vec<String>, item_ids: ItemIds) -> Self {
        let mut joined = Vec::with_capacity(messages.iter().map(|m| m.len() + 1).sum());
        for m in &messages {
            joined.extend_from_slice(m.as_bytes());
            joined.push(b'\n');
        }
        let hash = hex::encode(Sha256::digest(&joined));
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&joined).expect("writing to memory");
        let compressed = z.finish().expect("writing to memory");
        let deflated: Arc<[Bytes]> =
            compressed.chunks(DEFLATE_FRAME_BYTES).map(Bytes::copy_from_slice).collect();
        Self {
            text_bytes: messages.iter().map(String::len).sum(),
            text: messages.into_iter().map(Utf8Bytes::from).collect(),
            deflated_bytes: compressed.len(),
            deflated,
            hash,
            item_ids: Arc::new(item_ids),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn the_compressed_frames_inflate_to_the_text_messages_and_the_hash_names_them() {
        let messages: Vec<String> = (0..40)
            .map(|n| {
                serde_json::json!({"type": "items", "first": n, "items": [{"stem_html": format!("<p>Câu {n}: tính đạo hàm của x^{n}</p>")}]})
                    .to_string()
            })
            .collect();
        let v = VersionMessages::new(messages.clone(), ItemIds::default());
        let compressed: Vec<u8> = v.deflated.iter().flat_map(|b| b.iter().copied()).collect();
        assert_eq!(compressed.len(), v.deflated_bytes);
        assert!(v.deflated.iter().all(|f| f.len() <= DEFLATE_FRAME_BYTES));
        let mut text = String::new();
        flate2::read::DeflateDecoder::new(compressed.as_slice()).read_to_string(&mut text).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines, messages.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(v.deflated_bytes < v.text_bytes / 2, "{} of {}", v.deflated_bytes, v.text_bytes);
        // The hash is SHA-256 of the messages each followed by a newline (the reference: the
        // decompressed text itself).
        assert_eq!(v.hash, hex::encode(Sha256::digest(text.as_bytes())));
        let other = VersionMessages::new(messages[1..].to_vec(), ItemIds::default());
        assert_ne!(other.hash, v.hash);
    }
}
