//! The paper routes (docs/protocol.md "Paper rooms"): reading sheets in and the review queue for
//! the board, the switch of a room to paper for its proctor (or the board).

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use khaothi_auth::CurrentUser;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::identity::{self, HeldDecision, HeldView};
use super::ingest::{self, SheetOutcome};
use super::read::ReadOutput;
use super::review::{self, DecisionBody, FlagView};
use super::rooms::{self, PaperSummary};
use super::{printed, scans};
use crate::access::{load_event, room_of_mine};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, Path, Query};
use crate::routes::BOARD;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Ingested {
    /// One outcome per sheet sent, in order.
    pub sheets: Vec<SheetOutcome>,
}

/// Read sheets in: the JSON `khaothi omr read` prints, each sheet with the SHA-256 of its scan
/// (board). Each sheet is written whole or refused on its own (see `status`, `error`).
#[utoipa::path(post, path = "/api/v1/events/{event}/paper/sheets", tag = "paper", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    request_body(content = ReadOutput, example = json!({"sheets": [{"image": "P1/0001.png", "candidate": "000001", "version": "101",
        "answers": {"I.1": "B", "II.1": [true, false, null, true], "III.1": "-1,5"}, "confidence": {"I.1": 0.97},
        "flags": [{"key": "I.2", "reason": "two marks", "proposed": null, "crop": "data:image/png;base64,iVBORw0KGgo="}],
        "image_sha256": "9f2c0e1b6a4d8c7e5f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e", "sheet_id": "E1-000001-1"}]})),
    responses((status = 200, body = Ingested), (status = 400), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "the event's content is not unlocked")))]
pub async fn ingest_sheets(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(event): Path<String>,
    ApiJson(body): ApiJson<ReadOutput>,
) -> ApiResult<Json<Ingested>> {
    user.require(BOARD, "read answer sheets in")?;
    let sheets = ingest::ingest(&s, user.username(), &event, body.sheets).await?;
    Ok(Json(Ingested { sheets }))
}

/// Read scans in: the images themselves (PNG, JPEG or TIFF; `multipart/form-data`, one file part
/// each, at most 50 files and 25 MB a file), read by the server against the layout of the event's
/// sheets (board). The request is refused whole, naming the file, when a file is not such an image,
/// is too large, or is a sheet printed for another event; otherwise each sheet goes in as through
/// `paper/sheets` (its SHA-256 computed here, its sheet id from the QR code, flags with crops).
#[utoipa::path(post, path = "/api/v1/events/{event}/paper/scans", tag = "paper", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    request_body(content = Vec<u8>, content_type = "multipart/form-data",
        description = "one part per scan, with its file name (a folder's relative path is kept)",
        example = json!("--scans\r\nContent-Disposition: form-data; name=\"scans\"; filename=\"P001/0001.png\"\r\nContent-Type: image/png\r\n\r\n(the PNG file's bytes)\r\n--scans--\r\n")),
    responses((status = 200, body = Ingested), (status = 400, description = "not an image, too many pixels or files, a sheet of another event"),
        (status = 401), (status = 403), (status = 404),
        (status = 409, description = "the event's content is not unlocked"), (status = 413, description = "a file or the request is too large"),
        (status = 415, description = "not multipart/form-data")))]
pub async fn upload_scans(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(event): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<Ingested>> {
    user.require(BOARD, "read answer sheets in")?;
    let ev = load_event(&s, &event).await?;
    let form = form.map_err(|e| {
        ApiError::UnsupportedMedia(format!("send the scans as multipart/form-data files: {}", e.body_text()))
    })?;
    let content = s.hub.content(&event).ok_or_else(|| {
        ApiError::Conflict(format!(
            "the content of event {event} is not unlocked: sheets are read against its versions, unlock it first"
        ))
    })?;
    let uploads = scans::collect(form).await?;
    let sheets = printed::layouts(&content, printed::event_digits(&s, &event).await?)?;
    let read = scans::read(uploads, sheets).await?;
    scans::check_event(&ev, &read)?;
    let sheets = ingest::ingest(&s, user.username(), &event, read).await?;
    Ok(Json(Ingested { sheets }))
}

/// Sheets read in, flags pending and decided, and which rooms are on paper (board).
#[utoipa::path(get, path = "/api/v1/events/{event}/paper", tag = "paper", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    responses((status = 200, body = PaperSummary), (status = 401), (status = 403), (status = 404)))]
pub async fn paper_summary(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(event): Path<String>,
) -> ApiResult<Json<PaperSummary>> {
    user.require(BOARD, "see the paper sheets")?;
    Ok(Json(rooms::summary(&s, &event).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlagsQuery {
    /// `pending` (the default) or `all`.
    #[serde(default)]
    pub state: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Flags {
    pub flags: Vec<FlagView>,
}

/// The review queue: flagged marks with their crops and proposed readings (board).
#[utoipa::path(get, path = "/api/v1/events/{event}/paper/flags", tag = "paper", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), FlagsQuery),
    responses((status = 200, body = Flags), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn list_flags(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(event): Path<String>,
    Query(q): Query<FlagsQuery>,
) -> ApiResult<Json<Flags>> {
    user.require(BOARD, "review answer sheets")?;
    Ok(Json(Flags { flags: review::list(&s, &event, pending(&q)?).await? }))
}

/// Whether a queue's `state` asks for the pending entries only.
fn pending(q: &FlagsQuery) -> ApiResult<bool> {
    match q.state.as_deref().unwrap_or("pending") {
        "pending" => Ok(true),
        "all" => Ok(false),
        other => {
            Err(ApiError::bad_request("invalid_state", format!("state is pending or all; got `{other}`")))
        }
    }
}

/// Decide a flagged mark: accept the proposed reading, set a value, or leave it blank (board).
#[utoipa::path(post, path = "/api/v1/events/{event}/paper/flags/{id}/decision", tag = "paper", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ("id" = String, Path, description = "The flag's id")),
    request_body(content = DecisionBody, example = json!({"decision": "set", "value": "C"})),
    responses((status = 200, body = FlagView), (status = 400), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "decided already")))]
pub async fn decide_flag(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((event, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<Json<FlagView>> {
    user.require(BOARD, "decide flagged marks")?;
    Ok(Json(review::decide(&s, user.username(), &event, &id, body).await?))
}

#[derive(Serialize, ToSchema)]
pub struct Held {
    pub held: Vec<HeldView>,
}

/// Sheets held until a person names their candidate (số báo danh, mã đề or the QR code could not
/// be read or do not agree), with the reader's crops (board).
#[utoipa::path(get, path = "/api/v1/events/{event}/paper/held", tag = "paper", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), FlagsQuery),
    responses((status = 200, body = Held), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn list_held(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(event): Path<String>,
    Query(q): Query<FlagsQuery>,
) -> ApiResult<Json<Held>> {
    user.require(BOARD, "review answer sheets")?;
    Ok(Json(Held { held: identity::list(&s, &event, pending(&q)?).await? }))
}

/// Decide a held sheet: assign it to a candidate (it is then read in like any sheet) or reject it
/// (board).
#[utoipa::path(post, path = "/api/v1/events/{event}/paper/held/{id}/decision", tag = "paper", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ("id" = String, Path, description = "The held sheet's id")),
    request_body(content = HeldDecision, example = json!({"decision": "assign", "number": "000123", "version": "0101", "note": "Số báo danh tô thiếu một chữ số; đối chiếu chữ viết trên phiếu"})),
    responses((status = 200, body = HeldView), (status = 400), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "decided already, or the event's content is not unlocked")))]
pub async fn decide_held(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((event, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<HeldDecision>,
) -> ApiResult<Json<HeldView>> {
    user.require(BOARD, "decide held answer sheets")?;
    Ok(Json(identity::decide(&s, user.username(), &event, &id, body).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaperSwitchBody {
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Switched {
    /// The room log entry, as the proctor sockets receive it.
    #[schema(value_type = Object)]
    pub entry: Value,
}

/// Switch a room to paper (the room's proctor or the board): recorded in the room log and the
/// biên bản; answers given on computers so far are kept. Refused for an adaptive event.
#[utoipa::path(post, path = "/api/v1/events/{event}/rooms/{room}/paper", tag = "paper", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ("room" = String, Path, description = "The room's id or name")),
    request_body(content = PaperSwitchBody, example = json!({"reason": "Mất điện phòng máy lúc 08:40, chuyển sang phiếu trả lời giấy"})),
    responses((status = 201, body = Switched),
        (status = 400, description = "a reason too long, or an adaptive event (`adaptive_event`: it has no paper form)"),
        (status = 401), (status = 403), (status = 404), (status = 409, description = "switched already")))]
pub async fn switch_room(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((event, room_ref)): Path<(String, String)>,
    ApiJson(body): ApiJson<PaperSwitchBody>,
) -> ApiResult<(StatusCode, Json<Switched>)> {
    let r = room_of_mine(&s, &user, &event, &room_ref, "switch this room to paper").await?;
    let entry = rooms::switch(&s, user.username(), &r, body.reason.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(Switched { entry })))
}
