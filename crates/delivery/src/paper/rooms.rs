//! Switching a room to paper: a proctor action like a pause, recorded in the room log (so it is
//! in the biên bản and on every proctor page of the room) and the audit log. Nothing about the
//! sessions changes at the switch: answers given on the computer so far stay, and each candidate's
//! sheet, once read in, overrides them only for the questions marked on paper and ends the sitting.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{PAPER_ACTION, switched};
use crate::access::load_event;
use crate::error::{ApiError, ApiResult};
use crate::proctor::actions::{self, Entry};
use crate::session::{self, SessionStatus};
use crate::state::AppState;
use crate::store;
use crate::store::entity::room;
use crate::store::paper::{flag, sheet};

/// Most characters of the switch's reason.
const MAX_REASON: usize = 500;

/// Records that room `r` goes on on paper; the room log entry.
pub async fn switch(s: &AppState, by: &str, r: &room::Model, reason: Option<&str>) -> ApiResult<Value> {
    let reason = reason.map(str::trim).filter(|x| !x.is_empty());
    if reason.is_some_and(|x| x.chars().count() > MAX_REASON) {
        return Err(ApiError::bad_request(
            "invalid_reason",
            format!("a reason has at most {MAX_REASON} characters"),
        ));
    }
    if let Some(max) = crate::proctor::roster::adaptive_max(s, &r.event_id).await? {
        // docs/cat.md "An adaptive event and paper": each question is chosen from the answers
        // before it, so there is no printed form to go on with.
        return Err(ApiError::BadRequest {
            code: "adaptive_event",
            message: format!(
                "event {} is adaptive (at most {max} questions, each chosen from the answers before it): it has no paper form. Pause the room and let candidates resume on working computers — every answer and the next question are kept — or reschedule the sitting",
                r.event_id
            ),
        });
    }
    if let Some(done) = switched(&s.db.read, &r.id).await? {
        return Err(ApiError::Conflict(format!(
            "room {} was switched to paper at {} by {}",
            r.name,
            done.at.to_rfc3339(),
            done.actor
        )));
    }
    let on_computer: Vec<String> = store::candidates::of_room(&s.db.read, &r.id)
        .await?
        .into_iter()
        .filter(|c| matches!(session::status(c), SessionStatus::InProgress | SessionStatus::Paused))
        .map(|c| c.number)
        .collect();
    let detail = format!(
        "Chuyển phòng sang làm bài trên giấy ({} thí sinh đang làm trên máy){}",
        on_computer.len(),
        reason.map(|x| format!(": {x}")).unwrap_or_default()
    );
    let data = json!({"reason": reason, "in_progress": on_computer});
    let entry = Entry {
        event_id: &r.event_id,
        room_id: &r.id,
        candidate: None,
        action: PAPER_ACTION,
        audit: "room_switched_to_paper",
        detail,
        data,
    };
    actions::record(s, by, entry).await
}

/// A room and whether it is on paper.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaperRoom {
    pub id: String,
    pub name: String,
    pub on_paper: bool,
    pub switched_at: Option<DateTime<Utc>>,
    pub switched_by: Option<String>,
}

/// The event's paper work at a glance.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaperSummary {
    pub event: String,
    /// Sheets read in.
    pub sheets: u64,
    /// Flagged marks waiting for a person.
    pub pending: u64,
    pub decided: u64,
    /// Sheets held until a person names their candidate, and those decided.
    pub held_pending: u64,
    pub held_decided: u64,
    pub rooms: Vec<PaperRoom>,
}

pub async fn summary(s: &AppState, event_id: &str) -> ApiResult<PaperSummary> {
    load_event(s, event_id).await?;
    let db = &s.db.read;
    let sheets = sheet::Entity::find().filter(sheet::Column::EventId.eq(event_id)).count(db).await?;
    let flags = flag::Entity::find().filter(flag::Column::EventId.eq(event_id));
    let pending = flags.clone().filter(flag::Column::Decision.is_null()).count(db).await?;
    let decided = flags.filter(flag::Column::Decision.is_not_null()).count(db).await?;
    let mut rooms = Vec::new();
    for r in store::rooms::of_event(db, event_id).await? {
        let sw = switched(db, &r.id).await?;
        rooms.push(PaperRoom {
            on_paper: sw.is_some(),
            switched_at: sw.as_ref().map(|x| x.at),
            switched_by: sw.map(|x| x.actor),
            id: r.id,
            name: r.name,
        });
    }
    let held = super::identity::counts(s, event_id).await?;
    let held_pending = held.get(&None).copied().unwrap_or(0);
    let held_decided = held.values().sum::<u64>() - held_pending;
    Ok(PaperSummary {
        event: event_id.to_string(),
        sheets,
        pending,
        decided,
        held_pending,
        held_decided,
        rooms,
    })
}
