//! A candidate's side of the websocket (tokio-tungstenite), for the load test and tests. Records
//! every frame received so tests can inspect what a candidate was sent, and counts its bytes.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use crate::failure::{Ending, Failure, connect_what};

pub type Stream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct CandidateSocket {
    pub ws: Stream,
    /// Every text frame received, parsed (content frames a [`ContentCache`] recognised
    /// excepted: they are compared, not parsed).
    pub received: Vec<Value>,
    /// Binary frames received (compressed content), not yet read.
    pub frames: Vec<Vec<u8>>,
    /// Bytes of every text and binary frame received.
    pub bytes: u64,
    pub closed: Option<u16>,
    /// How the socket last stopped giving what was expected (a close frame, an error frame, a
    /// broken connection, a wait that ran out): the reason a load-test candidate failed.
    pub ending: Option<Ending>,
    /// Content verified before by candidates of this process (see [`ContentCache`]); `None`:
    /// every login's content is inflated, hashed and parsed.
    pub cache: Option<ContentCache>,
    /// The content of the last `welcome` (when one was sent): shared with the cache.
    pub content: Option<Arc<Content>>,
}

impl CandidateSocket {
    pub async fn connect(url: &str) -> Result<Self, String> {
        Self::open(url, "connect").await.map_err(|f| f.detail)
    }

    /// [`Self::connect`] with the failure's reason (`<phase>: refused`, `<phase>: http 503`, …).
    pub async fn open(url: &str, phase: &str) -> Result<Self, Failure> {
        // TCP_NODELAY, as browsers set it on websockets: answers are small frames.
        let config = Some(socket_config());
        match tokio_tungstenite::connect_async_with_config(url, config, true).await {
            Ok((ws, _)) => Ok(Self::from_stream(ws)),
            Err(e) => Err(Failure::new(phase, format!("connect {}", connect_what(&e)), e.to_string())),
        }
    }

    /// The reason this socket's candidate failed in `phase`, with the message `detail` (`client
    /// check failed` when the socket saw nothing wrong: the load generator refused what came,
    /// e.g. content whose hash is not the welcome's).
    pub fn failure(&self, phase: &str, detail: String) -> Failure {
        let what = self.ending.as_ref().map_or_else(|| "client check failed".to_string(), Ending::what);
        Failure::new(phase, what, detail)
    }

    /// A candidate on a websocket opened elsewhere (e.g. with headers of the test's choosing).
    pub fn from_stream(ws: Stream) -> Self {
        Self {
            ws,
            received: Vec::new(),
            frames: Vec::new(),
            bytes: 0,
            closed: None,
            ending: None,
            cache: None,
            content: None,
        }
    }

    pub async fn send(&mut self, v: Value) -> Result<(), String> {
        self.send_text(v.to_string()).await
    }

    pub async fn send_text(&mut self, t: String) -> Result<(), String> {
        let sent = self.ws.send(Message::Text(t.into())).await;
        sent.map_err(|e| {
            // A close or error frame read before explains the failed send better.
            if matches!(self.ending, None | Some(Ending::TimedOut)) {
                self.ending = Some(Ending::broken(&e));
            }
            e.to_string()
        })
    }

    /// The next text or binary frame (pings answered by the library), counted in `bytes`;
    /// `None` on close or at `deadline` (what it was kept in `ending`).
    async fn next_raw(&mut self, deadline: tokio::time::Instant) -> Option<Raw> {
        loop {
            let m = match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Ok(Some(m)) => m,
                Ok(None) => {
                    self.ending = Some(Ending::Broken("end of stream".into()));
                    return None;
                }
                Err(_) => {
                    self.ending = Some(Ending::TimedOut);
                    return None;
                }
            };
            match m {
                Ok(Message::Text(t)) => {
                    self.bytes += t.len() as u64;
                    return Some(Raw::Text(t.into()));
                }
                Ok(Message::Binary(b)) => {
                    self.bytes += b.len() as u64;
                    return Some(Raw::Binary(b));
                }
                Ok(Message::Close(f)) => {
                    let (code, reason) =
                        f.map_or((1005, String::new()), |f| (u16::from(f.code), f.reason.to_string()));
                    self.closed = Some(code);
                    self.ending = Some(Ending::Closed(code, reason));
                    return None;
                }
                Ok(_) => continue,
                Err(e) => {
                    self.ending = Some(Ending::broken(&e));
                    return None;
                }
            }
        }
    }

    /// A text frame parsed and kept in `received`.
    fn parsed(&mut self, t: &[u8]) -> Value {
        let v: Value = serde_json::from_slice(t)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(t).into_owned()));
        self.received.push(v.clone());
        v
    }

    /// The next JSON message (pings answered by the library), `Null` for a binary frame (kept in
    /// `frames`), or `None` on close/timeout.
    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
        match self.next_raw(tokio::time::Instant::now() + wait).await? {
            Raw::Text(t) => Some(self.parsed(&t)),
            Raw::Binary(b) => {
                // Kept in `frames`; `Null` tells the caller one came.
                self.frames.push(b.to_vec());
                Some(Value::Null)
            }
        }
    }

    /// Waits for a message of `kind` (skipping others, e.g. `time`), up to `wait`.
    pub async fn expect(&mut self, kind: &str, wait: Duration) -> Result<Value, String> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Some(v) if v["type"] == kind => return Ok(v),
                Some(v) if v["type"] == "error" && kind != "error" => {
                    self.ending = Some(Ending::ErrorFrame(v["code"].as_str().unwrap_or("?").to_string()));
                    return Err(format!("expected {kind}, got {v}"));
                }
                Some(_) => continue,
                None => {
                    return Err(format!(
                        "expected {kind}, the socket closed or timed out (close {:?})",
                        self.closed
                    ));
                }
            }
        }
    }

    pub async fn login(&mut self, number: &str, code: &str) -> Result<Value, String> {
        self.login_with(number, code, json!({})).await
    }

    pub async fn resume(&mut self, number: &str, token: &str) -> Result<Value, String> {
        self.resume_with(number, token, json!({})).await
    }

    /// `login` with more fields (`content_hash`, `content_encoding`, …) from the object `extra`.
    pub async fn login_with(&mut self, number: &str, code: &str, extra: Value) -> Result<Value, String> {
        self.send(with(json!({"type": "login", "candidate": number, "code": code}), extra)).await?;
        self.welcome().await
    }

    pub async fn resume_with(&mut self, number: &str, token: &str, extra: Value) -> Result<Value, String> {
        self.send(with(json!({"type": "resume", "candidate": number, "token": token}), extra)).await?;
        self.welcome().await
    }

    /// The `welcome` message with the `stimulus` and `items` messages that follow it (as JSON
    /// text, or compressed in binary frames) folded in as `stimuli` (id → html) and `items`;
    /// without them when the server sent no content (`content_sent: false`). With a
    /// [`ContentCache`] the content is kept in `content` instead, not folded in.
    async fn welcome(&mut self) -> Result<Value, String> {
        let wait = Duration::from_secs(20);
        self.frames.clear();
        self.content = None;
        let mut w = self.expect("welcome", wait).await?;
        if w["content_sent"] == json!(false) {
            return Ok(w);
        }
        let deadline = tokio::time::Instant::now() + wait;
        let hash = w["content_hash"].as_str().map(str::to_string);
        let held = self.cache.as_ref().zip(hash.as_deref()).and_then(|(c, h)| c.get(h));
        let content = if w["content_encoding"] == "deflate-raw" {
            let n = w["content_frames"].as_u64().unwrap_or(0) as usize;
            self.deflated_content(n, hash, held, deadline).await?
        } else {
            let counts = (w["item_count"].as_u64().unwrap_or(0), w["stimulus_count"].as_u64().unwrap_or(0));
            self.text_content(counts, hash, held, deadline).await?
        };
        if let Some(cache) = &self.cache {
            cache.insert(&content);
        } else {
            w["items"] = Value::Array(content.items.clone());
            w["stimuli"] = Value::Object(content.stimuli.clone());
        }
        self.content = Some(content);
        Ok(w)
    }

    /// `n` binary frames of compressed content: `held` when they are its bytes exactly, else
    /// inflated, hashed and parsed.
    async fn deflated_content(
        &mut self,
        n: usize,
        hash: Option<String>,
        held: Option<Arc<Content>>,
        deadline: tokio::time::Instant,
    ) -> Result<Arc<Content>, String> {
        let mut frames = Vec::with_capacity(n);
        while frames.len() < n {
            match self.next_raw(deadline).await {
                Some(Raw::Binary(b)) => frames.push(b),
                Some(Raw::Text(t)) => {
                    self.parsed(&t);
                }
                None => return Err("the socket closed before the content arrived".into()),
            }
        }
        deflated(held, hash, frames)
    }

    /// The `stimulus` and `items` text messages, until `counts` (items, stimuli) have come:
    /// `held` when they are its frames exactly, else each parsed (and the whole hashed).
    async fn text_content(
        &mut self,
        (n_items, n_stimuli): (u64, u64),
        hash: Option<String>,
        held: Option<Arc<Content>>,
        deadline: tokio::time::Instant,
    ) -> Result<Arc<Content>, String> {
        let mut frames: Vec<Bytes> = Vec::new();
        let closed = || "the socket closed before every item arrived".to_string();
        // Compared with what is held, frame by frame, until one differs.
        if let Some(held) = held {
            while frames.len() < held.frames.len() {
                let Raw::Text(t) = self.next_raw(deadline).await.ok_or_else(closed)? else {
                    return Err("a binary frame came among the content's text messages".into());
                };
                let same = t == held.frames[frames.len()];
                frames.push(t);
                if !same {
                    break;
                }
            }
            if frames.len() == held.frames.len() && frames.last() == held.frames.last() {
                return Ok(held);
            }
        }
        let mut content = Vec::new();
        let (mut n_i, mut n_s) = (0, 0);
        let fold = |v: &Value, t: Bytes, content: &mut Vec<Bytes>| {
            if v["type"] == "items" || v["type"] == "stimulus" {
                content.push(t);
                (v["items"].as_array().map_or(0, Vec::len) as u64, u64::from(v["type"] == "stimulus"))
            } else {
                (0, 0)
            }
        };
        let mut add = |(i, s): (u64, u64)| {
            n_i += i;
            n_s += s;
            n_i >= n_items && n_s >= n_stimuli
        };
        let mut done = n_items == 0 && n_stimuli == 0;
        for t in frames {
            let v = self.parsed(&t);
            done = add(fold(&v, t, &mut content));
        }
        while !done {
            match self.next_raw(deadline).await.ok_or_else(closed)? {
                Raw::Text(t) => {
                    let v = self.parsed(&t);
                    done = add(fold(&v, t, &mut content));
                }
                Raw::Binary(_) => return Err("a binary frame came among the content's text messages".into()),
            }
        }
        let mut text = Vec::with_capacity(content.iter().map(|f| f.len() + 1).sum());
        for f in &content {
            text.extend_from_slice(f);
            text.push(b'\n');
        }
        Content::verified(hash, content, &text).map(Arc::new)
    }

    pub async fn answer(&mut self, seq: i64, item: &str, value: Value) -> Result<Value, String> {
        self.send(json!({"type": "answer", "seq": seq, "item": item, "value": value})).await?;
        self.expect("ack", Duration::from_secs(20)).await
    }
}

/// Bytes of a candidate socket's read and write buffers. tungstenite's default is 128 KiB each,
/// and its reader zero-fills the unused part of the read buffer before every read: with the
/// default, each frame received cost a 128 KiB `memset` and each socket's first reads faulted in
/// 128 KiB of fresh pages — about a third of the load generator's CPU while 10,000 candidates
/// logged in at once (docs/benchmarks.md, issue 17 target 3, stop 21), CPU taken from the server
/// it shares the cores with. A larger message is still read whole (the buffer grows for it).
pub const SOCKET_BUFFER_BYTES: usize = 4096;

/// The websocket settings of a candidate socket: the library's, with [`SOCKET_BUFFER_BYTES`]
/// buffers.
pub fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(SOCKET_BUFFER_BYTES).write_buffer_size(SOCKET_BUFFER_BYTES)
}

/// `base` with the fields of the object `extra` added.
fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
        b.extend(e);
    }
    base
}

/// A frame as received.
enum Raw {
    Text(Bytes),
    Binary(Bytes),
}

/// The frames joined and inflated (raw DEFLATE).
fn inflate(frames: &[impl AsRef<[u8]>]) -> Result<Vec<u8>, String> {
    let joined: Vec<u8> = frames.iter().flat_map(|f| f.as_ref().iter().copied()).collect();
    let mut text = Vec::new();
    flate2::read::DeflateDecoder::new(joined.as_slice())
        .read_to_end(&mut text)
        .map_err(|e| format!("the content does not inflate: {e}"))?;
    Ok(text)
}

/// The messages of compressed content: the frames joined, inflated (raw DEFLATE), one JSON
/// message a line.
pub fn inflate_messages(frames: &[Vec<u8>]) -> Result<Vec<Value>, String> {
    messages(&inflate(frames)?)
}

/// One JSON message a line.
fn messages(text: &[u8]) -> Result<Vec<Value>, String> {
    text.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).map_err(|e| format!("content line: {e}")))
        .collect()
}

/// Compressed content: `held` when `frames` are its bytes exactly, else the frames inflated,
/// checked against `hash` and parsed.
fn deflated(
    held: Option<Arc<Content>>,
    hash: Option<String>,
    frames: Vec<Bytes>,
) -> Result<Arc<Content>, String> {
    if let Some(c) = held.filter(|c| c.frames == frames && c.hash == hash) {
        return Ok(c);
    }
    let text = inflate(&frames)?;
    Content::verified(hash, frames, &text).map(Arc::new)
}

/// A version's content as one candidate received it: its frames exactly (compressed binary
/// frames, or the text messages) and what they say.
#[derive(Debug)]
pub struct Content {
    /// The `content_hash` the `welcome` named (`None` if it named none).
    pub hash: Option<String>,
    frames: Vec<Bytes>,
    pub items: Vec<Value>,
    /// Stimulus html by id.
    pub stimuli: serde_json::Map<String, Value>,
}

impl Content {
    /// The content of `frames`, whose messages are `text` (one JSON message a line), after
    /// checking that `text` is what `hash` names (SHA-256 of the messages, each followed by a
    /// newline: docs/protocol.md §3).
    pub fn verified(hash: Option<String>, frames: Vec<Bytes>, text: &[u8]) -> Result<Content, String> {
        if let Some(h) = &hash {
            let got = hex::encode(Sha256::digest(text));
            if &got != h {
                return Err(format!("the content's SHA-256 is {got}, the welcome named {h}"));
            }
        }
        let (mut items, mut stimuli) = (Vec::new(), serde_json::Map::new());
        for mut v in messages(text)? {
            if v["type"] == "items" {
                items.extend(v["items"].as_array_mut().map(std::mem::take).unwrap_or_default());
            } else if v["type"] == "stimulus" {
                stimuli.insert(v["id"].as_str().unwrap_or_default().to_string(), v["html"].take());
            }
        }
        Ok(Content { hash, frames, items, stimuli })
    }
}

/// Content already verified by a candidate of this process, by content hash. A candidate whose
/// frames are byte for byte those of verified content of the same hash takes it as it is,
/// without inflating and parsing them again: a real browser holds its own copy, but a swarm is
/// thousands of browsers on one machine, and parsing the same content for each would load the
/// cores the server shares with it. Any other frames are verified in full (and the newest
/// verified content of a hash is kept).
#[derive(Clone, Default)]
pub struct ContentCache(Arc<Mutex<HashMap<String, Arc<Content>>>>);

impl ContentCache {
    fn get(&self, hash: &str) -> Option<Arc<Content>> {
        self.0.lock().expect("content cache").get(hash).cloned()
    }

    fn insert(&self, c: &Arc<Content>) {
        if let Some(h) = &c.hash {
            let mut m = self.0.lock().expect("content cache");
            if !m.get(h).is_some_and(|held| Arc::ptr_eq(held, c)) {
                m.insert(h.clone(), c.clone());
            }
        }
    }
}

/// A valid answer for an item of the welcome message's `items`, varied by `n`.
pub fn some_answer(item: &Value, n: u64) -> Value {
    match item["kind"].as_str() {
        Some("single_choice") => json!(["A", "B", "C", "D"][(n % 4) as usize]),
        Some("true_false_group") => json!([n.is_multiple_of(2), n.is_multiple_of(3), true, false]),
        _ => json!(format!("{}", n % 100)),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// Content messages as the server makes them: the frames of `messages` compressed, and the
    /// hash that names them.
    fn compressed(messages: &[Value]) -> (Vec<Bytes>, String) {
        let text: String = messages.iter().map(|m| format!("{m}\n")).collect();
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(text.as_bytes()).unwrap();
        let frames = z.finish().unwrap().chunks(50).map(Bytes::copy_from_slice).collect();
        (frames, hex::encode(Sha256::digest(text.as_bytes())))
    }

    fn messages(tag: &str) -> Vec<Value> {
        vec![
            json!({"type": "stimulus", "id": "s1", "html": format!("<p>Đoạn {tag}</p>")}),
            json!({"type": "items", "first": 0, "items": [{"id": "q1", "kind": "single_choice"}, {"id": "q2", "kind": "short_answer"}]}),
            json!({"type": "items", "first": 2, "items": [{"id": format!("q3{tag}"), "kind": "true_false_group"}]}),
        ]
    }

    #[test]
    fn content_is_verified_against_its_hash_and_parsed() {
        let (frames, hash) = compressed(&messages("a"));
        let c = deflated(None, Some(hash.clone()), frames.clone()).unwrap();
        let ids: Vec<&str> = c.items.iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["q1", "q2", "q3a"]);
        assert_eq!(c.stimuli["s1"], "<p>Đoạn a</p>");
        // Content that is not what the welcome's hash names is refused.
        let (other, _) = compressed(&messages("b"));
        let e = deflated(None, Some(hash), other).unwrap_err();
        assert!(e.contains("SHA-256"), "{e}");
        let e = deflated(None, None, vec![Bytes::from_static(b"not deflate")]).unwrap_err();
        assert!(e.contains("inflate"), "{e}");
    }

    #[test]
    fn held_content_is_reused_only_for_byte_identical_frames_of_the_same_hash() {
        let (frames, hash) = compressed(&messages("a"));
        let held = deflated(None, Some(hash.clone()), frames.clone()).unwrap();
        let cache = ContentCache::default();
        cache.insert(&held);
        let got = cache.get(&hash).unwrap();
        // The same bytes: the held content itself, not parsed again.
        let again = deflated(Some(got.clone()), Some(hash.clone()), frames.clone()).unwrap();
        assert!(Arc::ptr_eq(&again, &held));
        // One byte changed under the same hash: verified in full, and refused.
        let mut changed = frames.clone();
        let mut last = changed.pop().unwrap().to_vec();
        *last.last_mut().unwrap() ^= 1;
        changed.push(Bytes::from(last));
        assert!(deflated(Some(got.clone()), Some(hash.clone()), changed).is_err());
        // Other content under its own hash: verified and parsed, not the held one.
        let (frames_b, hash_b) = compressed(&messages("b"));
        let b = deflated(Some(got), Some(hash_b.clone()), frames_b).unwrap();
        assert!(!Arc::ptr_eq(&b, &held));
        assert_eq!(b.items[2]["id"], "q3b");
        cache.insert(&b);
        assert!(Arc::ptr_eq(&cache.get(&hash_b).unwrap(), &b));
        assert!(Arc::ptr_eq(&cache.get(&hash).unwrap(), &held));
    }
}
