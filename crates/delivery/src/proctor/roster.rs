//! What a proctor sees of a room: the `Seat` of each candidate, the roster sent on login and the
//! room's log entries (SPEC-proctor.md; docs/protocol.md §4).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use khaothi_package::is_answered;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::error::ApiResult;
use crate::session;
use crate::state::AppState;
use crate::store::entity::{candidate, event, incident, integrity_event, response, room};
use crate::store::{self, fold_latest};

/// `IN (…)` lists are cut to this many ids (SQLite's parameter limit is far above).
const CHUNK: usize = 500;

/// A room of an event by id or by name.
/// The room's candidates by seat.
pub async fn room_candidates(s: &AppState, room_id: &str) -> ApiResult<Vec<candidate::Model>> {
    Ok(store::candidates::of_room(&s.db.read, room_id).await?)
}

/// Items per version code of an event: from the unlocked content, else from the manifest. An
/// adaptive test counts the most items a candidate is given (its pool is not the test).
async fn item_counts(s: &AppState, event_id: &str) -> ApiResult<HashMap<String, usize>> {
    if let Some(c) = s.hub.content(event_id) {
        if let Some(t) = c.adaptive() {
            return Ok(HashMap::from([(
                khaothi_package::ADAPTIVE_VERSION.to_string(),
                t.max_items() as usize,
            )]));
        }
        return Ok(c.content.versions.iter().map(|v| (v.code.clone(), v.items.len())).collect());
    }
    let manifest = store::event_manifest(&s.db.read, event_id).await?;
    Ok(manifest
        .map(|m| match &m.adaptive {
            Some(a) => HashMap::from([(khaothi_package::ADAPTIVE_VERSION.to_string(), a.max_items as usize)]),
            None => m.versions.iter().map(|v| (v.code.clone(), v.items)).collect(),
        })
        .unwrap_or_default())
}

/// The most items a candidate of an adaptive event is given; `None` for a fixed-form event.
pub async fn adaptive_max(s: &AppState, event_id: &str) -> ApiResult<Option<usize>> {
    if let Some(c) = s.hub.content(event_id) {
        if let Some(t) = c.adaptive() {
            return Ok(Some(t.max_items() as usize));
        }
        if !c.is_adaptive() {
            return Ok(None);
        }
    }
    let manifest = store::event_manifest(&s.db.read, event_id).await?;
    Ok(manifest.and_then(|m| m.adaptive).map(|a| a.max_items as usize))
}

/// Integrity flags per candidate: how many, and the newest kind.
async fn flags(s: &AppState, ids: &[String]) -> ApiResult<HashMap<String, (u32, String)>> {
    let mut out: HashMap<String, (u32, String)> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let rows = integrity_event::Entity::find()
            .filter(integrity_event::Column::CandidateId.is_in(chunk.to_vec()))
            .order_by_asc(integrity_event::Column::Id)
            .all(&s.db.read)
            .await?;
        for r in rows {
            let e = out.entry(r.candidate_id).or_insert((0, String::new()));
            e.0 += 1;
            e.1 = r.kind;
        }
    }
    Ok(out)
}

/// Answered items per candidate: the live count of a connection when there is one, else the
/// response log.
async fn answered(s: &AppState, ids: &[String]) -> ApiResult<HashMap<String, u32>> {
    let mut out = HashMap::new();
    let mut missing = Vec::new();
    for id in ids {
        match s.hub.rooms.answered_count(id) {
            Some(n) => {
                out.insert(id.clone(), n);
            }
            None => missing.push(id.clone()),
        }
    }
    for chunk in missing.chunks(CHUNK) {
        let rows = response::Entity::find()
            .filter(response::Column::CandidateId.is_in(chunk.to_vec()))
            .all(&s.db.read)
            .await?;
        let mut by: HashMap<String, Vec<response::Model>> = HashMap::new();
        for r in rows {
            by.entry(r.candidate_id.clone()).or_default().push(r);
        }
        for (id, rows) in by {
            let n = fold_latest(rows).values().filter(|a| is_answered(&a.value)).count();
            out.insert(id, n as u32);
        }
    }
    Ok(out)
}

/// The `Seat` of each candidate (all of one event), in the order given.
pub async fn seats(s: &AppState, cands: &[candidate::Model]) -> ApiResult<Vec<Value>> {
    let Some(first) = cands.first() else { return Ok(Vec::new()) };
    let ids: Vec<String> = cands.iter().map(|c| c.id.clone()).collect();
    let counts = item_counts(s, &first.event_id).await?;
    let flags = flags(s, &ids).await?;
    let answered = answered(s, &ids).await?;
    let now = Utc::now();
    Ok(cands
        .iter()
        .map(|c| {
            let (n_flags, last) = flags.get(&c.id).cloned().unwrap_or_default();
            seat_json(
                c,
                SeatFacts {
                    connected: s.hub.rooms.is_connected(&c.id),
                    disconnected_at: s.hub.rooms.disconnected_since(&c.id),
                    answered: answered.get(&c.id).copied().unwrap_or(0),
                    item_count: counts.get(&c.version_code).copied().unwrap_or(0),
                    flags: n_flags,
                    last_flag: (!last.is_empty()).then_some(last),
                    login_alarm: s.login_alarms.alarm(&c.id),
                },
                now,
            )
        })
        .collect())
}

pub struct SeatFacts {
    pub connected: bool,
    /// When the candidate's last connection closed, while none is open.
    pub disconnected_at: Option<DateTime<Utc>>,
    pub answered: u32,
    pub item_count: usize,
    pub flags: u32,
    pub last_flag: Option<String>,
    /// Failed logins against this candidate (state::alarms), until the proctor clears them.
    pub login_alarm: Option<crate::state::alarms::LoginAlarm>,
}

pub fn seat_json(c: &candidate::Model, f: SeatFacts, now: DateTime<Utc>) -> Value {
    json!({
        "number": c.number, "full_name": c.full_name, "seat": c.seat, "version": c.version_code,
        "status": session::status(c), "connected": f.connected,
        "disconnected_at": f.disconnected_at, "answered": f.answered,
        "item_count": f.item_count,
        "remaining_ms": if c.started_at.is_some() { session::remaining_ms(c, now) } else { None },
        "deadline": c.deadline_at, "extra_minutes": c.extra_seconds / 60,
        "flags": f.flags, "last_flag": f.last_flag,
        "admit_until": c.admit_until.filter(|u| *u > now),
        "submit_reason": c.submit_reason,
        "paused_at": c.paused_at, "pause_reason": c.pause_reason,
        "terminate_reason": c.terminate_reason,
        "login_alarm": f.login_alarm,
    })
}

/// One candidate's seat, sent to the room's proctor sockets and returned.
pub async fn publish_seat(s: &AppState, c: &candidate::Model) -> ApiResult<Value> {
    let seat = seats(s, std::slice::from_ref(c)).await?.pop().unwrap_or(Value::Null);
    s.hub.rooms.send_seat(&c.room_id, &c.id, json!({"type": "seat", "seat": seat}).to_string().into());
    Ok(seat)
}

/// Sends the current seats of these candidates of one room.
pub async fn publish_seats(s: &AppState, room_id: &str, ids: &[String]) -> ApiResult<()> {
    let mut cands = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        cands.extend(
            candidate::Entity::find()
                .filter(candidate::Column::Id.is_in(chunk.to_vec()))
                .all(&s.db.read)
                .await?,
        );
    }
    // A candidate moved out of the room meanwhile belongs to the other room's view.
    cands.retain(|c| c.room_id == room_id);
    for (c, seat) in cands.iter().zip(seats(s, &cands).await?) {
        s.hub.rooms.send_seat(room_id, &c.id, json!({"type": "seat", "seat": seat}).to_string().into());
    }
    Ok(())
}

/// A log entry as proctors and the biên bản see it.
pub fn entry_json(m: &incident::Model) -> Value {
    let data: Value = serde_json::from_str(&m.data).unwrap_or(Value::Null);
    let mut v =
        json!({"id": m.id, "at": m.at, "by": m.actor, "action": m.action, "detail": m.detail, "data": data});
    if let Some(n) = &m.number {
        v["number"] = json!(n);
    }
    v
}

pub async fn room_log(s: &AppState, room_id: &str) -> ApiResult<Vec<incident::Model>> {
    Ok(store::room_log::of_room(&s.db.read, room_id).await?)
}

/// The `roster` message a proctor socket starts with.
pub async fn roster(s: &AppState, e: &event::Model, r: &room::Model) -> ApiResult<Value> {
    let cands = room_candidates(s, &r.id).await?;
    let seats = seats(s, &cands).await?;
    let log = room_log(s, &r.id).await?;
    // An adaptive event: the page shows its badge and "answered of at most N" (no paper switch).
    let adaptive = adaptive_max(s, &e.id).await?.map(|max| json!({"max_items": max}));
    Ok(json!({
        "type": "roster",
        "server_time": Utc::now(),
        "time_zone": s.config.event_time_zone,
        "event": {"id": e.id, "title": e.title, "status": e.status, "adaptive": adaptive},
        "room": {"id": r.id, "name": r.name, "seats": r.seats},
        "seats": seats,
        "incidents": log.iter().map(entry_json).collect::<Vec<_>>(),
    }))
}

/// Seat numbers of a room already taken, but for `except`.
pub async fn taken_seats(s: &AppState, room_id: &str, except: &str) -> ApiResult<HashSet<i32>> {
    Ok(room_candidates(s, room_id).await?.into_iter().filter(|c| c.id != except).map(|c| c.seat).collect())
}
