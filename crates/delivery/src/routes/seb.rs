//! An event's Safe Exam Browser settings (board): require SEB, the Config Keys and Browser Exam
//! Keys it accepts, an uploaded `.seb` file whose Config Key the server computes, and the `.seb`
//! file the server generates for the lab technician (docs/operations.md "Safe Exam Browser").

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use khaothi_auth::CurrentUser;
use khaothi_seb::exam::{hash_quit_password, url_host};
use khaothi_seb::hashes::{is_key, normalize_key};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::access::load_event;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, Path};
use crate::routes::{BOARD, STAFF};
use crate::state::AppState;
use crate::store;
use crate::store::seb::SebSettings;

/// At most this many keys of each kind per event.
const MAX_KEYS: usize = 32;
/// The header carrying an uploaded `.seb` file's password.
const PASSWORD_HEADER: &str = "x-seb-password";

/// An event's SEB settings as the board sees them.
#[derive(Serialize, ToSchema)]
pub struct SebView {
    pub event_id: String,
    /// Candidates must sit in SEB with an accepted key.
    pub required: bool,
    /// The kiosk URL the generated `.seb` file starts on.
    pub start_url: Option<String>,
    pub quit_password_set: bool,
    /// Config Keys the board gave.
    pub config_keys: Vec<String>,
    pub browser_exam_keys: Vec<String>,
    /// The Config Key of the last uploaded `.seb` file.
    pub uploaded_config_key: Option<String>,
    /// The Config Key of the generated `.seb` file (`GET …/seb`).
    pub generated_config_key: Option<String>,
    /// Every Config Key accepted: the three above together.
    pub accepted_config_keys: Vec<String>,
}

impl SebView {
    fn of(event_id: &str, s: &SebSettings) -> Self {
        Self {
            event_id: event_id.to_string(),
            required: s.required,
            start_url: s.start_url.clone(),
            quit_password_set: s.quit_password_hash.is_some(),
            config_keys: s.config_keys.clone(),
            browser_exam_keys: s.browser_exam_keys.clone(),
            uploaded_config_key: s.uploaded_config_key.clone(),
            generated_config_key: s.generated_config_key(),
            accepted_config_keys: s.accepted_config_keys(),
        }
    }
}

/// A change of the settings; a field left out keeps its value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SebUpdate {
    pub required: bool,
    /// The candidate page as the lab computers reach it, with `?event=<id>`
    /// (`http://10.0.0.5:8090/?event=E1`): the generated `.seb` file starts there; `""` removes it.
    #[serde(default)]
    pub start_url: Option<String>,
    /// The password that quits SEB (stored as SHA-256, as SEB does); `""` removes it.
    #[serde(default)]
    pub quit_password: Option<String>,
    /// 64 hex digits each.
    #[serde(default)]
    pub config_keys: Option<Vec<String>>,
    /// 64 hex digits each.
    #[serde(default)]
    pub browser_exam_keys: Option<Vec<String>>,
    /// Forget the uploaded file's Config Key.
    #[serde(default)]
    pub clear_uploaded: bool,
}

fn keys(given: Vec<String>, what: &str) -> ApiResult<Vec<String>> {
    if given.len() > MAX_KEYS {
        return Err(ApiError::bad_request("seb_bad_key", format!("at most {MAX_KEYS} {what}s")));
    }
    let mut out = Vec::new();
    for k in given {
        let k = normalize_key(&k);
        if !is_key(&k) {
            return Err(ApiError::bad_request(
                "seb_bad_key",
                format!("a {what} is 64 hex digits, not {k:.70}"),
            ));
        }
        out.push(k);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

async fn settings_of(s: &AppState, event_id: &str) -> ApiResult<SebSettings> {
    Ok(store::seb::get(&s.db.read, event_id).await?.unwrap_or_default())
}

/// An event's SEB settings (board).
#[utoipa::path(get, path = "/api/v1/events/{event}/seb/settings", tag = "events", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    responses((status = 200, body = SebView), (status = 401), (status = 403), (status = 404)))]
pub async fn get_settings(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<SebView>> {
    user.require(BOARD, "read SEB settings")?;
    load_event(&s, &id).await?;
    Ok(Json(SebView::of(&id, &settings_of(&s, &id).await?)))
}

/// Set an event's SEB settings (board). Requiring SEB needs at least one accepted key: a Config
/// Key, a Browser Exam Key, an uploaded `.seb` file or a start URL (the generated file's key).
#[utoipa::path(post, path = "/api/v1/events/{event}/seb/settings", tag = "events", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")), request_body(content = SebUpdate, example = json!({"required": true, "start_url": "http://10.0.0.5:8090/?event=THPT2026-TOAN", "quit_password": "thoat-phong-may", "config_keys": ["3a1f0c9be25d4c6a8f7e21b0d9c4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6"]})),
    responses((status = 200, body = SebView), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn set_settings(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SebUpdate>,
) -> ApiResult<Json<SebView>> {
    user.require(BOARD, "change SEB settings")?;
    load_event(&s, &id).await?;
    let mut x = settings_of(&s, &id).await?;
    x.required = req.required;
    if let Some(url) = req.start_url.map(|u| u.trim().to_string()) {
        if !url.is_empty() {
            url_host(&url).map_err(|e| ApiError::bad_request("seb_bad_start_url", e.to_string()))?;
        }
        x.start_url = (!url.is_empty()).then_some(url);
    }
    if let Some(p) = req.quit_password {
        x.quit_password_hash = (!p.is_empty()).then(|| hash_quit_password(&p));
    }
    if let Some(k) = req.config_keys {
        x.config_keys = keys(k, "Config Key")?;
    }
    if let Some(k) = req.browser_exam_keys {
        x.browser_exam_keys = keys(k, "Browser Exam Key")?;
    }
    if req.clear_uploaded {
        x.uploaded_config_key = None;
    }
    if x.required && x.accepted_config_keys().is_empty() && x.browser_exam_keys.is_empty() {
        return Err(ApiError::bad_request(
            "seb_no_keys",
            "requiring SEB needs a Config Key, a Browser Exam Key, an uploaded .seb file or a start URL",
        ));
    }
    store::seb::put(&s.db.write, &id, &x).await?;
    let detail = json!({
        "required": x.required, "start_url": x.start_url, "quit_password_set": x.quit_password_hash.is_some(),
        "config_keys": x.config_keys.len(), "browser_exam_keys": x.browser_exam_keys.len(),
    });
    store::audit(&s.writer, Some(&id), user.username(), "seb_settings_changed", detail).await?;
    Ok(Json(SebView::of(&id, &x)))
}

/// Upload the event's `.seb` file (board): the body is the file; a password-encrypted one needs
/// its password in the `X-Seb-Password` header. The server computes its Config Key and accepts it.
#[utoipa::path(post, path = "/api/v1/events/{event}/seb/file", tag = "events", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"),
        ("x-seb-password" = Option<String>, Header, description = "The password of an encrypted .seb file")),
    request_body(content = String, content_type = "application/octet-stream", description = "The .seb file"),
    responses((status = 200, body = SebView), (status = 400, description = "not a readable .seb file, or its password is missing or wrong"),
        (status = 401), (status = 403), (status = 404), (status = 413)))]
pub async fn upload_file(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<SebView>> {
    user.require(BOARD, "upload .seb files")?;
    load_event(&s, &id).await?;
    // UTF-8 bytes as sent (a Vietnamese password is not visible ASCII, which `to_str` wants).
    let password = headers.get(PASSWORD_HEADER).and_then(|v| std::str::from_utf8(v.as_bytes()).ok());
    let file = khaothi_seb::file::read(&body, password).map_err(|e| {
        let code = match e {
            khaothi_seb::Error::PasswordNeeded => "seb_password_needed",
            khaothi_seb::Error::WrongPassword => "seb_wrong_password",
            _ => "seb_file_refused",
        };
        ApiError::bad_request(code, e.to_string())
    })?;
    let key = khaothi_seb::config_key(&file.settings);
    let mut x = settings_of(&s, &id).await?;
    x.uploaded_config_key = Some(key.clone());
    store::seb::put(&s.db.write, &id, &x).await?;
    let detail = json!({"config_key": key, "protection": format!("{:?}", file.protection)});
    store::audit(&s.writer, Some(&id), user.username(), "seb_file_uploaded", detail).await?;
    Ok(Json(SebView::of(&id, &x)))
}

/// Download the event's generated `.seb` file (board and proctors; for the lab technician): SEB
/// starts on the start URL, allows only this server, and quits with the quit password.
#[utoipa::path(get, path = "/api/v1/events/{event}/seb", tag = "events", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    responses((status = 200, description = "The .seb file", content_type = "application/seb"), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "no start URL set yet")))]
pub async fn download(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    user.require(STAFF, "download .seb files")?;
    load_event(&s, &id).await?;
    let x = settings_of(&s, &id).await?;
    let settings = x.generated().ok_or_else(|| {
        ApiError::Conflict(format!("set the SEB start URL first (PUT /api/v1/events/{id}/seb/settings)"))
    })?;
    let bytes = khaothi_seb::file::write(&settings, None);
    let detail = json!({"config_key": khaothi_seb::config_key(&settings)});
    store::audit(&s.writer, Some(&id), user.username(), "seb_file_downloaded", detail).await?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{id}.seb\""))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/seb")),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
