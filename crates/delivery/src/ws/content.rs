//! Which of a version's prepared content frames a login is sent (docs/protocol.md §3, "Content"):
//! none when the client names the hash of the content it holds, the compressed binary frames
//! when it asks for them, the JSON text messages otherwise. The frames themselves were made once
//! per version ([`crate::state::content`]); this only picks and describes them in `welcome`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::ws::Utf8Bytes;
use serde_json::{Value, json};

use super::messages::{ContentEncoding, ContentWish};
use crate::state::content::VersionMessages;

/// The frames that follow a `welcome`.
pub(super) enum ContentFrames {
    /// The client holds this content already.
    None,
    Text(Arc<[Utf8Bytes]>),
    Deflated(Arc<[Bytes]>),
}

/// Picks the frames for `wish` and adds to `welcome` what the client needs to read them:
/// `content_hash`, `content_sent` and, for compressed content, `content_encoding`,
/// `content_frames` and `content_bytes`.
pub(super) fn choose(version: &VersionMessages, wish: &ContentWish, welcome: &mut Value) -> ContentFrames {
    welcome["content_hash"] = json!(version.hash);
    if wish.content_hash.as_deref() == Some(version.hash.as_str()) {
        welcome["content_sent"] = json!(false);
        return ContentFrames::None;
    }
    welcome["content_sent"] = json!(true);
    match wish.content_encoding {
        Some(ContentEncoding::DeflateRaw) => {
            welcome["content_encoding"] = json!("deflate-raw");
            welcome["content_frames"] = json!(version.deflated.len());
            welcome["content_bytes"] = json!(version.deflated_bytes);
            ContentFrames::Deflated(version.deflated.clone())
        }
        None => ContentFrames::Text(version.text.clone()),
    }
}
