//! Exam events and their package: import (signature checked against the pinned board key), unlock
//! with the content release key at the start time, release of the keys section at the end.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use khaothi_auth::CurrentUser;
use khaothi_package::ReleaseKey;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::access::{load_event, sealed_package, verified_package};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, Path};
use crate::routes::{BOARD, STAFF};
use crate::session;
use crate::state::{AppState, EventContent};
use crate::store;
use crate::store::entity::event;
use crate::store::events::{EventStatus, Packaged};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    /// 1–64 characters from A–Z a–z 0–9 - _ .
    pub id: String,
    pub title: String,
    /// Opt in to scores at submit: the keys may then be released while candidates sit.
    #[serde(default)]
    pub score_at_submit: bool,
    /// The sitting's duration; defaults to the package's `duration_minutes`.
    #[serde(default)]
    pub duration_seconds: Option<u32>,
}

/// An exam event as staff see it.
#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub id: String,
    pub title: String,
    /// Empty until the package is imported.
    pub subject: String,
    pub status: EventStatus,
    pub duration_seconds: i32,
    pub package_id: Option<String>,
    /// The package's manifest (docs/formats.md), once imported.
    #[schema(value_type = Option<Object>)]
    pub manifest: Option<Value>,
    pub unlocked_at: Option<DateTime<Utc>>,
    pub keys_released_at: Option<DateTime<Utc>>,
    pub score_at_submit: bool,
}

impl EventView {
    pub fn of(e: &event::Model) -> ApiResult<Self> {
        Ok(Self {
            id: e.id.clone(),
            title: e.title.clone(),
            subject: e.subject.clone(),
            status: EventStatus::parse(&e.status)
                .ok_or_else(|| ApiError::Internal(format!("event {}: unknown status {}", e.id, e.status)))?,
            duration_seconds: e.duration_seconds,
            package_id: e.package_id.clone(),
            manifest: e.manifest.as_deref().and_then(|m| serde_json::from_str(m).ok()),
            unlocked_at: e.unlocked_at,
            keys_released_at: e.keys_released_at,
            score_at_submit: e.score_at_submit,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct EventList {
    pub events: Vec<EventView>,
}

/// The event after the keys' release, with how many candidates were scored.
#[derive(Serialize, ToSchema)]
pub struct KeysReleased {
    #[serde(flatten)]
    pub event: EventView,
    pub scored: usize,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyRequest {
    /// 64 hex digits or the typed release code (with its check characters).
    pub release_key: String,
    /// Unlocking an adaptive event only, and required there: the keys section's release key.
    /// Every answer of an adaptive test is scored as it arrives to choose the next item, so its
    /// keys are opened with its content at the start (docs/protocol.md §Security).
    #[serde(default)]
    pub keys_release_key: Option<String>,
}

fn valid_event_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// Create an exam event (board).
#[utoipa::path(post, path = "/api/v1/events", tag = "events", security(("bearer" = [])), request_body(content = NewEvent, example = json!({"id": "THPT-2026-TOAN", "title": "Thi thử tốt nghiệp THPT 2026 – Toán", "score_at_submit": false, "duration_seconds": 5400})),
    responses((status = 201, body = EventView), (status = 400), (status = 401), (status = 403), (status = 409)))]
pub async fn create_event(
    State(s): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewEvent>,
) -> ApiResult<(StatusCode, Json<EventView>)> {
    user.require(BOARD, "create exam events")?;
    let id = req.id.trim();
    if !valid_event_id(id) {
        return Err(ApiError::bad_request(
            "invalid_id",
            "an event id is 1–64 characters from A–Z a–z 0–9 - _ .",
        ));
    }
    if store::events::find(&s.db.read, id).await?.is_some() {
        return Err(ApiError::Conflict(format!("event {id} exists")));
    }
    let new = store::events::NewEvent {
        id,
        title: req.title,
        duration_seconds: req.duration_seconds.map_or(0, |d| d.min(24 * 3600) as i32),
        score_at_submit: req.score_at_submit,
    };
    let m = store::events::create(&s.db.write, new).await?;
    store::audit(&s.writer, Some(id), user.username(), "event_created", json!({"title": m.title})).await?;
    Ok((StatusCode::CREATED, Json(EventView::of(&m)?)))
}

/// Every event, oldest first (board and proctors).
#[utoipa::path(get, path = "/api/v1/events", tag = "events", security(("bearer" = [])),
    responses((status = 200, body = EventList), (status = 401), (status = 403)))]
pub async fn list_events(State(s): State<AppState>, user: CurrentUser) -> ApiResult<Json<EventList>> {
    user.require(STAFF, "list events")?;
    let all = store::events::all(&s.db.read).await?;
    Ok(Json(EventList { events: all.iter().map(EventView::of).collect::<ApiResult<_>>()? }))
}

/// One event (board and proctors).
#[utoipa::path(get, path = "/api/v1/events/{event}", tag = "events", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    responses((status = 200, body = EventView), (status = 401), (status = 403), (status = 404)))]
pub async fn get_event(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<EventView>> {
    user.require(STAFF, "read events")?;
    Ok(Json(EventView::of(&load_event(&s, &id).await?)?))
}

/// Import the event's signed package (board): the package file as the body. Refused unless the
/// signature verifies against the pinned board key and the package is for this event.
#[utoipa::path(post, path = "/api/v1/events/{event}/package", tag = "events", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    request_body(content = String, content_type = "application/octet-stream", description = "The package file (docs/formats.md)"),
    responses((status = 200, body = EventView), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "the event has started"), (status = 413), (status = 422, description = "signature or event refused")))]
pub async fn import_package(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<EventView>> {
    user.require(BOARD, "import packages")?;
    let e = load_event(&s, &id).await?;
    if e.unlocked_at.is_some() {
        return Err(ApiError::Conflict("the event has started; its package cannot be replaced".into()));
    }
    let sealed = match verified_package(&s, &body) {
        Ok(p) => p,
        Err(err) => {
            let detail = json!({"reason": err.to_string()});
            store::audit(&s.writer, Some(&id), user.username(), "package_refused", detail).await?;
            return Err(err);
        }
    };
    let m = &sealed.manifest;
    if m.event_id != id {
        return Err(ApiError::PackageRefused(format!("this package is for event {}, not {id}", m.event_id)));
    }
    if m.versions.is_empty() {
        // Seating deals versions out by seat number: a package without one could seat no one.
        return Err(ApiError::PackageRefused(
            "the package has no test versions: build it with at least one".into(),
        ));
    }
    let file = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::PackageRefused("the package is not UTF-8".into()))?;
    let package = Packaged {
        subject: m.subject.clone(),
        duration_seconds: (e.duration_seconds <= 0)
            .then(|| i32::try_from(m.duration_minutes.saturating_mul(60)).unwrap_or(i32::MAX)),
        package_id: m.package_id.clone(),
        manifest: serde_json::to_string(m).map_err(|e| ApiError::Internal(e.to_string()))?,
        file,
    };
    let e = store::events::set_package(&s.db.write, e, package).await?;
    let detail = json!({"package_id": m.package_id, "signer": m.signer});
    store::audit(&s.writer, Some(&id), user.username(), "package_imported", detail).await?;
    Ok(Json(EventView::of(&e)?))
}

/// Unlock the content with its release key (board, at the start time).
#[utoipa::path(post, path = "/api/v1/events/{event}/unlock", tag = "events", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")), request_body(content = KeyRequest, example = json!({"release_key": "4f9a1c2e7b3d8a6f0e5c4b3a2d1f0e9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e"})),
    responses((status = 200, body = EventView), (status = 400), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "no package yet"), (status = 422, description = "the key does not open the content")))]
pub async fn unlock(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<KeyRequest>,
) -> ApiResult<Json<EventView>> {
    user.require(BOARD, "unlock packages")?;
    let e = load_event(&s, &id).await?;
    let sealed = sealed_package(&s, &e)?;
    let key = release_key(&req)?;
    let content = sealed.open_content(&key).map_err(|e| ApiError::PackageRefused(e.to_string()))?;
    let ec = EventContent::new(e.subject.clone(), e.title.clone(), content);
    let keys_key = adaptive_keys(&sealed, &ec, &req)?;
    if let Some((keys, _)) = &keys_key {
        ec.set_keys(keys.clone()).map_err(ApiError::PackageRefused)?;
    }
    s.hub.set_content(&id, Arc::new(ec));
    let mut e = store::events::set_unlocked(&s.db.write, e, key.to_hex()).await?;
    if let Some((_, k)) = keys_key {
        e = store::events::set_keys_on_site(&s.db.write, e, k.to_hex()).await?;
    }
    s.hub.rooms.outbox.send(crate::state::outbox::Outgoing::Event(id.clone()));
    let detail = json!({"adaptive": e.keys_key.is_some()});
    store::audit(&s.writer, Some(&id), user.username(), "content_unlocked", detail).await?;
    Ok(Json(EventView::of(&e)?))
}

/// An adaptive event's keys, opened at unlock with `keys_release_key` (required for it, refused
/// for a package of fixed forms, whose keys wait for the end of the event).
fn adaptive_keys(
    sealed: &khaothi_package::SealedPackage,
    content: &EventContent,
    req: &KeyRequest,
) -> ApiResult<Option<(khaothi_package::PackageKeys, ReleaseKey)>> {
    match (&req.keys_release_key, content.is_adaptive()) {
        (None, false) => Ok(None),
        (Some(_), false) => Err(ApiError::bad_request(
            "keys_not_now",
            "this event's package is not adaptive: its keys are released at the end of the event, not with the content",
        )),
        (None, true) => Err(ApiError::bad_request(
            "keys_release_key_required",
            "this event is adaptive: every answer is scored at once to choose the next item, so give `keys_release_key` (the keys section's release key) with the content key",
        )),
        (Some(k), true) => {
            let key =
                ReleaseKey::parse(k).map_err(|e| ApiError::bad_request("bad_release_key", e.to_string()))?;
            let keys = sealed.open_keys(&key).map_err(|e| ApiError::PackageRefused(e.to_string()))?;
            Ok(Some((keys, key)))
        }
    }
}

fn release_key(req: &KeyRequest) -> ApiResult<ReleaseKey> {
    ReleaseKey::parse(&req.release_key).map_err(|e| ApiError::bad_request("bad_release_key", e.to_string()))
}

/// Release the keys section (board): at the end of the event (every candidate submitted) unless
/// the event opted in to scores at submit. Scores every submitted candidate.
#[utoipa::path(post, path = "/api/v1/events/{event}/keys", tag = "events", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")), request_body(content = KeyRequest, example = json!({"release_key": "4f9a1c2e7b3d8a6f0e5c4b3a2d1f0e9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e"})),
    responses((status = 200, body = KeysReleased), (status = 400), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "not unlocked, or candidates still sitting"), (status = 422, description = "the key does not open the keys section")))]
pub async fn release_keys(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<KeyRequest>,
) -> ApiResult<Json<KeysReleased>> {
    user.require(BOARD, "release answer keys")?;
    let e = load_event(&s, &id).await?;
    let content =
        s.hub.content(&id).ok_or_else(|| ApiError::Conflict("unlock the event's content first".into()))?;
    let sitting = store::events::sitting_count(&s.db.read, &id).await?;
    if sitting > 0 && !e.score_at_submit {
        return Err(ApiError::Conflict(format!(
            "{sitting} candidates are still sitting; keys are released at the end of the event (or create the event with score_at_submit)"
        )));
    }
    let sealed = sealed_package(&s, &e)?;
    let key = release_key(&req)?;
    let keys = sealed.open_keys(&key).map_err(|e| ApiError::PackageRefused(e.to_string()))?;
    content.set_keys(keys).map_err(ApiError::PackageRefused)?;
    let e = store::events::set_keys_released(&s.db.write, e, key.to_hex()).await?;
    s.hub.rooms.outbox.send(crate::state::outbox::Outgoing::Event(id.clone()));
    let scored = session::score_event(&s, &id).await?;
    store::audit(&s.writer, Some(&id), user.username(), "keys_released", json!({"scored": scored})).await?;
    Ok(Json(KeysReleased { event: EventView::of(&e)?, scored }))
}
