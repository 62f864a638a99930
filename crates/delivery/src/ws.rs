//! The candidate websocket (docs/protocol.md). The first message logs in (`login` with the code
//! from the room sheet, or `resume` with the session's token); no token ever goes in the URL.
//! Each connection gets a new epoch; answers are acknowledged only after the writer's commit.
//! A bad frame gets an `error` naming the problem and the session goes on; floods are dropped
//! and, if they persist, the connection alone is closed.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use chrono::Utc;
use sea_orm::EntityTrait;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::codes::{new_resume_token, same_hash, token_hash};
use crate::session::{self, Clock, SessionStatus, SubmitReason};
use crate::state::{AnswerTally, AppState, EventContent, LiveGuard, Signal};
use crate::store::writer::{NewAnswer, WriteOp};
use crate::store::{self, entity::candidate};

pub async fn candidate_socket(State(s): State<AppState>, ws: WebSocketUpgrade) -> Response {
    let c = &s.config;
    ws.read_buffer_size(c.ws_buffer_bytes)
        .write_buffer_size(c.ws_buffer_bytes)
        .max_message_size(c.hard_max_message_bytes)
        .max_frame_size(c.hard_max_message_bytes)
        .on_upgrade(move |socket| async move {
            let mut conn = Conn::new(s, socket);
            conn.run().await;
        })
}

/// Messages a candidate's browser sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    Login {
        candidate: String,
        code: String,
        #[serde(default)]
        event: Option<String>,
    },
    Resume {
        candidate: String,
        token: String,
        #[serde(default)]
        event: Option<String>,
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
    fn as_str(self) -> &'static str {
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
const MAX_SEQ: i64 = (1 << 53) - 1;
/// Frames dropped by the rate limit before the connection is closed.
const MAX_DROPPED: u32 = 500;
/// Messages before login that are not a login before the connection is closed.
const MAX_BEFORE_LOGIN: u32 = 5;

struct Session {
    candidate_id: String,
    event_id: String,
    room_id: String,
    epoch: i64,
    /// The clock as last told to the candidate.
    clock: Clock,
    items: HashSet<String>,
    content: Arc<EventContent>,
    signal: watch::Receiver<Signal>,
    /// The answered count the proctor sees.
    tally: AnswerTally,
    /// Shows the candidate as connected while this connection lives.
    _live: LiveGuard,
}

struct Conn {
    s: AppState,
    socket: WebSocket,
    session: Option<Session>,
    tokens: f64,
    refilled: Instant,
    dropped: u32,
    last_rate_error: Option<Instant>,
    before_login: u32,
    last_seen: Instant,
}

enum Flow {
    Continue,
    Close(u16, &'static str),
}

type Refusal = (&'static str, String);

impl Conn {
    fn new(s: AppState, socket: WebSocket) -> Self {
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

    async fn close(&mut self, code: u16, reason: &'static str) {
        let _ = self
            .socket
            .send(Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) })))
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

    async fn run(&mut self) {
        let cfg = self.s.config.clone();
        let login_deadline = tokio::time::Instant::now() + Duration::from_secs(cfg.login_timeout_seconds);
        let mut ping = tokio::time::interval(Duration::from_secs((cfg.dead_after_seconds / 3).max(1)));
        ping.tick().await;
        loop {
            let logged_in = self.session.is_some();
            let flow = tokio::select! {
                m = self.socket.recv() => match m {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
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
                changed = async { self.session.as_mut().expect("guarded").signal.changed().await }, if logged_in => {
                    if changed.is_err() { Flow::Continue } else { self.on_signal().await }
                }
            };
            if let Flow::Close(code, reason) = flow {
                self.close(code, reason).await;
                break;
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

    async fn on_text(&mut self, text: &str) -> Flow {
        if !self.take_token() {
            self.dropped += 1;
            if self.dropped > MAX_DROPPED {
                self.error(
                    "too_many_frames",
                    "the frame rate limit was exceeded for too long; the connection is closed",
                    None,
                )
                .await;
                return Flow::Close(1008, "frame flood");
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
            return Flow::Continue;
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
        match msg {
            ClientMessage::Login { candidate, code, event } => {
                self.on_login(candidate, event, Credential::Code(code)).await
            }
            ClientMessage::Resume { candidate, token, event } => {
                self.on_login(candidate, event, Credential::Token(token)).await
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
            ClientMessage::Integrity { kind, detail } => self.on_integrity(kind, detail).await,
            ClientMessage::Submit {} => self.on_submit().await,
        }
    }

    fn count_before_login(&mut self) -> Flow {
        if self.session.is_some() {
            return Flow::Continue;
        }
        self.before_login += 1;
        if self.before_login >= MAX_BEFORE_LOGIN { Flow::Close(1008, "no login") } else { Flow::Continue }
    }

    async fn on_login(&mut self, number: String, event: Option<String>, cred: Credential) -> Flow {
        if self.session.is_some() {
            self.error(
                "already_logged_in",
                "this connection is logged in; open a new socket to log in again",
                None,
            )
            .await;
            return Flow::Continue;
        }
        // Boxed: the login's database futures are large and needed once; inline they would
        // enlarge every connection's task for its whole life.
        match Box::pin(login(&self.s, &number, event.as_deref(), cred)).await {
            Ok((welcome, session)) => {
                let code = welcome["version"].as_str().unwrap_or_default().to_string();
                let items = session.content.items_messages.get(&code).cloned().unwrap_or_default();
                let stimuli = session.content.stimulus_messages.clone();
                self.session = Some(session);
                self.send(welcome).await;
                for m in stimuli.iter().chain(items.iter()) {
                    if self.socket.send(Message::Text(Utf8Bytes::from(m.as_str()))).await.is_err() {
                        return Flow::Close(1011, "send failed");
                    }
                }
                Flow::Continue
            }
            Err((code, message)) => {
                self.error(code, message, None).await;
                self.count_before_login()
            }
        }
    }

    async fn on_answer(&mut self, seq: i64, item: String, value: Value) -> Flow {
        let Some(sess) = self.session.as_ref() else { return Flow::Continue };
        let refusal: Option<Refusal> = {
            let sig = sess.signal.borrow();
            let now = Utc::now();
            let grace = chrono::Duration::milliseconds(self.s.config.deadline_grace_ms);
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
            } else if !sess.items.contains(&item) {
                Some(("unknown_item", format!("item `{item}` is not in your test")))
            } else {
                let kind = sess.content.kinds.get(&item).copied();
                match kind.map(|k| khaothi_package::validate_answer(k, &value)) {
                    Some(Err(m)) => Some(("invalid_answer", format!("item {item}: {m}"))),
                    _ => None,
                }
            }
        };
        if let Some((code, message)) = refusal {
            self.error(code, message, Some(seq)).await;
            return Flow::Continue;
        }
        let answered = !value.is_null();
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
                self.send(json!({"type": "ack", "seq": seq, "item": item})).await
            }
            Err(e) => {
                tracing::error!(error = %e, "answer not saved");
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

pub enum Credential {
    Code(String),
    Token(String),
}

fn describe_bad_frame(text: &str, e: &serde_json::Error) -> (&'static str, String) {
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

/// Checks the credential and opens a new epoch of the candidate's session.
async fn login(
    s: &AppState,
    number: &str,
    event: Option<&str>,
    cred: Credential,
) -> Result<(Value, Session), Refusal> {
    let internal = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "login failed internally");
        ("internal", "the server could not log you in; try again".to_string())
    };
    let limit_key = number.to_string();
    if let Err(secs) = s.candidate_limiter.check(&limit_key) {
        return Err((
            "rate_limited",
            format!("too many failed attempts for candidate {number}; wait {secs} s or ask the proctor"),
        ));
    }
    let fail = |code: &'static str, msg: &str| {
        s.candidate_limiter.record_failure(&limit_key);
        (code, msg.to_string())
    };
    let mut found = store::candidate_by_number(&s.db.read, event, number).await.map_err(|e| internal(&e))?;
    if found.len() > 1 {
        found.retain(|c| s.hub.content(&c.event_id).is_some());
        if found.len() > 1 {
            return Err((
                "event_required",
                "this candidate number is in several open events; send `event`".into(),
            ));
        }
    }
    let Some(c) = found.into_iter().next() else {
        return Err(fail("login_failed", "wrong candidate number or code"));
    };
    let by_code = matches!(cred, Credential::Code(_));
    match &cred {
        Credential::Code(code) => {
            if !s.codes.check(&c.event_id, &c.number, c.code_generation, code) {
                return Err(fail("login_failed", "wrong candidate number or code"));
            }
        }
        Credential::Token(token) => {
            if !c.resume_hash.as_deref().is_some_and(|h| same_hash(h, &token_hash(token))) {
                return Err(fail(
                    "resume_failed",
                    "this resume token is not valid for this candidate (wrong, or replaced by a login from another browser); log in with your code",
                ));
            }
        }
    }
    s.candidate_limiter.reset(&limit_key);
    let Some(content) = s.hub.content(&c.event_id) else {
        return Err((
            "event_not_open",
            "the exam has not started: wait until the board releases the test".into(),
        ));
    };
    let lock = s.hub.login_lock(&c.id);
    let _g = lock.lock().await;
    let c = candidate::Entity::find_by_id(c.id.clone())
        .one(&s.db.read)
        .await
        .map_err(|e| internal(&e))?
        .ok_or_else(|| ("login_failed", "wrong candidate number or code".to_string()))?;
    let event_row = store::event(&s.db.read, &c.event_id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or_else(|| internal(&"no event"))?;
    if c.absent {
        return Err((
            "absent",
            "the proctor has marked you absent: ask the proctor to admit you, then log in again".into(),
        ));
    }
    let now = Utc::now();
    let mut admit_used = false;
    if by_code && c.started_at.is_some() && c.submitted_at.is_none() {
        if c.admit_until.is_some_and(|u| u > now) {
            admit_used = true;
        } else {
            return Err((
                "admit_required",
                "you have already started on another browser or computer: ask the proctor to admit this one, then log in again".into(),
            ));
        }
    }
    let Some(version) = content.content.version(&c.version_code) else {
        return Err(internal(&format!("version {} is not in the package", c.version_code)));
    };
    let token = match &cred {
        Credential::Code(_) => new_resume_token(),
        Credential::Token(t) => t.clone(),
    };
    let epoch = c.epoch + 1;
    let started = c.started_at.unwrap_or(now);
    let deadline = c.deadline_at.unwrap_or_else(|| {
        started
            + chrono::Duration::seconds(i64::from(event_row.duration_seconds) + i64::from(c.extra_seconds))
    });
    let mut am = sea_orm::IntoActiveModel::into_active_model(c.clone());
    use sea_orm::Set;
    am.epoch = Set(epoch);
    am.resume_hash = Set(Some(token_hash(&token)));
    am.started_at = Set(Some(started));
    am.deadline_at = Set(Some(deadline));
    am.last_seen_at = Set(Some(now));
    if admit_used {
        am.admit_until = Set(None);
    }
    s.writer.write(WriteOp::Session(Box::new(am))).await.map_err(|e| internal(&e))?;
    let signal = Signal {
        epoch,
        deadline: Some(deadline),
        submitted: c.submit_reason.clone(),
        paused_at: c.paused_at,
        pause_reason: c.pause_reason.clone(),
        terminate_reason: c.terminate_reason.clone(),
    };
    s.hub.publish(&c.id, signal.clone());
    let rx = s.hub.subscribe(&c.id, signal);
    let answers = store::latest_answers(&s.db.read, &c.id).await.map_err(|e| internal(&e))?;
    let clock = Clock { deadline: Some(deadline), paused_at: c.paused_at };
    let remaining = if c.submitted_at.is_some() { Some(0) } else { clock.remaining_ms(now) };
    let welcome = json!({
        "type": "welcome",
        "epoch": epoch,
        "resume_token": token,
        "status": match session::status(&c) {
            SessionStatus::Terminated => SessionStatus::Terminated,
            SessionStatus::Submitted => SessionStatus::Submitted,
            _ => SessionStatus::InProgress,
        },
        "paused": c.paused_at.is_some() && c.submitted_at.is_none(),
        "pause_reason": c.pause_reason,
        "terminate_reason": c.terminate_reason,
        "candidate": {"number": c.number, "full_name": c.full_name, "seat": c.seat},
        "event": {"id": c.event_id, "title": content.title, "subject": content.subject},
        "version": c.version_code,
        "server_time": now,
        "started_at": started,
        "deadline": deadline,
        "remaining_ms": remaining,
        "grace_ms": s.config.deadline_grace_ms,
        "item_count": version.items.len(),
        "stimulus_count": content.content.stimuli.len(),
        "answers": answers.values().collect::<Vec<_>>(),
    });
    let session = Session {
        candidate_id: c.id.clone(),
        event_id: c.event_id.clone(),
        room_id: c.room_id.clone(),
        epoch,
        clock,
        items: version.items.iter().map(|i| i.rendered.id.clone()).collect(),
        content: content.clone(),
        signal: rx,
        tally: AnswerTally::from_saved(&answers),
        _live: LiveGuard::connect(&s.hub, &c.id, &c.room_id),
    };
    Ok((welcome, session))
}
