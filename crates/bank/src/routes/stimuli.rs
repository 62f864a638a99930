//! Stimulus groups: shared passages whose items are delivered together.

use axum::Json;
use axum::extract::State;
use khaothi_auth::{CurrentUser, Role};
use khaothi_domain::FieldError;
use khaothi_store::{audit, begin_write, stimuli};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::items::{AUTHORS, READERS, actor};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StimulusInput {
    pub id: String,
    pub subject: String,
    pub title: String,
    /// Markdown with `$…$` LaTeX.
    pub text: String,
}

/// A stimulus as its current version shows it; `version`/`status` say where it is in review.
#[derive(Serialize, ToSchema)]
pub struct StimulusView {
    pub id: String,
    pub subject: String,
    pub title: String,
    pub text: String,
    pub created_by: String,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// The current version (every edit adds one).
    pub version: i32,
    /// `draft`, `in_review`, `approved` or `rejected` back to draft (the item life cycle).
    pub status: String,
    /// The newest approved version, which items are approved against and forms pin.
    pub approved_version: Option<i32>,
}

async fn view(state: &AppState, org: &str, s: stimuli::Stimulus) -> ApiResult<StimulusView> {
    let current = stimuli::current(&state.db, org, &s.id).await?;
    let approved = stimuli::latest_approved(&state.db, org, &s.id).await?.map(|v| v.version);
    Ok(StimulusView {
        id: s.id,
        subject: s.subject,
        title: s.title,
        text: s.text,
        created_by: s.created_by,
        updated_at: s.updated_at,
        version: current.version,
        status: current.status,
        approved_version: approved,
    })
}

fn validate(input: &StimulusInput) -> ApiResult<StimulusInput> {
    let norm = khaothi_domain::text::normalize;
    let mut errors = Vec::new();
    if input.id.trim().is_empty() || input.id.chars().any(|c| c.is_whitespace() || c == '/') {
        errors.push(FieldError::new("id", "must be non-empty without spaces or '/'"));
    }
    if input.title.trim().is_empty() {
        errors.push(FieldError::new("title", "is empty"));
    }
    if input.text.trim().is_empty() {
        errors.push(FieldError::new("text", "is empty"));
    }
    if let Err(e) = khaothi_render::render_markdown(&input.text, &khaothi_render::RenderOptions::default()) {
        errors.push(FieldError::new("text", e.to_string()));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(Some(&input.id), errors));
    }
    Ok(StimulusInput {
        id: input.id.trim().to_string(),
        subject: input.subject.trim().to_string(),
        title: norm(input.title.trim()),
        text: norm(&input.text),
    })
}

/// Create a stimulus or edit it (a new version in draft; only its writer or an admin edits it).
#[utoipa::path(post, path = "/api/v1/stimuli", tag = "stimuli", security(("bearer" = [])), request_body(content = StimulusInput, example = json!({"id": "VL12-S001", "subject": "vat_ly", "title": "Sử dụng các thông tin sau cho Câu 3 và Câu 4", "text": "Một khối khí lí tưởng ở nhiệt độ $27\\,^\\circ\\mathrm{C}$ và áp suất $1{,}5 \\cdot 10^5\\ \\mathrm{Pa}$ được nung nóng đẳng tích."})),
    responses((status = 200, body = StimulusView), (status = 400), (status = 403), (status = 422)))]
pub async fn put_stimulus(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<StimulusInput>,
) -> ApiResult<Json<StimulusView>> {
    user.require(AUTHORS, "write stimuli")?;
    let s = validate(&input)?;
    if let Ok(existing) = stimuli::get(&state.db, user.org(), &s.id).await
        && user.role() != Role::Admin
        && existing.created_by != user.username()
    {
        return Err(ApiError::NotAllowed(format!(
            "stimulus {} was written by {}; only its writer or an admin edits it",
            s.id, existing.created_by
        )));
    }
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let (stored, created) =
        stimuli::upsert(&txn, user.org(), &s.id, &s.subject, &s.title, &s.text, user.username()).await?;
    audit::record(
        &txn,
        &actor,
        if created { "stimulus_create" } else { "stimulus_edit" },
        "stimulus",
        &s.id,
        serde_json::json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(Json(view(&state, user.org(), stored).await?))
}

/// Read a stimulus.
#[utoipa::path(get, path = "/api/v1/stimuli/{id}", tag = "stimuli", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = StimulusView), (status = 404)))]
pub async fn get_stimulus(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<StimulusView>> {
    user.require(READERS, "read stimuli")?;
    let s = stimuli::get(&state.db, user.org(), &id).await?;
    audit::record(&state.db, &actor(&user), "stimulus_read", "stimulus", &id, serde_json::json!({})).await?;
    Ok(Json(view(&state, user.org(), s).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StimulusQuery {
    pub subject: Option<String>,
}

/// List stimuli.
#[utoipa::path(get, path = "/api/v1/stimuli", tag = "stimuli", security(("bearer" = [])), params(StimulusQuery),
    responses((status = 200, body = Vec<StimulusView>)))]
pub async fn list_stimuli(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<StimulusQuery>,
) -> ApiResult<Json<Vec<StimulusView>>> {
    user.require(READERS, "list stimuli")?;
    let list = stimuli::list(&state.db, user.org(), q.subject.as_deref()).await?;
    let mut views = Vec::with_capacity(list.len());
    for s in list {
        views.push(view(&state, user.org(), s).await?);
    }
    Ok(Json(views))
}
