//! One candidate connection: the frame rate limit, the login, answers acknowledged after the
//! writer's commit, integrity events, submission, and the session's signals (a newer login,
//! a pause, extra time, the end) pushed to the browser.

use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use chrono::Utc;
use serde_json::{Value, json};

mod adaptive;

use super::content::ContentFrames;
use super::login::{Credential, Session, login};
use super::messages::{ClientMessage, ContentWish, IntegrityKind, MAX_SEQ, Refusal, describe_bad_frame};
use crate::session::{self, Clock, SubmitReason};
use crate::state::AppState;
use crate::store;
use crate::store::writer::{NewAnswer, WriteOp};

/// Frames dropped by the rate limit before the connection is closed.
const MAX_DROPPED: u32 = 500;
/// Messages before login that are not a successful login (failed logins included) before the
/// connection is closed with 1008 "no login".
const MAX_BEFORE_LOGIN: u32 = 5;
/// How long a closing connection waits for the client's own close frame (see [`Conn::close`]).
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Whether a read failed because a message or frame was above the socket's size limit: the
/// websocket library's capacity error, found among the error's sources (axum wraps it). Told by
/// its type, not by formatting each source's text: every dropped browser's last read ends in an
/// error too (10,000 at once in a reconnect storm), and formatting their texts took 1 % of the
/// server's CPU in a storm (docs/benchmarks.md, issue 17 target 3, stop 21).
fn too_big(e: &axum::Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if matches!(err.downcast_ref::<tungstenite::Error>(), Some(tungstenite::Error::Capacity(_))) {
            return true;
        }
        cur = err.source();
    }
    false
}

pub(super) struct Conn {
    s: AppState,
    socket: WebSocket,
    session: Option<Session>,
    tokens: f64,
    refilled: Instant,
    dropped: u32,
    last_rate_error: Option<Instant>,
    before_login: u32,
    last_seen: Instant,
    /// The upgrade request's `Origin`: the page a SEB proof names must be on it.
    origin: Option<String>,
}

enum Flow {
    Continue,
    Close(u16, &'static str),
    /// The client closed the socket: nothing more to send.
    Gone,
}

impl Conn {
    pub(super) fn new(s: AppState, socket: WebSocket, origin: Option<String>) -> Self {
        let burst = f64::from(s.config.frame_burst);
        Self {
            s,
            socket,
            session: None,
            tokens: burst,
            refilled: Instant::now(),
            dropped: 0,
            last_rate_error: None,
            before_login: 0,
            last_seen: Instant::now(),
            origin,
        }
    }

    async fn send(&mut self, v: Value) -> bool {
        self.socket.send(Message::Text(Utf8Bytes::from(v.to_string()))).await.is_ok()
    }

    async fn error(&mut self, code: &str, message: impl Into<String>, seq: Option<i64>) -> bool {
        let mut v = json!({"type": "error", "code": code, "message": message.into()});
        if let Some(seq) = seq {
            v["seq"] = json!(seq);
        }
        self.send(v).await
    }

    /// Sends the close frame, then reads and discards what the client still sends until its own
    /// close frame, the end of the stream or [`CLOSE_GRACE`]. A socket dropped with unread data in
    /// it is reset by the kernel, and a reset can destroy the close frame before the browser reads
    /// it: a flood or an oversized message would then end in a reset instead of the documented
    /// code. When the stream cannot be read any further (the rest of an oversized message is still
    /// in it), the connection lingers for the grace period so the client reads the frame first.
    async fn close(&mut self, code: u16, reason: &'static str) {
        let frame = Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }));
        if self.socket.send(frame).await.is_err() {
            return;
        }
        let socket = &mut self.socket;
        let _ = tokio::time::timeout(CLOSE_GRACE, async {
            loop {
                match socket.recv().await {
                    None | Some(Ok(Message::Close(_))) => break,
                    Some(Err(_)) => {
                        tokio::time::sleep(CLOSE_GRACE).await;
                        break;
                    }
                    Some(Ok(_)) => {}
                }
            }
        })
        .await;
    }

    fn take_token(&mut self) -> bool {
        let cfg = &self.s.config;
        let now = Instant::now();
        let add = now.duration_since(self.refilled).as_secs_f64() * f64::from(cfg.frames_per_second);
        self.tokens = (self.tokens + add).min(f64::from(cfg.frame_burst));
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    pub(super) async fn run(&mut self) {
        let cfg = self.s.config.clone();
        let login_deadline = tokio::time::Instant::now() + Duration::from_secs(cfg.login_timeout_seconds);
        let mut ping = tokio::time::interval(Duration::from_secs((cfg.dead_after_seconds / 3).max(1)));
        ping.tick().await;
        let mut draining = self.s.hub.draining.subscribe();
        loop {
            let logged_in = self.session.is_some();
            let flow = tokio::select! {
                m = self.socket.recv() => match m {
                    None | Some(Ok(Message::Close(_))) => break,
                    Some(Err(e)) if too_big(&e) => {
                        Flow::Close(1009, "message above hard_max_message_bytes")
                    }
                    Some(Err(_)) => break,
                    Some(Ok(Message::Text(t))) => {
                        self.last_seen = Instant::now();
                        self.on_text(t.as_str()).await
                    }
                    Some(Ok(Message::Binary(_))) => {
                        self.last_seen = Instant::now();
                        self.error("bad_frame", "binary frames are not part of the protocol; send JSON text", None).await;
                        Flow::Continue
                    }
                    Some(Ok(_)) => {
                        self.last_seen = Instant::now();
                        Flow::Continue
                    }
                },
                _ = ping.tick() => {
                    if self.last_seen.elapsed() > Duration::from_secs(cfg.dead_after_seconds) {
                        Flow::Close(1001, "no frame or pong within the dead-connection limit")
                    } else if self.socket.send(Message::Ping(Default::default())).await.is_err() {
                        break;
                    } else {
                        Flow::Continue
                    }
                }
                _ = tokio::time::sleep_until(login_deadline), if !logged_in => {
                    self.error("login_timeout", format!("log in within {} s of opening the socket", cfg.login_timeout_seconds), None).await;
                    Flow::Close(1008, "login timeout")
                }
                // (The receiver's guard stays inside this future: the connection's future is Send.)
                () = async { let _ = draining.wait_for(|stopping| *stopping).await; } => {
                    Flow::Close(crate::state::hub::DRAINING_CLOSE, "server stopping: resume on another server")
                }
                changed = async { self.session.as_mut().expect("guarded").signal.changed().await }, if logged_in => {
                    if changed.is_err() { Flow::Continue } else { Box::pin(self.on_signal()).await }
                }
            };
            match flow {
                Flow::Continue => {}
                Flow::Close(code, reason) => {
                    Box::pin(self.close(code, reason)).await;
                    break;
                }
                Flow::Gone => break,
            }
        }
    }

    async fn on_signal(&mut self) -> Flow {
        let Some(sess) = self.session.as_mut() else { return Flow::Continue };
        let sig = sess.signal.borrow_and_update().clone();
        if sig.epoch != sess.epoch {
            self.send(json!({"type": "superseded", "message": "this session was opened in another browser; this one is closed"})).await;
            return Flow::Close(4001, "superseded by a newer login");
        }
        if let Some(reason) = sig.terminate_reason {
            self.send(json!({"type": "terminated", "reason": reason})).await;
            return Flow::Close(1000, "terminated");
        }
        if let Some(reason) = sig.submitted {
            self.send(json!({"type": "submitted", "reason": reason})).await;
            return Flow::Close(1000, "submitted");
        }
        let clock = Clock { deadline: sig.deadline, paused_at: sig.paused_at };
        let told = std::mem::replace(&mut sess.clock, clock);
        if let Some(m) = session::clock_message(told, clock, sig.pause_reason.as_deref(), Utc::now()) {
            self.send(m).await;
        }
        Flow::Continue
    }

    /// The frame rate limit for a frame just received: `None` when it may be handled, else what
    /// to do instead (it is dropped, with a `rate_limited` error at most once a second, and a
    /// flood that goes on closes the connection).
    async fn over_rate(&mut self) -> Option<Flow> {
        if self.take_token() {
            return None;
        }
        self.dropped += 1;
        if self.dropped > MAX_DROPPED {
            self.error(
                "too_many_frames",
                "the frame rate limit was exceeded for too long; the connection is closed",
                None,
            )
            .await;
            return Some(Flow::Close(1008, "frame flood"));
        }
        if self.last_rate_error.is_none_or(|t| t.elapsed() > Duration::from_secs(1)) {
            self.last_rate_error = Some(Instant::now());
            let cfg = &self.s.config;
            let msg = format!(
                "too many frames: at most {} a second (bursts of {}); frames are being dropped, send unacknowledged answers again later",
                cfg.frames_per_second, cfg.frame_burst
            );
            self.error("rate_limited", msg, None).await;
        }
        Some(Flow::Continue)
    }

    async fn on_text(&mut self, text: &str) -> Flow {
        if let Some(flow) = self.over_rate().await {
            return flow;
        }
        if text.len() > self.s.config.max_frame_bytes {
            let msg = format!(
                "this frame has {} bytes; the limit is {}",
                text.len(),
                self.s.config.max_frame_bytes
            );
            self.error("frame_too_large", msg, None).await;
            return Flow::Continue;
        }
        let msg: ClientMessage = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => {
                let (code, message) = describe_bad_frame(text, &e);
                self.error(code, message, None).await;
                return self.count_before_login();
            }
        };
        // The rare messages' futures are boxed: inline, the largest of them would set the size of
        // every connection's task for its whole life (a logged-in, idle candidate's task was
        // 5.2 KB with them inline; docs/benchmarks.md, issue 17 stop 17 and stop 19). The hot
        // path's (an answer, a heartbeat) stay inline.
        match msg {
            ClientMessage::Login { candidate, code, event, seb, content_hash, content_encoding } => {
                let wish = ContentWish { content_hash, content_encoding };
                Box::pin(self.on_login(candidate, event, Credential::Code(code), seb, wish)).await
            }
            ClientMessage::Resume { candidate, token, event, seb, content_hash, content_encoding } => {
                let wish = ContentWish { content_hash, content_encoding };
                Box::pin(self.on_login(candidate, event, Credential::Token(token), seb, wish)).await
            }
            _ if self.session.is_none() => {
                self.error("not_logged_in", "log in first: the first message is `login` or `resume`", None)
                    .await;
                self.count_before_login()
            }
            ClientMessage::Answer { seq, item, value } => self.on_answer(seq, item, value).await,
            ClientMessage::Heartbeat {} => {
                let now = Utc::now();
                let remaining = self.session.as_ref().and_then(|s| s.clock.remaining_ms(now));
                self.send(json!({"type": "heartbeat", "server_time": now, "remaining_ms": remaining})).await;
                Flow::Continue
            }
            ClientMessage::Integrity { kind, detail } => Box::pin(self.on_integrity(kind, detail)).await,
            ClientMessage::Submit {} => Box::pin(self.on_submit()).await,
        }
    }

    fn count_before_login(&mut self) -> Flow {
        if self.session.is_some() {
            return Flow::Continue;
        }
        self.before_login += 1;
        if self.before_login >= MAX_BEFORE_LOGIN { Flow::Close(1008, "no login") } else { Flow::Continue }
    }

    async fn on_login(
        &mut self,
        number: String,
        event: Option<String>,
        cred: Credential,
        seb: Option<super::messages::SebProof>,
        wish: ContentWish,
    ) -> Flow {
        if self.session.is_some() {
            self.error(
                "already_logged_in",
                "this connection is logged in; open a new socket to log in again",
                None,
            )
            .await;
            return Flow::Continue;
        }
        // Logins queue here, before anything is read for them, rather than crowd the answers of
        // candidates already in; the place is held until the last content frame is out
        // (state::hub::ADMISSION_SLOTS).
        let admission = match self.wait_for_admission().await {
            Ok(place) => place,
            Err(flow) => return flow,
        };
        // Boxed: the login's database futures are large and needed once; inline they would
        // enlarge every connection's task for its whole life.
        let proof = super::login::SebCheck { proof: seb.as_ref(), origin: self.origin.as_deref() };
        match Box::pin(login(&self.s, &number, event.as_deref(), cred, proof, &wish)).await {
            Ok((welcome, session)) => {
                self.session = Some(session);
                let sent = self.socket.send(Message::Text(Utf8Bytes::from(welcome.text))).await.is_ok();
                let sent = sent
                    && match welcome.frames {
                        ContentFrames::None => true,
                        ContentFrames::Text(f) => self.send_all(f.iter().cloned().map(Message::Text)).await,
                        ContentFrames::Deflated(f) => {
                            self.send_all(f.iter().cloned().map(Message::Binary)).await
                        }
                    };
                drop(admission);
                let sent = sent && self.send_next().await;
                if sent { Flow::Continue } else { Flow::Close(1011, "send failed") }
            }
            Err((code, message)) => {
                drop(admission);
                self.error(code, message, None).await;
                self.count_before_login()
            }
        }
    }

    /// Records how long an acknowledged answer waited: the ack latency histogram, and the login
    /// gate's pacing (`state::admission`), for fixed-form and adaptive answers alike.
    fn ack_waited(&self, arrived: std::time::Instant) {
        let waited = arrived.elapsed();
        self.s.live.ack_seconds.observe(waited.as_secs_f64());
        self.s.hub.admission.acknowledged(waited);
    }

    /// Waits for a login place while watching the socket: a browser that gives up and closes
    /// while its login is queued leaves the queue, so its login never runs — a login that ran
    /// after its page had gone would start the clock and make the candidate's next try with the
    /// code need the proctor's admission. Frames other than a close count against the frame
    /// rate limit like any other and get `login_pending`; the wait goes on. `Err`: the socket
    /// closed ([`Flow::Gone`]) or flooded.
    async fn wait_for_admission(&mut self) -> Result<tokio::sync::OwnedSemaphorePermit, Flow> {
        let gate = self.s.hub.admission.clone();
        let enter = gate.enter();
        tokio::pin!(enter);
        loop {
            tokio::select! {
                // The gate first: a free place is taken without reading the socket, so frames
                // the client sent after its login stay queued for after it.
                biased;
                place = &mut enter => return Ok(place),
                m = self.socket.recv() => match m {
                    None | Some(Ok(Message::Close(_))) | Some(Err(_)) => return Err(Flow::Gone),
                    Some(Ok(Message::Text(_) | Message::Binary(_))) => {
                        self.last_seen = Instant::now();
                        match self.over_rate().await {
                            Some(Flow::Continue) => {}
                            Some(flow) => return Err(flow),
                            None => {
                                let message = "a login on this connection is waiting for its turn; wait for its answer";
                                if !self.error("login_pending", message, None).await {
                                    return Err(Flow::Gone);
                                }
                            }
                        }
                    }
                    Some(Ok(_)) => self.last_seen = Instant::now(),
                },
            }
        }
    }

    /// Sends `frames` one by one, each flushed (a websocket's write buffer keeps the capacity of
    /// the most it ever held, so batching them would enlarge every idle connection); false if the
    /// socket failed.
    async fn send_all(&mut self, frames: impl Iterator<Item = Message>) -> bool {
        for m in frames {
            if self.socket.send(m).await.is_err() {
                return false;
            }
        }
        true
    }

    async fn on_answer(&mut self, seq: i64, item: String, value: Value) -> Flow {
        let arrived = std::time::Instant::now();
        let Some(sess) = self.session.as_ref() else { return Flow::Continue };
        let refusal = answer_refusal(sess, self.s.config.deadline_grace_ms, seq, &item, &value);
        if let Some((code, message)) = refusal {
            self.s.live.answer(code);
            self.error(code, message, Some(seq)).await;
            return Flow::Continue;
        }
        if sess.cat.is_some() {
            return Box::pin(self.on_adaptive_answer(arrived, seq, item, value)).await;
        }
        let answered = khaothi_package::is_answered(&value);
        let op = WriteOp::Answer(NewAnswer {
            candidate_id: sess.candidate_id.clone(),
            epoch: sess.epoch,
            seq,
            item_id: item.clone(),
            value: value.to_string(),
            received_at: Utc::now(),
        });
        match self.s.writer.write(op).await {
            Ok(()) => {
                if let Some(sess) = self.session.as_mut()
                    && let Some(n) = sess.tally.record(&item, sess.epoch, seq, answered)
                {
                    self.s.hub.rooms.answered(&sess.candidate_id, &sess.room_id, sess.epoch, n);
                }
                let ack = Message::Text(Utf8Bytes::from(super::messages::ack_frame(seq, &item)));
                let sent = self.socket.send(ack).await.is_ok();
                self.s.live.acknowledged.inc();
                self.ack_waited(arrived);
                sent
            }
            Err(e) => {
                tracing::error!(error = %e, "answer not saved");
                self.s.live.answer("not_saved");
                self.error("not_saved", "the answer was not saved; send it again", Some(seq)).await
            }
        };
        Flow::Continue
    }

    async fn on_integrity(&mut self, kind: IntegrityKind, detail: String) -> Flow {
        let Some(sess) = self.session.as_ref() else { return Flow::Continue };
        let detail: String = detail.chars().take(500).collect();
        let op = WriteOp::Integrity {
            candidate_id: sess.candidate_id.clone(),
            epoch: sess.epoch,
            kind: kind.as_str().into(),
            detail,
            at: Utc::now(),
        };
        let (candidate_id, room_id) = (sess.candidate_id.clone(), sess.room_id.clone());
        match self.s.writer.write(op).await {
            Ok(()) => {
                self.s.hub.rooms.touch(&candidate_id, &room_id);
                self.send(json!({"type": "noted", "kind": kind.as_str()})).await
            }
            Err(_) => self.error("not_saved", "the integrity event was not saved", None).await,
        };
        Flow::Continue
    }

    async fn on_submit(&mut self) -> Flow {
        let Some(sess) = self.session.as_ref() else { return Flow::Continue };
        let id = sess.candidate_id.clone();
        let event_id = sess.event_id.clone();
        match Box::pin(session::submit(&self.s, &id, SubmitReason::Candidate)).await {
            Ok(done) => {
                let mut v = json!({"type": "submitted", "reason": done.reason, "answered": done.answered});
                if let Some(sc) = done.score {
                    v["score"] = json!({"total": sc.total, "max": sc.max});
                }
                let audit = store::audit(
                    &self.s.writer,
                    Some(&event_id),
                    "candidate",
                    "submitted",
                    json!({"candidate_id": id}),
                );
                let _ = Box::pin(audit).await;
                // Mark our own view so the signal does not send a second `submitted`.
                self.session = None;
                self.send(v).await;
                Flow::Close(1000, "submitted")
            }
            Err(e) => {
                tracing::error!(error = %e, "submit failed");
                self.error("not_saved", "the submission was not saved; send it again", None).await;
                Flow::Continue
            }
        }
    }
}

/// Why an answer is not saved, if it is not: the session has ended or is paused, the time is over
/// (beyond `grace_ms`), or the answer does not fit the test.
fn answer_refusal(sess: &Session, grace_ms: i64, seq: i64, item: &str, value: &Value) -> Option<Refusal> {
    let sig = sess.signal.borrow();
    let now = Utc::now();
    let grace = chrono::Duration::milliseconds(grace_ms);
    if sig.submitted.is_some() {
        Some(("already_submitted", "the test is submitted; answers are no longer saved".into()))
    } else if sig.paused_at.is_some() {
        Some(("paused", "the proctor has paused your test; this answer was not saved, send it again after the test resumes".into()))
    } else if let Some(d) = sig.deadline.filter(|d| now > *d + grace) {
        Some((
            "time_over",
            format!(
                "the time is over: this answer arrived {} ms after the deadline and was not saved",
                (now - d).num_milliseconds()
            ),
        ))
    } else if !(1..=MAX_SEQ).contains(&seq) {
        Some(("invalid_seq", format!("`seq` is a positive integer below 2^53; got {seq}")))
    } else if !sess.items.contains(item) {
        Some(("unknown_item", format!("item `{item}` is not in your test")))
    } else {
        let kind = sess.content.kinds.get(item).copied();
        match kind.map(|k| khaothi_package::validate_answer(k, value)) {
            Some(Err(m)) => Some(("invalid_answer", format!("item {item}: {m}"))),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::future_size;

    // 'a names the borrow each closure takes (clippy does not see its use there).
    #[allow(clippy::extra_unused_lifetimes)]
    fn sizes<'a>() -> [(&'static str, usize); 3] {
        [
            ("run", future_size(|c: &'a mut Conn| c.run())),
            ("on_text", future_size(|c: &'a mut Conn| c.on_text(""))),
            ("on_answer", future_size(|c: &'a mut Conn| c.on_answer(1, String::new(), Value::Null))),
        ]
    }

    /// Every connected candidate's task holds the connection's `run` future for the whole exam:
    /// its size is memory per candidate (issue 17, ≤ 8 KB each). The rare messages' futures are
    /// boxed so the largest of them does not set it; this fails when a handler inlined in the
    /// loop makes it large again.
    #[test]
    fn the_connection_s_future_stays_small() {
        let sizes = sizes();
        eprintln!("{sizes:?}");
        let run = sizes[0].1;
        assert!(
            run <= RUN_FUTURE_LIMIT,
            "the connection's future has {run} bytes (limit {RUN_FUTURE_LIMIT}): box the rare handler that grew it"
        );
    }

    /// In the test (debug) build the future had 2,272 bytes with the rare handlers inline and
    /// has 1,240 with them boxed (an answer's handler, inline, is 776 of them).
    const RUN_FUTURE_LIMIT: usize = 1600;
}
