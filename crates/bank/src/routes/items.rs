//! Items: create, read, edit (a new version), list with filters, version history, preview.
//! Every read of item content is audited (DESIGN §8).

use axum::Json;
use axum::extract::State;
use khaothi_auth::{CurrentUser, Role};
use khaothi_domain::{FieldError, Item, ItemRecord, RecordWarning, ReviewStatus};
use khaothi_store::audit::{self, Actor};
use khaothi_store::items::{self, ItemFilter, StoredVersion, Visibility};
use khaothi_store::search::{self, PageStart};
use khaothi_store::{begin_write, stimuli};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::confidentiality;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

pub const AUTHORS: &[Role] = &[Role::Admin, Role::ItemWriter];
pub const READERS: &[Role] = &[Role::Admin, Role::ItemWriter, Role::Reviewer, Role::ExamBoard];

pub fn actor(user: &CurrentUser) -> Actor {
    Actor {
        org_id: user.org().to_string(),
        username: user.username().to_string(),
        role: user.role().to_string(),
    }
}

/// The role's visibility of an open bank (see [`confidentiality::visibility_in`] for the closed one).
pub fn visibility(user: &CurrentUser) -> Visibility {
    confidentiality::role_visibility(user)
}

/// Who wrote an item of the user's organisation; a 404 when there is no such item.
pub async fn writer_of(state: &AppState, user: &CurrentUser, id: &str) -> ApiResult<String> {
    items::head(&state.db, user.org(), id)
        .await?
        .map(|(creator, _)| creator)
        .ok_or_else(|| ApiError::NotFound(format!("no item with id {id}")))
}

/// Whether the user may see this version (the same rule as [`visibility`], for one item).
pub fn check_can_read(user: &CurrentUser, v: &StoredVersion, head_creator: &str) -> ApiResult<()> {
    let ok = match user.role() {
        Role::Admin => true,
        Role::ItemWriter => head_creator == user.username() || v.item.status == ReviewStatus::Approved,
        Role::Reviewer => v.item.status != ReviewStatus::Draft,
        Role::ExamBoard => matches!(v.item.status, ReviewStatus::Approved | ReviewStatus::Retired),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        // Not 403: an item the user may not see is, for them, an item that does not exist.
        Err(ApiError::NotFound(format!("no item with id {} visible to you", v.item.id)))
    }
}

/// [`check_can_read`] with the organisation's closed-bank setting: in a closed bank a writer reads
/// only their own items.
pub async fn check_can_read_in(
    state: &AppState,
    user: &CurrentUser,
    v: &StoredVersion,
    head_creator: &str,
) -> ApiResult<()> {
    check_can_read(user, v, head_creator)?;
    if user.role() == Role::ItemWriter
        && head_creator != user.username()
        && confidentiality::closed_bank(state, user).await?
    {
        return Err(ApiError::NotFound(format!("no item with id {} visible to you", v.item.id)));
    }
    Ok(())
}

/// An item version as the API returns it: the interchange record plus its history fields.
#[derive(Serialize, ToSchema)]
pub struct ItemView {
    pub id: String,
    #[serde(flatten)]
    pub summary: VersionSummary,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The item in the interchange format (docs/formats.md).
    #[schema(value_type = Object)]
    pub item: ItemRecord,
    /// The fields left out because the reader may not see this item's answer (another writer's
    /// item); absent when the view is complete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redacted: Vec<String>,
    /// Create and edit only (absent on reads): what the save changed or the writer should look
    /// at, `{field, message}` — e.g. `options[0]`: a typed leading option letter "A." removed
    /// (docs/formats.md). Empty when there is nothing to say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub warnings: Option<Vec<RecordWarning>>,
}

impl ItemView {
    /// The view `user` may see of a version written by `writer`: complete, or without the answer
    /// ([`confidentiality::redact`]). The flag says whether a key was shown (to be audited).
    pub fn for_reader(user: &CurrentUser, v: StoredVersion, writer: &str) -> (Self, bool) {
        let mut view = Self::from(v);
        if confidentiality::sees_keys(user, writer) {
            return (view, true);
        }
        confidentiality::redact(&mut view.item);
        view.redacted = confidentiality::REDACTED_FIELDS.iter().map(|f| f.to_string()).collect();
        (view, false)
    }
}

impl From<StoredVersion> for ItemView {
    fn from(v: StoredVersion) -> Self {
        Self {
            id: v.item.id.clone(),
            summary: VersionSummary::of(&v),
            reviewed_by: v.reviewed_by,
            reviewed_at: v.reviewed_at,
            item: ItemRecord::from_item(&v.item),
            redacted: Vec::new(),
            warnings: None,
        }
    }
}

/// Parses an item body: unknown fields are refused here (the API is strict; imports are lenient).
/// The warnings are the normalisations a writer should see (a stripped option letter).
pub fn item_from_body(record: ItemRecord) -> ApiResult<(Item, Vec<RecordWarning>)> {
    if let Some(field) = record.extra.keys().next() {
        return Err(ApiError::bad_request(
            "unknown_field",
            format!("unknown field `{field}`; see docs/formats.md for the item fields"),
        ));
    }
    if record.status.is_some_and(|s| s != ReviewStatus::Draft) {
        return Err(ApiError::bad_request(
            "status_not_settable",
            "`status` is set by the review workflow (submit, approve, reject, retire), not by an edit",
        ));
    }
    let id = record.id.clone();
    let (item, warnings) = record.into_item().map_err(|e| match e {
        khaothi_domain::DomainError::Invalid { errors, .. } => ApiError::invalid(Some(&id), errors),
        other => ApiError::bad_request("invalid_item", other.to_string()),
    })?;
    let latex = khaothi_render::check_item(&item);
    if !latex.is_empty() {
        return Err(ApiError::invalid(Some(&item.id), latex));
    }
    Ok((item, warnings))
}

async fn check_references(state: &AppState, org: &str, item: &Item) -> ApiResult<()> {
    if let Some(s) = &item.stimulus
        && stimuli::get(&state.db, org, s).await.is_err()
    {
        return Err(ApiError::invalid(
            Some(&item.id),
            vec![FieldError::new(
                "stimulus",
                format!("stimulus \"{s}\" does not exist; create it with POST /api/v1/stimuli"),
            )],
        ));
    }
    Ok(())
}

/// Create an item (version 1, draft).
#[utoipa::path(post, path = "/api/v1/items", tag = "items", security(("bearer" = [])),
    request_body(content = Object, description = "An item in the interchange format (docs/formats.md)",
        example = json!({"id": "TOAN12-0101", "subject": "toan", "grade": 12, "topic": "12.1.2", "level": "hieu", "kind": "single_choice", "stem": "Hàm số $y = x^3 - 3x$ nghịch biến trên khoảng nào dưới đây?", "options": ["$(-1; 1)$", "$(1; +\\infty)$", "$(-\\infty; -1)$", "$(-3; 3)$"], "key": "A", "enemies": ["TOAN12-0102"]})),
    responses((status = 201, body = ItemView), (status = 400), (status = 401), (status = 403), (status = 409), (status = 422)))]
pub async fn create_item(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<ItemRecord>,
) -> ApiResult<(axum::http::StatusCode, Json<ItemView>)> {
    user.require(AUTHORS, "create items")?;
    let (item, warnings) = item_from_body(body)?;
    check_references(&state, user.org(), &item).await?;
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let stored = items::create(&txn, &actor, &item).await?;
    audit::record(&txn, &actor, "item_create", "item", &item.id, serde_json::json!({"version": 1})).await?;
    txn.commit().await?;
    let view = ItemView { warnings: Some(warnings), ..stored.into() };
    Ok((axum::http::StatusCode::CREATED, Json(view)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EditParams {
    /// The version the edit was made on; a newer stored version makes the edit a 409.
    pub base_version: Option<i32>,
}

/// Edit an item: stores a new version in draft; earlier versions stay readable.
#[utoipa::path(put, path = "/api/v1/items/{id}", tag = "items", security(("bearer" = [])), params(("id" = String, Path), EditParams),
    request_body(content = Object, description = "The whole item in the interchange format",
        example = json!({"id": "TOAN12-0101", "subject": "toan", "grade": 12, "topic": "12.1.2", "level": "hieu", "kind": "single_choice", "stem": "Hàm số $y = x^3 - 3x$ nghịch biến trên khoảng nào dưới đây?", "options": ["$(-1; 1)$", "$(1; +\\infty)$", "$(-\\infty; -1)$", "$(-3; 3)$"], "key": "A", "enemies": ["TOAN12-0102"]})),
    responses((status = 200, body = ItemView), (status = 400), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn update_item(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<EditParams>,
    ApiJson(body): ApiJson<ItemRecord>,
) -> ApiResult<Json<ItemView>> {
    user.require(AUTHORS, "edit items")?;
    let (mut item, warnings) = item_from_body(body)?;
    if item.id != id {
        return Err(ApiError::bad_request(
            "id_mismatch",
            format!("the body's id \"{}\" is not the URL's \"{id}\"", item.id),
        ));
    }
    let creator = writer_of(&state, &user, &id).await?;
    if user.role() != Role::Admin && creator != user.username() {
        return Err(ApiError::NotAllowed(format!(
            "item {id} was written by {creator}; only its writer or an admin edits it"
        )));
    }
    check_references(&state, user.org(), &item).await?;
    item.status = ReviewStatus::Draft;
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let stored = items::new_version(&txn, &actor, &item, params.base_version).await?;
    audit::record(&txn, &actor, "item_edit", "item", &id, serde_json::json!({"version": stored.version}))
        .await?;
    txn.commit().await?;
    Ok(Json(ItemView { warnings: Some(warnings), ..stored.into() }))
}

/// Read the current version of an item.
#[utoipa::path(get, path = "/api/v1/items/{id}", tag = "items", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ItemView), (status = 401), (status = 403), (status = 404)))]
pub async fn get_item(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ItemView>> {
    read_version(state, user, id, None).await
}

/// Read one version of an item.
#[utoipa::path(get, path = "/api/v1/items/{id}/versions/{version}", tag = "items", security(("bearer" = [])),
    params(("id" = String, Path), ("version" = i32, Path)),
    responses((status = 200, body = ItemView), (status = 404)))]
pub async fn get_item_version(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath((id, version)): ApiPath<(String, i32)>,
) -> ApiResult<Json<ItemView>> {
    read_version(state, user, id, Some(version)).await
}

async fn read_version(
    state: AppState,
    user: CurrentUser,
    id: String,
    version: Option<i32>,
) -> ApiResult<Json<ItemView>> {
    user.require(READERS, "read items")?;
    let creator = writer_of(&state, &user, &id).await?;
    let v = items::get(&state.db, user.org(), &id, version).await?;
    check_can_read_in(&state, &user, &v, &creator).await?;
    audit_version_read(&state, &user, "item_read", &id, v.version).await?;
    let version = v.version;
    let (view, key_shown) = ItemView::for_reader(&user, v, &creator);
    if key_shown {
        audit_version_read(&state, &user, "item_key_read", &id, version).await?;
    }
    Ok(Json(view))
}

#[derive(Serialize, ToSchema)]
pub struct VersionSummary {
    pub version: i32,
    pub status: String,
    pub is_current: bool,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub review_comment: Option<String>,
}

impl VersionSummary {
    fn of(v: &StoredVersion) -> Self {
        Self {
            version: v.version,
            status: v.item.status.to_string(),
            is_current: v.is_current,
            created_by: v.created_by.clone(),
            created_at: v.created_at,
            review_comment: v.review_comment.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct History {
    pub id: String,
    pub versions: Vec<VersionSummary>,
    #[schema(value_type = Vec<Object>)]
    pub reviews: Vec<items::ReviewEvent>,
}

/// Version history of an item, with every review decision.
#[utoipa::path(get, path = "/api/v1/items/{id}/versions", tag = "items", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = History), (status = 404)))]
pub async fn history(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<History>> {
    user.require(READERS, "read item history")?;
    let creator = writer_of(&state, &user, &id).await?;
    let versions = items::history(&state.db, user.org(), &id).await?;
    // `history` finds at least one version or answers 404; still, no index can go out of range.
    let current = versions
        .iter()
        .find(|v| v.is_current)
        .or_else(|| versions.last())
        .ok_or_else(|| ApiError::NotFound(format!("item {id} has no versions")))?;
    if user.role() != Role::Admin && creator != user.username() {
        check_can_read_in(&state, &user, current, &creator).await?;
    }
    let reviews = items::review_history(&state.db, &id).await?;
    audit::record(&state.db, &actor(&user), "item_history_read", "item", &id, serde_json::json!({})).await?;
    Ok(Json(History {
        id,
        versions: versions.into_iter().map(|v| VersionSummary::of(&v)).collect(),
        reviews,
    }))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub subject: Option<String>,
    pub grade: Option<i32>,
    /// Curriculum code prefix by whole segments: `12.1` matches `12.1.2`, not `12.10`.
    pub topic: Option<String>,
    pub level: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub stimulus: Option<String>,
    /// Full text, ignoring diacritics and case (`ham so` finds `hàm số`).
    pub q: Option<String>,
    /// 1-based page number.
    pub page: Option<u64>,
    /// Items per page, at most 200 (default 50).
    pub per_page: Option<u64>,
    /// Keyset paging: the `next_cursor` of the previous page (instead of `page`); constant time
    /// at any depth.
    pub after: Option<String>,
    /// List only. `false`: no `total` (null) and no `status_counts`, skipping the count over every
    /// match (a page after the first needs none). Default `true`.
    pub counts: Option<bool>,
}

impl ListParams {
    pub fn filter(&self) -> ApiResult<ItemFilter> {
        if let Some(l) = &self.level
            && khaothi_domain::Level::parse(l).is_none()
        {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("level \"{l}\" is not one of biet, hieu, van_dung, van_dung_cao"),
            ));
        }
        if let Some(k) = &self.kind
            && khaothi_domain::ItemKind::parse(k).is_none()
        {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("kind \"{k}\" is not one of single_choice, true_false_group, short_answer"),
            ));
        }
        if let Some(s) = &self.status
            && ReviewStatus::parse(s).is_none()
        {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("status \"{s}\" is not one of draft, in_review, approved, retired"),
            ));
        }
        Ok(ItemFilter {
            subject: self.subject.clone(),
            grade: self.grade,
            topic_prefix: self.topic.clone(),
            level: self.level.clone(),
            kind: self.kind.clone(),
            status: self.status.clone(),
            stimulus: self.stimulus.clone(),
            q: self.q.clone().filter(|q| !q.trim().is_empty()),
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct ItemPage {
    pub items: Vec<ItemView>,
    /// Items matching every filter; null when the request said `counts=false`.
    pub total: Option<u64>,
    pub page: u64,
    pub per_page: u64,
    /// Pass as `after` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// Items matching the same filters whatever their status, by status (every status present);
    /// absent when the request said `counts=false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_counts: Option<std::collections::BTreeMap<String, u64>>,
}

/// List the current version of each item the user may see, filtered and paginated.
#[utoipa::path(get, path = "/api/v1/items", tag = "items", security(("bearer" = [])), params(ListParams),
    responses((status = 200, body = ItemPage), (status = 400), (status = 401), (status = 403)))]
pub async fn list_items(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<ItemPage>> {
    user.require(READERS, "list items")?;
    let filter = params.filter()?;
    let per_page = params.per_page.unwrap_or(50).clamp(1, 200);
    let page = params.page.unwrap_or(1).max(1);
    let after = params.after.as_deref().map(super::item_list::decode_cursor).transpose()?;
    if after.is_some() && params.page.is_some() {
        return Err(ApiError::bad_request("invalid_query", "give `page` or `after`, not both"));
    }
    let start = match &after {
        Some(id) => PageStart::After(id),
        None => PageStart::Offset((page - 1) * per_page),
    };
    let vis = confidentiality::visibility_in(&state, &user).await?;
    let counts = params.counts.unwrap_or(true);
    let found = search::list_counted(&state.db, user.org(), &vis, &filter, start, per_page, counts).await?;
    let ids: Vec<&str> = found.items.iter().map(|v| v.item.id.as_str()).collect();
    audit::record(&state.db, &actor(&user), "item_list", "item", "*", serde_json::json!({"ids": ids}))
        .await?;
    Ok(Json(ItemPage {
        items: views_for_reader(&state, &user, found.items).await?,
        total: found.total,
        page,
        per_page,
        next_cursor: found.next_after.as_deref().map(super::item_list::encode_cursor),
        status_counts: found.status_counts.map(super::item_list::every_status),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PreviewParams {
    pub version: Option<i32>,
    /// Option order as a version shows it, e.g. `2,0,3,1` (position → original option).
    pub order: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Preview {
    pub id: String,
    pub version: i32,
    /// A self-contained HTML fragment: exactly what the candidate sees (MathML, images, options).
    pub html: String,
    #[schema(value_type = Object)]
    pub rendered: khaothi_render::RenderedItem,
}

/// Render an item version as a candidate will see it (no key).
#[utoipa::path(get, path = "/api/v1/items/{id}/preview", tag = "items", security(("bearer" = [])), params(("id" = String, Path), PreviewParams),
    responses((status = 200, body = Preview), (status = 400), (status = 404)))]
pub async fn preview(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<PreviewParams>,
) -> ApiResult<Json<Preview>> {
    user.require(READERS, "preview items")?;
    let creator = writer_of(&state, &user, &id).await?;
    let v = items::get(&state.db, user.org(), &id, params.version).await?;
    check_can_read_in(&state, &user, &v, &creator).await?;
    let order = match &params.order {
        None => None,
        Some(s) => Some(parse_order(s)?),
    };
    let rendered = khaothi_render::render_item(&v.item, order.as_deref(), &|name: &str| {
        Some(format!("/api/v1/media/{name}"))
    })
    .map_err(|e| ApiError::invalid(Some(&id), vec![FieldError::new("content", e.to_string())]))?;
    audit_version_read(&state, &user, "item_preview", &id, v.version).await?;
    Ok(Json(Preview { id, version: v.version, html: khaothi_render::preview_html(&rendered), rendered }))
}

/// The views of a list for `user`, each complete or redacted by who wrote its version; the items
/// whose keys were shown are audited as one `item_key_read`.
pub async fn views_for_reader(
    state: &AppState,
    user: &CurrentUser,
    found: Vec<StoredVersion>,
) -> ApiResult<Vec<ItemView>> {
    let mut keyed = Vec::new();
    let views: Vec<ItemView> = found
        .into_iter()
        .map(|v| {
            let writer = v.created_by.clone();
            let (view, key_shown) = ItemView::for_reader(user, v, &writer);
            if key_shown {
                keyed.push(view.id.clone());
            }
            view
        })
        .collect();
    if !keyed.is_empty() {
        audit::record(
            &state.db,
            &actor(user),
            "item_key_read",
            "item",
            "*",
            serde_json::json!({"ids": keyed}),
        )
        .await?;
    }
    Ok(views)
}

/// Every read of an item version's content is audited (DESIGN §8), as `action` on that version.
async fn audit_version_read(
    state: &AppState,
    user: &CurrentUser,
    action: &str,
    id: &str,
    version: i32,
) -> ApiResult<()> {
    audit::record(&state.db, &actor(user), action, "item", id, serde_json::json!({"version": version}))
        .await?;
    Ok(())
}

fn parse_order(s: &str) -> ApiResult<Vec<usize>> {
    let order: Vec<usize> =
        s.split(',').map(|p| p.trim().parse::<usize>()).collect::<Result<_, _>>().map_err(|_| {
            ApiError::bad_request("invalid_query", format!("order \"{s}\" is not a list such as 2,0,3,1"))
        })?;
    let mut sorted = order.clone();
    sorted.sort_unstable();
    if sorted != (0..order.len()).collect::<Vec<_>>() || order.len() != 4 {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("order \"{s}\" is not a permutation of 0,1,2,3"),
        ));
    }
    Ok(order)
}
