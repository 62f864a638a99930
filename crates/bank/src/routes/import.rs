//! Bulk import and export in the JSON Lines interchange format (and CSV for import), with a report
//! for every line. The user chooses all-or-nothing or skip-bad; a bad line never disappears.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use khaothi_auth::{CurrentUser, Role};
use khaothi_domain::ReviewStatus;
use khaothi_interop::{ImportOptions, ImportPolicy, ImportReport, LineStatus, Outcome};
use khaothi_store::audit::{self, Actor};
use khaothi_store::items::{self, Visibility};
use khaothi_store::{DatabaseConnection, TransactionTrait, stimuli};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::items::{AUTHORS, ListParams, READERS, actor, visibility};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiQuery, read_body};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// `all_or_nothing` (default): one bad line refuses the file. `skip_bad`: good lines are stored.
    #[param(value_type = Option<String>)]
    pub mode: Option<ImportPolicy>,
    /// `jsonl` (default) or `csv`.
    pub format: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    #[schema(value_type = String)]
    pub mode: ImportPolicy,
    /// New items stored.
    pub created: usize,
    /// Existing items that got a new version.
    pub new_versions: usize,
    /// Lines identical to the stored current version (nothing written).
    pub unchanged: usize,
    /// Lines not stored, each explained in `report`.
    pub skipped: usize,
    /// Every line: number, id, status (ok/warning/error), messages, outcome.
    #[schema(value_type = Object)]
    pub report: ImportReport,
}

/// Parses, checks and stores an import. Shared by the HTTP route and `khaothi demo`/`import`.
/// `keep_status`: an admin's import keeps the file's review status (moving a whole bank);
/// anyone else's lands in draft.
pub async fn import_items(
    db: &DatabaseConnection,
    actor: &Actor,
    bytes: &[u8],
    format: &str,
    policy: ImportPolicy,
    keep_status: bool,
) -> ApiResult<ImportResult> {
    let mut report = match format {
        "jsonl" | "ndjson" => khaothi_interop::parse_jsonl_bytes(bytes, &ImportOptions::default()),
        "csv" => khaothi_interop::parse_csv_bytes(bytes, &ImportOptions::default()),
        other => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("format \"{other}\" is not jsonl or csv"),
            ));
        }
    };
    if let Some(e) = &report.file_error {
        return Err(ApiError::Rejected {
            message: format!("the file was refused: {e}"),
            report: serde_json::to_value(&report).unwrap_or_default(),
        });
    }
    // Bank-side checks: ownership of existing items, review status, stimulus references.
    for line in report.lines.iter_mut() {
        let Some(item) = line.item.as_mut() else { continue };
        let stimulus: Option<String> = item.stimulus.clone();
        if !keep_status && item.status != ReviewStatus::Draft {
            line.messages.push(khaothi_interop::Message {
                severity: LineStatus::Warning,
                field: "status".into(),
                message: format!(
                    "status \"{}\" ignored: imported items start as draft and go through review",
                    item.status
                ),
            });
            line.status = line.status.max(LineStatus::Warning);
            item.status = ReviewStatus::Draft;
        }
        if let Some((creator, _)) = items::head(db, &actor.org_id, &item.id).await?
            && actor.role != Role::Admin.as_str()
            && creator != actor.username
        {
            let id = item.id.clone();
            line.error("id", format!("item {id} exists and was written by {creator}; only its writer or an admin can add a version"));
            continue;
        }
        if let Some(s) = stimulus
            && stimuli::get(db, &actor.org_id, &s).await.is_err()
        {
            line.push(
                LineStatus::Warning,
                "stimulus",
                format!("stimulus \"{s}\" is not in the bank yet; create it before the item is delivered"),
            );
        }
    }
    let to_store = report.apply(policy);
    if policy == ImportPolicy::AllOrNothing && report.has_errors() {
        let s = report.summary();
        return Err(ApiError::Rejected {
            message: format!(
                "nothing was imported: {} of {} lines have errors (mode all_or_nothing)",
                s.errors,
                report.lines.len()
            ),
            report: serde_json::to_value(&report).unwrap_or_default(),
        });
    }
    let (mut created, mut new_versions, mut unchanged) = (0, 0, 0);
    let mut stored_ids = Vec::new();
    let txn = db.begin().await?;
    for (_, item) in &to_store {
        match items::head(&txn, &actor.org_id, &item.id).await? {
            None => {
                items::create(&txn, actor, item).await?;
                created += 1;
            }
            Some(_) => {
                let current = items::get(&txn, &actor.org_id, &item.id, None).await?;
                if current.item == *item {
                    unchanged += 1;
                    continue;
                }
                items::new_version(&txn, actor, item, None).await?;
                new_versions += 1;
            }
        }
        stored_ids.push(item.id.clone());
    }
    audit::record(
        &txn,
        actor,
        "items_import",
        "item",
        "*",
        serde_json::json!({"created": created, "new_versions": new_versions, "unchanged": unchanged, "ids": stored_ids}),
    )
    .await?;
    txn.commit().await?;
    let skipped = report.lines.iter().filter(|l| l.outcome == Some(Outcome::Skipped)).count();
    Ok(ImportResult { mode: policy, created, new_versions, unchanged, skipped, report })
}

/// Import items from a JSON Lines (or CSV) body, with a per-line report.
#[utoipa::path(post, path = "/api/v1/items/import", tag = "import", security(("bearer" = [])), params(ImportParams),
    request_body(content = String, content_type = "application/x-ndjson"),
    responses((status = 200, body = ImportResult), (status = 400), (status = 403), (status = 413), (status = 422, description = "all_or_nothing and some line is bad: the report says which")))]
pub async fn import_items_route(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<ImportParams>,
    req: Request,
) -> ApiResult<axum::Json<ImportResult>> {
    user.require(AUTHORS, "import items")?;
    let bytes = read_body(req, &state).await?;
    let format = params.format.as_deref().unwrap_or("jsonl");
    let result = import_items(
        &state.db,
        &actor(&user),
        &bytes,
        format,
        params.mode.unwrap_or_default(),
        user.role() == Role::Admin,
    )
    .await?;
    Ok(axum::Json(result))
}

/// Export the current versions the user may see as JSON Lines (same filters as the list).
#[utoipa::path(get, path = "/api/v1/items/export", tag = "import", security(("bearer" = [])), params(ListParams),
    responses((status = 200, content_type = "application/x-ndjson"), (status = 403)))]
pub async fn export_items(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Response> {
    user.require(READERS, "export items")?;
    let filter = params.filter()?;
    let vis: Visibility = visibility(&user);
    let found = items::all_current(&state.db, user.org(), &vis, &filter).await?;
    let list: Vec<_> = found.into_iter().map(|v| v.item).collect();
    let body = khaothi_interop::write_jsonl(&list).map_err(|e| ApiError::Internal(e.to_string()))?;
    let ids: Vec<&str> = list.iter().map(|i| i.id.as_str()).collect();
    audit::record(
        &state.db,
        &actor(&user),
        "items_export",
        "item",
        "*",
        serde_json::json!({"count": ids.len(), "ids": ids}),
    )
    .await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"items.jsonl\""),
        ],
        body,
    )
        .into_response())
}
