//! Calibration in the bank: the board uploads response data (the calibration CSV of
//! docs/psychometrics.md), the bank calibrates it and stores the parameters as a new calibration
//! run on each item version — candidates the board adopts or not (`calibration_adopt`). Earlier
//! runs are kept. The steps live in [`crate::calibration`];
//! these handlers check the caller and read the request.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use khaothi_auth::{CurrentUser, Role};
use khaothi_domain::IrtModelKind;
use khaothi_irt::calibrate::SeMethod;
use khaothi_store::{calibration, calibration_jobs};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::items::actor;
use crate::calibration::{self as service, CalibrationRequest, GroupColumn, Responses};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiPath, ApiQuery, read_body};
use crate::state::AppState;

const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CalibrateParams {
    /// `rasch`, `2pl` (default), `3pl`, `gpcm` or `grm`; items scored above 1 use GPCM with a
    /// dichotomous model.
    pub model: Option<String>,
    /// `none` (default): a free calibration on N(0,1). `bank`: items already calibrated in the
    /// bank are held at their parameters, so new items land on the bank's scale.
    pub anchors: Option<String>,
    /// A name for the response data (e.g. the pretest event).
    pub name: Option<String>,
    /// Calibrate a stored response set instead of a CSV body: e.g. the `response_set_id` of a
    /// result file imported from a delivery site (`POST /api/v1/results`).
    pub response_set: Option<String>,
    /// Multiple-group calibration: the column of the CSV naming each person's group (e.g. the
    /// year); the report adds `groups: [{name, n, mean, sd, se_mean, se_sd}]`.
    pub group_column: Option<String>,
    /// The reference group (ability N(0, 1)); default: the first group in file order.
    pub reference: Option<String>,
    /// Standard errors: `xpd` (default; the cross-product information, one pass over the
    /// response patterns) or `oakes` (Oakes' identity: the observed information, two E-steps per
    /// free parameter, so much slower on large data). The report names it in `se_method`.
    pub se_method: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CalibrationView {
    pub run_id: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub created_by: String,
    /// The `khaothi calibrate` report: model, converged, iterations, loglik, aic, bic, items.
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
    /// The item versions the run estimated, each with `adopted_at`/`adopted_by` once the board
    /// took its parameters into the bank (`POST calibrations/{id}/adopt`); until then they are
    /// candidates and the items keep their parameters.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<calibration::RunItem>,
}

/// The answer to a calibration request: the job to follow.
#[derive(Serialize, ToSchema)]
pub struct JobStarted {
    pub job_id: String,
    pub status: String,
    /// Where to follow it: `GET` this path.
    pub href: String,
}

/// A responses CSV for the document's request examples: one row per person, 0/1 (or 0–4 for a
/// true/false group) per item column, empty when the item was not on the person's form.
pub const RESPONSES_EXAMPLE: &str =
    "person,TOAN12-0001@3,TOAN12-0002,TOAN12-0003,TOAN12-0104\n1,1,0,1,3\n2,0,0,1,2\n3,1,1,,4\n";

/// Calibrate item parameters from a responses CSV (or a stored response set) as a background job:
/// the input is checked at once (400/422), then 202 with the job; the run is stored when it is done.
#[utoipa::path(post, path = "/api/v1/calibrations", tag = "calibration", security(("bearer" = [])), params(CalibrateParams),
    request_body(content = String, content_type = "text/csv", example = json!(RESPONSES_EXAMPLE)),
    responses((status = 202, body = JobStarted), (status = 400), (status = 403), (status = 422)))]
pub async fn calibrate(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(p): ApiQuery<CalibrateParams>,
    req: Request,
) -> ApiResult<(StatusCode, Json<JobStarted>)> {
    user.require(BOARD, "calibrate items")?;
    let model: IrtModelKind = p
        .model
        .as_deref()
        .unwrap_or("2pl")
        .parse()
        .map_err(|e: String| ApiError::bad_request("invalid_query", e))?;
    let bank_anchors = match p.anchors.as_deref().unwrap_or("none") {
        "none" => false,
        "bank" => true,
        other => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("anchors \"{other}\" is not none or bank"),
            ));
        }
    };
    if p.reference.is_some() && p.group_column.is_none() {
        return Err(ApiError::bad_request("invalid_query", "reference needs group_column"));
    }
    let se_method: SeMethod = match p.se_method.as_deref() {
        None | Some("xpd") => SeMethod::CrossProduct,
        Some("oakes") => SeMethod::Oakes,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("se_method \"{other}\" is not xpd or oakes"),
            ));
        }
    };
    let groups = p.group_column.map(|column| GroupColumn { column, reference: p.reference });
    let body = read_body(req, &state).await?;
    let responses = responses(p.response_set, p.name, &body)?;
    let request = CalibrationRequest { model, bank_anchors, responses, groups, se_method };
    let actor = actor(&user);
    let prepared = service::prepare(&state.db, &actor, request).await?;
    let job = crate::calibration_jobs::start(&state.db, &actor, prepared, state.live.clone()).await?;
    let href = format!("/api/v1/calibration-jobs/{}", job.id);
    Ok((StatusCode::ACCEPTED, Json(JobStarted { job_id: job.id, status: job.status, href })))
}

/// A calibration job as the board follows it.
#[derive(Serialize, ToSchema)]
pub struct JobView {
    pub id: String,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub status: String,
    /// 0 queued, 0.1 data read, 0.9 estimated, 1 stored.
    pub progress: f64,
    pub model: String,
    /// The stored run (`GET /api/v1/calibrations/{id}`) once `done`.
    pub calibration_id: Option<String>,
    pub error: Option<String>,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<calibration_jobs::CalibrationJob> for JobView {
    fn from(j: calibration_jobs::CalibrationJob) -> Self {
        Self {
            id: j.id,
            status: j.status,
            progress: j.progress,
            model: j.model,
            calibration_id: j.calibration_id,
            error: j.error,
            created_by: j.created_by,
            created_at: j.created_at,
            finished_at: j.finished_at,
        }
    }
}

/// Follow a calibration job.
#[utoipa::path(get, path = "/api/v1/calibration-jobs/{id}", operation_id = "get_calibration_job", tag = "calibration", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = JobView), (status = 403), (status = 404)))]
pub async fn get_job(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<JobView>> {
    user.require(BOARD, "follow calibration jobs")?;
    Ok(Json(calibration_jobs::get(&state.db, user.org(), &id).await?.into()))
}

/// Cancel a queued or running calibration job (its estimate is dropped, nothing is stored).
#[utoipa::path(delete, path = "/api/v1/calibration-jobs/{id}", tag = "calibration", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = JobView), (status = 403), (status = 404), (status = 409)))]
pub async fn cancel_job(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<JobView>> {
    user.require(BOARD, "cancel calibration jobs")?;
    let job = calibration_jobs::get(&state.db, user.org(), &id).await?;
    let why = format!("cancelled by {}", user.username());
    if !calibration_jobs::finish(&state.db, &id, "cancelled", None, Some(&why)).await? {
        return Err(ApiError::Conflict(format!("calibration job {id} has already ended ({})", job.status)));
    }
    let detail = serde_json::json!({});
    khaothi_store::audit::record(
        &state.db,
        &actor(&user),
        "calibration_cancel",
        "calibration_job",
        &id,
        detail,
    )
    .await?;
    Ok(Json(calibration_jobs::get(&state.db, user.org(), &id).await?.into()))
}

/// The responses a request names: a stored response set (`?response_set=`, with an empty body) or
/// the CSV body, which must be UTF-8.
fn responses(response_set: Option<String>, name: Option<String>, body: &[u8]) -> ApiResult<Responses> {
    match response_set {
        Some(id) => {
            if !body.iter().all(u8::is_ascii_whitespace) {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    "send either a responses CSV or ?response_set=<id>, not both",
                ));
            }
            Ok(Responses::Stored { id })
        }
        None => {
            let csv = std::str::from_utf8(body).map_err(|e| {
                ApiError::bad_request("invalid_encoding", format!("the responses file is not UTF-8: {e}"))
            })?;
            Ok(Responses::Upload { csv: csv.to_string(), name: name.unwrap_or_else(|| "upload".into()) })
        }
    }
}

/// A calibration run and its report.
#[utoipa::path(get, path = "/api/v1/calibrations/{id}", tag = "calibration", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = CalibrationView), (status = 404)))]
pub async fn get_calibration(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CalibrationView>> {
    user.require(BOARD, "read calibrations")?;
    let run = calibration::get_run(&state.db, user.org(), &id).await?;
    let report = serde_json::from_str(&run.report).map_err(|e| ApiError::Internal(e.to_string()))?;
    let items = calibration::run_items(&state.db, &run.id).await?;
    Ok(Json(CalibrationView {
        run_id: run.id,
        created_at: run.created_at,
        created_by: run.created_by,
        report,
        items,
    }))
}

/// Every calibration of an item (all versions), newest first.
#[utoipa::path(get, path = "/api/v1/items/{id}/calibrations", tag = "calibration", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Vec<Object>), (status = 404)))]
pub async fn item_calibrations(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<calibration::ItemCalibration>>> {
    user.require(&[Role::Admin, Role::ExamBoard, Role::Reviewer], "read item calibrations")?;
    super::items::writer_of(&state, &user, &id).await?;
    Ok(Json(calibration::history(&state.db, &id).await?))
}
