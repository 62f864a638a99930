//! A candidate's side of the websocket (tokio-tungstenite), for the load test and tests. Records
//! every frame received so tests can inspect what a candidate was sent, and counts its bytes.

use std::io::Read;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

pub type Stream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct CandidateSocket {
    pub ws: Stream,
    /// Every text frame received, parsed.
    pub received: Vec<Value>,
    /// Binary frames received (compressed content), not yet read.
    pub frames: Vec<Vec<u8>>,
    /// Bytes of every text and binary frame received.
    pub bytes: u64,
    pub closed: Option<u16>,
}

impl CandidateSocket {
    pub async fn connect(url: &str) -> Result<Self, String> {
        // TCP_NODELAY, as browsers set it on websockets: answers are small frames.
        let (ws, _) =
            tokio_tungstenite::connect_async_with_config(url, None, true).await.map_err(|e| e.to_string())?;
        Ok(Self::from_stream(ws))
    }

    /// A candidate on a websocket opened elsewhere (e.g. with headers of the test's choosing).
    pub fn from_stream(ws: Stream) -> Self {
        Self { ws, received: Vec::new(), frames: Vec::new(), bytes: 0, closed: None }
    }

    pub async fn send(&mut self, v: Value) -> Result<(), String> {
        self.send_text(v.to_string()).await
    }

    pub async fn send_text(&mut self, t: String) -> Result<(), String> {
        self.ws.send(Message::Text(t.into())).await.map_err(|e| e.to_string())
    }

    /// The next JSON message (pings answered by the library), `Null` for a binary frame (kept in
    /// `frames`), or `None` on close/timeout.
    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let m = tokio::time::timeout_at(deadline, self.ws.next()).await.ok()??;
            match m {
                Ok(Message::Text(t)) => {
                    self.bytes += t.len() as u64;
                    let v: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::String(t.to_string()));
                    self.received.push(v.clone());
                    return Some(v);
                }
                Ok(Message::Binary(b)) => {
                    // Kept in `frames`; `Null` tells the caller one came.
                    self.bytes += b.len() as u64;
                    self.frames.push(b.to_vec());
                    return Some(Value::Null);
                }
                Ok(Message::Close(f)) => {
                    self.closed = Some(f.map_or(1005, |f| u16::from(f.code)));
                    return None;
                }
                Ok(_) => continue,
                Err(_) => return None,
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
    /// without them when the server sent no content (`content_sent: false`).
    async fn welcome(&mut self) -> Result<Value, String> {
        let wait = Duration::from_secs(20);
        self.frames.clear();
        let mut w = self.expect("welcome", wait).await?;
        if w["content_sent"] == json!(false) {
            return Ok(w);
        }
        let (n_items, n_stimuli) =
            (w["item_count"].as_u64().unwrap_or(0), w["stimulus_count"].as_u64().unwrap_or(0));
        let (mut items, mut stimuli) = (Vec::new(), serde_json::Map::new());
        let mut fold = |v: Value| {
            if v["type"] == "items" {
                items.extend(v["items"].as_array().cloned().unwrap_or_default());
            } else if v["type"] == "stimulus" {
                stimuli.insert(v["id"].as_str().unwrap_or_default().to_string(), v["html"].clone());
            }
        };
        if w["content_encoding"] == "deflate-raw" {
            let frames = w["content_frames"].as_u64().unwrap_or(0) as usize;
            while self.frames.len() < frames {
                if self.next(wait).await.is_none() && self.frames.len() < frames {
                    return Err("the socket closed before the content arrived".into());
                }
            }
            inflate_messages(&std::mem::take(&mut self.frames))?.into_iter().for_each(&mut fold);
        } else {
            let have = |items: usize, stimuli: usize| items as u64 >= n_items && stimuli as u64 >= n_stimuli;
            let (mut n_i, mut n_s) = (0, 0);
            while !have(n_i, n_s) {
                match self.next(wait).await {
                    Some(v) => {
                        n_i += v["items"].as_array().map_or(0, Vec::len);
                        n_s += usize::from(v["type"] == "stimulus");
                        fold(v);
                    }
                    None => return Err("the socket closed before every item arrived".into()),
                }
            }
        }
        w["items"] = Value::Array(items);
        w["stimuli"] = Value::Object(stimuli);
        Ok(w)
    }

    pub async fn answer(&mut self, seq: i64, item: &str, value: Value) -> Result<Value, String> {
        self.send(json!({"type": "answer", "seq": seq, "item": item, "value": value})).await?;
        self.expect("ack", Duration::from_secs(20)).await
    }
}

/// `base` with the fields of the object `extra` added.
fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
        b.extend(e);
    }
    base
}

/// The messages of compressed content: the frames joined, inflated (raw DEFLATE), one JSON
/// message a line.
pub fn inflate_messages(frames: &[Vec<u8>]) -> Result<Vec<Value>, String> {
    let joined = frames.concat();
    let mut text = String::new();
    flate2::read::DeflateDecoder::new(joined.as_slice())
        .read_to_string(&mut text)
        .map_err(|e| format!("the content does not inflate: {e}"))?;
    text.lines().map(|l| serde_json::from_str(l).map_err(|e| format!("content line: {e}"))).collect()
}

/// A valid answer for an item of the welcome message's `items`, varied by `n`.
pub fn some_answer(item: &Value, n: u64) -> Value {
    match item["kind"].as_str() {
        Some("single_choice") => json!(["A", "B", "C", "D"][(n % 4) as usize]),
        Some("true_false_group") => json!([n.is_multiple_of(2), n.is_multiple_of(3), true, false]),
        _ => json!(format!("{}", n % 100)),
    }
}
