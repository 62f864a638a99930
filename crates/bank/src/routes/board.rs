//! Read-only views the exam board's pages draw: the curves, cell counts, overlap and expected
//! scores of an assembly job's forms, and the flags and characteristic curves of a calibration
//! run's items. The numbers come from `crate::board`; these handlers load what it needs and check
//! the caller (board and admin only, like the data they summarise).

use axum::Json;
use axum::extract::{Request, State};
use khaothi_assembly::Blueprint;
use khaothi_auth::{CurrentUser, Role};
use khaothi_domain::FieldError;
use khaothi_irt::ResponseMatrix;
use khaothi_store::assembly as store;
use khaothi_store::calibration;
use khaothi_store::items;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::assembly::form_view;
use crate::board::curves::{FormCurves, Overlap, form_curves, pairwise_overlap};
use crate::board::flags::{self, CalibrationFlags, RunItem};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiPath, ApiQuery, read_body};
use crate::state::AppState;

const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];

#[derive(Serialize, ToSchema)]
pub struct FormOverview {
    pub id: String,
    pub frozen: bool,
    pub items: usize,
    /// Version codes (mã đề) of the form.
    pub versions: Vec<String>,
    /// Items per section, in blueprint order.
    pub sections: Vec<u32>,
    /// Counts per matrix cell as the assembler reported them: `{rule, topic, bounds, count}`.
    #[schema(value_type = Vec<Object>)]
    pub cells: serde_json::Value,
    pub curves: FormCurves,
}

#[derive(Serialize, ToSchema)]
pub struct JobOverview {
    pub job_id: String,
    /// `running`, `done`, `infeasible` or `failed`.
    pub status: String,
    /// Seconds since the job started (to its end once finished).
    pub elapsed_seconds: f64,
    pub forms: Vec<FormOverview>,
    pub overlap: Vec<Overlap>,
}

/// The forms of an assembly job side by side: TIF and SE over θ ∈ [−4, 4], expected scores,
/// counts per cell and pairwise overlap (empty lists while the job runs or when it failed).
#[utoipa::path(get, path = "/api/v1/assembly-jobs/{id}/overview", tag = "assembly", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = JobOverview), (status = 403), (status = 404)))]
pub async fn job_overview(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<JobOverview>> {
    user.require(BOARD, "read assembly jobs")?;
    let job = store::get_job(&state.db, user.org(), &id).await?;
    let end = job.finished_at.unwrap_or_else(chrono::Utc::now);
    let elapsed_seconds = (end - job.created_at).num_milliseconds() as f64 / 1000.0;
    let blueprint =
        Blueprint::from_yaml(&store::get_blueprint(&state.db, user.org(), &job.blueprint_id).await?.yaml)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut forms = Vec::new();
    let mut item_ids = Vec::new();
    for stored in store::forms_of_job(&state.db, user.org(), &id).await? {
        let f = form_view(stored)?;
        let mut on_form = Vec::with_capacity(f.form.items.len());
        for it in &f.form.items {
            let v = items::get(&state.db, user.org(), &it.item_id, it.version.map(|v| v as i32)).await?;
            on_form.push(v.item);
        }
        item_ids.push((f.id.clone(), f.form.items.iter().map(|i| i.item_id.clone()).collect()));
        forms.push(FormOverview {
            frozen: f.frozen_at.is_some(),
            items: on_form.len(),
            versions: f.versions.iter().map(|v| v.code.clone()).collect(),
            sections: serde_json::from_value(f.report["sections"].clone()).unwrap_or_default(),
            cells: f.report["cells"].clone(),
            curves: form_curves(&blueprint, &on_form),
            id: f.id,
        });
    }
    Ok(Json(JobOverview {
        job_id: job.id,
        status: job.status,
        elapsed_seconds,
        overlap: pairwise_overlap(&item_ids),
        forms,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FlagParams {
    /// Read the responses from a stored response set (e.g. an imported result file's) instead of
    /// a CSV body.
    pub response_set: Option<String>,
    /// A column of the responses CSV that holds each person's group, for Mantel–Haenszel DIF.
    pub group: Option<String>,
    /// The reference group's label (with `focal`; by default the larger of two groups).
    pub reference: Option<String>,
    /// The focal group's label.
    pub focal: Option<String>,
}

/// Flags on a calibration run's items against the responses it was calibrated from (the CSV as
/// the body, or `?response_set=`): S-X² misfit, MH DIF class B/C (with `?group=`), low
/// discrimination, extreme difficulty; with each item's category curves and the score
/// distribution. Nothing is stored.
#[utoipa::path(post, path = "/api/v1/calibrations/{id}/flags", tag = "calibration", security(("bearer" = [])),
    params(("id" = String, Path), FlagParams),
    request_body(content = String, content_type = "text/csv", description = "the responses CSV, unless ?response_set=",
        example = json!(crate::routes::calibration::RESPONSES_EXAMPLE)),
    responses((status = 200, body = CalibrationFlags), (status = 400), (status = 403), (status = 404), (status = 422)))]
pub async fn calibration_flags(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<FlagParams>,
    req: Request,
) -> ApiResult<Json<CalibrationFlags>> {
    user.require(BOARD, "read calibrations")?;
    if p.group.is_none() && (p.reference.is_some() || p.focal.is_some()) {
        return Err(ApiError::bad_request("invalid_query", "reference and focal need ?group=<column>"));
    }
    let run = calibration::get_run(&state.db, user.org(), &id).await?;
    let report: serde_json::Value =
        serde_json::from_str(&run.report).map_err(|e| ApiError::Internal(e.to_string()))?;
    let run_items: Vec<RunItem> = serde_json::from_value(report["items"].clone())
        .map_err(|e| ApiError::Internal(format!("calibration run {id}: {e}")))?;
    let body = read_body(req, &state).await?;
    let csv = match &p.response_set {
        Some(set) if body.iter().all(u8::is_ascii_whitespace) => {
            calibration::response_set(&state.db, user.org(), set).await?.csv
        }
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                "send either a responses CSV or ?response_set=<id>, not both",
            ));
        }
        None => String::from_utf8(body.to_vec()).map_err(|e| {
            ApiError::bad_request("invalid_encoding", format!("the responses file is not UTF-8: {e}"))
        })?,
    };
    let extra: Vec<&str> = p.group.as_deref().into_iter().collect();
    let (matrix, columns) = khaothi_irt::csv::read_responses_with_columns(csv.as_bytes(), &extra)
        .map_err(|e| unprocessable("csv", e.to_string()))?;
    let ordered = in_run_order(&run_items, matrix)?;
    let groups = columns
        .first()
        .map(|labels| flags::dif_groups(labels, p.reference.as_deref(), p.focal.as_deref()))
        .transpose()
        .map_err(|e| unprocessable("group", e))?;
    let flagged =
        tokio::task::spawn_blocking(move || flags::flag_items(&run_items, &ordered, groups.as_ref()))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(|e| unprocessable("irt", e))?;
    Ok(Json(flagged))
}

fn unprocessable(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(None, vec![FieldError::new(field, message.into())])
}

/// The responses' columns reordered as the run's items; the two must name the same items.
fn in_run_order(run_items: &[RunItem], matrix: ResponseMatrix) -> ApiResult<ResponseMatrix> {
    let ids = matrix.item_ids();
    let missing: Vec<&str> =
        run_items.iter().map(|i| i.id.as_str()).filter(|id| !ids.iter().any(|c| c == id)).collect();
    let extra: Vec<&str> =
        ids.iter().map(String::as_str).filter(|c| !run_items.iter().any(|i| i.id == *c)).collect();
    if !missing.is_empty() || !extra.is_empty() {
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(format!("columns of the run missing from the responses: {}", missing.join(", ")));
        }
        if !extra.is_empty() {
            parts.push(format!("columns the run did not calibrate: {}", extra.join(", ")));
        }
        return Err(unprocessable("header", parts.join("; ")));
    }
    let order: Vec<usize> =
        run_items.iter().map(|i| ids.iter().position(|c| *c == i.id).expect("checked above")).collect();
    matrix.select_items(&order).map_err(|e| unprocessable("csv", e.to_string()))
}
