//! The proctor actions over HTTP, for scripts (docs/protocol.md §2): the same functions as the
//! websocket's, so both are audited and reach every proctor socket of the room alike.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use khaothi_auth::CurrentUser;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::json::{Path, parse_json};
use crate::proctor::actions::{self, Action};
use crate::proctor::roster::find_room;
use crate::routes::candidates::find_candidate;
use crate::routes::staff::require_room;
use crate::state::AppState;
use crate::store::entity::{candidate, room};

/// A JSON body that may be left out entirely (`{}` then).
fn optional_body<T: DeserializeOwned>(body: &Bytes) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) { parse_json(b"{}") } else { parse_json(body) }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmptyBody {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeatBody {
    pub seat: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    pub text: String,
    #[serde(default)]
    pub candidate: Option<String>,
}

async fn candidate_for(
    s: &AppState,
    user: &CurrentUser,
    event: &str,
    number: &str,
    what: &str,
) -> ApiResult<candidate::Model> {
    let c = find_candidate(s, event, number).await?;
    require_room(s, user, &c.room_id, what).await?;
    Ok(c)
}

async fn room_for(
    s: &AppState,
    user: &CurrentUser,
    event: &str,
    room_ref: &str,
    what: &str,
) -> ApiResult<room::Model> {
    let r = find_room(s, event, room_ref).await?;
    require_room(s, user, &r.id, what).await?;
    Ok(r)
}

async fn one(
    s: &AppState,
    user: &CurrentUser,
    (event, number): (String, String),
    act: Action,
) -> ApiResult<axum::Json<Value>> {
    let what = format!("{} candidates of this room", act.name().replace('_', " "));
    let c = candidate_for(s, user, &event, &number, &what).await?;
    let done = actions::on_candidate(s, user.username(), c, act).await?;
    Ok(axum::Json(json!({"number": number, "seat": done.seat})))
}

/// `POST /api/v1/events/{e}/candidates/{n}/pause` `{"reason"?}`.
pub async fn pause(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(p): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<axum::Json<Value>> {
    let b: ReasonBody = optional_body(&body)?;
    one(&s, &user, p, Action::Pause { reason: b.reason }).await
}

/// `POST /api/v1/events/{e}/candidates/{n}/resume`.
pub async fn resume(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(p): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<axum::Json<Value>> {
    let _: EmptyBody = optional_body(&body)?;
    one(&s, &user, p, Action::Resume).await
}

/// `POST /api/v1/events/{e}/candidates/{n}/terminate` `{"reason"}`.
pub async fn terminate(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(p): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<axum::Json<Value>> {
    let b: ReasonBody = optional_body(&body)?;
    one(&s, &user, p, Action::Terminate { reason: b.reason.unwrap_or_default() }).await
}

/// `POST /api/v1/events/{e}/candidates/{n}/move-seat` `{"seat"}`.
pub async fn move_seat(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(p): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<axum::Json<Value>> {
    let b: SeatBody = optional_body(&body)?;
    one(&s, &user, p, Action::MoveSeat { seat: b.seat }).await
}

/// `POST /api/v1/events/{e}/candidates/{n}/absent`.
pub async fn absent(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(p): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<axum::Json<Value>> {
    let _: EmptyBody = optional_body(&body)?;
    one(&s, &user, p, Action::Absent).await
}

async fn whole_room(
    s: &AppState,
    user: &CurrentUser,
    (event, room_ref): (String, String),
    act: Action,
) -> ApiResult<axum::Json<Value>> {
    let r = room_for(s, user, &event, &room_ref, &format!("{} this room", act.name())).await?;
    let seats = actions::on_room(s, user.username(), &r, act).await?;
    Ok(axum::Json(json!({"room": r.name, "count": seats.len(), "seats": seats})))
}

/// `POST /api/v1/events/{e}/rooms/{room}/pause` `{"reason"?}`: every candidate in progress.
pub async fn pause_room(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(p): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<axum::Json<Value>> {
    let b: ReasonBody = optional_body(&body)?;
    whole_room(&s, &user, p, Action::Pause { reason: b.reason }).await
}

/// `POST /api/v1/events/{e}/rooms/{room}/resume`: every paused candidate.
pub async fn resume_room(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(p): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<axum::Json<Value>> {
    let _: EmptyBody = optional_body(&body)?;
    whole_room(&s, &user, p, Action::Resume).await
}

/// `POST /api/v1/events/{e}/rooms/{room}/incidents` `{"text","candidate"?}` → 201 the log entry.
pub async fn incident(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((event, room_ref)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let b: NoteBody = parse_json(&body)?;
    let r = room_for(&s, &user, &event, &room_ref, "note incidents in this room").await?;
    let c = match &b.candidate {
        Some(n) => {
            let c = find_candidate(&s, &event, n).await?;
            if c.room_id != r.id {
                return Err(ApiError::NotFound(format!("no candidate {n} in room {}", r.name)));
            }
            Some(c)
        }
        None => None,
    };
    let entry = actions::note(&s, user.username(), &r, c.as_ref(), &b.text).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({"entry": entry}))))
}
