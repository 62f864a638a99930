//! The proctor websocket `GET /ws/proctor` (docs/protocol.md §4). The first message logs in with a
//! staff access token (never in the URL) and names the event and room; the socket then receives
//! the room's roster, every seat change and log entry of the room, and carries actions.
//!
//! The socket outlives its first token: an access token lasts an hour, an exam longer. The page
//! sends `{"type":"reauth","token":…}` with each fresh token (answered `reauthed`); an expired
//! token never closes the socket. What closes it is the account: the server re-reads it on every
//! message and heartbeat, and a deactivated account (which also revokes its refresh tokens) or a
//! changed role ends the socket at once (`account_disabled`, close code 1008).

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use chrono::Utc;
use khaothi_auth::{CurrentUser, Role};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::sync::broadcast::error::RecvError;

use crate::access::find_candidate;
use crate::access::require_room;
use crate::error::{ApiError, ApiResult};
use crate::proctor::actions::{self, Action};
use crate::proctor::roster;
use crate::state::AppState;
use crate::store::{self, entity::candidate, entity::event, entity::room};

/// Largest message a proctor sends (an action with a note of 2000 characters fits easily).
const MAX_MESSAGE: usize = 16 * 1024;
/// The server's heartbeat to proctor sockets.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

pub async fn proctor_socket(State(s): State<AppState>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(MAX_MESSAGE).max_frame_size(MAX_MESSAGE).on_upgrade(move |socket| async move {
        let _open = s.live.open_socket("proctor");
        run(s, socket).await
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    #[serde(rename = "type")]
    kind: String,
    token: String,
    event: String,
    room: String,
}

/// Actions as sent (the `type` and `id` are taken off first).
#[derive(Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
enum ActionFrame {
    Admit {
        candidate: String,
    },
    Pause {
        #[serde(default)]
        candidate: Option<String>,
        #[serde(default)]
        reason: Option<String>,
    },
    Resume {
        #[serde(default)]
        candidate: Option<String>,
    },
    Extend {
        candidate: String,
        minutes: i64,
        #[serde(default)]
        reason: String,
    },
    Terminate {
        candidate: String,
        #[serde(default)]
        reason: String,
    },
    MoveSeat {
        candidate: String,
        seat: i64,
    },
    Absent {
        candidate: String,
    },
    Note {
        text: String,
        #[serde(default)]
        candidate: Option<String>,
    },
}

/// A logged-in proctor socket: who, and which room.
struct Watch {
    user: CurrentUser,
    event: event::Model,
    room: room::Model,
}

type Refusal = (&'static str, String);

async fn send(socket: &mut WebSocket, v: &Value) -> bool {
    socket.send(Message::Text(Utf8Bytes::from(v.to_string()))).await.is_ok()
}

async fn refuse(socket: &mut WebSocket, code: &str, message: String) {
    let _ = send(socket, &json!({"type": "error", "code": code, "message": message})).await;
    let reason = Utf8Bytes::from_static("login refused");
    let _ = socket.send(Message::Close(Some(CloseFrame { code: 1008, reason }))).await;
}

/// The first text frame (`None` when the socket closes first).
async fn first_text(socket: &mut WebSocket) -> Option<String> {
    loop {
        match socket.recv().await? {
            Ok(Message::Text(t)) => return Some(t.to_string()),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

async fn run(s: AppState, mut socket: WebSocket) {
    let wait = Duration::from_secs(s.config.login_timeout_seconds);
    let text = match tokio::time::timeout(wait, first_text(&mut socket)).await {
        Ok(Some(t)) => t,
        Ok(None) => return,
        Err(_) => {
            let msg = format!("log in within {} s of opening the socket", wait.as_secs());
            return refuse(&mut socket, "login_timeout", msg).await;
        }
    };
    let w = match login(&s, &text).await {
        Ok(w) => w,
        Err((code, message)) => return refuse(&mut socket, code, message).await,
    };
    // Subscribed before the roster is read: no change falls between the two.
    let mut rx = s.hub.rooms.subscribe(&w.room.id);
    if !send_roster(&s, &w, &mut socket).await {
        return;
    }
    let dead_after = Duration::from_secs(s.config.dead_after_seconds);
    let mut beat = tokio::time::interval(HEARTBEAT);
    beat.tick().await;
    let mut last_seen = Instant::now();
    let mut draining = s.hub.draining.subscribe();
    loop {
        tokio::select! {
            m = socket.recv() => match m {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                Some(Ok(Message::Text(t))) => {
                    last_seen = Instant::now();
                    if !still_allowed(&s, &w, &mut socket).await {
                        break;
                    }
                    let reply = on_text(&s, &w, t.as_str()).await;
                    if !send(&mut socket, &reply).await {
                        break;
                    }
                }
                Some(Ok(_)) => last_seen = Instant::now(),
            },
            b = rx.recv() => match b {
                Ok(text) => {
                    if socket.send(Message::Text(Utf8Bytes::from(&*text))).await.is_err() {
                        break;
                    }
                }
                // Fell behind: the whole room again is both smaller and surer than the backlog.
                Err(RecvError::Lagged(_)) => {
                    if !send_roster(&s, &w, &mut socket).await {
                        break;
                    }
                }
                Err(RecvError::Closed) => break,
            },
            // A stopping server closes with the candidates' draining code: the page reconnects at
            // once (with jitter), on another node or on this one after its restart.
            () = async { let _ = draining.wait_for(|stopping| *stopping).await; } => {
                let reason = Utf8Bytes::from_static("server stopping: resume on another server");
                let code = crate::state::hub::DRAINING_CLOSE;
                let _ = socket.send(Message::Close(Some(CloseFrame { code, reason }))).await;
                break;
            }
            _ = beat.tick() => {
                if !still_allowed(&s, &w, &mut socket).await {
                    break;
                }
                if last_seen.elapsed() > dead_after {
                    let reason = Utf8Bytes::from_static("no frame or pong within the dead-connection limit");
                    let _ = socket.send(Message::Close(Some(CloseFrame { code: 1001, reason }))).await;
                    break;
                }
                let hb = json!({"type": "heartbeat", "server_time": Utc::now()});
                if !send(&mut socket, &hb).await || socket.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// Whether the account may still watch; if not, says why and closes the socket.
async fn still_allowed(s: &AppState, w: &Watch, socket: &mut WebSocket) -> bool {
    let message = match s.keys.account_now(&w.user.0.sub).await {
        None => return true,
        Some(Ok(Some(a))) if a.active && a.role == w.user.role().as_str() => return true,
        // A passing database error does not end a proctor's watch; the next message checks again.
        Some(Err(e)) => {
            tracing::warn!(error = %e, "proctor account check failed");
            return true;
        }
        Some(Ok(_)) => "your account was deactivated or its role changed; this socket is closed",
    };
    let _ = send(socket, &json!({"type": "error", "code": "account_disabled", "message": message})).await;
    let reason = Utf8Bytes::from_static("account disabled");
    let _ = socket.send(Message::Close(Some(CloseFrame { code: 1008, reason }))).await;
    false
}

/// `reauth`: a fresh token of the same account, checked and acknowledged. A bad token is an
/// error reply only: the socket stays open (the page logs in again and sends the new token).
async fn reauth(s: &AppState, w: &Watch, id: Value, obj: &Map<String, Value>) -> Value {
    let Some(token) = obj.get("token").and_then(Value::as_str) else {
        return error(id, "bad_frame", "reauth is {\"type\":\"reauth\",\"token\":…}");
    };
    match khaothi_auth::authenticate(&s.keys, token.trim()).await {
        Ok(u) if u.0.sub == w.user.0.sub => json!({"type": "reauthed", "id": id, "expires_at": u.0.exp}),
        Ok(_) => error(id, "reauth_failed", "the token belongs to another account"),
        Err(e) => error(id, "reauth_failed", &e.to_string()),
    }
}

async fn send_roster(s: &AppState, w: &Watch, socket: &mut WebSocket) -> bool {
    match roster::roster(s, &w.event, &w.room).await {
        Ok(v) => send(socket, &v).await,
        Err(e) => {
            tracing::error!(error = %e, "roster failed");
            let _ = send(socket, &json!({"type": "error", "code": "internal", "message": "the roster could not be read; reconnect"})).await;
            false
        }
    }
}

/// Checks the token and that its holder may watch the room.
async fn login(s: &AppState, text: &str) -> Result<Watch, Refusal> {
    let req: Login = serde_json::from_str(text).map_err(|e| {
        (
            "bad_frame",
            format!("the first message is {{\"type\":\"login\",\"token\",\"event\",\"room\"}}: {e}"),
        )
    })?;
    if req.kind != "login" {
        return Err(("not_logged_in", "log in first: the first message is `login`".into()));
    }
    let user = khaothi_auth::authenticate(&s.keys, req.token.trim())
        .await
        .map_err(|e| ("login_failed", format!("{e}; log in again (POST /api/v1/auth/login)")))?;
    if !matches!(user.role(), Role::Proctor | Role::ExamBoard | Role::Admin) {
        return Err(("forbidden", format!("your role ({}) may not watch rooms", user.role())));
    }
    let internal = |e: ApiError| {
        tracing::error!(error = %e, "proctor login failed internally");
        ("internal", "the server could not log you in; try again".to_string())
    };
    let event = store::event(&s.db.read, &req.event)
        .await
        .map_err(|e| internal(e.into()))?
        .ok_or_else(|| ("not_found", format!("no exam event {}", req.event)))?;
    let room = match crate::access::find_room(s, &event.id, &req.room).await {
        Ok(r) => r,
        Err(ApiError::NotFound(m)) => return Err(("not_found", m)),
        Err(e) => return Err(internal(e)),
    };
    match require_room(s, &user, &room.id, "watch this room").await {
        Ok(()) => Ok(Watch { user, event, room }),
        Err(ApiError::NotAllowed(m)) => Err(("forbidden", m)),
        Err(e) => Err(internal(e)),
    }
}

async fn on_text(s: &AppState, w: &Watch, text: &str) -> Value {
    let mut obj: Map<String, Value> = match serde_json::from_str(text) {
        Ok(Value::Object(m)) => m,
        _ => return error(Value::Null, "bad_frame", "every message is a JSON object with a string `type`"),
    };
    let id = obj.remove("id").unwrap_or(Value::Null);
    match obj.remove("type").as_ref().and_then(Value::as_str) {
        Some("heartbeat") => json!({"type": "heartbeat", "server_time": Utc::now()}),
        Some("reauth") => reauth(s, w, id, &obj).await,
        Some("login") => {
            error(id, "already_logged_in", "this socket is logged in; open a new one for another room")
        }
        Some("action") => match serde_json::from_value::<ActionFrame>(Value::Object(obj)) {
            Ok(frame) => {
                let name = frame_name(&frame);
                match Box::pin(act(s, w, frame)).await {
                    Ok(extra) => {
                        let mut v = json!({"type": "done", "id": id, "action": name});
                        if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
                            o.extend(e);
                        }
                        v
                    }
                    Err(e) => {
                        if let ApiError::Internal(detail) = &e {
                            tracing::error!(%detail, "proctor action failed");
                        }
                        error(id, e.status_and_code().1, &e.to_string())
                    }
                }
            }
            Err(e) => error(id, "bad_frame", &format!("action: {e}")),
        },
        Some(t) => error(
            id,
            "unknown_type",
            &format!("unknown message type `{t}`; send `action`, `reauth` or `heartbeat`"),
        ),
        None => error(id, "bad_frame", "every message is a JSON object with a string `type`"),
    }
}

fn error(id: Value, code: &str, message: &str) -> Value {
    json!({"type": "error", "id": id, "code": code, "message": message})
}

fn frame_name(f: &ActionFrame) -> &'static str {
    match f {
        ActionFrame::Admit { .. } => "admit",
        ActionFrame::Pause { .. } => "pause",
        ActionFrame::Resume { .. } => "resume",
        ActionFrame::Extend { .. } => "extend",
        ActionFrame::Terminate { .. } => "terminate",
        ActionFrame::MoveSeat { .. } => "move_seat",
        ActionFrame::Absent { .. } => "absent",
        ActionFrame::Note { .. } => "note",
    }
}

/// A candidate of this socket's room (a number of another room is not found here).
async fn candidate_of(s: &AppState, w: &Watch, number: &str) -> ApiResult<candidate::Model> {
    let c = find_candidate(s, &w.event.id, number).await?;
    if c.room_id != w.room.id {
        return Err(ApiError::NotFound(format!("no candidate {number} in room {}", w.room.name)));
    }
    Ok(c)
}

/// Runs an action; the fields the `done` reply adds (`seat`, `seats` or `entry`).
async fn act(s: &AppState, w: &Watch, frame: ActionFrame) -> ApiResult<Value> {
    let by = w.user.username();
    let one = |number: String, a: Action| async move {
        let c = candidate_of(s, w, &number).await?;
        let done = actions::on_candidate(s, by, c, a).await?;
        Ok::<_, ApiError>(json!({"seat": done.seat}))
    };
    let room = |a: Action| async move {
        let seats = actions::on_room(s, by, &w.room, a).await?;
        Ok::<_, ApiError>(json!({"seats": seats}))
    };
    match frame {
        ActionFrame::Admit { candidate } => one(candidate, Action::Admit).await,
        ActionFrame::Pause { candidate: Some(n), reason } => one(n, Action::Pause { reason }).await,
        ActionFrame::Pause { candidate: None, reason } => room(Action::Pause { reason }).await,
        ActionFrame::Resume { candidate: Some(n) } => one(n, Action::Resume).await,
        ActionFrame::Resume { candidate: None } => room(Action::Resume).await,
        ActionFrame::Extend { candidate, minutes, reason } => {
            one(candidate, Action::Extend { minutes, reason }).await
        }
        ActionFrame::Terminate { candidate, reason } => one(candidate, Action::Terminate { reason }).await,
        ActionFrame::MoveSeat { candidate, seat } => one(candidate, Action::MoveSeat { seat }).await,
        ActionFrame::Absent { candidate } => one(candidate, Action::Absent).await,
        ActionFrame::Note { text, candidate } => {
            let c = match candidate {
                Some(n) => Some(candidate_of(s, w, &n).await?),
                None => None,
            };
            let entry = actions::note(s, by, &w.room, c.as_ref(), &text).await?;
            Ok(json!({"entry": entry}))
        }
    }
}
