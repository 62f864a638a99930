//! A read sheet into the candidate's answers. Each sheet is checked on its own and either written
//! whole — its answers (paper epoch), its flagged marks (the review queue), its provenance and its
//! audit row in one writer transaction — or refused with a reason, so one bad scan in a folder
//! does not hold back the rest.
//!
//! Who may have a sheet (docs/protocol.md "Paper rooms"): a candidate who never logged in on a
//! computer, or any candidate of a room the proctor switched to paper. A candidate who sat the
//! test on a computer in a room that stayed on computers is refused (`not_a_paper_room`): a sheet
//! then is a mistake or a second attempt, never an answer.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::numbering::Numbering;
use super::read::{ReadSheet, checked_sha256};
use super::{PAPER_EPOCH, PAPER_WRITES, next_seq, switched};
use crate::access::load_event;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, EventContent};
use crate::store::entity::{candidate, event};
use crate::store::paper::{PaperRows, answer, flag, sheet};
use crate::store::writer::{NewAnswer, WriteOp};
use crate::store::{self, audit_entry};

/// Most sheets in one request (a room's folder; larger sites send several).
pub const MAX_SHEETS: usize = 200;

/// What became of one sheet.
#[derive(Debug, Serialize, ToSchema)]
pub struct SheetOutcome {
    pub image: String,
    pub number: Option<String>,
    /// `ingested`, `duplicate` (this scan was read in before; nothing written) or `refused`.
    pub status: &'static str,
    /// The stored sheet's id (also for a duplicate: the earlier one).
    pub sheet: Option<String>,
    /// Answers written.
    pub answers: usize,
    /// Marks sent to the review queue.
    pub flags: usize,
    /// Why it was refused: `invalid_image_sha256`, `wrong_event`, `no_candidate`,
    /// `unknown_candidate`, `wrong_version`, `not_a_paper_room`, `sheet_flagged`, `invalid_answer`.
    pub error: Option<&'static str>,
    pub message: Option<String>,
}

impl SheetOutcome {
    fn refused(sheet: &ReadSheet, code: &'static str, message: String) -> Self {
        SheetOutcome {
            image: sheet.image.clone(),
            number: sheet.candidate.clone(),
            status: "refused",
            sheet: None,
            answers: 0,
            flags: 0,
            error: Some(code),
            message: Some(message),
        }
    }
}

/// A refusal of one sheet: its code and sentence.
type Refusal = (&'static str, String);

/// Reads every sheet in, in order. The event's content must be unlocked (the numbering needs it).
pub async fn ingest(
    s: &AppState,
    by: &str,
    event_id: &str,
    sheets: Vec<ReadSheet>,
) -> ApiResult<Vec<SheetOutcome>> {
    let event = load_event(s, event_id).await?;
    if sheets.is_empty() || sheets.len() > MAX_SHEETS {
        return Err(ApiError::bad_request(
            "invalid_sheets",
            format!("send 1 to {MAX_SHEETS} sheets (`sheets`); got {}", sheets.len()),
        ));
    }
    let content = s.hub.content(event_id).ok_or_else(|| {
        ApiError::Conflict(format!(
            "the content of event {event_id} is not unlocked: sheets are numbered by its versions, unlock it first"
        ))
    })?;
    let _one_at_a_time = PAPER_WRITES.lock().await;
    let mut out = Vec::with_capacity(sheets.len());
    for sheet in sheets {
        out.push(one(s, by, &event, &content, sheet).await?);
    }
    Ok(out)
}

async fn one(
    s: &AppState,
    by: &str,
    event: &event::Model,
    content: &Arc<EventContent>,
    read: ReadSheet,
) -> ApiResult<SheetOutcome> {
    let event_id = event.id.as_str();
    let (c, sha) = match identify(s, event, &read).await? {
        Ok(found) => found,
        Err((code, message)) => return Ok(SheetOutcome::refused(&read, code, message)),
    };
    if let Some(earlier) = sheet::Entity::find()
        .filter(sheet::Column::EventId.eq(event_id))
        .filter(sheet::Column::ImageSha256.eq(&sha))
        .one(&s.db.read)
        .await?
    {
        let mut o = SheetOutcome::refused(
            &read,
            "duplicate",
            format!("this scan was read in as sheet {}", earlier.id),
        );
        (o.status, o.sheet, o.error) = ("duplicate", Some(earlier.id), None);
        return Ok(o);
    }
    let Some(version) = content.content.version(&c.version_code) else {
        return Err(ApiError::Internal(format!("version {} is not in the package", c.version_code)));
    };
    let numbering = Numbering::of(version);
    let marks = match marks(&numbering, &c.version_code, &read) {
        Ok(m) => m,
        Err((code, message)) => return Ok(SheetOutcome::refused(&read, code, message)),
    };
    let lock = s.hub.login_lock(&c.id);
    let _guard = lock.lock().await;
    let c = candidate::Entity::find_by_id(c.id.clone())
        .one(&s.db.read)
        .await?
        .ok_or_else(|| ApiError::NotFound("the candidate is gone".into()))?;
    let written = write(s, by, &c, &read, &sha, marks).await?;
    Ok(written)
}

/// The candidate the sheet belongs to and the scan's hash, or why the sheet cannot be used.
async fn identify(
    s: &AppState,
    event: &event::Model,
    read: &ReadSheet,
) -> ApiResult<Result<(candidate::Model, String), Refusal>> {
    let event_id = event.id.as_str();
    let Some(sha) = read.image_sha256.as_deref().and_then(checked_sha256) else {
        return Ok(Err((
            "invalid_image_sha256",
            "each sheet needs `image_sha256`, the SHA-256 of its scan (64 hex digits)".into(),
        )));
    };
    if let Some(f) = read.flags.iter().find(|f| !f.key.contains('.')) {
        return Ok(Err((
            "sheet_flagged",
            format!(
                "the sheet's {} needs a person ({}): correct the sheet or scan it again",
                f.key, f.reason
            ),
        )));
    }
    // The QR carries what `khaothi omr sheet --event` was given: the event's id, or its title.
    let printed_for = read.event.as_deref().map(str::trim).filter(|e| !e.is_empty());
    if let Some(other) = printed_for.filter(|e| *e != event_id && *e != event.title.trim()) {
        return Ok(Err(("wrong_event", format!("the sheet was printed for event {other}, not {event_id}"))));
    }
    let Some(number) = read.candidate.as_deref().map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(Err(("no_candidate", "the sheet's candidate number (số báo danh) was not read".into())));
    };
    let Some(c) = store::candidate_by_number(&s.db.read, Some(event_id), number).await?.into_iter().next()
    else {
        return Ok(Err(("unknown_candidate", format!("no candidate {number} in event {event_id}"))));
    };
    if read.version.as_deref().map(str::trim) != Some(c.version_code.as_str()) {
        return Ok(Err((
            "wrong_version",
            format!(
                "candidate {number} sits version {}, the sheet says {}",
                c.version_code,
                read.version.as_deref().unwrap_or("nothing")
            ),
        )));
    }
    if c.started_at.is_some() && switched(&s.db.read, &c.room_id).await?.is_none() {
        return Ok(Err((
            "not_a_paper_room",
            format!(
                "candidate {number} sat the test on a computer and their room was not switched to paper: a sheet is not accepted (the proctor records a switch to paper first)"
            ),
        )));
    }
    Ok(Ok((c, sha)))
}

/// A sheet's checked content: answers to write and marks for the queue.
struct Marks {
    answers: Vec<(String, String, Value)>,
    flags: Vec<flag::ActiveModel>,
}

/// Answers and flags of a sheet against its version's numbering; a flagged key is never answered.
fn marks(numbering: &Numbering, version: &str, read: &ReadSheet) -> Result<Marks, Refusal> {
    let flagged: BTreeSet<&str> = read.flags.iter().map(|f| f.key.as_str()).collect();
    let mut answers = Vec::new();
    for (key, value) in &read.answers {
        if flagged.contains(key.as_str()) {
            continue;
        }
        match numbering.answer(version, key, value) {
            Ok(Some((p, v))) => answers.push((key.clone(), p.item_id.clone(), v)),
            Ok(None) => {}
            Err(m) => return Err(("invalid_answer", m)),
        }
    }
    let mut flags = Vec::new();
    for f in &read.flags {
        let p = numbering.get(&f.key).ok_or_else(|| {
            ("invalid_answer", format!("flag {} is not a question of version {version}", f.key))
        })?;
        let proposed = f.proposed.as_ref().filter(|v| !v.is_null());
        if let Some(v) = proposed {
            numbering
                .answer(version, &f.key, v)
                .map_err(|m| ("invalid_answer", format!("proposed reading of {m}")))?;
        }
        flags.push(flag::ActiveModel {
            key: Set(f.key.clone()),
            item_id: Set(p.item_id.clone()),
            reason: Set(f.reason.clone()),
            crop: Set(f.crop_data_url()),
            proposed: Set(proposed.map(Value::to_string)),
            ..Default::default()
        });
    }
    Ok(Marks { answers, flags })
}

/// The reading as stored: the reader's sheet without the crops (they live with the flags).
fn stored_reading(read: &ReadSheet) -> String {
    let mut v = serde_json::to_value(read).unwrap_or(Value::Null);
    if let Some(flags) = v.get_mut("flags").and_then(Value::as_array_mut) {
        for f in flags {
            if let Some(o) = f.as_object_mut() {
                o.remove("crop");
            }
        }
    }
    v.to_string()
}

/// Writes one sheet (the caller holds the paper lock and the candidate's login lock).
async fn write(
    s: &AppState,
    by: &str,
    c: &candidate::Model,
    read: &ReadSheet,
    sha: &str,
    marks: Marks,
) -> ApiResult<SheetOutcome> {
    let now = Utc::now();
    let id = uuid::Uuid::new_v4().to_string();
    let first = next_seq(&s.db.read, &c.id).await?;
    let mut ops = Vec::new();
    let mut rows = PaperRows::default();
    let mut written = Vec::new();
    for (k, (key, item, value)) in marks.answers.iter().enumerate() {
        let seq = first + k as i64;
        ops.push(WriteOp::Answer(paper_answer(&c.id, seq, item, value, now)));
        rows.answers.push(provenance(&c.id, seq, &id, key, None));
        written.push(json!({"key": key, "item": item, "epoch": PAPER_EPOCH, "seq": seq}));
    }
    // Every flag of the sheet was kept (a flag that is not a question refused the sheet).
    let flag_keys: Vec<&str> = read.flags.iter().map(|f| f.key.as_str()).collect();
    rows.flags = marks.flags.into_iter().map(|f| flag_of(f, &id, c)).collect();
    rows.sheets.push(sheet::ActiveModel {
        id: Set(id.clone()),
        event_id: Set(c.event_id.clone()),
        candidate_id: Set(c.id.clone()),
        number: Set(c.number.clone()),
        version: Set(c.version_code.clone()),
        sheet_id: Set(read.sheet_id.clone()),
        image: Set(read.image.clone()),
        image_sha256: Set(sha.to_string()),
        reading: Set(stored_reading(read)),
        ingested_by: Set(by.to_string()),
        ingested_at: Set(now),
    });
    ops.push(WriteOp::Paper(Box::new(rows)));
    let submits = c.submitted_at.is_none();
    if submits {
        ops.push(WriteOp::Session(Box::new(handed_in(c, now))));
    }
    let detail = json!({"source": "paper", "sheet": id, "sheet_id": read.sheet_id, "number": c.number,
        "image": read.image, "image_sha256": sha, "answers": written, "flags": flag_keys});
    ops.push(WriteOp::Audit(audit_entry(Some(&c.event_id), by, "paper_sheet_ingested", detail)));
    s.writer.write(WriteOp::Together(ops)).await?;
    if submits {
        s.hub.update(&c.id, |sig| {
            sig.submitted = Some(HANDED_IN.to_string());
            sig.paused_at = None;
        });
        s.hub.rooms.touch(&c.id, &c.room_id);
    }
    Ok(SheetOutcome {
        image: read.image.clone(),
        number: Some(c.number.clone()),
        status: "ingested",
        sheet: Some(id),
        answers: marks.answers.len(),
        flags: flag_keys.len(),
        error: None,
        message: None,
    })
}

/// The `submit_reason` of a sitting ended by its paper sheet.
pub const HANDED_IN: &str = "paper";

/// The session once its sheet is in: started (if it never was on a computer) and submitted.
fn handed_in(c: &candidate::Model, now: DateTime<Utc>) -> candidate::ActiveModel {
    let mut am = c.clone().into_active_model();
    am.started_at = Set(Some(c.started_at.unwrap_or(now)));
    am.submitted_at = Set(Some(now));
    am.submit_reason = Set(Some(HANDED_IN.to_string()));
    if let Some(p) = c.paused_at {
        am.paused_at = Set(None);
        am.paused_ms = Set(c.paused_ms + (now - p).num_milliseconds().max(0));
    }
    am
}

fn flag_of(mut f: flag::ActiveModel, sheet: &str, c: &candidate::Model) -> flag::ActiveModel {
    f.sheet = Set(sheet.to_string());
    f.event_id = Set(c.event_id.clone());
    f.candidate_id = Set(c.id.clone());
    f
}

/// An answer from paper for the response log.
pub(super) fn paper_answer(
    candidate: &str,
    seq: i64,
    item: &str,
    value: &Value,
    at: DateTime<Utc>,
) -> NewAnswer {
    NewAnswer {
        candidate_id: candidate.to_string(),
        epoch: PAPER_EPOCH,
        seq,
        item_id: item.to_string(),
        value: value.to_string(),
        received_at: at,
    }
}

/// The provenance row of a paper answer.
pub(super) fn provenance(
    candidate: &str,
    seq: i64,
    sheet: &str,
    key: &str,
    flag: Option<i64>,
) -> answer::ActiveModel {
    answer::ActiveModel {
        candidate_id: Set(candidate.to_string()),
        epoch: Set(PAPER_EPOCH),
        seq: Set(seq),
        sheet: Set(sheet.to_string()),
        key: Set(key.to_string()),
        flag_id: Set(flag),
    }
}
