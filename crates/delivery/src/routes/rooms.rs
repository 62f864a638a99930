//! Rooms of an event and their printable sheets with every candidate's login code.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use khaothi_auth::CurrentUser;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::access::{find_room, load_event, require_room};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, Path, Query};
use crate::routes::{BOARD, STAFF};
use crate::state::AppState;
use crate::store;
use crate::store::entity::room;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRoom {
    pub name: String,
    /// 1–10000.
    pub seats: u32,
}

#[derive(Serialize, ToSchema)]
pub struct RoomView {
    pub id: String,
    pub name: String,
    pub seats: i32,
}

impl From<&room::Model> for RoomView {
    fn from(r: &room::Model) -> Self {
        Self { id: r.id.clone(), name: r.name.clone(), seats: r.seats }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RoomList {
    pub rooms: Vec<RoomView>,
}

/// Create a room (board).
#[utoipa::path(post, path = "/api/v1/events/{event}/rooms", tag = "rooms", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")), request_body = NewRoom,
    responses((status = 201, body = RoomView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn create_room(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewRoom>,
) -> ApiResult<(StatusCode, Json<RoomView>)> {
    user.require(BOARD, "create rooms")?;
    load_event(&s, &id).await?;
    let name = req.name.trim();
    if name.is_empty() || req.seats == 0 || req.seats > 10_000 {
        return Err(ApiError::bad_request("invalid_room", "a room has a name and 1–10000 seats"));
    }
    if store::rooms::by_name(&s.db.read, &id, name).await?.is_some() {
        return Err(ApiError::Conflict(format!("room {name} exists in event {id}")));
    }
    let r = store::rooms::create(&s.db.write, &id, name, req.seats as i32).await?;
    Ok((StatusCode::CREATED, Json(RoomView::from(&r))))
}

/// The event's rooms by name (board and proctors).
#[utoipa::path(get, path = "/api/v1/events/{event}/rooms", tag = "rooms", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    responses((status = 200, body = RoomList), (status = 401), (status = 403)))]
pub async fn list_rooms(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<RoomList>> {
    user.require(STAFF, "list rooms")?;
    let rooms = store::rooms::of_event(&s.db.read, &id).await?;
    Ok(Json(RoomList { rooms: rooms.iter().map(RoomView::from).collect() }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SheetQuery {
    /// `text` for a plain-text sheet to print; JSON otherwise.
    #[serde(default)]
    pub format: Option<String>,
}

/// One line of a room sheet.
#[derive(Serialize, ToSchema)]
pub struct SheetRow {
    pub seat: i32,
    pub number: String,
    pub full_name: String,
    pub date_of_birth: String,
    pub version: String,
    /// The candidate's login code.
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct RoomSheet {
    pub event: String,
    pub room: String,
    pub room_id: String,
    pub candidates: Vec<SheetRow>,
}

/// The printable sheet with every candidate's login code (board or the room's proctor).
#[utoipa::path(get, path = "/api/v1/events/{event}/rooms/{room}/sheet", tag = "rooms", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ("room" = String, Path, description = "The room's id or name"), SheetQuery),
    responses((status = 200, body = RoomSheet, description = "JSON, or text/plain with `format=text`"), (status = 401), (status = 403), (status = 404)))]
pub async fn room_sheet(
    State(s): State<AppState>,
    khaothi_auth::CurrentUserOrCookie(user): khaothi_auth::CurrentUserOrCookie,
    Path((id, room_ref)): Path<(String, String)>,
    Query(q): Query<SheetQuery>,
) -> ApiResult<Response> {
    let e = load_event(&s, &id).await?;
    let r = find_room(&s, &id, &room_ref).await?;
    require_room(&s, &user, &r.id, "print this room's sheet").await?;
    let cands = store::candidates::of_room(&s.db.read, &r.id).await?;
    store::audit(&s.writer, Some(&id), user.username(), "room_sheet_printed", json!({"room": r.name}))
        .await?;
    let rows: Vec<SheetRow> = cands
        .into_iter()
        .map(|c| SheetRow {
            code: s.codes.code(&id, &c.number, c.code_generation),
            seat: c.seat,
            number: c.number,
            full_name: c.full_name,
            date_of_birth: c.date_of_birth,
            version: c.version_code,
        })
        .collect();
    if q.format.as_deref() == Some("text") {
        let mut t = format!("{} — {}\nPhòng thi / Room: {}\n\n", e.id, e.title, r.name);
        t.push_str("Ghế  Số báo danh  Họ và tên                       Ngày sinh   Mã đăng nhập\n");
        for c in &rows {
            t.push_str(&format!(
                "{} {:<12} {:<31} {:<11} {}\n",
                c.seat, c.number, c.full_name, c.date_of_birth, c.code
            ));
        }
        return Ok(([("content-type", "text/plain; charset=utf-8")], t).into_response());
    }
    Ok(Json(RoomSheet { event: id, room: r.name, room_id: r.id, candidates: rows }).into_response())
}

/// The room's biên bản (board or the room's proctor): printable HTML in Vietnamese, or JSON with
/// `format=json` (docs/protocol.md §4). Written by [`crate::proctor::record`]; this is its route.
#[utoipa::path(get, path = "/api/v1/events/{event}/rooms/{room}/record", tag = "proctor", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ("room" = String, Path, description = "The room's id or name"),
        ("format" = Option<String>, Query, description = "`json` for JSON; printable HTML otherwise")),
    responses((status = 200, body = String, content_type = "text/html", description = "The biên bản (JSON with `format=json`)"), (status = 401), (status = 403), (status = 404)))]
pub async fn room_record(
    state: State<AppState>,
    khaothi_auth::CurrentUserOrCookie(user): khaothi_auth::CurrentUserOrCookie,
    path: Path<(String, String)>,
    query: Query<crate::proctor::record::RecordQuery>,
) -> ApiResult<Response> {
    crate::proctor::record::room_record(state, user, path, query).await
}
