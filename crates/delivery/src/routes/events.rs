//! Exam events and their package: import (signature checked against the pinned board key), unlock
//! with the content release key at the start time, release of the keys section at the end.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use khaothi_auth::{CurrentUser, Role};
use khaothi_package::{ReleaseKey, SealedPackage, verify_package};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, Path};
use crate::state::{AppState, EventContent};
use crate::store::entity::{candidate, event, room};
use crate::{StartError, session, store};

const BOARD: &[Role] = &[Role::ExamBoard, Role::Admin];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    pub id: String,
    pub title: String,
    /// Opt in to scores at submit: the keys may then be released while candidates sit.
    #[serde(default)]
    pub score_at_submit: bool,
    /// The sitting's duration; defaults to the package's `duration_minutes`.
    #[serde(default)]
    pub duration_seconds: Option<u32>,
}

pub fn event_json(e: &event::Model) -> Value {
    json!({
        "id": e.id, "title": e.title, "subject": e.subject, "status": e.status,
        "duration_seconds": e.duration_seconds, "package_id": e.package_id,
        "manifest": e.manifest.as_deref().and_then(|m| serde_json::from_str::<Value>(m).ok()),
        "unlocked_at": e.unlocked_at, "keys_released_at": e.keys_released_at,
        "score_at_submit": e.score_at_submit,
    })
}

pub async fn load_event(s: &AppState, id: &str) -> ApiResult<event::Model> {
    store::event(&s.db.read, id).await?.ok_or_else(|| ApiError::NotFound(format!("no exam event {id}")))
}

/// `POST /api/v1/events` (board).
pub async fn create_event(
    State(s): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewEvent>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    user.require(BOARD, "create exam events")?;
    let id = req.id.trim();
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(ApiError::bad_request(
            "invalid_id",
            "an event id is 1–64 characters from A–Z a–z 0–9 - _ .",
        ));
    }
    if store::event(&s.db.read, id).await?.is_some() {
        return Err(ApiError::Conflict(format!("event {id} exists")));
    }
    let m = event::ActiveModel {
        id: Set(id.into()),
        org_id: Set(khaothi_store::DEFAULT_ORG.into()),
        title: Set(req.title),
        subject: Set(String::new()),
        duration_seconds: Set(req.duration_seconds.map_or(0, |d| d.min(24 * 3600) as i32)),
        status: Set("created".into()),
        package_id: Set(None),
        package_file: Set(None),
        manifest: Set(None),
        content_key: Set(None),
        keys_key: Set(None),
        unlocked_at: Set(None),
        keys_released_at: Set(None),
        score_at_submit: Set(req.score_at_submit),
        created_at: Set(Utc::now()),
    }
    .insert(&s.db.read)
    .await?;
    store::audit(&s.writer, Some(id), user.username(), "event_created", json!({"title": m.title})).await?;
    Ok((StatusCode::CREATED, axum::Json(event_json(&m))))
}

pub async fn list_events(State(s): State<AppState>, user: CurrentUser) -> ApiResult<axum::Json<Value>> {
    user.require(&[Role::ExamBoard, Role::Admin, Role::Proctor], "list events")?;
    let all = event::Entity::find().order_by_asc(event::Column::CreatedAt).all(&s.db.read).await?;
    Ok(axum::Json(json!({"events": all.iter().map(event_json).collect::<Vec<_>>()})))
}

pub async fn get_event(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Value>> {
    user.require(&[Role::ExamBoard, Role::Admin, Role::Proctor], "read events")?;
    Ok(axum::Json(event_json(&load_event(&s, &id).await?)))
}

fn verify(s: &AppState, bytes: &[u8]) -> ApiResult<SealedPackage> {
    let key = s.board_key.as_ref().ok_or_else(|| {
        ApiError::NotAllowed(
            "this server has no board_public_key configured; it cannot accept packages".into(),
        )
    })?;
    verify_package(bytes, key).map_err(|e| ApiError::PackageRefused(e.to_string()))
}

/// `POST /api/v1/events/{event}/package` (board): the package file as the body. Refused unless
/// the signature verifies against the pinned board key and the package is for this event.
pub async fn import_package(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<axum::Json<Value>> {
    user.require(BOARD, "import packages")?;
    let e = load_event(&s, &id).await?;
    if e.unlocked_at.is_some() {
        return Err(ApiError::Conflict("the event has started; its package cannot be replaced".into()));
    }
    let sealed = match verify(&s, &body) {
        Ok(p) => p,
        Err(err) => {
            store::audit(
                &s.writer,
                Some(&id),
                user.username(),
                "package_refused",
                json!({"reason": err.to_string()}),
            )
            .await?;
            return Err(err);
        }
    };
    let m = &sealed.manifest;
    if m.event_id != id {
        return Err(ApiError::PackageRefused(format!("this package is for event {}, not {id}", m.event_id)));
    }
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::PackageRefused("the package is not UTF-8".into()))?;
    let keep_duration = e.duration_seconds > 0;
    let mut am = e.into_active_model();
    am.subject = Set(m.subject.clone());
    if !keep_duration {
        am.duration_seconds = Set(i32::try_from(m.duration_minutes.saturating_mul(60)).unwrap_or(i32::MAX));
    }
    am.package_id = Set(Some(m.package_id.clone()));
    am.manifest = Set(Some(serde_json::to_string(m).map_err(|e| ApiError::Internal(e.to_string()))?));
    am.package_file = Set(Some(text));
    am.status = Set("packaged".into());
    let e = am.update(&s.db.read).await?;
    store::audit(
        &s.writer,
        Some(&id),
        user.username(),
        "package_imported",
        json!({"package_id": m.package_id, "signer": m.signer}),
    )
    .await?;
    Ok(axum::Json(event_json(&e)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRequest {
    /// 64 hex digits or the typed release code (with its check characters).
    pub release_key: String,
}

fn sealed_of(s: &AppState, e: &event::Model) -> ApiResult<SealedPackage> {
    let file = e
        .package_file
        .as_deref()
        .ok_or_else(|| ApiError::Conflict("import the event's package first".into()))?;
    verify(s, file.as_bytes())
}

/// `POST /api/v1/events/{event}/unlock` (board, at the start time): the content release key.
pub async fn unlock(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<KeyRequest>,
) -> ApiResult<axum::Json<Value>> {
    user.require(BOARD, "unlock packages")?;
    let e = load_event(&s, &id).await?;
    let sealed = sealed_of(&s, &e)?;
    let key = ReleaseKey::parse(&req.release_key)
        .map_err(|e| ApiError::bad_request("bad_release_key", e.to_string()))?;
    let content = sealed.open_content(&key).map_err(|e| ApiError::PackageRefused(e.to_string()))?;
    s.hub.set_content(&id, Arc::new(EventContent::new(e.subject.clone(), e.title.clone(), content)));
    let mut am = e.into_active_model();
    am.content_key = Set(Some(key.to_hex()));
    am.unlocked_at = Set(Some(Utc::now()));
    am.status = Set("open".into());
    let e = am.update(&s.db.read).await?;
    store::audit(&s.writer, Some(&id), user.username(), "content_unlocked", json!({})).await?;
    Ok(axum::Json(event_json(&e)))
}

/// `POST /api/v1/events/{event}/keys` (board): the keys section's release key. At the end of the
/// event (every candidate submitted) unless the event opted in to scores at submit. Scores every
/// submitted candidate.
pub async fn release_keys(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<KeyRequest>,
) -> ApiResult<axum::Json<Value>> {
    user.require(BOARD, "release answer keys")?;
    let e = load_event(&s, &id).await?;
    let content =
        s.hub.content(&id).ok_or_else(|| ApiError::Conflict("unlock the event's content first".into()))?;
    let sitting = candidate::Entity::find()
        .filter(candidate::Column::EventId.eq(&id))
        .filter(candidate::Column::SubmittedAt.is_null())
        .filter(candidate::Column::StartedAt.is_not_null())
        .all(&s.db.read)
        .await?
        .len();
    if sitting > 0 && !e.score_at_submit {
        return Err(ApiError::Conflict(format!(
            "{sitting} candidates are still sitting; keys are released at the end of the event (or create the event with score_at_submit)"
        )));
    }
    let sealed = sealed_of(&s, &e)?;
    let key = ReleaseKey::parse(&req.release_key)
        .map_err(|e| ApiError::bad_request("bad_release_key", e.to_string()))?;
    let keys = sealed.open_keys(&key).map_err(|e| ApiError::PackageRefused(e.to_string()))?;
    *content.keys.write().expect("keys lock") = Some(keys);
    let mut am = e.into_active_model();
    am.keys_key = Set(Some(key.to_hex()));
    am.keys_released_at = Set(Some(Utc::now()));
    am.status = Set("scored".into());
    let e = am.update(&s.db.read).await?;
    let scored = session::score_event(&s, &id).await?;
    store::audit(&s.writer, Some(&id), user.username(), "keys_released", json!({"scored": scored})).await?;
    let mut out = event_json(&e);
    out["scored"] = json!(scored);
    Ok(axum::Json(out))
}

/// At start: decrypt the content (and keys) of every unlocked event with the stored keys.
pub async fn load_unlocked(s: &AppState) -> Result<(), StartError> {
    let open = event::Entity::find()
        .filter(event::Column::ContentKey.is_not_null())
        .all(&s.db.read)
        .await
        .map_err(|e| e.to_string())?;
    for e in open {
        let sealed = sealed_of(s, &e).map_err(|err| format!("event {}: {err}", e.id))?;
        let ck =
            ReleaseKey::parse(e.content_key.as_deref().unwrap_or_default()).map_err(|err| err.to_string())?;
        let content = sealed.open_content(&ck).map_err(|err| format!("event {}: {err}", e.id))?;
        let ec = EventContent::new(e.subject.clone(), e.title.clone(), content);
        if let Some(k) = &e.keys_key {
            let kk = ReleaseKey::parse(k).map_err(|err| err.to_string())?;
            *ec.keys.write().expect("keys lock") =
                Some(sealed.open_keys(&kk).map_err(|err| err.to_string())?);
        }
        s.hub.set_content(&e.id, Arc::new(ec));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRoom {
    pub name: String,
    pub seats: u32,
}

/// `POST /api/v1/events/{event}/rooms` (board).
pub async fn create_room(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewRoom>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    user.require(BOARD, "create rooms")?;
    load_event(&s, &id).await?;
    if req.name.trim().is_empty() || req.seats == 0 || req.seats > 10_000 {
        return Err(ApiError::bad_request("invalid_room", "a room has a name and 1–10000 seats"));
    }
    let exists = room::Entity::find()
        .filter(room::Column::EventId.eq(&id))
        .filter(room::Column::Name.eq(req.name.trim()))
        .one(&s.db.read)
        .await?;
    if exists.is_some() {
        return Err(ApiError::Conflict(format!("room {} exists in event {id}", req.name.trim())));
    }
    let r = room::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        event_id: Set(id.clone()),
        name: Set(req.name.trim().into()),
        seats: Set(req.seats as i32),
        created_at: Set(Utc::now()),
    }
    .insert(&s.db.read)
    .await?;
    Ok((StatusCode::CREATED, axum::Json(json!({"id": r.id, "name": r.name, "seats": r.seats}))))
}

pub async fn list_rooms(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Value>> {
    user.require(&[Role::ExamBoard, Role::Admin, Role::Proctor], "list rooms")?;
    let rooms = room::Entity::find()
        .filter(room::Column::EventId.eq(&id))
        .order_by_asc(room::Column::Name)
        .all(&s.db.read)
        .await?;
    Ok(axum::Json(
        json!({"rooms": rooms.iter().map(|r| json!({"id": r.id, "name": r.name, "seats": r.seats})).collect::<Vec<_>>()}),
    ))
}
