//! Editing a stored blueprint (`PUT blueprints/{id}`): the same checks as creating one, and a
//! refusal while a frozen form was assembled from it — that paper was built to this blueprint and
//! the record must keep saying so (copy it into a new blueprint to change it).

use axum::Json;
use axum::extract::{Request, State};
use khaothi_auth::{CurrentUser, Role};
use khaothi_store::assembly as store;
use khaothi_store::{audit, begin_write};

use super::assembly::{BlueprintView, parse_blueprint, view};
use super::items::actor;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiPath, read_body};
use crate::state::AppState;

const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];

/// Replace a blueprint's YAML (checked as `POST blueprints` checks it); 409 while a frozen form
/// was assembled from it.
#[utoipa::path(put, path = "/api/v1/blueprints/{id}", tag = "assembly", security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content = String, content_type = "application/yaml", example = json!(crate::routes::assembly::BLUEPRINT_EXAMPLE)),
    responses((status = 200, body = BlueprintView), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn update_blueprint(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
    req: Request,
) -> ApiResult<Json<BlueprintView>> {
    user.require(BOARD, "write blueprints")?;
    let bytes = read_body(req, &state).await?;
    let (yaml, bp) = parse_blueprint(&bytes)?;
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let before = store::get_blueprint(&txn, user.org(), &id).await?;
    let frozen = store::frozen_forms_of_blueprint(&txn, user.org(), &id).await?;
    if !frozen.is_empty() {
        let ids: Vec<&str> = frozen.iter().map(|f| f.id.as_str()).collect();
        return Err(ApiError::Conflict(format!(
            "blueprint {id} was used by the frozen form(s) {}: it is their record and cannot change; create a new blueprint from this YAML instead",
            ids.join(", ")
        )));
    }
    let stored = store::update_blueprint(&txn, user.org(), &id, &bp.name, &bp.subject, yaml).await?;
    let detail = serde_json::json!({"name": bp.name, "previous_name": before.name});
    audit::record(&txn, &actor, "blueprint_update", "blueprint", &id, detail).await?;
    txn.commit().await?;
    Ok(Json(view(stored)?))
}
