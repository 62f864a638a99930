//! Finalizing a test on paper (issue 22 §3): once every flag is decided, each sheet's answers —
//! the reader's, with the person's decisions for the flagged marks — are scored by the THPT rules
//! (crate::paper), and the sitting is filed the way a delivery site's results are:
//!
//! - a **response set** of its `calibration.csv` (`POST /api/v1/calibrations?response_set=…`);
//! - a **result file** (`khaothi-results/1`, docs/formats.md) with `results.csv`,
//!   `calibration.csv`, `raw.csv` (`source` = `paper`, the QR's sheet id, the scan's SHA-256) and
//!   `results.json`, signed with the bank's own key, which the bank registers as a site ("Bài
//!   kiểm tra trên giấy (ngân hàng)") the first time; its event id is the sitting's id. The
//!   comparisons (đối sánh) and the integrity screen read it like any imported file.
//!
//! All in one transaction, audited; a sitting is finalized once.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use khaothi_auth::CurrentUser;
use khaothi_package::result_file::{ChainHead, ChainHeads, UnsignedResults};
use khaothi_package::{format_score10, sign_result_file};
use khaothi_store::paper::{self as store, PaperFlag, PaperSheet as StoredSheet, PaperSitting};
use khaothi_store::results::{self, NewImport};
use khaothi_store::{audit, begin_write, calibration};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::assembly::FormView;
use super::items::actor;
use super::paper::{BOARD, frozen_form};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiPath;
use crate::paper::{self as scoring, PaperSheet, Scored};
use crate::state::AppState;

/// The name the bank's own key is registered under as a results site.
pub const PAPER_SITE: &str = "Bài kiểm tra trên giấy (ngân hàng)";

#[derive(Serialize, ToSchema)]
pub struct PaperScore {
    pub number: String,
    pub version: String,
    /// Hundredths of a point.
    pub total: u32,
    pub max: u32,
    /// The 10-point score, e.g. `7,25`.
    pub score10: Option<String>,
    pub answered: usize,
    /// The QR code's sheet id (or the stored sheet's).
    pub sheet: String,
    pub image_sha256: String,
}

#[derive(Serialize, ToSchema)]
pub struct PaperFinalized {
    pub sitting: String,
    pub response_set_id: String,
    pub result_import_id: String,
    /// The result file's SHA-256.
    pub digest: String,
    pub candidates: Vec<PaperScore>,
}

/// The decided value of a flag, when decided.
fn decision(f: &PaperFlag) -> Option<Value> {
    f.decision.as_deref().and_then(|d| serde_json::from_str(d).ok())
}

/// The sheets to score: not set aside, with the decisions in place; refused (409, named) while a
/// flag waits, a number or version is unknown, or one candidate has two sheets.
fn sheets_to_score(sheets: &[StoredSheet], flags: &[PaperFlag]) -> ApiResult<Vec<PaperSheet>> {
    let live: Vec<&StoredSheet> = sheets.iter().filter(|s| s.discarded_at.is_none()).collect();
    let pending: Vec<String> = flags
        .iter()
        .filter(|f| f.decided_at.is_none())
        .filter_map(|f| live.iter().find(|s| s.id == f.sheet_id).map(|s| format!("{} {}", s.image, f.key)))
        .collect();
    if !pending.is_empty() {
        let shown: Vec<&str> = pending.iter().take(5).map(String::as_str).collect();
        return Err(ApiError::Conflict(format!(
            "{} flagged marks wait for a person ({}{}): decide them first",
            pending.len(),
            shown.join("; "),
            if pending.len() > 5 { "; …" } else { "" }
        )));
    }
    if live.is_empty() {
        return Err(ApiError::Conflict("no sheet was read in: upload the scans first".into()));
    }
    let mut out: Vec<PaperSheet> = Vec::with_capacity(live.len());
    let mut images: BTreeMap<String, &str> = BTreeMap::new();
    for s in live {
        let mine: Vec<&PaperFlag> = flags.iter().filter(|f| f.sheet_id == s.id).collect();
        let field = |key: &str, read: &Option<String>| {
            mine.iter()
                .find(|f| f.key == key)
                .and_then(|f| decision(f))
                .and_then(|v| v.as_str().map(String::from))
                .or_else(|| read.clone())
        };
        let (Some(number), Some(version)) = (field("candidate", &s.number), field("version", &s.version))
        else {
            return Err(ApiError::Conflict(format!(
                "{}: its candidate number or version is not known: set the sheet aside or scan it again",
                s.image
            )));
        };
        if let Some(first) = images.insert(number.clone(), &s.image) {
            return Err(ApiError::Conflict(format!(
                "candidate {number} has two sheets ({first} and {}): set one aside first",
                s.image
            )));
        }
        let mut answers: BTreeMap<String, Value> =
            serde_json::from_str(&s.answers).map_err(|e| ApiError::Internal(e.to_string()))?;
        for f in mine.iter().filter(|f| scoring::is_question(&f.key)) {
            match decision(f) {
                Some(v) if !v.is_null() => answers.insert(f.key.clone(), v),
                _ => answers.remove(&f.key),
            };
        }
        out.push(PaperSheet {
            number,
            version,
            answers,
            sheet: s.sheet_qr.clone().unwrap_or_else(|| s.id.clone()),
            image_sha256: s.image_sha256.clone(),
            read_at: s.uploaded_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        });
    }
    Ok(out)
}

/// The result file's parts.
fn parts(
    s: &PaperSitting,
    form: &FormView,
    subject: &str,
    scored: &[Scored],
) -> ApiResult<BTreeMap<String, String>> {
    let internal = |e: String| ApiError::Internal(e);
    let results_json = json!({"event": s.id, "title": s.name, "subject": subject, "source": "paper",
        "form": s.form_id, "candidates": scored});
    Ok(BTreeMap::from([
        ("results.csv".to_string(), scoring::results_csv(&form.form, scored).map_err(internal)?),
        ("calibration.csv".to_string(), scoring::calibration_csv(&form.form, scored).map_err(internal)?),
        ("raw.csv".to_string(), scoring::raw_csv(&form.versions, &form.form, scored).map_err(internal)?),
        ("results.json".to_string(), results_json.to_string()),
    ]))
}

/// The subject of the sitting's form and every sheet scored on its version.
async fn score_all(
    state: &AppState,
    org: &str,
    s: &PaperSitting,
    form: &FormView,
) -> ApiResult<(String, Vec<Scored>)> {
    let stored = khaothi_store::assembly::get_form(&state.db, org, &s.form_id).await?;
    let bp = khaothi_store::assembly::get_blueprint(&state.db, org, &stored.blueprint_id).await?;
    let subject = khaothi_assembly::Blueprint::from_yaml(&bp.yaml)
        .map_err(|e| ApiError::Internal(format!("stored blueprint {}: {e}", bp.id)))?
        .subject;
    let sheets =
        sheets_to_score(&store::sheets(&state.db, &s.id).await?, &store::flags(&state.db, &s.id).await?)?;
    let mut scored = Vec::with_capacity(sheets.len());
    for sheet in &sheets {
        let Some(version) = form.versions.iter().find(|v| v.code == sheet.version) else {
            return Err(ApiError::Conflict(format!(
                "candidate {}: the form has no version {}",
                sheet.number, sheet.version
            )));
        };
        scored.push(scoring::score(&subject, &form.form, version, sheet).map_err(ApiError::Internal)?);
    }
    Ok((subject, scored))
}

/// The site the bank's own key is registered as (registered, audited, the first time).
async fn paper_site(
    txn: &impl khaothi_store::ConnectionTrait,
    actor: &khaothi_store::audit::Actor,
    key: &khaothi_package::SitePublicKey,
) -> ApiResult<results::TrustedSite> {
    if let Some(site) = results::site_by_key(txn, &key.to_string()).await? {
        return Ok(site);
    }
    let site = results::register_site(txn, actor, PAPER_SITE, &key.to_string(), &key.fingerprint()).await?;
    let detail = json!({"name": site.name, "fingerprint": site.fingerprint, "source": "paper"});
    audit::record(txn, actor, "site_registered", "site", &site.id, detail).await?;
    Ok(site)
}

/// Score every sheet and file the test as a response set and a signed result file (audited).
#[utoipa::path(post, path = "/api/v1/paper-sittings/{id}/finalize", tag = "paper", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = PaperFinalized), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "flags wait for a person, a candidate has two sheets, no sheet, or already finalized")))]
pub async fn finalize(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<PaperFinalized>> {
    user.require(BOARD, "finalize tests on paper")?;
    let s = store::sitting(&state.db, user.org(), &id).await?;
    if s.finalized_at.is_some() {
        return Err(ApiError::Conflict(format!(
            "test {} was finalized by {}",
            s.name,
            s.finalized_by.unwrap_or_default()
        )));
    }
    let form = frozen_form(&state, user.org(), &s.form_id).await?;
    let (subject, scored) = score_all(&state, user.org(), &s, &form).await?;
    let parts = parts(&s, &form, &subject, &scored)?;
    let (length, head) = scoring::chain_of(&parts["raw.csv"]);
    let file = sign_result_file(
        UnsignedResults {
            event_id: s.id.clone(),
            site_name: PAPER_SITE.to_string(),
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            parts,
            chains: ChainHeads {
                responses: ChainHead { length, head },
                audit: ChainHead { length: 0, head: "0".repeat(64) },
            },
        },
        &state.board_key,
    );
    let actor = actor(&user);
    let key = state.board_key.public();
    let txn = begin_write(&state.db).await?;
    let site = paper_site(&txn, &actor, &key).await?;
    let csv = &file.parts["calibration.csv"];
    let set =
        calibration::store_response_set(&txn, &actor, &format!("paper: {} ({})", s.name, s.id), csv).await?;
    let text = String::from_utf8(file.to_json()).map_err(|e| ApiError::Internal(e.to_string()))?;
    let digest = file.digest();
    let import = results::insert_import(
        &txn,
        &actor,
        NewImport {
            site_id: &site.id,
            event_id: &file.event_id,
            digest: &digest,
            file: &text,
            created_at: &file.created_at,
            responses: (file.chains.responses.length, &file.chains.responses.head),
            audit: (0, &file.chains.audit.head),
            response_set_id: Some(set.clone()),
        },
    )
    .await?;
    let done = store::finalize(&txn, s, &actor.username, &set, &import.id).await?;
    let detail = json!({"source": "paper", "name": done.name, "form_id": done.form_id, "candidates": scored.len(),
        "response_set_id": set, "result_import_id": import.id, "digest": digest});
    audit::record(&txn, &actor, "paper_sitting_finalized", "paper_sitting", &done.id, detail).await?;
    txn.commit().await?;
    let candidates = scored
        .iter()
        .map(|c| PaperScore {
            number: c.number.clone(),
            version: c.version.clone(),
            total: c.total,
            max: c.max,
            score10: c.score10.map(format_score10),
            answered: c.answered(),
            sheet: c.sheet.clone(),
            image_sha256: c.image_sha256.clone(),
        })
        .collect();
    Ok(Json(PaperFinalized {
        sitting: done.id,
        response_set_id: set,
        result_import_id: import.id,
        digest,
        candidates,
    }))
}
