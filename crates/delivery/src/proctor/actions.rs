//! Proctor actions. Each is one function shared by the proctor websocket and the HTTP routes: it
//! changes the session under the candidate's login lock (so it cannot race a login or a
//! submission), tells the candidate's connection, writes the room log and the audit log with who
//! and when, and sends the new seat and the log entry to every proctor socket of the room.

use chrono::{DateTime, Utc};
use sea_orm::{EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::proctor::roster::{self, entry_json};
use crate::session::{self, Clock, SessionStatus, SubmitReason};
use crate::state::AppState;
use crate::store::entity::{candidate, room};
use crate::store::room_log::{self, NewEntry};
use crate::store::writer::WriteOp;
use crate::store::{self};

/// Longest reason kept (characters); notes may be longer.
pub const MAX_REASON: usize = 500;
pub const MAX_NOTE: usize = 2000;

/// An action on one candidate (SPEC-proctor.md).
#[derive(Debug, Clone)]
pub enum Action {
    Admit,
    Pause { reason: Option<String> },
    Resume,
    Extend { minutes: i64, reason: String },
    Terminate { reason: String },
    MoveSeat { seat: i64 },
    Absent,
}

impl Action {
    /// The name in the protocol and in the room log.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Admit => "admit",
            Self::Pause { .. } => "pause",
            Self::Resume => "resume",
            Self::Extend { .. } => "extend",
            Self::Terminate { .. } => "terminate",
            Self::MoveSeat { .. } => "move_seat",
            Self::Absent => "absent",
        }
    }

    /// The name in the audit log (admit and extra time keep their names from before issue 6).
    fn audit_name(&self) -> &'static str {
        match self {
            Self::Admit => "admitted",
            Self::Pause { .. } => "paused",
            Self::Resume => "resumed",
            Self::Extend { .. } => "extra_time",
            Self::Terminate { .. } => "terminated",
            Self::MoveSeat { .. } => "seat_moved",
            Self::Absent => "marked_absent",
        }
    }

    /// Trims reasons and refuses bad input before anything is locked.
    fn checked(self) -> ApiResult<Self> {
        let reason_ok = |r: &str| {
            if r.chars().count() > MAX_REASON {
                Err(ApiError::bad_request(
                    "invalid_reason",
                    format!("a reason has at most {MAX_REASON} characters"),
                ))
            } else {
                Ok(r.trim().to_string())
            }
        };
        Ok(match self {
            Self::Pause { reason } => {
                let r = reason.as_deref().map(reason_ok).transpose()?.filter(|r| !r.is_empty());
                Self::Pause { reason: r }
            }
            Self::Extend { minutes, reason } => {
                if !(1..=600).contains(&minutes) {
                    return Err(ApiError::bad_request("invalid_minutes", "extra time is 1 to 600 minutes"));
                }
                Self::Extend { minutes, reason: reason_ok(&reason)? }
            }
            Self::Terminate { reason } => {
                let reason = reason_ok(&reason)?;
                if reason.is_empty() {
                    return Err(ApiError::bad_request(
                        "reason_required",
                        "say why the session is terminated (`reason`); it goes into the room record",
                    ));
                }
                Self::Terminate { reason }
            }
            Self::MoveSeat { seat } if seat < 1 => {
                return Err(ApiError::bad_request("invalid_seat", "a seat number is 1 or more"));
            }
            other => other,
        })
    }
}

/// What a candidate action leaves behind.
pub struct Done {
    pub candidate: candidate::Model,
    pub seat: Value,
}

async fn reload(s: &AppState, id: &str) -> ApiResult<candidate::Model> {
    crate::store::by_key(&s.db.read, candidate::Entity::find_by_id(id.to_string()))
        .await?
        .ok_or_else(|| ApiError::NotFound("the candidate is gone".into()))
}

/// Applies `act` to one candidate. The caller has checked that `by` may act in the room.
pub async fn on_candidate(s: &AppState, by: &str, c: candidate::Model, act: Action) -> ApiResult<Done> {
    let act = act.checked()?;
    let lock = s.hub.login_lock(&c.id);
    let guard = lock.lock().await;
    let c = reload(s, &c.id).await?;
    let (detail, data) = change(s, &c, &act, Utc::now()).await?;
    drop(guard);
    let c = reload(s, &c.id).await?;
    let (action, audit) = (act.name(), act.audit_name());
    record(
        s,
        by,
        Entry {
            event_id: &c.event_id,
            room_id: &c.room_id,
            candidate: Some(&c),
            action,
            audit,
            detail,
            data,
        },
    )
    .await?;
    let seat = roster::publish_seat(s, &c).await?;
    Ok(Done { candidate: c, seat })
}

/// Pauses every candidate of the room in progress, or resumes every paused one; their seats.
pub async fn on_room(s: &AppState, by: &str, r: &room::Model, act: Action) -> ApiResult<Vec<Value>> {
    let act = act.checked()?;
    let (want, audit) = match &act {
        Action::Pause { .. } => (SessionStatus::InProgress, "room_paused"),
        Action::Resume => (SessionStatus::Paused, "room_resumed"),
        other => return Err(ApiError::Internal(format!("{} is not a room action", other.name()))),
    };
    let mut seats = Vec::new();
    let mut numbers = Vec::new();
    for c in roster::room_candidates(s, &r.id).await? {
        if session::status(&c) != want {
            continue;
        }
        let lock = s.hub.login_lock(&c.id);
        let guard = lock.lock().await;
        let c = reload(s, &c.id).await?;
        match change(s, &c, &act, Utc::now()).await {
            Ok(_) => {}
            // Submitted or out of time meanwhile: not part of the room's pause.
            Err(ApiError::Conflict(_)) => continue,
            Err(e) => return Err(e),
        }
        drop(guard);
        let c = reload(s, &c.id).await?;
        seats.push(roster::publish_seat(s, &c).await?);
        numbers.push(c.number);
    }
    if numbers.is_empty() {
        return Err(ApiError::Conflict(format!(
            "no candidate of room {} is {}",
            r.name,
            if want == SessionStatus::Paused { "paused" } else { "in progress" }
        )));
    }
    let reason = match &act {
        Action::Pause { reason } => reason.clone(),
        _ => None,
    };
    let detail = format!(
        "Cả phòng ({} thí sinh){}",
        numbers.len(),
        reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
    );
    let data = json!({"scope": "room", "numbers": numbers, "reason": reason});
    let action = act.name();
    record(
        s,
        by,
        Entry { event_id: &r.event_id, room_id: &r.id, candidate: None, action, audit, detail, data },
    )
    .await?;
    Ok(seats)
}

/// An incident note for the room record, about one candidate or the room.
pub async fn note(
    s: &AppState,
    by: &str,
    r: &room::Model,
    c: Option<&candidate::Model>,
    text: &str,
) -> ApiResult<Value> {
    let text = text.trim();
    let n = text.chars().count();
    if n == 0 || n > MAX_NOTE {
        return Err(ApiError::bad_request("invalid_text", format!("a note has 1 to {MAX_NOTE} characters")));
    }
    let entry = Entry {
        event_id: &r.event_id,
        room_id: &r.id,
        candidate: c,
        action: "note",
        audit: "incident_noted",
        detail: text.to_string(),
        data: json!({"text": text}),
    };
    record(s, by, entry).await
}

fn minutes_seconds(ms: i64) -> String {
    let secs = ms / 1000;
    format!("{} phút {} giây", secs / 60, secs % 60)
}

/// What a change leaves for the log: its detail in words and as data, and the session's clock
/// after it when the clock changed.
struct Changed {
    detail: String,
    data: Value,
    clock: Option<NewClock>,
}

/// A session's clock after a change, for its connection's [`crate::state::Signal`].
struct NewClock {
    deadline: Option<DateTime<Utc>>,
    paused_at: Option<DateTime<Utc>>,
    pause_reason: Option<String>,
}

/// The change itself (the caller holds the login lock): stored by the writer, then pushed to the
/// candidate's connection. Returns the log's detail in words and as data.
async fn change(
    s: &AppState,
    c: &candidate::Model,
    act: &Action,
    now: DateTime<Utc>,
) -> ApiResult<(String, Value)> {
    let status = session::status(c);
    let mut am = c.clone().into_active_model();
    let changed = match act {
        Action::Admit => admit(s, &mut am, now),
        Action::Pause { reason } => pause(c, status, &mut am, reason, now)?,
        Action::Resume => resume(c, status, &mut am, now)?,
        Action::Extend { minutes, reason } => extend(c, status, &mut am, *minutes, reason)?,
        Action::Terminate { reason } => {
            // The session's end is written by `session::finish`, with its own signal.
            terminate(s, c, status, reason).await?;
            return Ok((reason.clone(), json!({"reason": reason})));
        }
        Action::MoveSeat { seat } => move_seat(s, c, status, &mut am, *seat, now).await?,
        Action::Absent => absent(c, status, &mut am)?,
    };
    s.writer.write(WriteOp::Session(Box::new(am))).await?;
    if let Some(clock) = changed.clock {
        s.hub.update(&c.id, |sig| {
            sig.deadline = clock.deadline;
            sig.paused_at = clock.paused_at;
            sig.pause_reason = clock.pause_reason;
        });
    }
    Ok((changed.detail, changed.data))
}

fn ended(c: &candidate::Model, status: SessionStatus) -> ApiError {
    ApiError::Conflict(format!("candidate {} has already finished ({status})", c.number))
}

/// The candidate may log in from another computer for the next `admit_minutes`.
fn admit(s: &AppState, am: &mut candidate::ActiveModel, now: DateTime<Utc>) -> Changed {
    let until = now + chrono::Duration::minutes(s.config.admit_minutes);
    am.admit_until = Set(Some(until));
    am.absent = Set(false);
    Changed {
        detail: format!("Cho phép đăng nhập từ máy khác ({} phút)", s.config.admit_minutes),
        data: json!({"until": until}),
        clock: None,
    }
}

/// Stops the clock of a candidate in progress whose time is not over.
fn pause(
    c: &candidate::Model,
    status: SessionStatus,
    am: &mut candidate::ActiveModel,
    reason: &Option<String>,
    now: DateTime<Utc>,
) -> ApiResult<Changed> {
    let number = &c.number;
    if status != SessionStatus::InProgress {
        return Err(ApiError::Conflict(format!(
            "candidate {number} is {status}; only a candidate in progress can be paused"
        )));
    }
    if c.deadline_at.is_some_and(|d| d <= now) {
        return Err(ApiError::Conflict(format!("candidate {number}'s time is over")));
    }
    am.paused_at = Set(Some(now));
    am.pause_reason = Set(reason.clone());
    let remaining = Clock { deadline: c.deadline_at, paused_at: Some(now) }.remaining_ms(now);
    Ok(Changed {
        detail: reason.clone().unwrap_or_default(),
        data: json!({"reason": reason, "remaining_ms": remaining}),
        clock: Some(NewClock { deadline: c.deadline_at, paused_at: Some(now), pause_reason: reason.clone() }),
    })
}

/// Restarts a paused clock: the deadline moves by the paused time.
fn resume(
    c: &candidate::Model,
    status: SessionStatus,
    am: &mut candidate::ActiveModel,
    now: DateTime<Utc>,
) -> ApiResult<Changed> {
    let Some(p) = c.paused_at.filter(|_| c.submitted_at.is_none()) else {
        return Err(ApiError::Conflict(format!("candidate {} is {status}, not paused", c.number)));
    };
    let paused = (now - p).num_milliseconds().max(0);
    let deadline = c.deadline_at.map(|d| d + chrono::Duration::milliseconds(paused));
    am.deadline_at = Set(deadline);
    am.paused_ms = Set(c.paused_ms + paused);
    am.paused_at = Set(None);
    am.pause_reason = Set(None);
    Ok(Changed {
        detail: format!("Đã tạm dừng {}", minutes_seconds(paused)),
        data: json!({"paused_ms": paused, "deadline": deadline}),
        clock: Some(NewClock { deadline, paused_at: None, pause_reason: None }),
    })
}

/// Extra time: the deadline moves by `minutes` (a pause stays as it is).
fn extend(
    c: &candidate::Model,
    status: SessionStatus,
    am: &mut candidate::ActiveModel,
    minutes: i64,
    reason: &str,
) -> ApiResult<Changed> {
    if c.submitted_at.is_some() {
        return Err(ended(c, status));
    }
    let deadline = c.deadline_at.map(|d| d + chrono::Duration::minutes(minutes));
    am.extra_seconds = Set(c.extra_seconds + (minutes as i32) * 60);
    am.deadline_at = Set(deadline);
    let detail =
        if reason.is_empty() { format!("+{minutes} phút") } else { format!("+{minutes} phút: {reason}") };
    Ok(Changed {
        detail,
        data: json!({"minutes": minutes, "reason": reason, "deadline": deadline}),
        clock: Some(NewClock { deadline, paused_at: c.paused_at, pause_reason: c.pause_reason.clone() }),
    })
}

/// Ends a started session for `reason` (it goes into the room record).
async fn terminate(s: &AppState, c: &candidate::Model, status: SessionStatus, reason: &str) -> ApiResult<()> {
    if c.submitted_at.is_some() {
        return Err(ended(c, status));
    }
    if c.started_at.is_none() {
        return Err(ApiError::Conflict(format!(
            "candidate {} has not started; mark them absent instead",
            c.number
        )));
    }
    session::finish(s, c.clone(), SubmitReason::Terminated, Some(reason)).await?;
    Ok(())
}

/// Moves the candidate to a free seat of their room and admits the new computer.
async fn move_seat(
    s: &AppState,
    c: &candidate::Model,
    status: SessionStatus,
    am: &mut candidate::ActiveModel,
    seat: i64,
    now: DateTime<Utc>,
) -> ApiResult<Changed> {
    if c.submitted_at.is_some() {
        return Err(ended(c, status));
    }
    let r = crate::store::by_key(&s.db.read, room::Entity::find_by_id(c.room_id.clone()))
        .await?
        .ok_or_else(|| ApiError::NotFound("the candidate's room is gone".into()))?;
    let seat = i32::try_from(seat).ok().filter(|n| *n <= r.seats).ok_or_else(|| {
        ApiError::bad_request("invalid_seat", format!("room {} has seats 1 to {}", r.name, r.seats))
    })?;
    if seat == c.seat {
        return Err(ApiError::bad_request(
            "invalid_seat",
            format!("candidate {} is in seat {seat}", c.number),
        ));
    }
    if roster::taken_seats(s, &r.id, &c.id).await?.contains(&seat) {
        return Err(ApiError::Conflict(format!("seat {seat} of room {} is taken", r.name)));
    }
    let until = now + chrono::Duration::minutes(s.config.admit_minutes);
    am.seat = Set(seat);
    am.admit_until = Set(Some(until));
    Ok(Changed {
        detail: format!("Ghế {} → {}", c.seat, seat),
        data: json!({"from": c.seat, "to": seat, "admit_until": until}),
        clock: None,
    })
}

/// Marks a candidate who has not started as absent (an admit undoes it).
fn absent(
    c: &candidate::Model,
    status: SessionStatus,
    am: &mut candidate::ActiveModel,
) -> ApiResult<Changed> {
    if status != SessionStatus::NotStarted {
        return Err(ApiError::Conflict(format!(
            "candidate {} is {status}; only a candidate who has not started can be marked absent",
            c.number
        )));
    }
    am.absent = Set(true);
    Ok(Changed { detail: "Vắng thi".to_string(), data: json!({}), clock: None })
}

/// One room log entry to write.
pub struct Entry<'a> {
    pub event_id: &'a str,
    pub room_id: &'a str,
    pub candidate: Option<&'a candidate::Model>,
    /// The protocol's name (`pause`, `note`, …) and the audit log's (`paused`, `incident_noted`, …).
    pub action: &'a str,
    pub audit: &'a str,
    pub detail: String,
    pub data: Value,
}

/// Writes one room log entry and its audit record together, then sends it to the room's sockets.
pub async fn record(s: &AppState, by: &str, e: Entry<'_>) -> ApiResult<Value> {
    let Entry { event_id, room_id, candidate: c, action, audit: audit_action, detail, data } = e;
    let mut audit = json!({"room_id": room_id, "detail": detail});
    if let Some(c) = c {
        audit["number"] = json!(c.number);
    }
    if let (Some(a), Some(d)) = (audit.as_object_mut(), data.as_object()) {
        a.extend(d.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    // The room log row first, then its audit record through the writer (the audit log is a hash
    // chain with one writer); an audit failure is reported to the proctor as an error.
    let new = NewEntry {
        event_id: event_id.to_string(),
        room_id: room_id.to_string(),
        candidate: c.map(|c| (c.id.clone(), c.number.clone())),
        actor: by.to_string(),
        action: action.to_string(),
        detail,
        data: data.to_string(),
        at: Utc::now(),
    };
    let m = room_log::append(&s.db.write, new).await?;
    store::audit(&s.writer, Some(event_id), by, audit_action, audit).await?;
    let entry = entry_json(&m);
    s.hub.rooms.send(room_id, json!({"type": "log", "entry": entry}).to_string().into());
    Ok(entry)
}
