//! Linking two stored calibration runs (issue 19): this year's free calibration onto last year's
//! scale through the items both runs estimated. The board names the base and the new run; the
//! answer is `θ_base = A·θ_new + B`, the new run's items on the base scale, and on request a drift
//! screen of the common items. Nothing in the bank changes: adopting the moved parameters stays a
//! decision of the board. See docs/psychometrics.md (Linking).

use axum::Json;
use axum::extract::State;
use khaothi_auth::{CurrentUser, Role};
use khaothi_domain::FieldError;
use khaothi_irt::ItemModel;
use khaothi_irt::linking::{LinkMethod, drift, link};
use khaothi_irt::params::{irt_params, read_item_params};
use khaothi_store::calibration;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;

const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// `mean-mean`, `mean-sigma`, `haebara` or `stocking-lord`.
    #[schema(value_type = String)]
    pub method: LinkMethod,
    /// The run whose scale the result is on.
    pub base: String,
    /// The run whose items are moved onto the base scale.
    pub new: String,
    /// Item ids of the common items (default: every item both runs have).
    #[serde(default)]
    pub common: Option<Vec<String>>,
    /// Screen the common items for drift (robust z), reported apart from A and B.
    #[serde(default)]
    pub drift: bool,
}

/// A run's items as (item id without version, column name, model).
async fn run_items(state: &AppState, org: &str, id: &str) -> ApiResult<Vec<(String, String, ItemModel)>> {
    let run = calibration::get_run(&state.db, org, id).await?;
    let items = read_item_params(run.report.as_bytes()).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(items
        .into_iter()
        .map(|(column, m)| {
            let id = match column.rsplit_once('@') {
                Some((id, v)) if v.parse::<i32>().is_ok() => id.to_string(),
                _ => column.clone(),
            };
            (id, column, m)
        })
        .collect())
}

fn unprocessable(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(None, vec![FieldError::new(field, message.into())])
}

/// Link two calibration runs through their common items: `A`, `B` (`θ_base = A·θ_new + B`), the
/// new run's items on the base scale and, with `drift`, the drift screen.
#[utoipa::path(post, path = "/api/v1/calibrations/link", tag = "calibration", security(("bearer" = [])),
    operation_id = "link_calibrations",
    request_body(content = LinkRequest, example = json!({"method": "stocking-lord", "base": "run-2025", "new": "run-2026", "drift": true})),
    responses((status = 200, body = Object), (status = 403), (status = 404), (status = 422)))]
pub async fn link_calibrations(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<LinkRequest>,
) -> ApiResult<Json<serde_json::Value>> {
    user.require(BOARD, "link calibrations")?;
    let base = run_items(&state, user.org(), &req.base).await?;
    let new = run_items(&state, user.org(), &req.new).await?;
    let in_base = |id: &str| base.iter().find(|(b, _, _)| b == id).map(|(_, _, m)| m.clone());
    let ids: Vec<String> = match &req.common {
        Some(ids) => {
            let absent: Vec<&str> = ids
                .iter()
                .map(String::as_str)
                .filter(|id| in_base(id).is_none() || !new.iter().any(|(n, _, _)| n == id))
                .collect();
            if !absent.is_empty() {
                return Err(unprocessable(
                    "common",
                    format!("not estimated by both runs: {}", absent.join(", ")),
                ));
            }
            ids.clone()
        }
        None => new.iter().map(|(id, _, _)| id.clone()).filter(|id| in_base(id).is_some()).collect(),
    };
    if ids.is_empty() {
        return Err(unprocessable("common", "the two runs have no common items"));
    }
    let common: Vec<(ItemModel, ItemModel)> = ids
        .iter()
        .map(|id| {
            let n = new.iter().find(|(n, _, _)| n == id).map(|(_, _, m)| m.clone()).expect("checked");
            (in_base(id).expect("checked"), n)
        })
        .collect();
    let k = link(&common, req.method).map_err(|e| unprocessable("common", e.to_string()))?;
    let items: Vec<serde_json::Value> = new
        .iter()
        .map(|(_, column, m)| serde_json::json!({"id": column, "irt": irt_params(&m.rescaled(k.a, k.b), &[], None)}))
        .collect();
    let mut out = serde_json::json!({
        "method": req.method, "base": req.base, "new": req.new, "A": k.a, "B": k.b,
        "criterion": k.criterion, "iterations": k.iterations, "common": ids, "n_common": ids.len(), "items": items,
    });
    if req.drift {
        let d = drift(&ids, &common, &k, req.method).map_err(|e| unprocessable("drift", e.to_string()))?;
        out["drift"] = serde_json::json!(d);
    }
    Ok(Json(out))
}
