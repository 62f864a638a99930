//! Calibration in the bank: the board uploads response data (the calibration CSV of
//! docs/psychometrics.md), the bank calibrates it and stores the parameters as a new calibration
//! run on each item version. Earlier runs are kept.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use khaothi_auth::{CurrentUser, Role};
use khaothi_domain::{FieldError, IrtParams};
use khaothi_irt::params::IrtObject;
use khaothi_irt::{CalibrationOptions, ModelKind};
use khaothi_store::audit;
use khaothi_store::calibration::{self, NewRun};
use khaothi_store::{TransactionTrait, items};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::items::actor;
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
}

#[derive(Serialize, ToSchema)]
pub struct CalibrationView {
    pub run_id: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub created_by: String,
    /// The `khaothi calibrate` report: model, converged, iterations, loglik, aic, bic, items.
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
}

/// Split `ID@3` into the id and the version it names; plain ids mean the current version.
fn split_version(column: &str) -> (String, Option<i32>) {
    match column.rsplit_once('@') {
        Some((id, v)) if v.parse::<i32>().is_ok() => (id.to_string(), v.parse().ok()),
        _ => (column.to_string(), None),
    }
}

fn to_params(v: &serde_json::Value) -> ApiResult<IrtParams> {
    serde_json::from_value(v.clone()).map_err(|e| ApiError::Internal(format!("calibration output: {e}")))
}

/// Calibrate item parameters from a responses CSV and store them as a new calibration run.
#[utoipa::path(post, path = "/api/v1/calibrations", tag = "calibration", security(("bearer" = [])), params(CalibrateParams),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = CalibrationView), (status = 400), (status = 403), (status = 422)))]
pub async fn calibrate(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(p): ApiQuery<CalibrateParams>,
    req: Request,
) -> ApiResult<(StatusCode, Json<CalibrationView>)> {
    user.require(BOARD, "calibrate items")?;
    let model: ModelKind = p
        .model
        .as_deref()
        .unwrap_or("2pl")
        .parse()
        .map_err(|e: String| ApiError::bad_request("invalid_query", e))?;
    let use_bank_anchors = match p.anchors.as_deref().unwrap_or("none") {
        "none" => false,
        "bank" => true,
        other => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("anchors \"{other}\" is not none or bank"),
            ));
        }
    };
    let bytes = read_body(req, &state).await?;
    let csv = match &p.response_set {
        Some(id) => {
            if !bytes.iter().all(u8::is_ascii_whitespace) {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    "send either a responses CSV or ?response_set=<id>, not both",
                ));
            }
            calibration::response_set(&state.db, user.org(), id).await?.csv
        }
        None => std::str::from_utf8(&bytes)
            .map_err(|e| {
                ApiError::bad_request("invalid_encoding", format!("the responses file is not UTF-8: {e}"))
            })?
            .to_string(),
    };
    let matrix = khaothi_irt::csv::read_responses(csv.as_bytes())
        .map_err(|e| ApiError::invalid(None, vec![FieldError::new("csv", e.to_string())]))?;

    // Every column must name an item version of the bank.
    let mut columns = Vec::new();
    let mut unknown = Vec::new();
    let mut anchors = BTreeMap::new();
    for column in matrix.item_ids() {
        let (id, version) = split_version(column);
        match items::get(&state.db, user.org(), &id, version).await {
            Ok(v) => {
                if use_bank_anchors
                    && calibration::history(&state.db, &id).await?.iter().any(|c| c.version == v.version)
                    && let Some(params) = &v.item.irt
                {
                    let obj: IrtObject =
                        serde_json::from_value(serde_json::to_value(params).unwrap_or_default())
                            .map_err(|e| ApiError::Internal(e.to_string()))?;
                    if let Ok(m) = obj.to_model() {
                        anchors.insert(column.clone(), m);
                    }
                }
                columns.push((id, v.version));
            }
            Err(_) => unknown.push(column.clone()),
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::invalid(
            None,
            vec![FieldError::new(
                "header",
                format!("columns that are not items of the bank: {}", unknown.join(", ")),
            )],
        ));
    }
    let opts = CalibrationOptions { model, anchors, ..CalibrationOptions::default() };
    let result = tokio::task::spawn_blocking(move || khaothi_irt::calibrate(&matrix, &opts))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::invalid(None, vec![FieldError::new("responses", e.to_string())]))?;
    let report = khaothi_irt::params::calibration_json(&result);
    let mut stored_items = Vec::new();
    for (i, it) in report["items"].as_array().cloned().unwrap_or_default().iter().enumerate() {
        if it["anchored"] == true {
            continue;
        }
        let (id, version) = columns[i].clone();
        stored_items.push((id, version, to_params(&it["irt"])?, it["n"].as_i64().unwrap_or(0)));
    }
    let actor = actor(&user);
    let txn = state.db.begin().await?;
    if p.response_set.is_none() {
        calibration::store_response_set(&txn, &actor, p.name.as_deref().unwrap_or("upload"), &csv).await?;
    }
    let run = calibration::insert_run(
        &txn,
        &actor,
        NewRun {
            model: model.as_str(),
            method: if use_bank_anchors {
                "MML-EM (Bock–Aitkin), fixed-item anchors"
            } else {
                "MML-EM (Bock–Aitkin)"
            },
            n_persons: report["n_persons"].as_i64().unwrap_or(0),
            loglik: report["loglik"].as_f64(),
            converged: report["converged"] == true,
            report: &report,
            items: stored_items,
        },
    )
    .await?;
    audit::record(
        &txn,
        &actor,
        "calibration_run",
        "calibration",
        &run.id,
        serde_json::json!({"model": model.as_str(), "response_set": p.response_set}),
    )
    .await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(CalibrationView {
            run_id: run.id,
            created_at: run.created_at,
            created_by: run.created_by,
            report,
        }),
    ))
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
    Ok(Json(CalibrationView {
        run_id: run.id,
        created_at: run.created_at,
        created_by: run.created_by,
        report,
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
