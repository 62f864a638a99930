//! Media upload and download. The content type is decided by the file's magic bytes, not by what
//! the client claims; only raster images are accepted (SVG can carry scripts).

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use khaothi_auth::CurrentUser;
use khaothi_store::{audit, begin_write, media};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::items::{AUTHORS, READERS, actor};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiPath, ApiQuery, read_body};
use crate::state::AppState;

const ALLOWED: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    /// The original file name, kept for authors.
    pub filename: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MediaView {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Use this in item Markdown: `![mô tả](/api/v1/media/<id>)`.
    pub url: String,
}

/// Upload an image (the raw file as the body). PNG, JPEG, GIF or WebP, size-limited.
#[utoipa::path(post, path = "/api/v1/media", tag = "media", security(("bearer" = [])), params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The image file's bytes (PNG, JPEG, GIF or WebP), e.g. `curl --data-binary @hinh-ve.png`"),
    responses((status = 201, body = MediaView), (status = 413), (status = 415)))]
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<UploadParams>,
    req: Request,
) -> ApiResult<(StatusCode, Json<MediaView>)> {
    user.require(AUTHORS, "upload media")?;
    let declared = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let bytes = read_body(req, &state).await?;
    if bytes.len() > state.config.max_media_bytes {
        return Err(ApiError::TooLarge(format!(
            "the file has {} bytes; media are limited to {} bytes",
            bytes.len(),
            state.config.max_media_bytes
        )));
    }
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "empty_body",
            "the upload is empty; send the image file as the body",
        ));
    }
    let detected =
        infer::get(&bytes).map(|t| t.mime_type()).filter(|m| ALLOWED.contains(m)).ok_or_else(|| {
            ApiError::UnsupportedMedia(format!(
                "the file is not a PNG, JPEG, GIF or WebP image (judged by its content{})",
                declared.as_deref().map(|d| format!("; it was sent as {d}")).unwrap_or_default()
            ))
        })?;
    if let Some(d) = &declared
        && d.starts_with("image/")
        && d != detected
    {
        return Err(ApiError::UnsupportedMedia(format!(
            "the file was sent as {d} but its content is {detected}"
        )));
    }
    let filename = params.filename.unwrap_or_else(|| "upload".into());
    let sha = hex::encode(Sha256::digest(&bytes));
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let m = media::insert(
        &txn,
        media::NewMedia {
            org_id: user.org(),
            filename: &filename,
            content_type: detected,
            sha256: &sha,
            data: bytes.to_vec(),
            created_by: user.username(),
        },
    )
    .await?;
    audit::record(
        &txn,
        &actor,
        "media_upload",
        "media",
        &m.id,
        serde_json::json!({"filename": filename, "size": m.size}),
    )
    .await?;
    txn.commit().await?;
    let url = format!("/api/v1/media/{}", m.id);
    Ok((
        StatusCode::CREATED,
        Json(MediaView {
            id: m.id,
            filename: m.filename,
            content_type: m.content_type,
            size: m.size,
            sha256: m.sha256,
            url,
        }),
    ))
}

/// Download an image.
#[utoipa::path(get, path = "/api/v1/media/{id}", tag = "media", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, content_type = "image/*"), (status = 404)))]
pub async fn download(
    State(state): State<AppState>,
    khaothi_auth::CurrentUserOrCookie(user): khaothi_auth::CurrentUserOrCookie,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    user.require(READERS, "read media")?;
    let m = media::get(&state.db, user.org(), &id).await?;
    Response::builder()
        .header(header::CONTENT_TYPE, m.content_type)
        .header(header::CACHE_CONTROL, "private, max-age=3600")
        .header("x-content-type-options", "nosniff")
        .body(Body::from(m.data))
        .map_err(|e| ApiError::Internal(e.to_string()))
}
