//! What a candidate's browser sends on the websocket, and the words for a frame that is not one
//! of those messages.

use serde::Deserialize;
use serde_json::Value;

/// Messages a candidate's browser sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    Login {
        candidate: String,
        code: String,
        #[serde(default)]
        event: Option<String>,
        /// Safe Exam Browser's keys for the page, when the event requires SEB ([`crate::seb`]).
        #[serde(default)]
        seb: Option<SebProof>,
        /// The content this client holds ([`ContentWish`]).
        #[serde(default)]
        content_hash: Option<String>,
        #[serde(default)]
        content_encoding: Option<ContentEncoding>,
    },
    Resume {
        candidate: String,
        token: String,
        #[serde(default)]
        event: Option<String>,
        #[serde(default)]
        seb: Option<SebProof>,
        /// The content this client holds ([`ContentWish`]).
        #[serde(default)]
        content_hash: Option<String>,
        #[serde(default)]
        content_encoding: Option<ContentEncoding>,
    },
    Answer {
        seq: i64,
        item: String,
        value: Value,
    },
    Heartbeat {},
    Integrity {
        kind: IntegrityKind,
        #[serde(default)]
        detail: String,
    },
    Submit {},
}

/// How a client wants the test's content after `welcome` (docs/protocol.md §3, "Content"), from
/// `login`/`resume`; a client that sends neither field gets the JSON text messages, as before.
#[derive(Debug, Clone, Default)]
pub struct ContentWish {
    /// The hash of the content this client holds (the `content_hash` of an earlier `welcome`):
    /// when it is the version's, no content is sent.
    pub content_hash: Option<String>,
    /// Send the content compressed, as binary frames.
    pub content_encoding: Option<ContentEncoding>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ContentEncoding {
    /// Raw DEFLATE (RFC 1951), what browsers' `DecompressionStream("deflate-raw")` reads.
    #[serde(rename = "deflate-raw")]
    DeflateRaw,
}

/// What the candidate page sends in `login`/`resume` as `seb`: the page's URL and the values of
/// `SafeExamBrowser.security.configKey` and `.browserExamKey` (docs/protocol.md).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SebProof {
    pub url: String,
    #[serde(default)]
    pub config_key_hash: Option<String>,
    #[serde(default)]
    pub browser_exam_key_hash: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntegrityKind {
    FocusLost,
    FullscreenLeft,
    Paste,
    Copy,
    Other,
}

impl IntegrityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FocusLost => "focus_lost",
            Self::FullscreenLeft => "fullscreen_left",
            Self::Paste => "paste",
            Self::Copy => "copy",
            Self::Other => "other",
        }
    }
}

/// The largest `seq` accepted: integers a JavaScript client counts exactly.
pub const MAX_SEQ: i64 = (1 << 53) - 1;

/// A refusal sent to the candidate as an `error`: (code, message).
pub type Refusal = (&'static str, String);

pub fn describe_bad_frame(text: &str, e: &serde_json::Error) -> Refusal {
    match serde_json::from_str::<Value>(text) {
        Err(_) => ("bad_frame", format!("the frame is not JSON: {e}")),
        Ok(v) => match v.get("type").and_then(Value::as_str) {
            None => ("bad_frame", "every message is a JSON object with a string `type`".into()),
            Some(t) if !["login", "resume", "answer", "heartbeat", "integrity", "submit"].contains(&t) => {
                ("unknown_type", format!("unknown message type `{t}`"))
            }
            Some(t) => ("bad_frame", format!("message `{t}`: {e}")),
        },
    }
}

/// An answer's `ack` (docs/protocol.md §3), written straight to text: it is the answer path's one
/// message, so no `serde_json::Value` (a map of three boxed entries, then printed) is built for it.
pub fn ack_frame(seq: i64, item: &str) -> String {
    #[derive(serde::Serialize)]
    struct Ack<'a> {
        r#type: &'static str,
        seq: i64,
        item: &'a str,
    }
    serde_json::to_string(&Ack { r#type: "ack", seq, item }).expect("an ack serializes")
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{MAX_SEQ, ack_frame};

    #[test]
    fn an_ack_is_the_same_json_as_before() {
        for (seq, item) in [(1, "TOAN12-0008"), (MAX_SEQ, "câu \"1\"\n\\"), (0, "")] {
            let text = ack_frame(seq, item);
            let parsed: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(parsed, json!({"type": "ack", "seq": seq, "item": item}), "{text}");
            assert!(text.starts_with(r#"{"type":"ack","seq":"#), "{text}");
        }
    }
}
