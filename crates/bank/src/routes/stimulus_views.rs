//! What the reviewer's stimulus page needs to judge a shared passage as it judges an item: the
//! passage rendered as the candidate will see it (the package renderer and its allow-list), and
//! the word-level difference between two of its versions (title and text), in the shape
//! `GET items/{id}/diff` answers so the page draws both with one table.

use axum::Json;
use axum::extract::State;
use khaothi_auth::CurrentUser;
use khaothi_domain::FieldError;
use khaothi_domain::diff::{FieldDiff, diff_words};
use khaothi_store::{audit, stimuli};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::items::{READERS, actor};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiPath, ApiQuery};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StimulusPreviewParams {
    /// The version to render (default: the current one).
    pub version: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct StimulusPreview {
    pub id: String,
    pub version: i32,
    pub title: String,
    /// The text rendered as the candidate sees it (sanitised HTML fragment, LaTeX as MathML).
    pub html: String,
}

/// A stimulus version rendered as the candidate will see it.
#[utoipa::path(get, path = "/api/v1/stimuli/{id}/preview", operation_id = "stimulus_preview", tag = "stimuli", security(("bearer" = [])),
    params(("id" = String, Path), StimulusPreviewParams),
    responses((status = 200, body = StimulusPreview), (status = 401), (status = 403), (status = 404), (status = 422)))]
pub async fn preview(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<StimulusPreviewParams>,
) -> ApiResult<Json<StimulusPreview>> {
    user.require(READERS, "read stimuli")?;
    let v = match params.version {
        Some(n) => stimuli::version(&state.db, user.org(), &id, n).await?,
        None => stimuli::current(&state.db, user.org(), &id).await?,
    };
    let html = render(&v.text)
        .map_err(|e| ApiError::invalid(Some(&id), vec![FieldError::new("text", e.to_string())]))?;
    let detail = serde_json::json!({"version": v.version});
    audit::record(&state.db, &actor(&user), "stimulus_read", "stimulus", &id, detail).await?;
    Ok(Json(StimulusPreview { id, version: v.version, title: v.title, html }))
}

/// The passage's Markdown and LaTeX as the package renders it, its images served by the media route.
fn render(text: &str) -> Result<String, khaothi_render::RenderError> {
    let media = |name: &str| Some(format!("/api/v1/media/{name}"));
    let opts = khaothi_render::RenderOptions { media: Some(&media), ..Default::default() };
    khaothi_render::render_markdown(text, &opts)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StimulusDiffParams {
    /// The older version (default: the one before `to`).
    pub from: Option<i32>,
    /// The newer version (default: the current one).
    pub to: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct StimulusDiff {
    pub id: String,
    pub from: i32,
    pub to: i32,
    /// `title`, `subject` and `text`: `{field, changed, ops:[{op: equal|insert|delete, text}]}`.
    #[schema(value_type = Vec<Object>)]
    pub fields: Vec<FieldDiff>,
}

/// Word-level difference between two versions of a stimulus.
#[utoipa::path(get, path = "/api/v1/stimuli/{id}/diff", operation_id = "stimulus_diff", tag = "stimuli", security(("bearer" = [])),
    params(("id" = String, Path), StimulusDiffParams),
    responses((status = 200, body = StimulusDiff), (status = 401), (status = 403), (status = 404)))]
pub async fn diff(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<StimulusDiffParams>,
) -> ApiResult<Json<StimulusDiff>> {
    user.require(READERS, "compare stimulus versions")?;
    let to = match params.to {
        Some(n) => stimuli::version(&state.db, user.org(), &id, n).await?,
        None => stimuli::current(&state.db, user.org(), &id).await?,
    };
    let from_version = params.from.unwrap_or((to.version - 1).max(1));
    let from = stimuli::version(&state.db, user.org(), &id, from_version).await?;
    let field = |name: &str, a: &str, b: &str| FieldDiff {
        field: name.to_string(),
        changed: a != b,
        ops: diff_words(a, b),
    };
    let fields = vec![
        field("title", &from.title, &to.title),
        field("subject", &from.subject, &to.subject),
        field("text", &from.text, &to.text),
    ];
    let detail = serde_json::json!({"from": from.version, "to": to.version});
    audit::record(&state.db, &actor(&user), "stimulus_diff", "stimulus", &id, detail).await?;
    Ok(Json(StimulusDiff { id, from: from.version, to: to.version, fields }))
}
