//! Results carried back from delivery sites (docs/formats.md, "Signed result file"). An
//! administrator or the board registers each site's public key; the board imports a site's signed
//! result file, which is verified against the registered key, kept verbatim, and whose
//! `calibration.csv` part becomes a response set that `POST /api/v1/calibrations?response_set=…`
//! calibrates.
//!
//! The same file twice is not an error: the second import answers 200 with the first import
//! (`already_imported: true`) and changes nothing, so an upload retried after a lost answer is safe.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use khaothi_auth::{CurrentUser, Role};
use khaothi_package::result_file::CALIBRATION_PART;
use khaothi_package::{ResultFile, ResultFileError, SitePublicKey};
use khaothi_store::results::{self, NewImport, ResultImport, TrustedSite};
use khaothi_store::{audit, begin_write, calibration};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::items::actor;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, read_body};
use crate::state::AppState;

const SITE_ADMINS: &[Role] = &[Role::Admin, Role::ExamBoard];
const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSite {
    /// E.g. the school or test centre.
    pub name: String,
    /// `ed25519:<64 hex>`, as `khaothi delivery site-key` prints it on the site.
    pub public_key: String,
}

#[derive(Serialize, ToSchema)]
pub struct SiteView {
    pub id: String,
    pub name: String,
    pub public_key: String,
    /// The first 8 bytes of the key, hex: what refusals name.
    pub fingerprint: String,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<TrustedSite> for SiteView {
    fn from(s: TrustedSite) -> Self {
        Self {
            id: s.id,
            name: s.name,
            public_key: s.public_key,
            fingerprint: s.fingerprint,
            created_by: s.created_by,
            created_at: s.created_at,
        }
    }
}

/// Register a delivery site's public key; its signed result files are then accepted.
#[utoipa::path(post, path = "/api/v1/sites", tag = "results", security(("bearer" = [])), request_body(content = NewSite, example = json!({"name": "Điểm thi THPT Chu Văn An – Hà Nội", "public_key": "ed25519:3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"})),
    responses((status = 201, body = SiteView), (status = 400), (status = 403), (status = 409)))]
pub async fn register_site(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewSite>,
) -> ApiResult<(StatusCode, Json<SiteView>)> {
    user.require(SITE_ADMINS, "register delivery sites")?;
    let name = req.name.trim();
    if name.is_empty() {
        return Err(ApiError::bad_request("invalid_site", "name is empty"));
    }
    let key = SitePublicKey::parse(&req.public_key)
        .map_err(|e| ApiError::bad_request("invalid_public_key", format!("public_key: {e}")))?;
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let site = results::register_site(&txn, &actor, name, &key.to_string(), &key.fingerprint()).await?;
    audit::record(
        &txn,
        &actor,
        "site_registered",
        "site",
        &site.id,
        serde_json::json!({"name": site.name, "fingerprint": site.fingerprint}),
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(site.into())))
}

/// The registered delivery sites.
#[utoipa::path(get, path = "/api/v1/sites", tag = "results", security(("bearer" = [])),
    responses((status = 200, body = Vec<SiteView>), (status = 403)))]
pub async fn list_sites(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<Vec<SiteView>>> {
    user.require(SITE_ADMINS, "list delivery sites")?;
    Ok(Json(results::list_sites(&state.db, user.org()).await?.into_iter().map(Into::into).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct ImportView {
    pub id: String,
    pub event_id: String,
    pub site_id: String,
    pub site_name: Option<String>,
    /// SHA-256 of the signed bytes.
    pub digest: String,
    /// The file's own time (the site's clock).
    pub created_at: String,
    pub responses_length: i64,
    pub responses_head: String,
    pub audit_length: i64,
    pub audit_head: String,
    /// The response set made of the file's `calibration.csv` (absent when the part is missing or
    /// has no rows); calibrate it with `POST /api/v1/calibrations?response_set=<id>`.
    pub response_set_id: Option<String>,
    pub imported_by: String,
    pub imported_at: chrono::DateTime<chrono::Utc>,
    /// True when this answer is an earlier import of the same file.
    pub already_imported: bool,
}

fn view(i: ResultImport, site_name: Option<String>, already_imported: bool) -> ImportView {
    ImportView {
        id: i.id,
        event_id: i.event_id,
        site_id: i.site_id,
        site_name,
        digest: i.digest,
        created_at: i.created_at,
        responses_length: i.responses_length,
        responses_head: i.responses_head,
        audit_length: i.audit_length,
        audit_head: i.audit_head,
        response_set_id: i.response_set_id,
        imported_by: i.imported_by,
        imported_at: i.imported_at,
        already_imported,
    }
}

fn refused(e: ResultFileError) -> ApiError {
    ApiError::ResultRefused(e.to_string())
}

/// Import a delivery site's signed result file (the body is the file, JSON). Verified against the
/// site's registered key; 201 when new, 200 with `already_imported` for the same file again.
#[utoipa::path(post, path = "/api/v1/results", tag = "results", security(("bearer" = [])),
    request_body(content = Object, content_type = "application/json", description = "The signed result file (docs/formats.md)",
        example = json!({"format": "khaothi-results/1", "event_id": "THPT-2026-TOAN",
            "site": {"name": "Điểm thi số 1", "public_key": "ed25519:3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"},
            "created_at": "2026-06-27T11:00:00Z",
            "parts": {"calibration.csv": "person,TOAN12-0001@3,TOAN12-0002@1\n1,1,0\n", "raw.csv": "number,item,version,answer,score\n010001,TOAN12-0001,3,A,1\n",
                      "results.csv": "number,full_name,score10\n010001,Nguyễn Văn An,\"6,10\"\n", "results.json": "{\"candidates\":[]}"},
            "chains": {"responses": {"length": 48000, "head": "9f2c7a0d4e1b83f6c5a2d7e9b0f4c1a3e6d8b2f5a7c9e1d3b5f7a9c2e4d6f8b0"},
                       "audit": {"length": 120, "head": "1e3d5f7a9c2e4d6f8b0a2c4e6f8d0b2a4c6e8f0d2b4a6c8e0f2d4b6a8c0e2f4d"}},
            "signature": "V2hhdCBhIHNpdGUga2V5IHNpZ25zIG92ZXIgdGhlIGZpbGUncyBsZW5ndGgtcHJlZml4ZWQgZmllbGRzIQAAAA=="})),
    responses((status = 201, body = ImportView), (status = 200, body = ImportView), (status = 403), (status = 422)))]
pub async fn import_results(
    State(state): State<AppState>,
    user: CurrentUser,
    req: Request,
) -> ApiResult<(StatusCode, Json<ImportView>)> {
    user.require(BOARD, "import result files")?;
    let bytes = read_body(req, &state).await?;
    let file = ResultFile::parse(&bytes).map_err(refused)?;
    let key = file.site_key().map_err(refused)?;
    let Some(site) = results::site_by_key(&state.db, &key.to_string()).await? else {
        return Err(ApiError::UnknownSite(format!(
            "the file is signed by a key no site is registered with (fingerprint {}, site \"{}\" says the file); register the site's key with POST /api/v1/sites first",
            key.fingerprint(),
            file.site.name
        )));
    };
    if site.org_id != user.org() {
        return Err(ApiError::UnknownSite(format!(
            "the key with fingerprint {} is registered for another organisation",
            key.fingerprint()
        )));
    }
    let trusted = SitePublicKey::parse(&site.public_key).map_err(|e| ApiError::Internal(e.to_string()))?;
    file.verify(&trusted).map_err(refused)?;
    let digest = file.digest();
    if let Some(earlier) = results::import_by_digest(&state.db, &digest).await? {
        return Ok((StatusCode::OK, Json(view(earlier, Some(site.name), true))));
    }
    let calibration_csv = file.parts.get(CALIBRATION_PART).filter(|t| !t.trim().is_empty());
    if let Some(csv) = calibration_csv {
        let m = khaothi_irt::csv::read_responses(csv.as_bytes()).map_err(|e| {
            ApiError::ResultRefused(format!("the signed {CALIBRATION_PART} part cannot be read: {e}"))
        })?;
        if m.n_persons() == 0 {
            return Err(ApiError::ResultRefused(format!(
                "the {CALIBRATION_PART} part has no candidate rows"
            )));
        }
    }
    let actor = actor(&user);
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::ResultRefused("the result file is not UTF-8".into()))?;
    let txn = begin_write(&state.db).await?;
    let response_set_id = match calibration_csv {
        Some(csv) => Some(
            calibration::store_response_set(
                &txn,
                &actor,
                &format!("results of {} from {}", file.event_id, site.name),
                csv,
            )
            .await?,
        ),
        None => None,
    };
    let import = results::insert_import(
        &txn,
        &actor,
        NewImport {
            site_id: &site.id,
            event_id: &file.event_id,
            digest: &digest,
            file: &text,
            created_at: &file.created_at,
            responses: (file.chains.responses.length, &file.chains.responses.head),
            audit: (file.chains.audit.length, &file.chains.audit.head),
            response_set_id,
        },
    )
    .await?;
    audit::record(
        &txn,
        &actor,
        "results_imported",
        "result_import",
        &import.id,
        serde_json::json!({"event_id": import.event_id, "site": site.name, "digest": digest, "response_set_id": import.response_set_id}),
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(view(import, Some(site.name), false))))
}

/// The imported result files, newest first (without the files themselves).
#[utoipa::path(get, path = "/api/v1/results", tag = "results", security(("bearer" = [])),
    responses((status = 200, body = Vec<ImportView>), (status = 403)))]
pub async fn list_results(
    State(state): State<AppState>,
    user: CurrentUser,
) -> ApiResult<Json<Vec<ImportView>>> {
    user.require(BOARD, "list imported result files")?;
    let sites: std::collections::HashMap<String, String> =
        results::list_sites(&state.db, user.org()).await?.into_iter().map(|s| (s.id, s.name)).collect();
    Ok(Json(
        results::list_imports(&state.db, user.org())
            .await?
            .into_iter()
            .map(|i| {
                let name = sites.get(&i.site_id).cloned();
                view(i, name, false)
            })
            .collect(),
    ))
}
