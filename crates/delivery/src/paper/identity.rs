//! Sheets whose candidate cannot be told from the scan (issue 22 §2: "an unreadable QR or a number
//! that does not match the QR are flagged for a person"): số báo danh or mã đề flagged by the
//! reader, the QR code unreadable or disagreeing with the bubbles, a number that is no candidate of
//! the event, a mã đề that is not the candidate's. Such a sheet is never refused and never guessed:
//! it is held whole — the reader's output with its crops — in the review queue until a person
//! names its candidate (it is then read in like any sheet, the decision audited with it) or
//! rejects it (audited too). Nothing of a held sheet reaches the response log before that.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::PAPER_WRITES;
use super::ingest::{identify, read_in};
use super::read::ReadSheet;
use crate::access::load_event;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, EventContent};
use crate::store::audit_entry;
use crate::store::paper::{PaperRows, held};
use crate::store::writer::WriteOp;

/// Most characters of a decision's note and of a number typed by the person.
const MAX_NOTE: usize = 500;
const MAX_NUMBER: usize = 32;

/// One flagged field's crop, for the person naming the candidate.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldCrop {
    /// `candidate`, `version`, `qr`, or a question (`I.3`).
    pub key: String,
    pub reason: String,
    /// The region's image as a `data:` URL, when the reader gave one.
    pub crop: Option<String>,
    pub detail: Option<String>,
}

/// A held sheet as the review page shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldView {
    pub id: String,
    pub image: String,
    pub image_sha256: String,
    /// Why it is held (`sheet_flagged`, `no_candidate`, `unknown_candidate`, `wrong_version`).
    pub reason: String,
    pub message: String,
    pub proposed_number: Option<String>,
    pub proposed_version: Option<String>,
    /// The sheet id the QR code carries, when it was read.
    pub sheet_id: Option<String>,
    /// Answers read on the sheet (written once its candidate is named).
    pub answers: usize,
    pub crops: Vec<HeldCrop>,
    pub held_by: String,
    pub held_at: DateTime<Utc>,
    /// `assign` or `reject`; absent while pending.
    pub decision: Option<String>,
    /// The candidate it was assigned to, and the paper sheet it became.
    pub number: Option<String>,
    pub sheet: Option<String>,
    pub note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

fn view(h: held::Model) -> HeldView {
    let read: Option<ReadSheet> = serde_json::from_str(&h.reading).ok();
    let crops = read
        .as_ref()
        .map(|r| {
            r.flags
                .iter()
                .map(|f| HeldCrop {
                    key: f.key.clone(),
                    reason: f.reason.clone(),
                    crop: f.crop_data_url(),
                    detail: f.detail.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    HeldView {
        sheet_id: read.as_ref().and_then(|r| r.sheet_id.clone()),
        answers: read.as_ref().map_or(0, |r| r.answers.len()),
        crops,
        id: h.id,
        image: h.image,
        image_sha256: h.image_sha256,
        reason: h.reason,
        message: h.message,
        proposed_number: h.proposed_number,
        proposed_version: h.proposed_version,
        held_by: h.held_by,
        held_at: h.held_at,
        decision: h.decision,
        number: h.number,
        sheet: h.sheet,
        note: h.note,
        decided_by: h.decided_by,
        decided_at: h.decided_at,
    }
}

/// The event's held sheets in the order they came, or only the pending ones.
pub async fn list(s: &AppState, event_id: &str, pending_only: bool) -> ApiResult<Vec<HeldView>> {
    load_event(s, event_id).await?;
    let mut q = held::Entity::find().filter(held::Column::EventId.eq(event_id));
    if pending_only {
        q = q.filter(held::Column::Decision.is_null());
    }
    let rows = q.order_by_asc(held::Column::HeldAt).order_by_asc(held::Column::Id).all(&s.db.read).await?;
    let mut out: Vec<HeldView> = rows.into_iter().map(view).collect();
    out.sort_by_key(|h| h.decision.is_some());
    Ok(out)
}

/// Counts of held sheets by decision (`None`: pending), for the paper summary.
pub async fn counts(s: &AppState, event_id: &str) -> ApiResult<HashMap<Option<String>, u64>> {
    let mut out = HashMap::new();
    for h in held::Entity::find().filter(held::Column::EventId.eq(event_id)).all(&s.db.read).await? {
        *out.entry(h.decision).or_insert(0) += 1;
    }
    Ok(out)
}

/// A person's decision on a held sheet.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldDecision {
    /// `assign` (read the sheet in for candidate `number`, who sits mã đề `version`) or `reject`
    /// (the sheet is not read in: a spoilt or stray sheet).
    pub decision: String,
    /// For `assign`: số báo danh, as the person reads it on the sheet.
    #[serde(default)]
    pub number: Option<String>,
    /// For `assign`: mã đề, as the person reads it on the sheet; it must be the candidate's.
    #[serde(default)]
    pub version: Option<String>,
    /// Why (kept with the decision and in the audit log).
    #[serde(default)]
    pub note: Option<String>,
}

fn checked_text(v: Option<&str>, what: &str, max: usize) -> ApiResult<Option<String>> {
    let v = v.map(str::trim).filter(|x| !x.is_empty());
    if v.is_some_and(|x| x.chars().count() > max) {
        return Err(ApiError::bad_request(
            "invalid_decision",
            format!("{what} has at most {max} characters"),
        ));
    }
    Ok(v.map(String::from))
}

/// Decides one held sheet: assigns it to a candidate (read in, with the decision, in one
/// transaction) or rejects it.
pub async fn decide(
    s: &AppState,
    by: &str,
    event_id: &str,
    held_ref: &str,
    body: HeldDecision,
) -> ApiResult<HeldView> {
    let event = load_event(s, event_id).await?;
    let note = checked_text(body.note.as_deref(), "a note", MAX_NOTE)?;
    let missing = || ApiError::NotFound(format!("no held sheet {held_ref} in event {event_id}"));
    let _one_at_a_time = PAPER_WRITES.lock().await;
    let h = crate::store::by_key(&s.db.read, held::Entity::find_by_id(held_ref.to_string()))
        .await?
        .filter(|h| h.event_id == event_id)
        .ok_or_else(missing)?;
    if let Some(d) = &h.decision {
        return Err(ApiError::Conflict(format!(
            "sheet {} was decided already ({d}, by {})",
            h.image,
            h.decided_by.as_deref().unwrap_or("?")
        )));
    }
    let mut am = h.clone().into_active_model();
    am.decision = Set(Some(body.decision.clone()));
    am.note = Set(note.clone());
    am.decided_by = Set(Some(by.to_string()));
    am.decided_at = Set(Some(Utc::now()));
    match body.decision.as_str() {
        "reject" => {
            if body.number.is_some() || body.version.is_some() {
                return Err(ApiError::bad_request("invalid_decision", "`reject` takes no number or version"));
            }
            let rows = PaperRows { held_decided: vec![am], ..Default::default() };
            let detail = json!({"source": "paper", "held": h.id, "image": h.image,
                "image_sha256": h.image_sha256, "reason": h.reason, "note": note});
            let audit = audit_entry(Some(event_id), by, "paper_sheet_rejected", detail);
            s.writer
                .write(WriteOp::Together(vec![WriteOp::Paper(Box::new(rows)), WriteOp::Audit(audit)]))
                .await?;
        }
        "assign" => {
            let content = s.hub.content(event_id).ok_or_else(|| {
                ApiError::Conflict(format!("the content of event {event_id} is not loaded: unlock it first"))
            })?;
            assign(s, by, &event, &content, &h, am, &body).await?;
        }
        other => {
            return Err(ApiError::bad_request(
                "invalid_decision",
                format!("a decision is assign or reject; got `{other}`"),
            ));
        }
    }
    let h = crate::store::by_key(&s.db.read, held::Entity::find_by_id(h.id)).await?.ok_or_else(missing)?;
    Ok(view(h))
}

/// Reads the held sheet in as candidate `body.number`'s, checked exactly as a sheet read in
/// directly (the candidate exists, sits that mã đề, may hand in paper; the answers fit).
async fn assign(
    s: &AppState,
    by: &str,
    event: &crate::store::entity::event::Model,
    content: &Arc<EventContent>,
    h: &held::Model,
    mut am: held::ActiveModel,
    body: &HeldDecision,
) -> ApiResult<()> {
    let bad = |code: &'static str, m: String| ApiError::bad_request(code, m);
    let number = checked_text(body.number.as_deref(), "a number", MAX_NUMBER)?.ok_or_else(|| {
        bad("invalid_decision", "`assign` needs the candidate's `number` (số báo danh)".into())
    })?;
    let version = checked_text(body.version.as_deref(), "a version", MAX_NUMBER)?
        .ok_or_else(|| bad("invalid_decision", "`assign` needs the sheet's `version` (mã đề)".into()))?;
    let mut read: ReadSheet = serde_json::from_str(&h.reading)
        .map_err(|e| ApiError::Internal(format!("held sheet {} has an unreadable reading: {e}", h.id)))?;
    // The person has named the candidate: the reader's doubts about who it is are settled.
    read.flags.retain(|f| f.key.contains('.'));
    (read.candidate, read.version) = (Some(number.clone()), Some(version));
    let c = identify(s, event, &read).await?.map_err(|(code, m)| bad(code, m))?;
    am.number = Set(Some(c.number.clone()));
    read_in(s, by, &c, content, &read, &h.image_sha256, Some((&h.id, am)))
        .await?
        .map_err(|(code, m)| bad(code, m))?;
    Ok(())
}
