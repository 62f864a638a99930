//! Exam packages from frozen forms (DESIGN §6): the bank renders every version's items, seals
//! content and keys in separate sections and signs with the board's key. The two release keys are
//! returned once, to the board member who built the package, and never stored.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use khaothi_auth::{CurrentUser, Role};
use khaothi_domain::Item;
use khaothi_domain::form::{Form, Version};
use khaothi_package::{BuiltPackage, MediaFile, PackageInput, build_package};
use khaothi_store::{audit, items, packages, stimuli};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::assembly::form_view;
use super::items::actor;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

pub(super) const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPackage {
    /// The exam event the package is for; the delivery server refuses it for any other event.
    pub event_id: String,
    /// Shown to candidates; the event id when omitted.
    pub title: Option<String>,
    /// Frozen forms to package (all of one subject).
    pub forms: Vec<String>,
    /// Version codes (mã đề) to include; every version of the forms when omitted.
    pub versions: Option<Vec<String>>,
    /// The test's length; the blueprint's duration when omitted.
    pub duration_minutes: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct ReleaseKeyView {
    /// 64 hex digits.
    pub hex: String,
    /// The same key as a typed code with checksums (docs/protocol.md §1).
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct BuiltPackageView {
    pub id: String,
    pub event_id: String,
    #[schema(value_type = Object)]
    pub manifest: serde_json::Value,
    /// Where to download the package file.
    pub file: String,
    /// The public key that signed it: pin it in the delivery servers' `board_public_key`.
    pub signer: String,
    /// Released at the start time (`khaothi delivery unlock`). Shown only now.
    pub content_key: ReleaseKeyView,
    /// Released at the end of the event, for scoring. Shown only now.
    pub keys_key: ReleaseKeyView,
}

#[derive(Serialize, ToSchema)]
pub struct PackageSummary {
    pub id: String,
    pub event_id: String,
    pub title: String,
    pub forms: Vec<String>,
    pub signer: String,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct BoardKeyView {
    /// `ed25519:<64 hex>`, to pin in every delivery server's configuration.
    pub public_key: String,
}

/// Build a signed, encrypted exam package for an event from frozen forms.
#[utoipa::path(post, path = "/api/v1/packages", tag = "packages", security(("bearer" = [])),
    request_body(content = NewPackage, example = json!({"event_id": "THPT-2026-TOAN", "forms": ["F-7Q2M9X"], "versions": ["0101", "0102", "0103", "0104"], "title": "Thi thử tốt nghiệp THPT 2026 – Toán", "duration_minutes": 90})),
    responses((status = 201, body = BuiltPackageView), (status = 404), (status = 409), (status = 422)))]
pub async fn build(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewPackage>,
) -> ApiResult<(StatusCode, Json<BuiltPackageView>)> {
    user.require(BOARD, "build exam packages")?;
    let event = checked_event_id(&req)?;
    let mut chosen = frozen_forms(&state, user.org(), &req.forms).await?;
    if let Some(wanted) = &req.versions {
        keep_versions(&mut chosen.versions, wanted)?;
    }
    let (items, stimuli) = pinned_items(&state, user.org(), &chosen.forms).await?;
    let media = shown_media(&state, user.org(), &items, &stimuli).await?;
    let header = PackageHeader {
        package_id: format!("PKG-{}", uuid::Uuid::now_v7().simple()),
        event_id: event.to_string(),
        title: req.title.as_deref().map(str::trim).filter(|t| !t.is_empty()).unwrap_or(event).to_string(),
        subject: chosen.subject.clone(),
        duration_minutes: req.duration_minutes.or(chosen.duration_minutes).unwrap_or(90),
    };
    let form_ids = chosen.form_ids();
    let summary = serde_json::json!({"event": event, "forms": form_ids, "versions": chosen.versions.len(), "items": items.len()});
    let content = PackageContent { items, stimuli, media, forms: chosen.forms, versions: chosen.versions };
    let built = seal(&state, header.clone(), content).await?;
    let manifest = record_built(&state, &user, &header, &form_ids, &built, summary).await?;
    let package_id = header.package_id;
    Ok((
        StatusCode::CREATED,
        Json(BuiltPackageView {
            file: format!("/api/v1/packages/{package_id}/file"),
            id: package_id,
            event_id: event.to_string(),
            manifest,
            signer: state.board_key.public().to_string(),
            content_key: ReleaseKeyView {
                hex: built.content_key.to_hex(),
                code: built.content_key.to_code(),
            },
            keys_key: ReleaseKeyView { hex: built.keys_key.to_hex(), code: built.keys_key.to_code() },
        }),
    ))
}

/// The request's event id, trimmed, when it can name an event; and at least one form.
fn checked_event_id(req: &NewPackage) -> ApiResult<&str> {
    let event = req.event_id.trim();
    if !valid_event_id(event) {
        return Err(ApiError::bad_request(
            "invalid_event_id",
            "event_id must be 1–64 characters without '/' or control characters",
        ));
    }
    if req.forms.is_empty() {
        return Err(ApiError::bad_request("no_forms", "forms must name at least one frozen form"));
    }
    Ok(event)
}

/// Whether `event` can name an event: 1–64 characters without '/' or control characters.
pub(super) fn valid_event_id(event: &str) -> bool {
    !(event.is_empty() || event.len() > 64 || event.chars().any(|c| c.is_control() || c == '/'))
}

/// The forms a package is built from, all frozen and of one subject, with every version.
struct FrozenForms {
    forms: Vec<Form>,
    versions: Vec<Version>,
    subject: String,
    /// The first blueprint's test length that has one.
    duration_minutes: Option<u32>,
}

impl FrozenForms {
    fn form_ids(&self) -> Vec<String> {
        self.forms.iter().map(|f| f.id.clone()).collect()
    }
}

/// Loads the named forms: each must be frozen, named once, and of the same subject as the others.
async fn frozen_forms(state: &AppState, org: &str, ids: &[String]) -> ApiResult<FrozenForms> {
    let mut chosen = FrozenForms {
        forms: Vec::new(),
        versions: Vec::new(),
        subject: String::new(),
        duration_minutes: None,
    };
    for id in ids {
        let stored = khaothi_store::assembly::get_form(&state.db, org, id).await?;
        if stored.frozen_at.is_none() {
            return Err(ApiError::Conflict(format!(
                "form {id} is not frozen; freeze it first (POST /api/v1/forms/{id}/freeze)"
            )));
        }
        let bp = khaothi_store::assembly::get_blueprint(&state.db, org, &stored.blueprint_id).await?;
        let blueprint = khaothi_assembly::Blueprint::from_yaml(&bp.yaml)
            .map_err(|e| ApiError::Internal(format!("stored blueprint {}: {e}", bp.id)))?;
        if chosen.forms.is_empty() {
            chosen.subject = blueprint.subject.clone();
        } else if chosen.subject != blueprint.subject {
            return Err(ApiError::bad_request(
                "mixed_subjects",
                format!(
                    "form {id} is a {} form but the others are {}: one package holds one subject",
                    blueprint.subject, chosen.subject
                ),
            ));
        }
        chosen.duration_minutes = chosen.duration_minutes.or(blueprint.duration_minutes);
        let view = form_view(stored)?;
        if chosen.forms.iter().any(|f| f.id == view.form.id) {
            return Err(ApiError::bad_request("duplicate_form", format!("form {id} is named twice")));
        }
        chosen.versions.extend(view.versions);
        chosen.forms.push(view.form);
    }
    Ok(chosen)
}

/// Keeps only the wanted version codes; every one must be a version of the forms.
fn keep_versions(versions: &mut Vec<Version>, wanted: &[String]) -> ApiResult<()> {
    if let Some(code) = wanted.iter().find(|code| !versions.iter().any(|v| &v.code == *code)) {
        let have: Vec<&str> = versions.iter().map(|v| v.code.as_str()).collect();
        return Err(ApiError::NotFound(format!(
            "version {code} is not a version of these forms; they have {}",
            have.join(", ")
        )));
    }
    versions.retain(|v| wanted.contains(&v.code));
    Ok(())
}

/// What a package says about itself, beside its content.
#[derive(Clone)]
pub(super) struct PackageHeader {
    pub(super) package_id: String,
    pub(super) event_id: String,
    pub(super) title: String,
    pub(super) subject: String,
    pub(super) duration_minutes: u32,
}

/// Everything a package carries: the pinned items, their passages and images, forms and versions.
struct PackageContent {
    items: Vec<Item>,
    stimuli: BTreeMap<String, String>,
    media: BTreeMap<String, MediaFile>,
    forms: Vec<Form>,
    versions: Vec<Version>,
}

/// Renders, seals and signs the package off the async runtime (it encrypts every version).
async fn seal(state: &AppState, header: PackageHeader, content: PackageContent) -> ApiResult<BuiltPackage> {
    let signer = state.board_key.clone();
    tokio::task::spawn_blocking(move || {
        let input = PackageInput {
            package_id: header.package_id,
            event_id: header.event_id,
            title: header.title,
            subject: header.subject,
            duration_minutes: header.duration_minutes,
            created_at: chrono::Utc::now().to_rfc3339(),
            items: &content.items,
            stimuli: &content.stimuli,
            media: &content.media,
            forms: &content.forms,
            versions: &content.versions,
        };
        build_package(&input, &signer, &mut rand::rng())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("package build task: {e}")))?
    .map_err(|e| ApiError::Invalid { message: e.to_string(), errors: Vec::new() })
}

/// Stores the built package (file and manifest, never the release keys) and audits the build;
/// returns the manifest as the response shows it.
pub(super) async fn record_built(
    state: &AppState,
    user: &CurrentUser,
    header: &PackageHeader,
    form_ids: &[String],
    built: &BuiltPackage,
    summary: serde_json::Value,
) -> ApiResult<serde_json::Value> {
    let file = std::str::from_utf8(&built.bytes).map_err(|e| ApiError::Internal(e.to_string()))?;
    let manifest = serde_json::to_value(&built.manifest).map_err(|e| ApiError::Internal(e.to_string()))?;
    let actor = actor(user);
    packages::insert(
        &state.db,
        &actor,
        packages::NewPackage {
            id: &header.package_id,
            event_id: &header.event_id,
            title: &header.title,
            forms: form_ids,
            manifest: &manifest.to_string(),
            file,
            signer: &state.board_key.public().to_string(),
        },
    )
    .await?;
    audit::record(&state.db, &actor, "package_build", "package", &header.package_id, summary).await?;
    Ok(manifest)
}

/// The text of the stimulus version a form pinned when it was frozen; forms frozen before stimuli
/// had versions fall back to the newest approved version. Never an unreviewed text.
async fn pinned_stimulus(state: &AppState, org: &str, form_id: &str, id: &str) -> ApiResult<String> {
    let version = match stimuli::pinned_for_form(&state.db, form_id, id).await? {
        Some(v) => v,
        None => stimuli::latest_approved(&state.db, org, id).await?.map(|v| v.version).ok_or_else(|| {
            ApiError::Conflict(format!("stimulus {id} on form {form_id} has no approved version"))
        })?,
    };
    Ok(stimuli::version(&state.db, org, id, version).await?.text)
}

/// Every form item at its pinned version, and the passages they share (at their pinned versions).
async fn pinned_items(
    state: &AppState,
    org: &str,
    forms: &[Form],
) -> ApiResult<(Vec<Item>, BTreeMap<String, String>)> {
    let mut by_id: HashMap<String, (u32, Item)> = HashMap::new();
    let mut stimuli = BTreeMap::new();
    for f in forms {
        for fi in &f.items {
            let version = fi.version.ok_or_else(|| {
                ApiError::Conflict(format!("item {} on form {} has no pinned version", fi.item_id, f.id))
            })?;
            if let Some((have, _)) = by_id.get(&fi.item_id) {
                if *have != version {
                    return Err(ApiError::Conflict(format!(
                        "item {} is pinned at version {have} on one form and {version} on form {}",
                        fi.item_id, f.id
                    )));
                }
                continue;
            }
            let item = items::get(&state.db, org, &fi.item_id, Some(version as i32)).await?.item;
            if let Some(s) = &item.stimulus
                && !stimuli.contains_key(s)
            {
                stimuli.insert(s.clone(), pinned_stimulus(state, org, &f.id, s).await?);
            }
            by_id.insert(fi.item_id.clone(), (version, item));
        }
    }
    Ok((by_id.into_values().map(|(_, i)| i).collect(), stimuli))
}

/// The bank images (`/api/v1/media/<id>`) the items and passages show, to travel in the package:
/// the delivery server has no other way to them.
pub(super) async fn shown_media(
    state: &AppState,
    org: &str,
    items: &[Item],
    stimuli: &BTreeMap<String, String>,
) -> ApiResult<BTreeMap<String, MediaFile>> {
    let mut ids = std::collections::BTreeSet::new();
    for i in items {
        let text = serde_json::to_string(i).map_err(|e| ApiError::Internal(e.to_string()))?;
        ids.extend(khaothi_render::media_ids(&text).map(str::to_string));
    }
    for text in stimuli.values() {
        ids.extend(khaothi_render::media_ids(text).map(str::to_string));
    }
    let mut media = BTreeMap::new();
    for id in ids {
        let m = khaothi_store::media::get(&state.db, org, &id).await.map_err(|_| {
            ApiError::Conflict(format!("an item on these forms shows image {id}, which is not in the bank"))
        })?;
        media.insert(id, MediaFile::new(&m.content_type, &m.data));
    }
    Ok(media)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PackageListParams {
    /// Only this exam event's packages.
    pub event: Option<String>,
}

/// Packages built so far, newest first (without files or keys).
#[utoipa::path(get, path = "/api/v1/packages", tag = "packages", security(("bearer" = [])), params(PackageListParams),
    responses((status = 200, body = Vec<PackageSummary>)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(p): ApiQuery<PackageListParams>,
) -> ApiResult<Json<Vec<PackageSummary>>> {
    user.require(BOARD, "list exam packages")?;
    let rows = packages::list(&state.db, user.org(), p.event.as_deref()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| PackageSummary {
                forms: serde_json::from_str(&r.forms).unwrap_or_default(),
                id: r.id,
                event_id: r.event_id,
                title: r.title,
                signer: r.signer,
                created_by: r.created_by,
                created_at: r.created_at,
            })
            .collect(),
    ))
}

/// The sealed package file, to carry or send to the delivery servers.
#[utoipa::path(get, path = "/api/v1/packages/{id}/file", operation_id = "download_package", tag = "packages", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, content_type = "application/json"), (status = 404)))]
pub async fn download(
    State(state): State<AppState>,
    khaothi_auth::CurrentUserOrCookie(user): khaothi_auth::CurrentUserOrCookie,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    user.require(BOARD, "download exam packages")?;
    let p = packages::get(&state.db, user.org(), &id).await?;
    audit::record(&state.db, &actor(&user), "package_download", "package", &id, serde_json::json!({}))
        .await?;
    let disposition = format!("attachment; filename=\"{}.khaothi-package.json\"", p.id);
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        p.file,
    )
        .into_response())
}

/// The board's public key, to pin in every delivery server's configuration.
#[utoipa::path(get, path = "/api/v1/board-key", tag = "packages", security(("bearer" = [])),
    responses((status = 200, body = BoardKeyView)))]
pub async fn board_key(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<BoardKeyView>> {
    user.require(BOARD, "read the board key")?;
    Ok(Json(BoardKeyView { public_key: state.board_key.public().to_string() }))
}
