//! The review workflow over HTTP. An illegal transition is a 409 that says why.

use axum::Json;
use axum::extract::State;
use khaothi_auth::{CurrentUser, Role};
use khaothi_domain::ReviewAction;
use khaothi_store::TransactionTrait;
use khaothi_store::audit;
use khaothi_store::items;
use serde::Deserialize;
use utoipa::ToSchema;

use super::items::{ItemView, actor, writer_of};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiPath, MaybeJson};
use crate::state::AppState;

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// Required to reject: what the writer must fix.
    pub comment: Option<String>,
    /// The version acted on; the current version when omitted.
    pub version: Option<i32>,
}

async fn act(
    state: AppState,
    user: CurrentUser,
    id: String,
    req: ReviewRequest,
    action: ReviewAction,
) -> ApiResult<Json<ItemView>> {
    let allowed: &[Role] = match action {
        ReviewAction::Submit => &[Role::Admin, Role::ItemWriter],
        ReviewAction::Approve | ReviewAction::Reject | ReviewAction::Retire => &[Role::Admin, Role::Reviewer],
    };
    user.require(allowed, &format!("{} items", action.as_str()))?;
    let creator = writer_of(&state, &user, &id).await?;
    if action == ReviewAction::Submit && user.role() == Role::ItemWriter && creator != user.username() {
        return Err(ApiError::NotAllowed(format!(
            "item {id} was written by {creator}; only its writer submits it"
        )));
    }
    if action == ReviewAction::Reject && req.comment.as_deref().is_none_or(|c| c.trim().is_empty()) {
        return Err(ApiError::invalid(
            Some(&id),
            vec![khaothi_domain::FieldError::new(
                "comment",
                "a rejection needs a comment telling the writer what to fix",
            )],
        ));
    }
    let actor = actor(&user);
    let txn = state.db.begin().await?;
    let stored = items::review(&txn, &actor, &id, req.version, action, req.comment.clone()).await?;
    audit::record(
        &txn,
        &actor,
        &format!("item_{}", action.as_str()),
        "item",
        &id,
        serde_json::json!({"version": stored.version, "comment": req.comment, "status": stored.item.status}),
    )
    .await?;
    txn.commit().await?;
    Ok(Json(stored.into()))
}

/// Submit a draft for review (its writer).
#[utoipa::path(post, path = "/api/v1/items/{id}/submit", tag = "review", security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content = ReviewRequest, description = "optional"), responses((status = 200, body = ItemView), (status = 403), (status = 404), (status = 409)))]
pub async fn submit(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<String>,
    MaybeJson(body): MaybeJson<ReviewRequest>,
) -> ApiResult<Json<ItemView>> {
    act(s, u, id, body.unwrap_or_default(), ReviewAction::Submit).await
}

/// Approve an item in review (a reviewer other than its writer).
#[utoipa::path(post, path = "/api/v1/items/{id}/approve", tag = "review", security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content = ReviewRequest, description = "optional"), responses((status = 200, body = ItemView), (status = 403), (status = 404), (status = 409)))]
pub async fn approve(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<String>,
    MaybeJson(body): MaybeJson<ReviewRequest>,
) -> ApiResult<Json<ItemView>> {
    act(s, u, id, body.unwrap_or_default(), ReviewAction::Approve).await
}

/// Reject an item in review back to draft, with a comment.
#[utoipa::path(post, path = "/api/v1/items/{id}/reject", tag = "review", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = ReviewRequest, responses((status = 200, body = ItemView), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn reject(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ReviewRequest>,
) -> ApiResult<Json<ItemView>> {
    act(s, u, id, body, ReviewAction::Reject).await
}

/// Retire an item version (kept for history; no longer assembled).
#[utoipa::path(post, path = "/api/v1/items/{id}/retire", tag = "review", security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content = ReviewRequest, description = "optional"), responses((status = 200, body = ItemView), (status = 403), (status = 404), (status = 409)))]
pub async fn retire(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<String>,
    MaybeJson(body): MaybeJson<ReviewRequest>,
) -> ApiResult<Json<ItemView>> {
    act(s, u, id, body.unwrap_or_default(), ReviewAction::Retire).await
}
