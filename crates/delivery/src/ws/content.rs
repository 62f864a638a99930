//! Which of a version's prepared content frames a login is sent (docs/protocol.md §3, "Content"):
//! none when the client names the hash of the content it holds, the compressed binary frames
//! when it asks for them, the JSON text messages otherwise. The frames themselves were made once
//! per version ([`crate::state::content`]); this only picks and describes them in `welcome`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::ws::Utf8Bytes;
use serde::Serialize;

use super::messages::{ContentEncoding, ContentWish};
use crate::state::content::VersionMessages;

/// The frames that follow a `welcome`.
pub(super) enum ContentFrames {
    /// The client holds this content already.
    None,
    Text(Arc<[Utf8Bytes]>),
    Deflated(Arc<[Bytes]>),
}

/// What `welcome` says of the content that follows it (each field only when set).
#[derive(Debug, Default, Serialize)]
pub(super) struct ContentFields<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) content_hash: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) content_sent: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) content_encoding: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) content_frames: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) content_bytes: Option<usize>,
}

/// Picks the frames for `wish` and what the client needs to read them: `content_hash`,
/// `content_sent` and, for compressed content, `content_encoding`, `content_frames` and
/// `content_bytes`.
pub(super) fn choose<'a>(
    version: &'a VersionMessages,
    wish: &ContentWish,
) -> (ContentFrames, ContentFields<'a>) {
    let mut fields = ContentFields { content_hash: Some(&version.hash), ..Default::default() };
    if wish.content_hash.as_deref() == Some(version.hash.as_str()) {
        fields.content_sent = Some(false);
        return (ContentFrames::None, fields);
    }
    fields.content_sent = Some(true);
    match wish.content_encoding {
        Some(ContentEncoding::DeflateRaw) => {
            fields.content_encoding = Some("deflate-raw");
            fields.content_frames = Some(version.deflated.len());
            fields.content_bytes = Some(version.deflated_bytes);
            (ContentFrames::Deflated(version.deflated.clone()), fields)
        }
        None => (ContentFrames::Text(version.text.clone()), fields),
    }
}
