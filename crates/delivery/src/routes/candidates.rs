//! Candidates: CSV import with per-row errors, seats and versions (neighbouring seats differ),
//! printable room sheets with login codes, the proctor's admit, extra time.

use std::collections::{HashMap, HashSet};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use khaothi_auth::{CurrentUser, Role};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Digest;

use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, Path, Query};
use crate::proctor::actions::{self, Action};
use crate::routes::events::load_event;
use crate::routes::staff::require_room;
use crate::state::AppState;
use crate::store::entity::{candidate, integrity_event, room};
use crate::{session, store};

const BOARD: &[Role] = &[Role::ExamBoard, Role::Admin];

/// Version codes of a room in seat order: a seeded shuffle, repeated, so seats `s` and `s+1`
/// always differ when there are at least two versions.
pub fn room_versions(event_id: &str, room_name: &str, codes: &[String]) -> Vec<String> {
    let seed = sha2::Sha256::digest(format!("{event_id}\u{0}{room_name}").as_bytes());
    let mut rng = rand_chacha_seed(&seed);
    let mut order = codes.to_vec();
    order.sort();
    order.shuffle(&mut rng);
    order
}

fn rand_chacha_seed(seed: &[u8]) -> rand::rngs::StdRng {
    let mut s = [0u8; 32];
    s.copy_from_slice(&seed[..32]);
    rand::rngs::StdRng::from_seed(s)
}

fn parse_date(s: &str) -> Option<String> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

/// `POST /api/v1/events/{event}/candidates` (board), body CSV with a header row:
/// `so_bao_danh,ho_ten,ngay_sinh,phong[,ghe]` (or `number,full_name,date_of_birth,room[,seat]`).
/// All or nothing: any bad row refuses the file and the report names every problem.
pub async fn import(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    user.require(BOARD, "import candidates")?;
    let e = load_event(&s, &id).await?;
    let manifest: khaothi_package::Manifest =
        e.manifest.as_deref().and_then(|m| serde_json::from_str(m).ok()).ok_or_else(|| {
            ApiError::Conflict("import the event's package first: versions come from it".into())
        })?;
    let codes: Vec<String> = manifest.versions.iter().map(|v| v.code.clone()).collect();
    let rooms: HashMap<String, room::Model> = room::Entity::find()
        .filter(room::Column::EventId.eq(&id))
        .all(&s.db.read)
        .await?
        .into_iter()
        .map(|r| (r.name.clone(), r))
        .collect();
    let existing: Vec<candidate::Model> =
        candidate::Entity::find().filter(candidate::Column::EventId.eq(&id)).all(&s.db.read).await?;
    let mut taken_numbers: HashSet<String> = existing.iter().map(|c| c.number.clone()).collect();
    let mut taken_seats: HashSet<(String, i32)> =
        existing.iter().map(|c| (c.room_id.clone(), c.seat)).collect();

    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(&body[..]);
    let headers = reader
        .headers()
        .map_err(|e| ApiError::bad_request("invalid_csv", format!("header row: {e}")))?
        .clone();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.to_lowercase().as_str()));
    let (Some(c_num), Some(c_name), Some(c_dob), Some(c_room)) = (
        col(&["so_bao_danh", "sbd", "number"]),
        col(&["ho_ten", "full_name", "name"]),
        col(&["ngay_sinh", "date_of_birth", "dob"]),
        col(&["phong", "room"]),
    ) else {
        return Err(ApiError::bad_request(
            "invalid_csv",
            "the header row needs so_bao_danh, ho_ten, ngay_sinh, phong (or number, full_name, date_of_birth, room)",
        ));
    };
    let c_seat = col(&["ghe", "seat"]);
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(json!({"line": line, "field": null, "message": e.to_string()}));
                continue;
            }
        };
        let get = |c: usize| rec.get(c).unwrap_or("").to_string();
        let (number, name, dob, room_name) = (get(c_num), get(c_name), get(c_dob), get(c_room));
        let mut err = |field: &str, message: String| {
            errors.push(json!({"line": line, "number": number, "field": field, "message": message}))
        };
        if number.is_empty() || number.len() > 20 || !number.chars().all(|c| c.is_ascii_alphanumeric()) {
            err("so_bao_danh", "a candidate number is 1–20 letters or digits".into());
        } else if !taken_numbers.insert(number.clone()) {
            err(
                "so_bao_danh",
                format!("candidate number {number} appears twice (in this file or already imported)"),
            );
        }
        if name.is_empty() {
            err("ho_ten", "the full name is empty".into());
        }
        let dob_norm = parse_date(&dob);
        if dob_norm.is_none() {
            err("ngay_sinh", format!("`{dob}` is not a date (YYYY-MM-DD or DD/MM/YYYY)"));
        }
        let room = rooms.get(&room_name);
        if room.is_none() {
            err("phong", format!("no room named `{room_name}` in this event; create it first"));
        }
        let seat = match c_seat.map(get).filter(|s| !s.is_empty()) {
            Some(sv) => match sv.parse::<i32>() {
                Ok(n) if n >= 1 && room.is_none_or(|r| n <= r.seats) => Some(n),
                _ => {
                    err("ghe", format!("seat `{sv}` is not a seat of room {room_name}"));
                    None
                }
            },
            None => None,
        };
        if let (Some(r), Some(seat)) = (room, seat)
            && !taken_seats.insert((r.id.clone(), seat))
        {
            err("ghe", format!("seat {seat} of room {room_name} is taken"));
        }
        if let (Some(r), Some(d)) = (room, dob_norm) {
            rows.push((line, number, name, d, r.clone(), seat));
        }
    }
    // Free seats for rows without one, in file order.
    let mut assigned = Vec::new();
    for (line, number, name, dob, r, seat) in rows {
        let seat = match seat {
            Some(s) => s,
            None => match (1..=r.seats).find(|s| !taken_seats.contains(&(r.id.clone(), *s))) {
                Some(s) => {
                    taken_seats.insert((r.id.clone(), s));
                    s
                }
                None => {
                    errors.push(json!({"line": line, "number": number, "field": "phong", "message": format!("room {} has no free seat ({} seats)", r.name, r.seats)}));
                    continue;
                }
            },
        };
        assigned.push((number, name, dob, r, seat));
    }
    if !errors.is_empty() {
        return Err(ApiError::Rejected {
            message: format!("{} problems; nothing was imported", errors.len()),
            report: json!({"errors": errors}),
        });
    }
    let now = Utc::now();
    let mut out = Vec::new();
    let txn = s.db.read.begin().await?;
    let mut per_room: HashMap<String, Vec<String>> = HashMap::new();
    for (number, name, dob, r, seat) in assigned {
        let order = per_room.entry(r.id.clone()).or_insert_with(|| room_versions(&id, &r.name, &codes));
        let version = order[(seat as usize - 1) % order.len()].clone();
        candidate::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            event_id: Set(id.clone()),
            number: Set(number.clone()),
            full_name: Set(name),
            date_of_birth: Set(dob),
            room_id: Set(r.id.clone()),
            seat: Set(seat),
            version_code: Set(version.clone()),
            code_generation: Set(0),
            extra_seconds: Set(0),
            credited_seconds: Set(0),
            epoch: Set(0),
            resume_hash: Set(None),
            started_at: Set(None),
            deadline_at: Set(None),
            admit_until: Set(None),
            last_seen_at: Set(None),
            submitted_at: Set(None),
            submit_reason: Set(None),
            score: Set(None),
            created_at: Set(now),
            paused_at: Set(None),
            pause_reason: Set(None),
            paused_ms: Set(0),
            absent: Set(false),
            terminate_reason: Set(None),
        }
        .insert(&txn)
        .await?;
        out.push(json!({"number": number, "room": r.name, "seat": seat, "version": version}));
    }
    txn.commit().await?;
    store::audit(&s.writer, Some(&id), user.username(), "candidates_imported", json!({"count": out.len()}))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(json!({"imported": out.len(), "candidates": out}))))
}

pub async fn list(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Value>> {
    user.require(BOARD, "list candidates")?;
    let all = candidate::Entity::find()
        .filter(candidate::Column::EventId.eq(&id))
        .order_by_asc(candidate::Column::Number)
        .all(&s.db.read)
        .await?;
    let now = Utc::now();
    Ok(axum::Json(json!({"candidates": all.iter().map(|c| candidate_json(c, now)).collect::<Vec<_>>()})))
}

pub fn candidate_json(c: &candidate::Model, now: chrono::DateTime<Utc>) -> Value {
    json!({
        "number": c.number, "full_name": c.full_name, "date_of_birth": c.date_of_birth,
        "room_id": c.room_id, "seat": c.seat, "version": c.version_code,
        "status": session::status(c), "started_at": c.started_at, "deadline_at": c.deadline_at,
        "remaining_ms": session::remaining_ms(c, now), "extra_seconds": c.extra_seconds,
        "credited_seconds": c.credited_seconds, "submitted_at": c.submitted_at,
        "submit_reason": c.submit_reason, "score": c.score,
    })
}

#[derive(Deserialize)]
pub struct SheetQuery {
    #[serde(default)]
    pub format: Option<String>,
}

/// `GET /api/v1/events/{event}/rooms/{room}/sheet[?format=text]` (board or the room's proctor):
/// the printable sheet with every candidate's login code. `room` is the id or the name.
pub async fn room_sheet(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, room_ref)): Path<(String, String)>,
    Query(q): Query<SheetQuery>,
) -> ApiResult<Response> {
    let e = load_event(&s, &id).await?;
    let r = room::Entity::find()
        .filter(room::Column::EventId.eq(&id))
        .all(&s.db.read)
        .await?
        .into_iter()
        .find(|r| r.id == room_ref || r.name == room_ref)
        .ok_or_else(|| ApiError::NotFound(format!("no room {room_ref} in event {id}")))?;
    require_room(&s, &user, &r.id, "print this room's sheet").await?;
    let cands = candidate::Entity::find()
        .filter(candidate::Column::RoomId.eq(&r.id))
        .order_by_asc(candidate::Column::Seat)
        .all(&s.db.read)
        .await?;
    store::audit(&s.writer, Some(&id), user.username(), "room_sheet_printed", json!({"room": r.name}))
        .await?;
    let rows: Vec<Value> = cands
        .iter()
        .map(|c| json!({"seat": c.seat, "number": c.number, "full_name": c.full_name, "date_of_birth": c.date_of_birth, "version": c.version_code, "code": s.codes.code(&id, &c.number, c.code_generation)}))
        .collect();
    if q.format.as_deref() == Some("text") {
        let mut t = format!("{} — {}\nPhòng thi / Room: {}\n\n", e.id, e.title, r.name);
        t.push_str("Ghế  Số báo danh  Họ và tên                       Ngày sinh   Mã đăng nhập\n");
        for c in &rows {
            t.push_str(&format!(
                "{:<4} {:<12} {:<31} {:<11} {}\n",
                c["seat"],
                c["number"].as_str().unwrap_or(""),
                c["full_name"].as_str().unwrap_or(""),
                c["date_of_birth"].as_str().unwrap_or(""),
                c["code"].as_str().unwrap_or("")
            ));
        }
        return Ok(([("content-type", "text/plain; charset=utf-8")], t).into_response());
    }
    Ok(axum::Json(json!({"event": id, "room": r.name, "room_id": r.id, "candidates": rows})).into_response())
}

pub async fn find_candidate(s: &AppState, event_id: &str, number: &str) -> ApiResult<candidate::Model> {
    store::candidate_by_number(&s.db.read, Some(event_id), number)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::NotFound(format!("no candidate {number} in event {event_id}")))
}

/// `POST /api/v1/events/{event}/candidates/{number}/admit` (the room's proctor or the board):
/// lets the candidate's next login from a new browser in, within `admit_minutes` (and clears
/// `absent`). The same action as the proctor websocket's.
pub async fn admit(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    let c = find_candidate(&s, &id, &number).await?;
    require_room(&s, &user, &c.room_id, "admit candidates of this room").await?;
    let done = actions::on_candidate(&s, user.username(), c, Action::Admit).await?;
    Ok(axum::Json(json!({"number": number, "admit_until": done.candidate.admit_until, "seat": done.seat})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraTime {
    /// Minutes added (an accommodation); may be set before or during the exam.
    pub minutes: i64,
    #[serde(default)]
    pub reason: String,
}

/// `POST /api/v1/events/{event}/candidates/{number}/extra-time` (board or the room's proctor):
/// the proctor websocket's `extend`.
pub async fn extra_time(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, number)): Path<(String, String)>,
    ApiJson(req): ApiJson<ExtraTime>,
) -> ApiResult<axum::Json<Value>> {
    let c = find_candidate(&s, &id, &number).await?;
    require_room(&s, &user, &c.room_id, "give extra time in this room").await?;
    let act = Action::Extend { minutes: req.minutes, reason: req.reason };
    let done = actions::on_candidate(&s, user.username(), c, act).await?;
    let c = &done.candidate;
    Ok(axum::Json(
        json!({"number": number, "extra_seconds": c.extra_seconds, "deadline_at": c.deadline_at, "seat": done.seat}),
    ))
}

/// `GET …/candidates/{number}/integrity` (board or the room's proctor): focus lost, paste, …
pub async fn integrity(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    let c = find_candidate(&s, &id, &number).await?;
    require_room(&s, &user, &c.room_id, "read this room's integrity events").await?;
    let evs = integrity_event::Entity::find()
        .filter(integrity_event::Column::CandidateId.eq(&c.id))
        .order_by_asc(integrity_event::Column::Id)
        .all(&s.db.read)
        .await?;
    Ok(axum::Json(
        json!({"number": number, "events": evs.iter().map(|e| json!({"kind": e.kind, "detail": e.detail, "epoch": e.epoch, "at": e.at})).collect::<Vec<_>>()}),
    ))
}
