//! Candidates: the board's CSV import (read and seated by [`crate::seating`]), the list, and the
//! proctor's admit, extra time and integrity events.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use khaothi_auth::CurrentUser;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::access::{candidate_in_my_room, load_event};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, Path};
use crate::proctor::actions::{self, Action};
use crate::routes::BOARD;
use crate::seating::{self, Refused};
use crate::state::AppState;
use crate::store::entity::candidate;
use crate::{session, store};

/// One imported candidate: where they sit and which version they get.
#[derive(Serialize, ToSchema)]
pub struct ImportedCandidate {
    pub number: String,
    pub room: String,
    pub seat: i32,
    pub version: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportReport {
    pub imported: usize,
    pub candidates: Vec<ImportedCandidate>,
}

/// Import candidates (board), body CSV with a header row: `so_bao_danh,ho_ten,ngay_sinh,phong[,ghe]`
/// (or `number,full_name,date_of_birth,room[,seat]`). All or nothing: any bad row refuses the
/// file and the 422 report names every problem (`details.errors`).
#[utoipa::path(post, path = "/api/v1/events/{event}/candidates", tag = "candidates", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    request_body(content = String, content_type = "text/csv", description = "The candidate list",
        example = json!("so_bao_danh,ho_ten,ngay_sinh,phong,ghe\n01000123,Nguyễn Văn An,2008-03-15,P001,1\n01000124,Lê Thị Bình,09/11/2008,P001,2\n")),
    responses((status = 201, body = ImportReport), (status = 400, description = "not a candidate CSV"), (status = 401), (status = 403),
        (status = 404), (status = 409, description = "no package yet"), (status = 422, description = "rows with problems; nothing imported")))]
pub async fn import(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ImportReport>)> {
    user.require(BOARD, "import candidates")?;
    let e = load_event(&s, &id).await?;
    let manifest: khaothi_package::Manifest =
        e.manifest.as_deref().and_then(|m| serde_json::from_str(m).ok()).ok_or_else(|| {
            ApiError::Conflict("import the event's package first: versions come from it".into())
        })?;
    let versions: Vec<String> = manifest.versions.iter().map(|v| v.code.clone()).collect();
    if versions.is_empty() {
        // Seating deals versions out by seat number: with none there is nothing to deal.
        return Err(ApiError::Conflict(
            "the event's package has no test versions: import a package with at least one version".into(),
        ));
    }
    let rooms = store::rooms::of_event(&s.db.read, &id).await?;
    let existing = store::candidates::of_event(&s.db.read, &id).await?;
    let event = seating::Event { id: &id, versions: &versions, rooms: &rooms, candidates: &existing };
    let seated = seating::seat(&body, &event).map_err(|r| match r {
        Refused::Csv(message) => ApiError::bad_request("invalid_csv", message),
        Refused::Rows(errors) => ApiError::Rejected {
            message: format!("{} problems; nothing was imported", errors.len()),
            report: json!({"errors": errors}),
        },
    })?;
    store::candidates::insert_all(&s.db.write, &id, &seated).await?;
    let room_name = |room_id: &str| rooms.iter().find(|r| r.id == room_id).map(|r| r.name.clone());
    let candidates: Vec<ImportedCandidate> = seated
        .into_iter()
        .map(|c| ImportedCandidate {
            room: room_name(&c.room_id).unwrap_or_default(),
            number: c.number,
            seat: c.seat,
            version: c.version_code,
        })
        .collect();
    let count = candidates.len();
    store::audit(&s.writer, Some(&id), user.username(), "candidates_imported", json!({"count": count}))
        .await?;
    Ok((StatusCode::CREATED, Json(ImportReport { imported: count, candidates })))
}

/// A candidate with their session as the board sees it.
#[derive(Serialize, ToSchema)]
pub struct CandidateView {
    pub number: String,
    pub full_name: String,
    pub date_of_birth: String,
    pub room_id: String,
    pub seat: i32,
    pub version: String,
    /// `not_started`, `in_progress`, `paused`, `submitted`, `terminated` or `absent`.
    pub status: String,
    pub started_at: Option<DateTime<Utc>>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub remaining_ms: Option<i64>,
    pub extra_seconds: i32,
    pub credited_seconds: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submit_reason: Option<String>,
    pub score: Option<i32>,
}

impl CandidateView {
    fn of(c: &candidate::Model, now: DateTime<Utc>) -> Self {
        Self {
            number: c.number.clone(),
            full_name: c.full_name.clone(),
            date_of_birth: c.date_of_birth.clone(),
            room_id: c.room_id.clone(),
            seat: c.seat,
            version: c.version_code.clone(),
            status: session::status(c).to_string(),
            started_at: c.started_at,
            deadline_at: c.deadline_at,
            remaining_ms: session::remaining_ms(c, now),
            extra_seconds: c.extra_seconds,
            credited_seconds: c.credited_seconds,
            submitted_at: c.submitted_at,
            submit_reason: c.submit_reason.clone(),
            score: c.score,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CandidateList {
    pub candidates: Vec<CandidateView>,
}

/// The event's candidates by number (board).
#[utoipa::path(get, path = "/api/v1/events/{event}/candidates", tag = "candidates", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    responses((status = 200, body = CandidateList), (status = 401), (status = 403)))]
pub async fn list(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<CandidateList>> {
    user.require(BOARD, "list candidates")?;
    let all = store::candidates::of_event(&s.db.read, &id).await?;
    let now = Utc::now();
    Ok(Json(CandidateList { candidates: all.iter().map(|c| CandidateView::of(c, now)).collect() }))
}

#[derive(Serialize, ToSchema)]
pub struct Admitted {
    pub number: String,
    pub admit_until: Option<DateTime<Utc>>,
    /// The candidate's seat as the proctor's roster shows it.
    #[schema(value_type = Object)]
    pub seat: Value,
}

/// Admit a candidate (the room's proctor or the board): lets the candidate's next login from a
/// new browser in, within `admit_minutes` (and clears `absent`). The proctor websocket's `admit`.
#[utoipa::path(post, path = "/api/v1/events/{event}/candidates/{number}/admit", tag = "proctor", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ("number" = String, Path, description = "The candidate number")),
    responses((status = 200, body = Admitted), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn admit(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult<Json<Admitted>> {
    let c = candidate_in_my_room(&s, &user, &id, &number, "admit candidates of this room").await?;
    let done = actions::on_candidate(&s, user.username(), c, Action::Admit).await?;
    Ok(Json(Admitted { number, admit_until: done.candidate.admit_until, seat: done.seat }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraTime {
    /// Minutes added (an accommodation); may be set before or during the exam.
    pub minutes: i64,
    #[serde(default)]
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct TimeExtended {
    pub number: String,
    pub extra_seconds: i32,
    pub deadline_at: Option<DateTime<Utc>>,
    #[schema(value_type = Object)]
    pub seat: Value,
}

/// Give extra time (board or the room's proctor): the proctor websocket's `extend`.
#[utoipa::path(post, path = "/api/v1/events/{event}/candidates/{number}/extra-time", tag = "proctor", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ("number" = String, Path, description = "The candidate number")),
    request_body(content = ExtraTime, example = json!({"minutes": 10, "reason": "Thí sinh khuyết tật được cộng giờ theo quyết định của Hội đồng thi"})),
    responses((status = 200, body = TimeExtended), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn extra_time(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, number)): Path<(String, String)>,
    ApiJson(req): ApiJson<ExtraTime>,
) -> ApiResult<Json<TimeExtended>> {
    let c = candidate_in_my_room(&s, &user, &id, &number, "give extra time in this room").await?;
    let act = Action::Extend { minutes: req.minutes, reason: req.reason };
    let done = actions::on_candidate(&s, user.username(), c, act).await?;
    let c = &done.candidate;
    Ok(Json(TimeExtended {
        number,
        extra_seconds: c.extra_seconds,
        deadline_at: c.deadline_at,
        seat: done.seat,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AlarmCleared {
    pub number: String,
    /// Failed logins the cleared alarm had counted (0: there was none).
    pub failures: u32,
    #[schema(value_type = Object)]
    pub seat: Value,
}

/// Clear a candidate's login alarm (board or the room's proctor), after looking at who tried:
/// failed logins against the candidate's number are counted and shown on the seat, never a
/// lock-out (issue 16, finding 3).
#[utoipa::path(post, path = "/api/v1/events/{event}/candidates/{number}/clear-login-alarm", tag = "proctor", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ("number" = String, Path, description = "The candidate number")),
    responses((status = 200, body = AlarmCleared), (status = 401), (status = 403), (status = 404)))]
pub async fn clear_login_alarm(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult<Json<AlarmCleared>> {
    let c = candidate_in_my_room(&s, &user, &id, &number, "clear login alarms in this room").await?;
    let failures = s.login_alarms.clear(&c.id).map_or(0, |a| a.failures);
    let detail = json!({"number": number, "failures": failures});
    store::audit(&s.writer, Some(&id), user.username(), "login_alarm_cleared", detail).await?;
    let seat = crate::proctor::roster::publish_seat(&s, &c).await?;
    Ok(Json(AlarmCleared { number, failures, seat }))
}

/// One integrity event a candidate's browser reported.
#[derive(Serialize, ToSchema)]
pub struct IntegrityEvent {
    /// `focus_lost`, `paste`, …
    pub kind: String,
    pub detail: String,
    pub epoch: i64,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct IntegrityLog {
    pub number: String,
    pub events: Vec<IntegrityEvent>,
}

/// A candidate's integrity events (board or the room's proctor): focus lost, paste, …
#[utoipa::path(get, path = "/api/v1/events/{event}/candidates/{number}/integrity", tag = "proctor", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ("number" = String, Path, description = "The candidate number")),
    responses((status = 200, body = IntegrityLog), (status = 401), (status = 403), (status = 404)))]
pub async fn integrity(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult<Json<IntegrityLog>> {
    let c = candidate_in_my_room(&s, &user, &id, &number, "read this room's integrity events").await?;
    let evs = store::candidates::integrity_events(&s.db.read, &c.id).await?;
    let events = evs
        .into_iter()
        .map(|e| IntegrityEvent { kind: e.kind, detail: e.detail, epoch: e.epoch, at: e.at })
        .collect();
    Ok(Json(IntegrityLog { number, events }))
}
