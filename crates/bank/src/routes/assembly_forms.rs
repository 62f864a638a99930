//! The list of assembled forms (`GET forms`), so the packages page offers the frozen forms to pick
//! from instead of asking the board to type a form id.

use axum::Json;
use axum::extract::State;
use khaothi_auth::{CurrentUser, Role};
use khaothi_store::assembly as store;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::assembly::form_view;
use crate::error::ApiResult;
use crate::json::ApiQuery;
use crate::state::AppState;

const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FormListParams {
    /// `frozen` or `draft` (not frozen yet); default: both.
    pub status: Option<String>,
}

/// One form as the list shows it.
#[derive(Serialize, ToSchema)]
pub struct FormSummary {
    pub id: String,
    pub job_id: String,
    pub blueprint_id: String,
    /// The blueprint's name (absent if the blueprint cannot be read).
    pub blueprint_name: Option<String>,
    /// `frozen` (packages can be built from it) or `draft`.
    pub status: String,
    pub frozen_at: Option<chrono::DateTime<chrono::Utc>>,
    pub frozen_by: Option<String>,
    /// The codes (mã đề) of its versions, e.g. `0101`, `0102`.
    pub versions: Vec<String>,
    pub items: usize,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Every assembled form of the organisation, newest first, with its status and version codes.
#[utoipa::path(get, path = "/api/v1/forms", tag = "assembly", security(("bearer" = [])), params(FormListParams),
    responses((status = 200, body = Vec<FormSummary>), (status = 400), (status = 401), (status = 403)))]
pub async fn list_forms(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<FormListParams>,
) -> ApiResult<Json<Vec<FormSummary>>> {
    user.require(BOARD, "read forms")?;
    let want = params.status.as_deref();
    if let Some(s) = want
        && s != "frozen"
        && s != "draft"
    {
        return Err(crate::error::ApiError::bad_request(
            "invalid_query",
            format!("status \"{s}\" is not frozen or draft"),
        ));
    }
    let names: std::collections::HashMap<String, String> =
        store::list_blueprints(&state.db, user.org()).await?.into_iter().map(|b| (b.id, b.name)).collect();
    let mut out = Vec::new();
    for stored in store::list_forms(&state.db, user.org()).await? {
        let created_at = stored.created_at;
        let f = form_view(stored)?;
        let status = if f.frozen_at.is_some() { "frozen" } else { "draft" };
        if want.is_some_and(|w| w != status) {
            continue;
        }
        out.push(FormSummary {
            blueprint_name: names.get(&f.blueprint_id).cloned(),
            status: status.to_string(),
            versions: f.versions.iter().map(|v| v.code.clone()).collect(),
            items: f.form.items.len(),
            id: f.id,
            job_id: f.job_id,
            blueprint_id: f.blueprint_id,
            frozen_at: f.frozen_at,
            frozen_by: f.frozen_by,
            created_at,
        });
    }
    Ok(Json(out))
}
