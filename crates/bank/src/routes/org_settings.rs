//! The organisation's bank settings: today whether the bank is closed to writers (issue 16,
//! finding 12). Everyone signed in may read them (the pages say why a list is short); the exam
//! board and the admin change them, and every change is audited.

use axum::Json;
use axum::extract::State;
use khaothi_auth::{CurrentUser, Role};
use khaothi_store::org_settings::{self, OrgSettings};
use khaothi_store::{audit, begin_write};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::items::{READERS, actor};
use crate::error::ApiResult;
use crate::json::ApiJson;
use crate::state::AppState;

/// Who may close or open the bank.
pub const SETTERS: &[Role] = &[Role::Admin, Role::ExamBoard];

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsView {
    /// Writers see only their own items; when false they also find others' approved items (without
    /// keys or solutions) for enemies and shared passages.
    pub closed_bank: bool,
}

/// The organisation's bank settings.
#[utoipa::path(get, path = "/api/v1/organisation/settings", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = SettingsView), (status = 401), (status = 403)))]
pub async fn get_settings(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<SettingsView>> {
    user.require(READERS, "read the organisation's settings")?;
    let s = org_settings::get(&state.db, user.org()).await?;
    Ok(Json(SettingsView { closed_bank: s.closed_bank }))
}

/// Change the organisation's bank settings (exam board, admin; audited as `org_settings_set`).
#[utoipa::path(put, path = "/api/v1/organisation/settings", tag = "admin", security(("bearer" = [])),
    request_body(content = SettingsView, example = json!({"closed_bank": true})), responses((status = 200, body = SettingsView), (status = 400), (status = 401), (status = 403)))]
pub async fn put_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<SettingsView>,
) -> ApiResult<Json<SettingsView>> {
    user.require(SETTERS, "change the organisation's settings")?;
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let before = org_settings::get(&txn, user.org()).await?;
    let after = OrgSettings { closed_bank: body.closed_bank };
    org_settings::set(&txn, user.org(), &after, user.username()).await?;
    let detail = serde_json::json!({"closed_bank": {"from": before.closed_bank, "to": after.closed_bank}});
    audit::record(&txn, &actor, "org_settings_set", "organisation", user.org(), detail).await?;
    txn.commit().await?;
    Ok(Json(SettingsView { closed_bank: after.closed_bank }))
}
