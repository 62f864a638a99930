//! Results and exports of an event (docs/formats.md "Results and exports"): per-candidate scores,
//! the calibration CSV and the raw responses with every shuffle undone.
//!
//! Everything here needs the keys section, so everything waits for its release: before it, each
//! function answers 409 `keys_not_released` and nothing is scored. The four `*_json`/`*_csv`
//! functions are what the HTTP routes and the signed result file share; they compute from the
//! response log each time (the stored `score` is a convenience of the candidate list), so a
//! result always agrees with the answers it came from.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use khaothi_domain::{Choice, ItemKind};
use khaothi_package::{
    AbilityEstimate, PackageKeys, ScoreSheet, VersionContent, ability_eap, format_score10, score_version,
    section_label,
};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::access::load_event;
use crate::error::{ApiError, ApiResult};
use crate::session;
use crate::state::{AppState, EventContent};
use crate::store::entity::{candidate, event};
use crate::store::{self, SavedAnswer};

/// One candidate of the event with what the keys make of their answers.
struct Row {
    c: candidate::Model,
    room: String,
    /// `None` for a candidate who never started (nothing to score).
    sheet: Option<ScoreSheet>,
    ability: Option<AbilityEstimate>,
    answers: BTreeMap<String, SavedAnswer>,
    /// An adaptive test's outcome (crate::adaptive): the engine's θ, SE and 10-point score.
    cat: Option<AdaptiveResult>,
}

/// What an adaptive test's result adds: its ability estimate from the engine (EAP with the
/// design's prior over the items given) and the pool's θ → 10-point conversion (docs/cat.md).
struct AdaptiveResult {
    theta: f64,
    se: f64,
    items_given: usize,
    /// Hundredths of a point.
    score10: u32,
}

/// An event whose keys are released, scored.
struct Scored {
    event: event::Model,
    content: Arc<EventContent>,
    keys: PackageKeys,
    /// Every section index any version uses, in order.
    sections: Vec<u32>,
    rows: Vec<Row>,
}

impl Scored {
    fn version(&self, code: &str) -> Option<&VersionContent> {
        self.content.content.version(code)
    }
}

/// Loads and scores the event, or refuses before the keys' release.
async fn scored(s: &AppState, event_id: &str) -> ApiResult<Scored> {
    let event = load_event(s, event_id).await?;
    if event.keys_released_at.is_none() {
        return Err(ApiError::KeysNotReleased(format!(
            "the keys of event {event_id} are not released yet; results and exports wait for POST /api/v1/events/{event_id}/keys at the end of the event"
        )));
    }
    let content = s.hub.content(event_id).ok_or_else(|| {
        ApiError::Internal(format!("event {event_id}: keys released but content not loaded"))
    })?;
    let keys = content
        .keys
        .read()
        .expect("keys lock")
        .clone()
        .ok_or_else(|| ApiError::Internal(format!("event {event_id}: keys released but not loaded")))?;
    let rooms: HashMap<String, String> =
        store::rooms::of_event(&s.db.read, event_id).await?.into_iter().map(|r| (r.id, r.name)).collect();
    let cands = store::candidates::of_event(&s.db.read, event_id).await?;
    let mut answers = store::event_answers(&s.db.read, event_id).await?;
    let mut steps = match content.adaptive() {
        Some(_) => store::cat_steps::of_event(&s.db.read, event_id).await?,
        None => BTreeMap::new(),
    };
    let sections: BTreeSet<u32> =
        content.content.versions.iter().flat_map(|v| v.items.iter().map(|i| i.section)).collect();
    let mut rows = Vec::with_capacity(cands.len());
    for c in cands {
        let answers = answers.remove(&c.id).unwrap_or_default();
        let progress = content
            .adaptive()
            .map(|_| crate::adaptive::Progress::rebuild(&steps.remove(&c.id).unwrap_or_default(), &answers));
        let sheet = match c.started_at {
            None => None,
            Some(_) => Some(sheet_of(&content, &keys, &c, &answers, progress.as_ref())?),
        };
        let ability = sheet.as_ref().and_then(|sh| ability_eap(&keys, &sh.items));
        let cat = match (content.adaptive(), &progress, c.started_at) {
            (Some(t), Some(p), Some(_)) => Some(adaptive_result(t, p).map_err(|e| {
                ApiError::Internal(format!("candidate {}: adaptive estimate: {e}", c.number))
            })?),
            _ => None,
        };
        let room = rooms.get(&c.room_id).cloned().unwrap_or_default();
        rows.push(Row { c, room, sheet, ability, answers, cat });
    }
    Ok(Scored { event, content, keys, sections: sections.into_iter().collect(), rows })
}

fn adaptive_result(
    t: &crate::adaptive::AdaptiveTest,
    p: &crate::adaptive::Progress,
) -> Result<AdaptiveResult, String> {
    let (est, score10) = t.result(p)?;
    Ok(AdaptiveResult {
        theta: est.theta,
        se: est.se,
        items_given: p.given.len(),
        score10: (score10 * 100.0).round().clamp(0.0, 1000.0) as u32,
    })
}

/// The candidate's score sheet: over their version's items, or for an adaptive test over the
/// items given, in the order given (its "version" is the pool).
fn sheet_of(
    content: &EventContent,
    keys: &PackageKeys,
    c: &candidate::Model,
    answers: &BTreeMap<String, SavedAnswer>,
    adaptive: Option<&crate::adaptive::Progress>,
) -> ApiResult<ScoreSheet> {
    let broken = |what: String| ApiError::Internal(format!("candidate {}: {what}", c.number));
    let version = content
        .content
        .version(&c.version_code)
        .ok_or_else(|| broken(format!("version {} is not in the package", c.version_code)))?;
    let given;
    let version = match adaptive {
        Some(p) => {
            given = given_items(version, p);
            &given
        }
        None => version,
    };
    let version_keys = keys
        .versions
        .get(&c.version_code)
        .ok_or_else(|| broken(format!("no keys for {}", c.version_code)))?;
    let values = answers.iter().map(|(k, a)| (k.clone(), a.value.clone())).collect();
    score_version(&content.subject, version, version_keys, &values).map_err(|e| broken(e.to_string()))
}

/// An adaptive test's items given, in the order given, as a version of their own.
fn given_items(pool: &VersionContent, p: &crate::adaptive::Progress) -> VersionContent {
    let by_id: HashMap<&str, &khaothi_package::ContentItem> =
        pool.items.iter().map(|i| (i.rendered.id.as_str(), i)).collect();
    VersionContent {
        code: pool.code.clone(),
        form_id: pool.form_id.clone(),
        items: p.given.iter().filter_map(|id| by_id.get(id.as_str()).map(|i| (*i).clone())).collect(),
    }
}

/// θ and SE rounded to 4 decimals: more would be noise, and the text stays stable.
fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Every candidate's result (docs/formats.md "Results JSON").
#[derive(Serialize, ToSchema)]
pub struct EventResults {
    pub event: String,
    pub title: String,
    pub subject: String,
    pub keys_released_at: Option<DateTime<Utc>>,
    /// Section labels, in order.
    pub sections: Vec<String>,
    pub candidates: Vec<CandidateResult>,
}

/// One candidate's result; the score fields are empty for a candidate who never started.
#[derive(Serialize, ToSchema)]
pub struct CandidateResult {
    pub number: String,
    pub full_name: String,
    pub date_of_birth: String,
    pub room: String,
    pub seat: i32,
    pub version: String,
    pub status: String,
    pub submit_reason: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub sections: Vec<SectionResult>,
    pub total: Option<u32>,
    pub max: Option<u32>,
    /// The score out of 10, two decimals.
    pub score10: Option<f64>,
    /// The same as the certificate writes it (`8,25`).
    pub score10_text: Option<String>,
    /// EAP θ and its posterior SD; for an adaptive test, the engine's (with the design's prior).
    pub theta_eap: Option<f64>,
    pub se: Option<f64>,
    pub answered: usize,
    /// An adaptive test only: the items given. Its `score10` is then the documented θ → 10-point
    /// conversion (docs/cat.md), and `total`/`max` are points on the items given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items_given: Option<usize>,
    /// Grouping variables from the candidate CSV (`school`, `district`, `region`, `sex`; only
    /// those given; absent when none), for DIF and đối sánh (crate::grouping).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(value_type = Object)]
    pub groups: BTreeMap<String, String>,
}

#[derive(Serialize, ToSchema)]
pub struct SectionResult {
    pub section: String,
    pub points: u32,
    pub max: u32,
}

/// θ and SE of a row: the adaptive engine's, else the EAP over the calibrated items.
fn theta_se(row: &Row) -> (Option<f64>, Option<f64>) {
    match &row.cat {
        Some(cat) => (Some(cat.theta), Some(cat.se)),
        None => (row.ability.as_ref().and_then(|a| a.theta), row.ability.as_ref().and_then(|a| a.se)),
    }
}

fn candidate_result(row: &Row, sections: &[u32]) -> CandidateResult {
    let c = &row.c;
    let sheet = row.sheet.as_ref();
    let score10 = match &row.cat {
        Some(cat) => Some(cat.score10),
        None => sheet.and_then(ScoreSheet::score10),
    };
    let section_results = |sh: &ScoreSheet| {
        sections
            .iter()
            .filter_map(|&n| {
                sh.sections.iter().find(|x| x.section == n).map(|x| SectionResult {
                    section: section_label(n),
                    points: x.points,
                    max: x.max,
                })
            })
            .collect()
    };
    CandidateResult {
        number: c.number.clone(),
        full_name: c.full_name.clone(),
        date_of_birth: c.date_of_birth.clone(),
        room: row.room.clone(),
        seat: c.seat,
        version: c.version_code.clone(),
        status: session::status(c).to_string(),
        submit_reason: c.submit_reason.clone(),
        started_at: c.started_at,
        submitted_at: c.submitted_at,
        sections: sheet.map(section_results).unwrap_or_default(),
        total: sheet.map(|sh| sh.total),
        max: sheet.map(|sh| sh.max),
        score10: score10.map(|h| f64::from(h) / 100.0),
        score10_text: score10.map(format_score10),
        theta_eap: theta_se(row).0.map(round4),
        se: theta_se(row).1.map(round4),
        answered: sheet.map_or(0, ScoreSheet::answered),
        items_given: row.cat.as_ref().map(|cat| cat.items_given),
        groups: crate::grouping::parse(c.groups.as_deref()),
    }
}

/// Every candidate's result as JSON (docs/formats.md "Results JSON"). A JSON value, so that the
/// result file's `results.json` part keeps its key order (sorted, as a `serde_json` map writes).
pub async fn results_json(s: &AppState, event: &str) -> Result<Value, ApiError> {
    let sc = scored(s, event).await?;
    let results = EventResults {
        event: sc.event.id.clone(),
        title: sc.event.title.clone(),
        subject: sc.event.subject.clone(),
        keys_released_at: sc.event.keys_released_at,
        sections: sc.sections.iter().map(|&n| section_label(n)).collect(),
        candidates: sc.rows.iter().map(|r| candidate_result(r, &sc.sections)).collect(),
    };
    serde_json::to_value(results).map_err(|e| ApiError::Internal(e.to_string()))
}

fn csv_text(rows: Vec<Vec<String>>) -> ApiResult<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(&r).map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    let bytes = w.into_inner().map_err(|e| ApiError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Internal(e.to_string()))
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The same results as CSV, one row per candidate (docs/formats.md "Results CSV").
pub async fn results_csv(s: &AppState, event: &str) -> Result<String, ApiError> {
    let sc = scored(s, event).await?;
    let mut header: Vec<String> =
        ["number", "full_name", "date_of_birth", "room", "seat", "version", "status", "submit_reason"]
            .map(String::from)
            .to_vec();
    header.extend(sc.sections.iter().map(|&n| format!("section_{}", section_label(n))));
    header
        .extend(["total", "max", "score10", "score10_text", "theta_eap", "se", "answered"].map(String::from));
    // An adaptive event's results add the items each candidate was given (crate::adaptive).
    let adaptive = sc.content.is_adaptive();
    if adaptive {
        header.push("items_given".into());
    }
    // The grouping columns appear when the candidate list gave any (crate::grouping).
    let grouped = sc.rows.iter().any(|r| r.c.groups.is_some());
    if grouped {
        header.extend(crate::grouping::VARIABLES.iter().map(|(v, _)| v.to_string()));
    }
    let mut out = vec![header];
    for r in &sc.rows {
        let (c, sheet) = (&r.c, r.sheet.as_ref());
        let mut row = vec![
            c.number.clone(),
            c.full_name.clone(),
            c.date_of_birth.clone(),
            r.room.clone(),
            c.seat.to_string(),
            c.version_code.clone(),
            session::status(c).to_string(),
            opt(c.submit_reason.as_ref()),
        ];
        row.extend(sc.sections.iter().map(|&n| {
            opt(sheet.and_then(|sh| sh.sections.iter().find(|x| x.section == n)).map(|x| x.points))
        }));
        let score10 = match &r.cat {
            Some(cat) => Some(cat.score10),
            None => sheet.and_then(ScoreSheet::score10),
        };
        let (theta, se) = theta_se(r);
        row.extend([
            opt(sheet.map(|sh| sh.total)),
            opt(sheet.map(|sh| sh.max)),
            opt(score10.map(|h| format!("{}.{:02}", h / 100, h % 100))),
            opt(score10.map(format_score10)),
            opt(theta.map(|t| format!("{t:.4}"))),
            opt(se.map(|t| format!("{t:.4}"))),
            sheet.map_or(0, ScoreSheet::answered).to_string(),
        ]);
        if adaptive {
            row.push(opt(r.cat.as_ref().map(|cat| cat.items_given)));
        }
        if grouped {
            row.extend(crate::grouping::row(c.groups.as_deref()));
        }
        out.push(row);
    }
    csv_text(out)
}

/// The calibration CSV (DESIGN §4): `person,<id@version>…` in the forms' item order, one row per
/// candidate who started, cells the scored responses (0/1, 0–4 statements right; not answered =
/// 0; not on the candidate's version = empty).
pub async fn calibration_csv(s: &AppState, event: &str) -> Result<String, ApiError> {
    let sc = scored(s, event).await?;
    // Older packages list no bank items: their columns are the versions' items, bare ids.
    let columns: Vec<(String, String)> = if sc.keys.has_bank_terms() {
        sc.keys.items.iter().map(|i| (i.id.clone(), i.column())).collect()
    } else {
        let mut seen = BTreeSet::new();
        sc.content
            .content
            .versions
            .iter()
            .flat_map(|v| v.items.iter().map(|i| i.rendered.id.clone()))
            .filter(|id| seen.insert(id.clone()))
            .map(|id| (id.clone(), id))
            .collect()
    };
    let mut out =
        vec![std::iter::once("person".to_string()).chain(columns.iter().map(|c| c.1.clone())).collect()];
    for r in &sc.rows {
        let Some(sheet) = &r.sheet else { continue };
        let right: HashMap<&str, u8> = sheet.items.iter().map(|i| (i.item.as_str(), i.right)).collect();
        let mut row = vec![r.c.number.clone()];
        row.extend(columns.iter().map(|(id, _)| opt(right.get(id.as_str()))));
        out.push(row);
    }
    csv_text(out)
}

/// A shown answer in the bank's order: the shown option letter mapped back through the version's
/// option order; the statements of a true/false group put back in the bank's order and written
/// `T`/`F`/`-` (true, false, left blank); a short answer as typed. Empty when not answered.
fn bank_value(kind: ItemKind, value: &Value, order: Option<&[u8]>) -> String {
    let bank_index = |shown: usize| order.map_or(Some(shown), |o| o.get(shown).map(|&b| usize::from(b)));
    match kind {
        ItemKind::SingleChoice => value
            .as_str()
            .and_then(Choice::parse)
            .and_then(|shown| bank_index(shown.index()))
            .and_then(Choice::from_index)
            .map(|c| c.letter().to_string())
            .unwrap_or_default(),
        ItemKind::TrueFalseGroup => {
            let Some(shown) = value.as_array() else { return String::new() };
            let mut bank = vec!['-'; shown.len()];
            for (k, v) in shown.iter().enumerate() {
                if let Some(slot) = bank_index(k).and_then(|b| bank.get_mut(b)) {
                    *slot = match v.as_bool() {
                        Some(true) => 'T',
                        Some(false) => 'F',
                        None => '-',
                    };
                }
            }
            bank.into_iter().collect()
        }
        ItemKind::ShortAnswer => value.as_str().unwrap_or_default().to_string(),
        // Never in an exam package (packages refuse the kind): no answers to write.
        ItemKind::MultipleResponse => String::new(),
    }
}

/// Raw responses, one row per candidate × item of their version, answers in the bank's order
/// (docs/formats.md "Raw responses CSV").
pub async fn raw_csv(s: &AppState, event: &str) -> Result<String, ApiError> {
    let sc = scored(s, event).await?;
    if !sc.keys.has_bank_terms() {
        return Err(ApiError::Conflict(
            "this event's package was built before packages recorded their shuffles; its raw answers cannot be put back in the bank's order".into(),
        ));
    }
    // `source` and `sheet` (issue 22): `computer` or `paper`, and the answer sheet a paper
    // answer was read from; `shown` (issue 19): the answer as the candidate saw it (the shown
    // letters, before the shuffle is undone) for the copying screen's matches by position.
    // Appended, so earlier columns keep their places.
    let header = khaothi_package::RAW_CSV_COLUMNS;
    let sheets = crate::paper::sheets_of_answers(&s.db.read, event).await?;
    let mut out = vec![header.map(String::from).to_vec()];
    for r in &sc.rows {
        let Some(sheet) = &r.sheet else { continue };
        let version = sc.version(&r.c.version_code).ok_or_else(|| {
            ApiError::Internal(format!("candidate {}: version {} is missing", r.c.number, r.c.version_code))
        })?;
        // The sheet's items in its order: the version's, or an adaptive test's items as given.
        let by_id: HashMap<&str, &khaothi_package::ContentItem> =
            version.items.iter().map(|i| (i.rendered.id.as_str(), i)).collect();
        let items = sheet.items.iter().filter_map(|sc| by_id.get(sc.item.as_str()).map(|i| (*i, sc)));
        for (position, (item, score)) in items.enumerate() {
            let id = &item.rendered.id;
            let column = sc.keys.item(id).map_or_else(|| id.clone(), |b| b.column());
            let saved = r.answers.get(id);
            let order = sc.keys.order(&r.c.version_code, id);
            out.push(vec![
                r.c.number.clone(),
                column,
                item.rendered.kind.as_str().to_string(),
                r.c.version_code.clone(),
                (position + 1).to_string(),
                saved.map(|a| bank_value(item.rendered.kind, &a.value, order)).unwrap_or_default(),
                score.right.to_string(),
                opt(saved.map(|a| a.epoch)),
                opt(saved.map(|a| a.seq)),
                opt(saved.map(|a| a.received_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))),
                opt(saved.map(|a| if a.epoch == crate::paper::PAPER_EPOCH { "paper" } else { "computer" })),
                opt(saved.and_then(|a| {
                    sheets.get(&(r.c.id.clone(), a.seq)).filter(|_| a.epoch == crate::paper::PAPER_EPOCH)
                })),
                saved.map(|a| bank_value(item.rendered.kind, &a.value, None)).unwrap_or_default(),
            ]);
        }
    }
    csv_text(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn shown_answers_go_back_to_the_banks_order() {
        use ItemKind::*;
        // Shown A is the bank's option 2 (C), shown C is the bank's option 0 (A).
        let order = [2u8, 3, 0, 1];
        assert_eq!(bank_value(SingleChoice, &json!("A"), Some(&order)), "C");
        assert_eq!(bank_value(SingleChoice, &json!("c"), Some(&order)), "A");
        assert_eq!(bank_value(SingleChoice, &json!("D"), None), "D");
        assert_eq!(bank_value(SingleChoice, &Value::Null, Some(&order)), "");
        // Statements shown b, a, d, c.
        let statements = [1u8, 0, 3, 2];
        assert_eq!(bank_value(TrueFalseGroup, &json!([true, false, null, true]), Some(&statements)), "FTT-");
        assert_eq!(bank_value(TrueFalseGroup, &json!([true, false, null, true]), None), "TF-T");
        // Short answers are kept as typed.
        assert_eq!(bank_value(ShortAnswer, &json!("0.5"), None), "0.5");
        assert_eq!(bank_value(ShortAnswer, &Value::Null, None), "");
    }
}
