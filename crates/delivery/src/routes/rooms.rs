//! Rooms of an event and their printable sheets with every candidate's login code.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use khaothi_auth::{CurrentUser, CurrentUserOrCookie};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::access::{find_room, load_event, require_room};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, Path, Query};
use crate::proctor::sheets::{self, RoomSheet, SheetRow};
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
    params(("event" = String, Path, description = "The event id")), request_body(content = NewRoom, example = json!({"name": "P001", "seats": 24})),
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
    /// `slips`: printable login slips to cut, one per candidate (A4, HTML); `table`: the
    /// proctor's printable table of the room (A4, HTML); `text`: the table as plain text; JSON
    /// otherwise.
    #[serde(default)]
    #[param(example = "slips")]
    pub format: Option<String>,
}

/// The room's login codes (board or the room's proctor): JSON, printable login slips to cut
/// (`format=slips`), the proctor's printable table (`format=table`) or plain text
/// (`format=text`). A GET a new tab opens: the `khaothi_fetch` cookie is accepted instead of the
/// bearer header.
#[utoipa::path(get, path = "/api/v1/events/{event}/rooms/{room}/sheet", tag = "rooms", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ("room" = String, Path, description = "The room's id or name"), SheetQuery),
    responses((status = 200, body = RoomSheet, description = "JSON; text/html with `format=slips` or `format=table`; text/plain with `format=text`"),
        (status = 400, description = "an unknown format"), (status = 401), (status = 403), (status = 404)))]
pub async fn room_sheet(
    State(s): State<AppState>,
    CurrentUserOrCookie(user): CurrentUserOrCookie,
    headers: HeaderMap,
    Path((id, room_ref)): Path<(String, String)>,
    Query(q): Query<SheetQuery>,
) -> ApiResult<Response> {
    let format = q.format.as_deref().unwrap_or("json");
    if !["json", "slips", "table", "text"].contains(&format) {
        return Err(ApiError::bad_request(
            "invalid_format",
            format!("format is one of json, slips, table, text (got {format})"),
        ));
    }
    let e = load_event(&s, &id).await?;
    let r = find_room(&s, &id, &room_ref).await?;
    require_room(&s, &user, &r.id, "print this room's sheet").await?;
    let cands = store::candidates::of_room(&s.db.read, &r.id).await?;
    let detail = json!({"room": r.name, "format": format});
    store::audit(&s.writer, Some(&id), user.username(), "room_sheet_printed", detail).await?;
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
    let zone = s.config.zone();
    let url = sheets::candidate_url(&headers);
    let heading = sheets::SheetHeading {
        event_id: &e.id,
        title: &e.title,
        subject: &e.subject,
        room: &r.name,
        site: &s.config.site_name,
        url: &url,
        printed_at: Utc::now(),
        zone: &zone,
    };
    Ok(match format {
        "slips" => sheets::printed(sheets::slips_html(&heading, &rows)),
        "table" => sheets::printed(sheets::table_html(&heading, &rows)),
        "text" => (
            [("content-type", "text/plain; charset=utf-8")],
            sheets::table_text(&e.id, &e.title, &r.name, &rows),
        )
            .into_response(),
        _ => Json(RoomSheet { event: id, room: r.name, room_id: r.id, candidates: rows }).into_response(),
    })
}

/// The room's biên bản (board or the room's proctor): printable HTML in Vietnamese, or JSON with
/// `format=json` (docs/protocol.md §4). Written by [`crate::proctor::record`]; this is its route.
/// A GET a new tab opens: the `khaothi_fetch` cookie is accepted instead of the bearer header.
#[utoipa::path(get, path = "/api/v1/events/{event}/rooms/{room}/record", tag = "proctor", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ("room" = String, Path, description = "The room's id or name"),
        ("format" = Option<String>, Query, description = "`json` for JSON; printable HTML otherwise")),
    responses((status = 200, body = String, content_type = "text/html", description = "The biên bản (JSON with `format=json`)"), (status = 401), (status = 403), (status = 404)))]
pub async fn room_record(
    state: State<AppState>,
    CurrentUserOrCookie(user): CurrentUserOrCookie,
    path: Path<(String, String)>,
    query: Query<crate::proctor::record::RecordQuery>,
) -> ApiResult<Response> {
    crate::proctor::record::room_record(state, user, path, query).await
}
