//! A read sheet into the candidate's answers. Each sheet is checked on its own and either written
//! whole — its answers (paper epoch), its flagged marks (the review queue), its provenance and its
//! audit row in one writer transaction — or held for a person when its candidate cannot be told
//! (super::identity decides them), or refused with a reason, so one bad scan in a folder does not hold back the rest.
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
use crate::store::paper::{PaperRows, answer, flag, held, sheet};
use crate::store::writer::{NewAnswer, WriteOp};
use crate::store::{self, audit_entry};

/// Most sheets in one request (a room's folder; larger sites send several).
pub const MAX_SHEETS: usize = 200;

/// What became of one sheet.
#[derive(Debug, Serialize, ToSchema)]
pub struct SheetOutcome {
    pub image: String,
    pub number: Option<String>,
    /// `ingested`, `held` (its candidate cannot be told: it waits in the review queue for a person
    /// to name the candidate; `error` says why), `duplicate` (this scan was read in or held
    /// before; nothing written) or `refused`.
    pub status: &'static str,
    /// The stored sheet's id (also for a duplicate: the earlier one).
    pub sheet: Option<String>,
    /// Answers written.
    pub answers: usize,
    /// Marks sent to the review queue.
    pub flags: usize,
    /// Why it was held: `sheet_flagged` (số báo danh, mã đề or the QR code flagged by the reader),
    /// `no_candidate`, `unknown_candidate`, `wrong_version`; why it was refused:
    /// `invalid_image_sha256`, `wrong_event`, `sheet_unreadable`, `not_a_paper_room`,
    /// `invalid_answer`.
    pub error: Option<&'static str>,
    pub message: Option<String>,
}

impl SheetOutcome {
    pub(super) fn refused(sheet: &ReadSheet, code: &'static str, message: String) -> Self {
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
pub(super) type Refusal = (&'static str, String);

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
    let Some(sha) = read.image_sha256.as_deref().and_then(checked_sha256) else {
        return Ok(SheetOutcome::refused(
            &read,
            "invalid_image_sha256",
            "each sheet needs `image_sha256`, the SHA-256 of its scan (64 hex digits)".into(),
        ));
    };
    if let Some(o) = duplicate(s, &event.id, &read, &sha).await? {
        return Ok(o);
    }
    let c = match identify(s, event, &read).await? {
        Ok(c) => c,
        Err((code, message)) if HELD.contains(&code) => {
            return hold(s, by, &event.id, &read, &sha, (code, message)).await;
        }
        Err((code, message)) => return Ok(SheetOutcome::refused(&read, code, message)),
    };
    Ok(read_in(s, by, &c, content, &read, &sha, None)
        .await?
        .unwrap_or_else(|(code, message)| SheetOutcome::refused(&read, code, message)))
}

/// The outcome for a scan read in (or held) before: nothing is written again.
async fn duplicate(
    s: &AppState,
    event_id: &str,
    read: &ReadSheet,
    sha: &str,
) -> ApiResult<Option<SheetOutcome>> {
    let earlier = match crate::store::by_key(
        &s.db.read,
        sheet::Entity::find()
            .filter(sheet::Column::EventId.eq(event_id))
            .filter(sheet::Column::ImageSha256.eq(sha)),
    )
    .await?
    {
        Some(e) => Some((e.id, "read in")),
        None => crate::store::by_key(
            &s.db.read,
            held::Entity::find()
                .filter(held::Column::EventId.eq(event_id))
                .filter(held::Column::ImageSha256.eq(sha)),
        )
        .await?
        .map(|h| (h.id, "held for review")),
    };
    Ok(earlier.map(|(id, how)| {
        let mut o = SheetOutcome::refused(read, "duplicate", format!("this scan was {how} as sheet {id}"));
        (o.status, o.sheet, o.error) = ("duplicate", Some(id), None);
        o
    }))
}

/// Reads a sheet in for candidate `c` (identified); `held` is the held sheet a person assigned,
/// updated in the same transaction. A sheet whose answers do not fit its version is refused whole.
pub(super) async fn read_in(
    s: &AppState,
    by: &str,
    c: &candidate::Model,
    content: &Arc<EventContent>,
    read: &ReadSheet,
    sha: &str,
    held: Option<(&str, held::ActiveModel)>,
) -> ApiResult<Result<SheetOutcome, Refusal>> {
    let Some(version) = content.content.version(&c.version_code) else {
        return Err(ApiError::Internal(format!("version {} is not in the package", c.version_code)));
    };
    let numbering = Numbering::of(version);
    let marks = match marks(&numbering, &c.version_code, read) {
        Ok(m) => m,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let lock = s.hub.login_lock(&c.id);
    let _guard = lock.lock().await;
    let c = crate::store::by_key(&s.db.read, candidate::Entity::find_by_id(c.id.clone()))
        .await?
        .ok_or_else(|| ApiError::NotFound("the candidate is gone".into()))?;
    Ok(Ok(write(s, by, &c, read, sha, marks, held).await?))
}

/// The candidate the sheet belongs to, or why it cannot be told: a [`HELD`] code holds the sheet
/// for a person to name its candidate; any other refuses it.
pub(super) async fn identify(
    s: &AppState,
    event: &event::Model,
    read: &ReadSheet,
) -> ApiResult<Result<candidate::Model, Refusal>> {
    let event_id = event.id.as_str();
    if let Some(other) = printed_for_other(event, read) {
        return Ok(Err(("wrong_event", format!("the sheet was printed for event {other}, not {event_id}"))));
    }
    if read.flags.iter().any(|f| f.key == "sheet") {
        return Ok(Err((
            "sheet_unreadable",
            "the sheet's corner marks were not found: scan the sheet again".into(),
        )));
    }
    if let Some(f) = read.flags.iter().find(|f| !f.key.contains('.')) {
        return Ok(Err((
            "sheet_flagged",
            format!(
                "the sheet's {} needs a person ({}): name its candidate in the review queue",
                f.key, f.reason
            ),
        )));
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
    Ok(Ok(c))
}

/// The other event a sheet's QR code names, if it names one: the QR carries what
/// `khaothi omr sheet --event` (or the console's print) was given — the event's id, or its title.
pub(super) fn printed_for_other<'a>(event: &event::Model, read: &'a ReadSheet) -> Option<&'a str> {
    let printed_for = read.event.as_deref().map(str::trim).filter(|e| !e.is_empty());
    printed_for.filter(|e| *e != event.id && *e != event.title.trim())
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
    held: Option<(&str, held::ActiveModel)>,
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
    let held_id = held.as_ref().map(|h| h.0.to_string());
    if let Some((_, mut h)) = held {
        h.sheet = Set(Some(id.clone()));
        rows.held_decided.push(h);
    }
    ops.push(WriteOp::Paper(Box::new(rows)));
    let submits = c.submitted_at.is_none();
    if submits {
        ops.push(WriteOp::Session(Box::new(handed_in(c, now))));
    }
    let detail = json!({"source": "paper", "sheet": id, "sheet_id": read.sheet_id, "number": c.number,
        "image": read.image, "image_sha256": sha, "answers": written, "flags": flag_keys, "held": held_id});
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

/// The reasons that hold a sheet for a person rather than refuse it.
pub const HELD: [&str; 4] = ["sheet_flagged", "no_candidate", "unknown_candidate", "wrong_version"];

/// The sheet's field (`candidate`, `version`) as the reader proposed it: its flag's proposed
/// reading, else what it read.
fn proposed(read: &ReadSheet, key: &str) -> Option<String> {
    let flagged = read.flags.iter().find(|f| f.key == key).and_then(|f| f.proposed.as_ref());
    let read_value = if key == "candidate" { read.candidate.as_ref() } else { read.version.as_ref() };
    flagged.and_then(Value::as_str).map(String::from).or_else(|| read_value.cloned())
}

/// Holds one sheet (the caller holds the paper lock): its row and its audit row, together.
pub(super) async fn hold(
    s: &AppState,
    by: &str,
    event_id: &str,
    read: &ReadSheet,
    sha: &str,
    (code, message): Refusal,
) -> ApiResult<SheetOutcome> {
    let id = uuid::Uuid::new_v4().to_string();
    let (number, version) = (proposed(read, "candidate"), proposed(read, "version"));
    let row = held::ActiveModel {
        id: Set(id.clone()),
        event_id: Set(event_id.to_string()),
        image: Set(read.image.clone()),
        image_sha256: Set(sha.to_string()),
        reason: Set(code.to_string()),
        message: Set(message.clone()),
        proposed_number: Set(number.clone()),
        proposed_version: Set(version.clone()),
        reading: Set(serde_json::to_string(read).unwrap_or_default()),
        held_by: Set(by.to_string()),
        held_at: Set(Utc::now()),
        decision: Set(None),
        number: Set(None),
        sheet: Set(None),
        note: Set(None),
        decided_by: Set(None),
        decided_at: Set(None),
    };
    let rows = PaperRows { held: vec![row], ..Default::default() };
    let detail = json!({"source": "paper", "held": id, "image": read.image, "image_sha256": sha,
        "reason": code, "message": message, "proposed_number": number, "proposed_version": version});
    let audit = audit_entry(Some(event_id), by, "paper_sheet_held", detail);
    s.writer.write(WriteOp::Together(vec![WriteOp::Paper(Box::new(rows)), WriteOp::Audit(audit)])).await?;
    Ok(SheetOutcome {
        image: read.image.clone(),
        number,
        status: "held",
        sheet: Some(id),
        answers: 0,
        flags: read.flags.len(),
        error: Some(code),
        message: Some(message),
    })
}
