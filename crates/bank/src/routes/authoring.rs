//! What the item editor and the history view need besides storing: a live preview of a draft that
//! is not stored (rendered as the candidate will see it, with the bank's own validation messages),
//! and the word-level difference between two stored versions.
//!
//! The preview renders with `khaothi_render` — the renderer and allow-list the packages (and so the
//! candidate page) use — and never fails on a half-written item: every text field that renders is
//! shown, a field that does not is shown as escaped source, and each problem is listed against its
//! field as a save would report it.

mod lenient;

use axum::Json;
use axum::extract::State;
use khaothi_auth::{CurrentUser, Role};
use khaothi_domain::diff::{FieldDiff, KEY_FIELDS, diff_records};
use khaothi_domain::{FieldError, Item, ItemRecord, ReviewStatus};
use khaothi_store::{items, stimuli};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::items::{AUTHORS, READERS, actor, check_can_read, writer_of};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct DraftPreview {
    /// The candidate's rendering (sanitised HTML fragment, the same as `GET items/{id}/preview`).
    pub html: String,
    /// What a save would refuse, each with its interchange field path (`stem`, `options[2]`, …).
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<FieldError>,
    /// What a save accepts but the writer should look at (unknown enemies, unused media).
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<FieldError>,
}

/// Render a draft item (not stored, possibly invalid) as the candidate will see it, with the bank's
/// validation errors per field. Nothing is stored or audited: the body is the writer's own text.
#[utoipa::path(post, path = "/api/v1/items/preview", tag = "items", security(("bearer" = [])),
    request_body(content = Object, description = "An item in the interchange format, possibly incomplete",
        example = json!({"id": "TOAN12-0103", "subject": "toan", "grade": 12, "topic": "12.1.2", "level": "biet", "kind": "single_choice", "stem": "Giá trị của $\\frac{1}{2} + \\frac{1}{3}$ là", "options": ["$\\frac{5}{6}$", "$\\frac{2}{5}$", "$1$"]})),
    responses((status = 200, body = DraftPreview), (status = 400), (status = 401), (status = 403)))]
pub async fn preview_draft(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<DraftPreview>> {
    user.require(AUTHORS, "preview draft items")?;
    if !body.is_object() {
        return Err(ApiError::bad_request("invalid_json", "the body must be one item (a JSON object)"));
    }
    let media = |name: &str| Some(format!("/api/v1/media/{name}"));
    let html = khaothi_render::preview_html(&lenient::render(&body, &media));
    let (item, mut errors, mut warnings) = validate(&body);
    if let Some(item) = &item {
        check_stored_references(&state, user.org(), item, &mut errors, &mut warnings).await?;
    }
    Ok(Json(DraftPreview { html, errors, warnings }))
}

/// The checks of `POST`/`PUT items` in the order they run there, but collected instead of
/// returned at the first failure. The item is returned when every one passes, with the warnings
/// a save would answer (what it normalised, such as a typed option letter removed).
fn validate(body: &Value) -> (Option<Item>, Vec<FieldError>, Vec<FieldError>) {
    let record: ItemRecord = match serde_path_to_error::deserialize(body.clone()) {
        Ok(r) => r,
        Err(e) => {
            let field = e.path().to_string();
            let message = e.inner().to_string();
            let mut errors = vec![FieldError::new(if field == "." { "item".into() } else { field }, message)];
            errors.extend(lenient::check_text(body));
            return (None, errors, Vec::new());
        }
    };
    let mut errors: Vec<FieldError> = record
        .extra
        .keys()
        .map(|f| FieldError::new(f.clone(), "unknown field; see docs/formats.md for the item fields"))
        .collect();
    if record.status.is_some_and(|s| s != ReviewStatus::Draft) {
        errors.push(FieldError::new(
            "status",
            "is set by the review workflow (submit, approve, reject, retire), not by an edit",
        ));
    }
    match record.into_item() {
        Ok((item, normalised)) => {
            errors.extend(khaothi_render::check_item(&item));
            let ok = errors.is_empty();
            let warnings = normalised.into_iter().map(|w| FieldError::new(w.field, w.message)).collect();
            (ok.then_some(item), errors, warnings)
        }
        Err(khaothi_domain::DomainError::Invalid { errors: found, .. }) => {
            errors.extend(found);
            errors.extend(lenient::check_text(body));
            (None, errors, Vec::new())
        }
        Err(other) => {
            errors.push(FieldError::new("item", other.to_string()));
            (None, errors, Vec::new())
        }
    }
}

/// What needs the bank's data: the stimulus must exist (a save refuses it otherwise); enemies that
/// are no item of the bank and listed media no text uses are worth a warning.
async fn check_stored_references(
    state: &AppState,
    org: &str,
    item: &Item,
    errors: &mut Vec<FieldError>,
    warnings: &mut Vec<FieldError>,
) -> ApiResult<()> {
    if let Some(s) = &item.stimulus
        && stimuli::get(&state.db, org, s).await.is_err()
    {
        errors.push(FieldError::new(
            "stimulus",
            format!("stimulus \"{s}\" does not exist; create it with POST /api/v1/stimuli"),
        ));
    }
    let known = items::existing_ids(&state.db, org, &item.enemies).await?;
    for (i, e) in item.enemies.iter().enumerate() {
        if !known.contains(e) {
            warnings.push(FieldError::new(format!("enemies[{i}]"), format!("no item \"{e}\" in the bank")));
        }
    }
    let texts = lenient::texts_of(item);
    for (i, m) in item.media.iter().enumerate() {
        if !texts.iter().any(|t| t.contains(m.as_str())) {
            warnings.push(FieldError::new(
                format!("media[{i}]"),
                format!("\"{m}\" is listed but no text shows it"),
            ));
        }
    }
    Ok(())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DiffParams {
    /// The older version (default: the one before `to`).
    pub from: Option<i32>,
    /// The newer version (default: the current one).
    pub to: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct ItemDiff {
    pub id: String,
    pub from: i32,
    pub to: i32,
    /// Every field of either version: `{field, changed, ops:[{op: equal|insert|delete, text}]}`.
    /// Keys, accepted answers and IRT parameters are left out for a writer reading someone
    /// else's item.
    #[schema(value_type = Vec<Object>)]
    pub fields: Vec<FieldDiff>,
}

/// Word-level difference between two versions of an item, field by field.
#[utoipa::path(get, path = "/api/v1/items/{id}/diff", tag = "items", security(("bearer" = [])),
    params(("id" = String, Path), DiffParams),
    responses((status = 200, body = ItemDiff), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn diff(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<DiffParams>,
) -> ApiResult<Json<ItemDiff>> {
    user.require(READERS, "compare item versions")?;
    let creator = writer_of(&state, &user, &id).await?;
    let to = items::get(&state.db, user.org(), &id, params.to).await?;
    let from_version = params.from.unwrap_or((to.version - 1).max(1));
    let from = items::get(&state.db, user.org(), &id, Some(from_version)).await?;
    check_can_read(&user, &from, &creator)?;
    check_can_read(&user, &to, &creator)?;
    let mut fields = diff_records(&ItemRecord::from_item(&from.item), &ItemRecord::from_item(&to.item));
    if user.role() == Role::ItemWriter && creator != user.username() {
        fields.retain(|f| !KEY_FIELDS.iter().any(|k| is_under(&f.field, k)));
    }
    khaothi_store::audit::record(
        &state.db,
        &actor(&user),
        "item_diff",
        "item",
        &id,
        serde_json::json!({"from": from.version, "to": to.version}),
    )
    .await?;
    Ok(Json(ItemDiff { id, from: from.version, to: to.version, fields }))
}

/// Whether `field` is `root` or inside it (`keys[2]`, `irt.b`).
fn is_under(field: &str, root: &str) -> bool {
    field.strip_prefix(root).is_some_and(|rest| rest.is_empty() || rest.starts_with(['[', '.']))
}
