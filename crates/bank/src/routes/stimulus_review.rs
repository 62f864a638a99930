//! The review life cycle of stimuli (issue 16, finding 6), as items have it: the writer submits,
//! another reviewer approves or rejects with a comment, and every version stays readable.

use axum::Json;
use axum::extract::State;
use khaothi_auth::{CurrentUser, Role};
use khaothi_domain::ReviewAction;
use khaothi_store::{audit, begin_write, stimuli};
use serde::Serialize;
use utoipa::ToSchema;

use super::items::{READERS, actor};
use super::review::ReviewRequest;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiPath, MaybeJson};
use crate::state::AppState;

/// One stored version of a stimulus with its review fields.
#[derive(Serialize, ToSchema)]
pub struct StimulusVersionView {
    pub id: String,
    pub version: i32,
    pub status: String,
    pub is_current: bool,
    pub subject: String,
    pub title: String,
    pub text: String,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub review_comment: Option<String>,
}

impl From<stimuli::StimulusVersion> for StimulusVersionView {
    fn from(v: stimuli::StimulusVersion) -> Self {
        Self {
            id: v.stimulus_id,
            version: v.version,
            status: v.status,
            is_current: v.is_current,
            subject: v.subject,
            title: v.title,
            text: v.text,
            created_by: v.created_by,
            created_at: v.created_at,
            submitted_at: v.submitted_at,
            reviewed_by: v.reviewed_by,
            reviewed_at: v.reviewed_at,
            review_comment: v.review_comment,
        }
    }
}

async fn act(
    state: AppState,
    user: CurrentUser,
    id: String,
    req: ReviewRequest,
    action: ReviewAction,
) -> ApiResult<Json<StimulusVersionView>> {
    let allowed: &[Role] = match action {
        ReviewAction::Submit => &[Role::Admin, Role::ItemWriter],
        _ => &[Role::Admin, Role::Reviewer],
    };
    user.require(allowed, &format!("{} stimuli", action.as_str()))?;
    let head = stimuli::get(&state.db, user.org(), &id).await?;
    if action == ReviewAction::Submit && user.role() == Role::ItemWriter && head.created_by != user.username()
    {
        return Err(ApiError::NotAllowed(format!(
            "stimulus {id} was written by {}; only its writer submits it",
            head.created_by
        )));
    }
    if action == ReviewAction::Reject && req.comment.as_deref().is_none_or(|c| c.trim().is_empty()) {
        let why = "a rejection needs a comment telling the writer what to fix";
        return Err(ApiError::invalid(Some(&id), vec![khaothi_domain::FieldError::new("comment", why)]));
    }
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let stored = stimuli::review(&txn, &actor, &id, action, req.comment.clone()).await?;
    let detail =
        serde_json::json!({"version": stored.version, "comment": req.comment, "status": stored.status});
    audit::record(&txn, &actor, &format!("stimulus_{}", action.as_str()), "stimulus", &id, detail).await?;
    txn.commit().await?;
    Ok(Json(stored.into()))
}

/// Submit a stimulus draft for review (its writer).
#[utoipa::path(post, path = "/api/v1/stimuli/{id}/submit", operation_id = "submit_stimulus", tag = "stimuli", security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content = ReviewRequest, description = "optional", example = json!({"version": 2})), responses((status = 200, body = StimulusVersionView), (status = 403), (status = 404), (status = 409)))]
pub async fn submit(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<String>,
    MaybeJson(body): MaybeJson<ReviewRequest>,
) -> ApiResult<Json<StimulusVersionView>> {
    act(s, u, id, body.unwrap_or_default(), ReviewAction::Submit).await
}

/// Approve a stimulus in review (a reviewer other than its writer).
#[utoipa::path(post, path = "/api/v1/stimuli/{id}/approve", operation_id = "approve_stimulus", tag = "stimuli", security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content = ReviewRequest, description = "optional", example = json!({"version": 2})), responses((status = 200, body = StimulusVersionView), (status = 403), (status = 404), (status = 409)))]
pub async fn approve(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<String>,
    MaybeJson(body): MaybeJson<ReviewRequest>,
) -> ApiResult<Json<StimulusVersionView>> {
    act(s, u, id, body.unwrap_or_default(), ReviewAction::Approve).await
}

/// Reject a stimulus in review back to draft, with a comment.
#[utoipa::path(post, path = "/api/v1/stimuli/{id}/reject", operation_id = "reject_stimulus", tag = "stimuli", security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content = ReviewRequest, example = json!({"comment": "Phương án C trùng với phương án A sau khi rút gọn; sửa lại phương án nhiễu.", "version": 2})), responses((status = 200, body = StimulusVersionView), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn reject(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ReviewRequest>,
) -> ApiResult<Json<StimulusVersionView>> {
    act(s, u, id, body, ReviewAction::Reject).await
}

/// Every version of a stimulus, oldest first.
#[utoipa::path(get, path = "/api/v1/stimuli/{id}/versions", tag = "stimuli", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Vec<StimulusVersionView>), (status = 404)))]
pub async fn versions(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<StimulusVersionView>>> {
    user.require(READERS, "read stimulus history")?;
    let list = stimuli::versions(&state.db, user.org(), &id).await?;
    audit::record(&state.db, &actor(&user), "stimulus_history_read", "stimulus", &id, serde_json::json!({}))
        .await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// One version of a stimulus.
#[utoipa::path(get, path = "/api/v1/stimuli/{id}/versions/{version}", tag = "stimuli", security(("bearer" = [])),
    params(("id" = String, Path), ("version" = i32, Path)), responses((status = 200, body = StimulusVersionView), (status = 404)))]
pub async fn version(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath((id, version)): ApiPath<(String, i32)>,
) -> ApiResult<Json<StimulusVersionView>> {
    user.require(READERS, "read stimuli")?;
    let v = stimuli::version(&state.db, user.org(), &id, version).await?;
    let detail = serde_json::json!({"version": version});
    audit::record(&state.db, &actor(&user), "stimulus_read", "stimulus", &id, detail).await?;
    Ok(Json(v.into()))
}
