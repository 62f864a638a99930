//! A candidate's side of the websocket (tokio-tungstenite), for the load test and tests. Records
//! every frame received so tests can inspect what a candidate was sent.

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
    pub closed: Option<u16>,
}

impl CandidateSocket {
    pub async fn connect(url: &str) -> Result<Self, String> {
        // TCP_NODELAY, as browsers set it on websockets: answers are small frames.
        let (ws, _) =
            tokio_tungstenite::connect_async_with_config(url, None, true).await.map_err(|e| e.to_string())?;
        Ok(Self { ws, received: Vec::new(), closed: None })
    }

    pub async fn send(&mut self, v: Value) -> Result<(), String> {
        self.send_text(v.to_string()).await
    }

    pub async fn send_text(&mut self, t: String) -> Result<(), String> {
        self.ws.send(Message::Text(t.into())).await.map_err(|e| e.to_string())
    }

    /// The next JSON message (pings answered by the library), or `None` on close/timeout.
    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let m = tokio::time::timeout_at(deadline, self.ws.next()).await.ok()??;
            match m {
                Ok(Message::Text(t)) => {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::String(t.to_string()));
                    self.received.push(v.clone());
                    return Some(v);
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
        self.send(json!({"type": "login", "candidate": number, "code": code})).await?;
        self.welcome().await
    }

    pub async fn resume(&mut self, number: &str, token: &str) -> Result<Value, String> {
        self.send(json!({"type": "resume", "candidate": number, "token": token})).await?;
        self.welcome().await
    }

    /// The `welcome` message with the `stimulus` and `items` messages that follow it folded in
    /// as `stimuli` (id → html) and `items`.
    async fn welcome(&mut self) -> Result<Value, String> {
        let wait = Duration::from_secs(20);
        let mut w = self.expect("welcome", wait).await?;
        let (n_items, n_stimuli) =
            (w["item_count"].as_u64().unwrap_or(0), w["stimulus_count"].as_u64().unwrap_or(0));
        let (mut items, mut stimuli) = (Vec::new(), serde_json::Map::new());
        while (items.len() as u64) < n_items || (stimuli.len() as u64) < n_stimuli {
            match self.next(wait).await {
                Some(v) if v["type"] == "items" => {
                    items.extend(v["items"].as_array().cloned().unwrap_or_default())
                }
                Some(v) if v["type"] == "stimulus" => {
                    stimuli.insert(v["id"].as_str().unwrap_or_default().to_string(), v["html"].clone());
                }
                Some(_) => continue,
                None => return Err("the socket closed before every item arrived".into()),
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

/// A valid answer for an item of the welcome message's `items`, varied by `n`.
pub fn some_answer(item: &Value, n: u64) -> Value {
    match item["kind"].as_str() {
        Some("single_choice") => json!(["A", "B", "C", "D"][(n % 4) as usize]),
        Some("true_false_group") => json!([n.is_multiple_of(2), n.is_multiple_of(3), true, false]),
        _ => json!(format!("{}", n % 100)),
    }
}
