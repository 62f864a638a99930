//! The review queue: marks the reader would not decide, each with its crop and the reader's
//! proposed reading, and a person's decision — accept the reading, set a value, or leave the
//! question blank. A decision is audited (who, when, what) and its answer written through the
//! writer in the paper epoch, with the flag as its provenance; a decided flag stays decided.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::ingest::{paper_answer, provenance};
use super::numbering::Numbering;
use super::{PAPER_WRITES, next_seq};
use crate::access::load_event;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::audit_entry;
use crate::store::entity::candidate;
use crate::store::paper::{PaperRows, flag, sheet};
use crate::store::writer::WriteOp;

/// One flagged mark as the review page shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlagView {
    pub id: i64,
    pub sheet: String,
    pub number: String,
    pub image: String,
    pub sheet_id: Option<String>,
    /// Part and printed number (`I.3`).
    pub key: String,
    pub item: String,
    pub reason: String,
    /// The region's image as a `data:` URL, when the reader gave one.
    pub crop: Option<String>,
    #[schema(schema_with = crate::paper::read::schema::answer)]
    pub proposed: Value,
    /// `accept`, `set`, `blank`; absent while pending.
    pub decision: Option<String>,
    #[schema(schema_with = crate::paper::read::schema::answer)]
    pub value: Value,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

fn json_of(text: Option<&str>) -> Value {
    text.and_then(|t| serde_json::from_str(t).ok()).unwrap_or(Value::Null)
}

fn view(f: flag::Model, sheets: &HashMap<String, sheet::Model>) -> FlagView {
    let sh = sheets.get(&f.sheet);
    FlagView {
        id: f.id,
        number: sh.map(|x| x.number.clone()).unwrap_or_default(),
        image: sh.map(|x| x.image.clone()).unwrap_or_default(),
        sheet_id: sh.and_then(|x| x.sheet_id.clone()),
        sheet: f.sheet,
        key: f.key,
        item: f.item_id,
        reason: f.reason,
        crop: f.crop,
        proposed: json_of(f.proposed.as_deref()),
        decision: f.decision,
        value: json_of(f.value.as_deref()),
        decided_by: f.decided_by,
        decided_at: f.decided_at,
    }
}

/// The event's flags, pending first (then by sheet and question), or only the pending ones.
pub async fn list(s: &AppState, event_id: &str, pending_only: bool) -> ApiResult<Vec<FlagView>> {
    load_event(s, event_id).await?;
    let mut q = flag::Entity::find().filter(flag::Column::EventId.eq(event_id));
    if pending_only {
        q = q.filter(flag::Column::Decision.is_null());
    }
    let flags = q.order_by_asc(flag::Column::Id).all(&s.db.read).await?;
    let sheets: HashMap<String, sheet::Model> = sheet::Entity::find()
        .filter(sheet::Column::EventId.eq(event_id))
        .all(&s.db.read)
        .await?
        .into_iter()
        .map(|x| (x.id.clone(), x))
        .collect();
    let mut out: Vec<FlagView> = flags.into_iter().map(|f| view(f, &sheets)).collect();
    out.sort_by_key(|f| f.decision.is_some());
    Ok(out)
}

/// A person's decision on one flag.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// `accept` (the proposed reading), `set` (the `value` given) or `blank` (no answer from paper).
    pub decision: String,
    /// For `set`: the answer, valued as the websocket's (`"C"`, `[true, null, false, true]`, `"-1,5"`).
    #[serde(default)]
    #[schema(schema_with = crate::paper::read::schema::answer)]
    pub value: Option<Value>,
}

/// The answer a decision writes (`None`: nothing), checked against the question.
fn decided_value(
    numbering: &Numbering,
    version: &str,
    f: &flag::Model,
    body: &DecisionBody,
) -> ApiResult<Option<Value>> {
    let bad = |m: String| ApiError::bad_request("invalid_decision", m);
    let value = match body.decision.as_str() {
        "accept" => {
            if body.value.is_some() {
                return Err(bad(
                    "`accept` takes the proposed reading; send `set` with a `value` to change it".into(),
                ));
            }
            let proposed = json_of(f.proposed.as_deref());
            if proposed.is_null() {
                return Err(bad(format!(
                    "the reader proposed nothing for {}: set a value or leave it blank",
                    f.key
                )));
            }
            proposed
        }
        "set" => body.value.clone().ok_or_else(|| bad("`set` needs a `value`".into()))?,
        "blank" => {
            if body.value.is_some() {
                return Err(bad("`blank` takes no `value`".into()));
            }
            return Ok(None);
        }
        other => return Err(bad(format!("a decision is accept, set or blank; got `{other}`"))),
    };
    match numbering.answer(version, &f.key, &value) {
        Ok(Some((_, v))) => Ok(Some(v)),
        Ok(None) => Err(bad(format!("the value marks nothing; leave {} blank instead", f.key))),
        Err(m) => Err(ApiError::bad_request("invalid_answer", m)),
    }
}

/// Decides one flag and writes its answer (if any) with its audit row.
pub async fn decide(
    s: &AppState,
    by: &str,
    event_id: &str,
    flag_ref: &str,
    body: DecisionBody,
) -> ApiResult<FlagView> {
    load_event(s, event_id).await?;
    let missing = || ApiError::NotFound(format!("no flagged mark {flag_ref} in event {event_id}"));
    let id: i64 = flag_ref.parse().map_err(|_| missing())?;
    let _one_at_a_time = PAPER_WRITES.lock().await;
    let f = crate::store::by_key(&s.db.read, flag::Entity::find_by_id(id))
        .await?
        .filter(|f| f.event_id == event_id)
        .ok_or_else(missing)?;
    if let Some(d) = &f.decision {
        return Err(ApiError::Conflict(format!(
            "{} of this sheet was decided already ({d}, by {})",
            f.key,
            f.decided_by.as_deref().unwrap_or("?")
        )));
    }
    let c = crate::store::by_key(&s.db.read, candidate::Entity::find_by_id(f.candidate_id.clone()))
        .await?
        .ok_or_else(|| ApiError::NotFound("the candidate is gone".into()))?;
    let content = s.hub.content(event_id).ok_or_else(|| {
        ApiError::Conflict(format!("the content of event {event_id} is not loaded: unlock it first"))
    })?;
    let version = content
        .content
        .version(&c.version_code)
        .ok_or_else(|| ApiError::Internal(format!("version {} is not in the package", c.version_code)))?;
    let value = decided_value(&Numbering::of(version), &c.version_code, &f, &body)?;
    let now = Utc::now();
    let mut ops = Vec::new();
    let mut rows = PaperRows::default();
    let mut written = Value::Null;
    if let Some(v) = &value {
        let seq = next_seq(&s.db.read, &c.id).await?;
        ops.push(WriteOp::Answer(paper_answer(&c.id, seq, &f.item_id, v, now)));
        rows.answers.push(provenance(&c.id, seq, &f.sheet, &f.key, Some(f.id)));
        written = json!({"epoch": super::PAPER_EPOCH, "seq": seq});
    }
    let mut am = f.clone().into_active_model();
    am.decision = Set(Some(body.decision.clone()));
    am.value = Set(value.as_ref().map(Value::to_string));
    am.decided_by = Set(Some(by.to_string()));
    am.decided_at = Set(Some(now));
    rows.decided.push(am);
    ops.push(WriteOp::Paper(Box::new(rows)));
    let detail = json!({"source": "paper", "flag": f.id, "sheet": f.sheet, "number": c.number, "key": f.key,
        "item": f.item_id, "reason": f.reason, "proposed": json_of(f.proposed.as_deref()),
        "decision": body.decision, "value": value, "answer": written});
    ops.push(WriteOp::Audit(audit_entry(Some(event_id), by, "paper_flag_decided", detail)));
    s.writer.write(WriteOp::Together(ops)).await?;
    let f = crate::store::by_key(&s.db.read, flag::Entity::find_by_id(id)).await?.ok_or_else(missing)?;
    let sheets = sheet::Entity::find_by_id(f.sheet.clone()).all(&s.db.read).await?;
    Ok(view(f, &sheets.into_iter().map(|x| (x.id.clone(), x)).collect()))
}
