//! The review workflow over HTTP. An illegal transition is a 409 that says why.

use axum::Json;
use axum::extract::State;
use khaothi_auth::{CurrentUser, Role};
use khaothi_domain::ReviewAction;
use std::collections::BTreeMap;

use khaothi_store::audit;
use khaothi_store::begin_write;
use khaothi_store::{items, review_queue, stimuli};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::items::{ItemView, actor, writer_of};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiPath, ApiQuery, MaybeJson};
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
    if action == ReviewAction::Approve {
        require_approved_stimulus(&state, &user, &id, req.version).await?;
    }
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
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

/// The rule for shared passages: an item that points at a stimulus is approved only when the
/// stimulus has an approved version (the one a form will pin), so no unreviewed passage can reach
/// candidates through an approved item.
async fn require_approved_stimulus(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    version: Option<i32>,
) -> ApiResult<()> {
    let v = items::get(&state.db, user.org(), id, version).await?;
    let Some(s) = &v.item.stimulus else { return Ok(()) };
    if stimuli::latest_approved(&state.db, user.org(), s).await?.is_none() {
        return Err(ApiError::Conflict(format!(
            "item {id} uses stimulus {s}, which has no approved version yet; review the stimulus first"
        )));
    }
    Ok(())
}

/// Submit a draft for review (its writer).
#[utoipa::path(post, path = "/api/v1/items/{id}/submit", tag = "review", security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content = ReviewRequest, description = "optional", example = json!({"version": 2})), responses((status = 200, body = ItemView), (status = 403), (status = 404), (status = 409)))]
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
    request_body(content = ReviewRequest, description = "optional", example = json!({"version": 2})), responses((status = 200, body = ItemView), (status = 403), (status = 404), (status = 409)))]
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
    request_body(content = ReviewRequest, example = json!({"comment": "Phương án C trùng với phương án A sau khi rút gọn; sửa lại phương án nhiễu.", "version": 2})), responses((status = 200, body = ItemView), (status = 403), (status = 404), (status = 409), (status = 422)))]
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
    request_body(content = ReviewRequest, description = "optional", example = json!({"version": 2})), responses((status = 200, body = ItemView), (status = 403), (status = 404), (status = 409)))]
pub async fn retire(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<String>,
    MaybeJson(body): MaybeJson<ReviewRequest>,
) -> ApiResult<Json<ItemView>> {
    act(s, u, id, body.unwrap_or_default(), ReviewAction::Retire).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueParams {
    /// Only this subject's entries (the counts still cover every subject).
    pub subject: Option<String>,
}

/// One thing waiting for review.
#[derive(Serialize, ToSchema)]
pub struct QueueEntry {
    /// `item` or `stimulus`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
    pub version: i32,
    pub subject: String,
    pub writer: String,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    /// The reader wrote it: they cannot approve or reject it, and `own_reason` says why.
    pub own: bool,
    pub own_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewQueue {
    /// Oldest submission first.
    pub entries: Vec<QueueEntry>,
    /// Entries waiting per subject (all subjects, whatever `subject` filters).
    pub counts_by_subject: BTreeMap<String, usize>,
}

/// Items and stimuli waiting for review, oldest first, with counts per subject.
#[utoipa::path(get, path = "/api/v1/review-queue", tag = "review", security(("bearer" = [])), params(QueueParams),
    responses((status = 200, body = ReviewQueue), (status = 401), (status = 403)))]
pub async fn review_queue(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<QueueParams>,
) -> ApiResult<Json<ReviewQueue>> {
    user.require(&[Role::Admin, Role::Reviewer, Role::ExamBoard], "read the review queue")?;
    let entry = |kind, id, version, subject, writer: String, submitted_at| {
        let own = writer == user.username();
        let own_reason = own.then(|| {
            format!("you wrote this {kind}; another reviewer must approve or reject it (four eyes)")
        });
        QueueEntry { kind, id, version, subject, writer, submitted_at, own, own_reason }
    };
    let mut all: Vec<QueueEntry> = review_queue::items_in_review(&state.db, user.org())
        .await?
        .into_iter()
        .map(|w| entry("item", w.id, w.version, w.subject, w.writer, w.submitted_at))
        .collect();
    for v in stimuli::in_review(&state.db, user.org(), None).await? {
        let at = v.submitted_at.unwrap_or(v.created_at);
        all.push(entry("stimulus", v.stimulus_id, v.version, v.subject, v.created_by, at));
    }
    all.sort_by(|a, b| a.submitted_at.cmp(&b.submitted_at).then_with(|| a.id.cmp(&b.id)));
    let mut counts_by_subject = BTreeMap::new();
    for e in &all {
        *counts_by_subject.entry(e.subject.clone()).or_insert(0) += 1;
    }
    let entries =
        all.into_iter().filter(|e| params.subject.as_ref().is_none_or(|s| *s == e.subject)).collect();
    Ok(Json(ReviewQueue { entries, counts_by_subject }))
}
