//! Đối sánh in the bank (issue 21; docs/psychometrics.md "Đối sánh"): the board imports transcript
//! grades (học bạ) with a per-row report, then compares them with an event's imported results
//! (the `results.csv` part of every signed result file of that event) by school, district or
//! province — JSON, or the funnel plot as SVG. Board and admin only; imports are audited.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use khaothi_auth::{CurrentUser, Role};
use khaothi_compare::{
    Comparison, Level, Options, ResultsFile, compare, funnel_svg, read_results, read_transcripts,
};
use khaothi_store::{audit, begin_write, certificates};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::items::actor;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiQuery, read_body};
use crate::state::AppState;

const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];

/// A transcript CSV for the document's examples.
pub const TRANSCRIPTS_EXAMPLE: &str = "candidate,school,district,province,subject,grade\n01000123,THPT Chu Văn An,Ba Đình,Hà Nội,Toán,\"8,5\"\n01000124,THPT Chu Văn An,Ba Đình,Hà Nội,Toán,7.25\n";

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// A name for the set (e.g. "Học bạ lớp 12, 2025–2026").
    pub name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TranscriptSetView {
    pub id: String,
    pub name: String,
    pub rows: i32,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Import transcript grades (CSV `candidate,school,district,province,subject,grade[,year]`,
/// docs/formats.md). Every row is checked; any bad row refuses the file with a per-row report
/// (422 `rejected`, `report.rows[] = {line, message}`) and nothing is stored.
#[utoipa::path(post, path = "/api/v1/transcripts", tag = "results", security(("bearer" = [])), params(ImportParams),
    request_body(content = String, content_type = "text/csv", example = json!(TRANSCRIPTS_EXAMPLE)),
    responses((status = 201, body = TranscriptSetView), (status = 403), (status = 422)))]
pub async fn import_transcripts(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(p): ApiQuery<ImportParams>,
    req: Request,
) -> ApiResult<(StatusCode, Json<TranscriptSetView>)> {
    user.require(BOARD, "import transcripts")?;
    let body = read_body(req, &state).await?;
    let text =
        std::str::from_utf8(&body).map_err(|_| ApiError::bad_request("bad_body", "the CSV is not UTF-8"))?;
    let t = read_transcripts(body.as_ref())
        .map_err(|e| ApiError::bad_request("invalid_transcripts", e.to_string()))?;
    if !t.errors.is_empty() {
        return Err(ApiError::Rejected {
            message: format!(
                "{} of {} transcript rows are invalid; nothing was stored",
                t.errors.len(),
                t.rows
            ),
            report: serde_json::json!({ "rows": t.errors }),
        });
    }
    if t.grades.is_empty() {
        return Err(ApiError::bad_request("invalid_transcripts", "the CSV has no rows"));
    }
    let actor = actor(&user);
    let name = p.name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "Học bạ".into());
    let txn = begin_write(&state.db).await?;
    let set = certificates::insert_transcripts(&txn, &actor, name.trim(), text, t.grades.len()).await?;
    audit::record(
        &txn,
        &actor,
        "transcripts_imported",
        "transcript_set",
        &set.id,
        serde_json::json!({"name": set.name, "rows": set.rows}),
    )
    .await?;
    txn.commit().await?;
    let view = TranscriptSetView {
        id: set.id,
        name: set.name,
        rows: set.rows,
        created_by: set.created_by,
        created_at: set.created_at,
    };
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CompareParams {
    /// The transcript set (`POST /api/v1/transcripts`).
    pub transcripts: String,
    /// The event whose imported result files are compared; `2025:EVENT-A,2026:EVENT-B` compares
    /// several years (the transcripts then need a `year` column).
    pub event: String,
    /// The subject as the transcripts name it.
    pub subject: String,
    /// `school`, `district` or `province`.
    pub by: String,
    /// Flag units whose correlation is below this.
    pub min_r: Option<f64>,
}

fn results_of_import(file: &str) -> ApiResult<Vec<khaothi_compare::ExamScore>> {
    let v: serde_json::Value = serde_json::from_str(file).map_err(|e| ApiError::Internal(e.to_string()))?;
    let csv = v.get("parts").and_then(|p| p.get("results.csv")).and_then(|c| c.as_str()).unwrap_or("");
    read_results(csv.as_bytes())
        .map_err(|e| ApiError::ResultRefused(format!("an imported result file's results.csv: {e}")))
}

/// `2025:EVENT` → (Some(2025), EVENT); `EVENT` → (None, EVENT).
fn year_and_event(spec: &str) -> (Option<i32>, &str) {
    match spec.split_once(':') {
        Some((y, e)) if y.parse::<i32>().is_ok() => (y.parse().ok(), e),
        _ => (None, spec),
    }
}

async fn run(state: &AppState, user: &CurrentUser, p: &CompareParams) -> ApiResult<Comparison> {
    user.require(BOARD, "compare transcripts with results")?;
    let by = Level::parse(&p.by)
        .ok_or_else(|| ApiError::bad_request("invalid_query", "by is school, district or province"))?;
    if p.min_r.is_some_and(|r| !(-1.0..=1.0).contains(&r)) {
        return Err(ApiError::bad_request("invalid_query", "min_r is a correlation between -1 and 1"));
    }
    let set = certificates::transcripts(&state.db, user.org(), &p.transcripts)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no transcript set {}", p.transcripts)))?;
    let mut files = Vec::new();
    for spec in p.event.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (year, event) = year_and_event(spec);
        let imports = certificates::imports_of_event(&state.db, user.org(), event).await?;
        if imports.is_empty() {
            return Err(ApiError::NotFound(format!("no result file of event {event} is imported")));
        }
        let mut scores = Vec::new();
        for i in &imports {
            scores.extend(results_of_import(&i.file)?);
        }
        files.push(ResultsFile { year, scores });
    }
    let t = read_transcripts(set.csv.as_bytes()).map_err(|e| ApiError::Internal(e.to_string()))?;
    let opts = Options { subject: p.subject.clone(), by, min_r: p.min_r };
    compare(&files, &t.grades, &opts).map_err(|e| ApiError::bad_request("nothing_to_compare", e.to_string()))
}

/// Compare an event's results with a transcript set: per unit n, means, the gap with its standard
/// error, r with its interval, z against the funnel's limits and the flags (docs/psychometrics.md).
#[utoipa::path(get, path = "/api/v1/comparisons", tag = "results", security(("bearer" = [])), params(CompareParams),
    responses((status = 200, body = Object), (status = 400), (status = 403), (status = 404)))]
pub async fn comparison(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(p): ApiQuery<CompareParams>,
) -> ApiResult<Json<Comparison>> {
    Ok(Json(run(&state, &user, &p).await?))
}

/// The same comparison's funnel plot (SVG, Vietnamese labels).
#[utoipa::path(get, path = "/api/v1/comparisons/funnel.svg", tag = "results", security(("bearer" = [])), params(CompareParams),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 400), (status = 403), (status = 404)))]
pub async fn funnel(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(p): ApiQuery<CompareParams>,
) -> ApiResult<Response> {
    let c = run(&state, &user, &p).await?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")], funnel_svg(&c)).into_response())
}
