//! Bulk import and export in the JSON Lines interchange format (and CSV for import), with a report
//! for every line. The user chooses all-or-nothing or skip-bad; a bad line never disappears.
//! The import itself lives in [`crate::import`] (the CLI calls it too); this is its HTTP face.

use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use khaothi_auth::CurrentUser;
use khaothi_domain::Level;
use khaothi_interop::{ConvertOptions, ImportPolicy};
use khaothi_store::audit;
use khaothi_store::items::{self, Visibility};
use serde::Deserialize;
use utoipa::IntoParams;

use super::items::{AUTHORS, ListParams, READERS, actor, views_for_reader};
use crate::confidentiality;
use crate::error::{ApiError, ApiResult};
pub use crate::import::ImportResult;
use crate::import::{ImportError, ImportFormat, ImportRequest, Migration, import, preview};
use crate::json::{ApiQuery, read_body};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// `all_or_nothing` (default): one bad line refuses the file. `skip_bad`: good lines are stored.
    #[param(value_type = Option<String>)]
    pub mode: Option<ImportPolicy>,
    /// `jsonl` (default), `csv`, `xlsx` (a sheet in the CSV columns), `tex` (LaTeX `ex_test`, alone
    /// or zipped with its pictures), `docx` (a Word paper) or `qti` (a QTI 2.1/3.0 content package
    /// zip, or one item).
    pub format: Option<String>,
    /// Admin only, audited: keep each line's review status instead of landing as draft (moving an
    /// already reviewed bank).
    pub keep_status: Option<bool>,
    /// Admin only, audited: the username recorded as the items' writer.
    pub owner: Option<String>,
    /// `true`: check the file and answer the per-line report with what would be stored, storing
    /// nothing (the import page's preview). Bad lines do not make it a 422.
    pub dry_run: Option<bool>,
    /// Documents (`tex`, `docx`) and QTI only: the subject of questions whose tags (or QTI
    /// metadata) do not give one.
    pub subject: Option<String>,
    /// Documents only: the grade of questions whose tags do not give one.
    pub grade: Option<u8>,
    /// Documents only: the topic code of questions whose tags do not give one.
    pub topic: Option<String>,
    /// Documents only: the level (`biet`, `hieu`, `van_dung`, `van_dung_cao`) of untagged questions.
    pub level: Option<String>,
    /// Documents only: ids are `{id_prefix}-0001`, … in document order (default `IMPORT`).
    pub id_prefix: Option<String>,
}

impl ImportParams {
    /// The metadata a document lacks, from the query; a bad level or prefix is a 400.
    fn convert_options(&self) -> ApiResult<ConvertOptions> {
        let level = match &self.level {
            Some(l) => Some(Level::parse(l).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_query",
                    format!("level \"{l}\" is not one of biet, hieu, van_dung, van_dung_cao"),
                )
            })?),
            None => None,
        };
        let id_prefix = self.id_prefix.clone().unwrap_or_else(|| "IMPORT".into());
        let valid = !id_prefix.is_empty()
            && id_prefix.len() <= 64
            && id_prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("id_prefix \"{id_prefix}\" must be 1–64 ASCII letters, digits, - or _"),
            ));
        }
        Ok(ConvertOptions {
            subject: self.subject.clone(),
            grade: self.grade,
            topic: self.topic.clone(),
            level,
            id_prefix,
            rasterise: Some(crate::raster::libreoffice()),
        })
    }
}

impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::UnknownFormat(_) => ApiError::bad_request("invalid_query", e.to_string()),
            ImportError::Forbidden(m) => ApiError::Forbidden(m),
            ImportError::UnknownOwner(_) => ApiError::bad_request("invalid_query", e.to_string()),
            ImportError::Rejected { message, report } => {
                ApiError::Rejected { message, report: serde_json::to_value(&report).unwrap_or_default() }
            }
            ImportError::Store(e) => e.into(),
        }
    }
}

/// Two items in JSON Lines for the document's request examples.
pub const ITEMS_EXAMPLE: &str = concat!(
    r#"{"id":"TOAN12-0201","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Hàm số $y=x^3-3x$ nghịch biến trên khoảng nào?","options":["$(-1;1)$","$(1;+\\infty)$","$(-\\infty;-1)$","$(0;2)$"],"key":"A"}"#,
    "\n",
    r#"{"id":"TOAN12-0202","subject":"toan","grade":12,"topic":"12.4.1","level":"van_dung","kind":"short_answer","stem":"Tính $\\int_0^1 3x^2\\,dx$.","answer":"1"}"#,
    "\n"
);

/// Import items from a JSON Lines (or CSV) body, with a per-line report. Items land as draft owned
/// by the importer unless an admin sets `keep_status` / `owner` (recorded in the audit log). With
/// `dry_run=true` nothing is written: the answer is the report and what would be stored.
#[utoipa::path(post, path = "/api/v1/items/import", tag = "import", security(("bearer" = [])), params(ImportParams),
    request_body(content = String, content_type = "application/x-ndjson", example = json!(ITEMS_EXAMPLE)),
    responses((status = 200, body = ImportResult), (status = 400), (status = 403), (status = 413), (status = 422, description = "all_or_nothing and some line is bad: the report says which")))]
pub async fn import_items_route(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<ImportParams>,
    req: Request,
) -> ApiResult<axum::Json<ImportResult>> {
    user.require(AUTHORS, "import items")?;
    let bytes = read_body(req, &state).await?;
    let format = ImportFormat::parse(params.format.as_deref().unwrap_or("jsonl"))?;
    let convert = params.convert_options()?;
    let policy = params.mode.unwrap_or_default();
    let migration = Migration { keep_status: params.keep_status.unwrap_or(false), owner: params.owner };
    let request = ImportRequest { bytes: &bytes, format, policy, migration: &migration, convert: &convert };
    let (db, actor, role) = (&state.db, &actor(&user), user.role());
    let result = if params.dry_run.unwrap_or(false) {
        preview(db, actor, role, request).await?
    } else {
        import(db, actor, role, request).await?
    };
    Ok(axum::Json(result))
}

/// Export the current versions the user may see as JSON Lines, with `format=xlsx` as a
/// spreadsheet in the import's columns, or with `format=qti3` / `qti21` as a QTI content package
/// (zip, the items' pictures inside; every item must be one whose key the user may read). Same
/// filters as the list.
#[utoipa::path(get, path = "/api/v1/items/export", tag = "import", security(("bearer" = [])), params(ListParams,
        ("format" = Option<String>, Query, description = "`jsonl` (default), `xlsx`, `qti3` or `qti21`")),
    responses((status = 200, content_type = "application/x-ndjson"), (status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 200, content_type = "application/zip"), (status = 400), (status = 403)))]
pub async fn export_items(
    State(state): State<AppState>,
    khaothi_auth::CurrentUserOrCookie(user): khaothi_auth::CurrentUserOrCookie,
    uri: Uri,
) -> ApiResult<Response> {
    user.require(READERS, "export items")?;
    let (format, params) = export_params(&uri)?;
    let filter = params.filter()?;
    let vis: Visibility = confidentiality::visibility_in(&state, &user).await?;
    let found = items::all_current(&state.db, user.org(), &vis, &filter).await?;
    // Another writer's approved items are exported as the list shows them: without the answer.
    let views = views_for_reader(&state, &user, found).await?;
    let records: Vec<_> = views.into_iter().map(|v| v.item).collect();
    if format.starts_with("qti") {
        let bytes = qti_package(&state, &user, &records, &format).await?;
        audit_export(&state, &user, &records, &format).await?;
        return Ok((
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/zip"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"items.zip\""),
            ],
            bytes,
        )
            .into_response());
    }
    if format == "xlsx" {
        let bytes =
            khaothi_interop::write_xlsx_records(&records).map_err(|e| ApiError::Internal(e.to_string()))?;
        audit_export(&state, &user, &records, "xlsx").await?;
        return Ok((
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, XLSX_TYPE),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"items.xlsx\""),
            ],
            bytes,
        )
            .into_response());
    }
    let mut body = String::new();
    for record in &records {
        body.push_str(&serde_json::to_string(record).map_err(|e| ApiError::Internal(e.to_string()))?);
        body.push('\n');
    }
    audit_export(&state, &user, &records, "jsonl").await?;
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

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The export's `format` (`jsonl` or `xlsx`) and the list's filters from the rest of the query
/// (the list's parameters refuse unknown fields, so `format` is taken out first).
fn export_params(uri: &Uri) -> ApiResult<(String, ListParams)> {
    let query = uri.query().unwrap_or("");
    let mut format = "jsonl".to_string();
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.strip_prefix("format=") {
            Some(f) => format = f.to_string(),
            None => rest.push(pair),
        }
    }
    if !["jsonl", "xlsx", "qti3", "qti21"].contains(&format.as_str()) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("format \"{format}\" is not jsonl, xlsx, qti3 or qti21"),
        ));
    }
    let filters: Uri = format!("/?{}", rest.join("&"))
        .parse()
        .map_err(|_| ApiError::bad_request("invalid_query", "the query is not a valid URL query"))?;
    let params = axum::extract::Query::<ListParams>::try_from_uri(&filters)
        .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    Ok((format, params.0))
}

/// The exported records as a QTI package with their pictures. A record shown without its key
/// (another writer's approved item) cannot be a QTI item, which carries its key: refused, naming
/// them, rather than left out unseen.
async fn qti_package(
    state: &AppState,
    user: &CurrentUser,
    records: &[khaothi_domain::ItemRecord],
    format: &str,
) -> ApiResult<Vec<u8>> {
    let mut items = Vec::new();
    let mut keyless = Vec::new();
    for r in records {
        match r.clone().into_item() {
            Ok((item, _)) => items.push(item),
            Err(_) => keyless.push(r.id.as_str()),
        }
    }
    if !keyless.is_empty() {
        return Err(ApiError::Forbidden(format!(
            "{} item(s) are shown to you without their key ({}); a QTI package carries keys: narrow the filter to items whose key you may read",
            keyless.len(),
            keyless.iter().take(10).copied().collect::<Vec<_>>().join(", ")
        )));
    }
    let mut pictures: Vec<khaothi_interop::MediaFile> = Vec::new();
    for name in items.iter().flat_map(|i| &i.media) {
        if !pictures.iter().any(|m| m.name == *name) {
            let m = khaothi_store::media::get(&state.db, user.org(), name).await?;
            pictures.push(khaothi_interop::MediaFile {
                name: m.id,
                content_type: m.content_type,
                bytes: m.data,
            });
        }
    }
    let version =
        if format == "qti21" { khaothi_interop::QtiVersion::V2_1 } else { khaothi_interop::QtiVersion::V3_0 };
    let passages = super::form_qti::passages_of(state, user.org(), &items, &mut pictures).await?;
    khaothi_interop::write_qti_package_with(&items, &pictures, &passages, None, version)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// One `items_export` audit entry naming what left the bank and in which format.
async fn audit_export(
    state: &AppState,
    user: &CurrentUser,
    records: &[khaothi_domain::ItemRecord],
    format: &str,
) -> ApiResult<()> {
    let ids: Vec<&str> = records.iter().map(|i| i.id.as_str()).collect();
    audit::record(
        &state.db,
        &actor(user),
        "items_export",
        "item",
        "*",
        serde_json::json!({"count": ids.len(), "ids": ids, "format": format}),
    )
    .await?;
    Ok(())
}
