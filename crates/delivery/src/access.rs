//! Lookups every staff surface shares (routes, the proctor websocket and its HTTP actions, the
//! biên bản): an event, room or candidate by what staff type, as a 404 when it is not there, and
//! the rule of who may act in a room. Below `routes` and `proctor`, so neither depends on the other.

use khaothi_auth::{CurrentUser, Role};
use khaothi_package::{SealedPackage, verify_package};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::entity::{candidate, event, room};

/// The event, or 404.
pub async fn load_event(s: &AppState, id: &str) -> ApiResult<event::Model> {
    store::events::find(&s.db.read, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no exam event {id}")))
}

/// A room of the event by id or name, or 404.
pub async fn find_room(s: &AppState, event_id: &str, room_ref: &str) -> ApiResult<room::Model> {
    store::rooms::by_ref(&s.db.read, event_id, room_ref)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no room {room_ref} in event {event_id}")))
}

/// A candidate of the event by candidate number, or 404.
pub async fn find_candidate(s: &AppState, event_id: &str, number: &str) -> ApiResult<candidate::Model> {
    store::candidate_by_number(&s.db.read, Some(event_id), number)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::NotFound(format!("no candidate {number} in event {event_id}")))
}

/// The board sees every room; a proctor only the rooms bound to them. `what` ends the refusal:
/// "you … may not {what}".
pub async fn require_room(s: &AppState, user: &CurrentUser, room_id: &str, what: &str) -> ApiResult<()> {
    match user.role() {
        Role::ExamBoard | Role::Admin => Ok(()),
        Role::Proctor => {
            if store::staff::watches(&s.db.read, &user.0.sub, room_id).await? {
                Ok(())
            } else {
                Err(ApiError::NotAllowed(format!("you are not the proctor of this room and may not {what}")))
            }
        }
        r => Err(ApiError::NotAllowed(format!("your role ({r}) may not {what}"))),
    }
}

/// A candidate the user may act on: found in the event and in one of the user's rooms.
pub async fn candidate_in_my_room(
    s: &AppState,
    user: &CurrentUser,
    event_id: &str,
    number: &str,
    what: &str,
) -> ApiResult<candidate::Model> {
    let c = find_candidate(s, event_id, number).await?;
    require_room(s, user, &c.room_id, what).await?;
    Ok(c)
}

/// A room the user may act in.
pub async fn room_of_mine(
    s: &AppState,
    user: &CurrentUser,
    event_id: &str,
    room_ref: &str,
    what: &str,
) -> ApiResult<room::Model> {
    let r = find_room(s, event_id, room_ref).await?;
    require_room(s, user, &r.id, what).await?;
    Ok(r)
}

/// A package file checked against the pinned board key.
pub fn verified_package(s: &AppState, bytes: &[u8]) -> ApiResult<SealedPackage> {
    let key = s.board_key.as_ref().ok_or_else(|| {
        ApiError::NotAllowed(
            "this server has no board_public_key configured; it cannot accept packages".into(),
        )
    })?;
    verify_package(bytes, key).map_err(|e| ApiError::PackageRefused(e.to_string()))
}

/// The event's imported package, checked again (the stored file is what was verified at import).
pub fn sealed_package(s: &AppState, e: &event::Model) -> ApiResult<SealedPackage> {
    let file = e
        .package_file
        .as_deref()
        .ok_or_else(|| ApiError::Conflict("import the event's package first".into()))?;
    verified_package(s, file.as_bytes())
}
