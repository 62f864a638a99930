//! The answer-copying screen on an imported result file (issue 19; docs/psychometrics.md,
//! "Answer copying with the room"): the file's `raw.csv` and `results.csv` parts, the bank's
//! adopted item parameters, and the seat layouts the board gives. Nothing is stored; every screen
//! is audited (`integrity_screen`), since it reads every candidate's answers.

use axum::Json;
use axum::extract::State;
use khaothi_auth::{CurrentUser, Role};
use khaothi_irt::ItemModel;
use khaothi_irt::integrity::{IntegrityReport, Options, input, screen};
use khaothi_package::ResultFile;
use khaothi_store::{audit, items, results};
use serde::Deserialize;
use utoipa::ToSchema;

use super::items::actor;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiPath};
use crate::state::AppState;

const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];

/// One room's seat layout: seats numbered along the rows.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomLayout {
    pub room: String,
    pub rows: u32,
    pub columns: u32,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct IntegrityRequest {
    /// Family-wise level (Bonferroni over every neighbour pair); default 0.001.
    pub alpha: Option<f64>,
    /// Identical answers received within this many seconds count as given together; default 10.
    pub window_seconds: Option<f64>,
    /// Seat layouts by room name; rooms without one use consecutive seat numbers.
    #[serde(default)]
    pub layouts: Vec<RoomLayout>,
}

/// Screen an imported event for answer copying between neighbouring seats. Pairs are **flagged
/// for review**, never judged.
#[utoipa::path(post, path = "/api/v1/results/{id}/integrity", operation_id = "results_integrity", tag = "results",
    security(("bearer" = [])), params(("id" = String, Path, description = "The import's id")),
    request_body(content = IntegrityRequest, example = json!({"alpha": 0.001, "window_seconds": 10,
        "layouts": [{"room": "P001", "rows": 4, "columns": 6}]})),
    responses((status = 200, description = "The screen: m, alpha, pairs, rooms (docs/psychometrics.md)", body = Object),
        (status = 400), (status = 403), (status = 404), (status = 422)))]
pub async fn screen_import(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<IntegrityRequest>,
) -> ApiResult<Json<IntegrityReport>> {
    user.require(BOARD, "screen results for answer copying")?;
    let import = results::import_by_id(&state.db, user.org(), &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no imported result file {id}")))?;
    let alpha = req.alpha.unwrap_or(0.001);
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(ApiError::bad_request("invalid_alpha", "alpha must be between 0 and 1"));
    }
    let window_seconds = req.window_seconds.unwrap_or(10.0);
    if !(window_seconds >= 0.0 && window_seconds.is_finite()) {
        return Err(ApiError::bad_request("invalid_window", "window_seconds must be a number ≥ 0"));
    }
    let file = ResultFile::parse(import.file.as_bytes()).map_err(|e| ApiError::Internal(e.to_string()))?;
    let part = |name: &str| {
        file.parts.get(name).ok_or_else(|| {
            ApiError::ResultRefused(format!("the result file of {} has no {name} part", import.event_id))
        })
    };
    let mut event = input::read_event(part("raw.csv")?.as_bytes(), part("results.csv")?.as_bytes())
        .map_err(|e| ApiError::ResultRefused(e.to_string()))?;
    event.layouts = req.layouts.iter().map(|l| (l.room.clone(), (l.rows, l.columns))).collect();
    let params = bank_parameters(&state, user.org(), &event).await?;
    let report =
        tokio::task::spawn_blocking(move || screen(&event, &params, &Options { alpha, window_seconds }))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(|e| ApiError::ResultRefused(e.to_string()))?;
    let flagged = report.pairs.iter().filter(|p| p.flagged).count();
    let detail =
        serde_json::json!({"event_id": import.event_id, "m": report.m, "alpha": alpha, "flagged": flagged});
    audit::record(&state.db, &actor(&user), "integrity_screen", "result_import", &id, detail).await?;
    Ok(Json(report))
}

/// The adopted parameters of every item version of the export (columns `id@version` or `id`);
/// items without any are left out of the screen (the report lists them).
async fn bank_parameters(
    state: &AppState,
    org: &str,
    event: &input::Event,
) -> ApiResult<Vec<(String, ItemModel)>> {
    let mut columns: Vec<&String> = event.candidates.iter().flat_map(|c| c.responses.keys()).collect();
    columns.sort();
    columns.dedup();
    let mut out = Vec::new();
    for column in columns {
        let (id, version) = match column.rsplit_once('@') {
            Some((id, v)) if v.parse::<i32>().is_ok() => (id, v.parse().ok()),
            _ => (column.as_str(), None),
        };
        let Ok(v) = items::get(&state.db, org, id, version).await else { continue };
        if let Some(model) = v.item.irt.as_ref().and_then(|p| ItemModel::try_from(p).ok()) {
            out.push((column.clone(), model));
        }
    }
    Ok(out)
}
