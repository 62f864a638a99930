//! Taking a calibration's parameters into the bank (issue 12): a run alone changes no item. The
//! board reads the run — fit, DIF, flags — and adopts the parameters of the items it trusts; only
//! then do those item versions carry them (for assembly, scoring, linking). Audited, board only.

use axum::Json;
use axum::extract::State;
use khaothi_auth::{CurrentUser, Role};
use khaothi_domain::FieldError;
use khaothi_store::calibration::{self, RunItem};
use khaothi_store::{audit, begin_write};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::items::actor;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiPath};
use crate::state::AppState;

const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptRequest {
    /// Ids of items the run estimated whose new parameters the bank takes.
    pub items: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AdoptResult {
    pub run_id: String,
    /// The item versions adopted by this request.
    #[schema(value_type = Vec<Object>)]
    pub adopted: Vec<RunItem>,
    /// Items of the request that were already adopted from this run (nothing changed for them).
    pub already_adopted: Vec<String>,
}

/// Adopt a calibration run's parameters for the chosen items: they become those item versions'
/// parameters. The others keep what they had. Every item must be one the run estimated.
#[utoipa::path(post, path = "/api/v1/calibrations/{id}/adopt", tag = "calibration", security(("bearer" = [])),
    params(("id" = String, Path)), request_body(content = AdoptRequest, example = json!({"items": ["TOAN12-0001", "TOAN12-0002"]})),
    responses((status = 200, body = AdoptResult), (status = 403), (status = 404), (status = 422)))]
pub async fn adopt(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<AdoptRequest>,
) -> ApiResult<Json<AdoptResult>> {
    user.require(BOARD, "adopt calibrated parameters")?;
    calibration::get_run(&state.db, user.org(), &id).await?;
    let estimated = calibration::run_items(&state.db, &id).await?;
    check_items(&req.items, &estimated)?;
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let adopted = calibration::adopt(&txn, &actor, &id, &req.items).await?;
    let ids: Vec<&str> = adopted.iter().map(|r| r.item_id.as_str()).collect();
    audit::record(&txn, &actor, "calibration_adopt", "calibration", &id, serde_json::json!({"items": ids}))
        .await?;
    txn.commit().await?;
    let already_adopted = req.items.iter().filter(|i| !ids.contains(&i.as_str())).cloned().collect();
    Ok(Json(AdoptResult { run_id: id, adopted, already_adopted }))
}

/// At least one item, each one the run estimated (an anchored or absent item has nothing to adopt).
fn check_items(wanted: &[String], estimated: &[RunItem]) -> ApiResult<()> {
    if wanted.is_empty() {
        let why = "choose at least one item whose parameters to adopt";
        return Err(ApiError::invalid(None, vec![FieldError::new("items", why)]));
    }
    let unknown: Vec<&str> =
        wanted.iter().filter(|w| !estimated.iter().any(|e| &e.item_id == *w)).map(String::as_str).collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let why = format!("this run did not estimate {}: only its free items can be adopted", unknown.join(", "));
    Err(ApiError::invalid(None, vec![FieldError::new("items", why)]))
}
