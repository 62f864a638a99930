//! Score certificates in the bank (issue 21; docs/formats.md "Certificates"): issued from an
//! event's imported result files with the bank's certificate key (`certificate.key` in the data
//! directory; rotate by replacing it — every key ever used stays on the published list), the
//! public key list and the signed revocation list (public: a verifier needs nothing else), and
//! revocation by the board (audited).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use khaothi_auth::{CurrentUser, Role};
use khaothi_certificate::gather::{self, EventScores};
use khaothi_certificate::revocation::is_certificate_id;
use khaothi_certificate::{Claims, IssuerKey, RevocationList, TrustedKeys, Verdict, issue_printable};
use khaothi_store::{DEFAULT_ORG, audit, begin_write, certificates};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::items::actor;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];

/// The bank's certificate key (made on first use), remembered in the published key list.
pub async fn signing_key(state: &AppState, org: &str) -> ApiResult<IssuerKey> {
    let path = state.config.data_dir.join("certificate.key");
    let text = khaothi_auth::load_or_create_private_text(&path, || {
        let mut seed = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut seed);
        IssuerKey::from_seed(seed).to_text()
    })
    .map_err(ApiError::Internal)?;
    let key = IssuerKey::parse(&text).map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))?;
    let public = key.public();
    certificates::remember_key(&state.db, org, &hex::encode(public.kid()), &public.to_string()).await?;
    Ok(key)
}

/// Every key the bank has signed certificates with.
pub async fn trusted_keys(state: &AppState) -> ApiResult<TrustedKeys> {
    let mut keys = Vec::new();
    for k in certificates::keys(&state.db).await? {
        keys.push(
            khaothi_certificate::PublicKey::parse(&k.public_key)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
        );
    }
    Ok(TrustedKeys::new(keys))
}

/// The signed revocation list as published.
pub async fn signed_revocations(state: &AppState) -> ApiResult<String> {
    let revoked = certificates::revocations(&state.db).await?;
    let key = signing_key(state, DEFAULT_ORG).await?;
    let list = RevocationList {
        issuer: "khaothi".into(),
        issued_at: chrono::Utc::now().timestamp(),
        revoked: revoked.into_iter().map(|r| r.certificate_id).collect(),
    };
    Ok(list.sign(&key))
}

/// The public keys, one `ed25519:<hex>` a line (the file `khaothi certificate verify --keys` reads).
#[utoipa::path(get, path = "/api/v1/certificates/keys", tag = "results",
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn public_keys(State(state): State<AppState>) -> ApiResult<Response> {
    signing_key(&state, DEFAULT_ORG).await?;
    let mut text = String::from("# khaothi certificate keys: one Ed25519 public key a line, oldest first\n");
    for k in certificates::keys(&state.db).await? {
        text.push_str(&format!("{}  # kid {}\n", k.public_key, k.kid));
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

/// The signed revocation list (docs/formats.md "Certificate revocation list").
#[utoipa::path(get, path = "/api/v1/certificates/revocations", tag = "results",
    responses((status = 200, content_type = "application/json", body = Object)))]
pub async fn revocation_list(State(state): State<AppState>) -> ApiResult<Response> {
    let text = signed_revocations(&state).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// The certificate id (32 hex digits), or the `KT1:` string itself.
    pub certificate: String,
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Revoked {
    pub id: String,
    /// False when it was revoked before.
    pub newly_revoked: bool,
}

/// Revoke a certificate (by id or string); it appears on the signed list at once.
#[utoipa::path(post, path = "/api/v1/certificates/revocations", tag = "results", security(("bearer" = [])),
    request_body(content = RevokeRequest, example = json!({"certificate": "3f8a0c1d2e4b6a7980f1e2d3c4b5a697", "reason": "kết quả bị huỷ sau phúc khảo"})),
    responses((status = 201, body = Revoked), (status = 200, body = Revoked), (status = 400), (status = 403)))]
pub async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<RevokeRequest>,
) -> ApiResult<(StatusCode, Json<Revoked>)> {
    user.require(BOARD, "revoke certificates")?;
    let id = if is_certificate_id(req.certificate.trim()) {
        req.certificate.trim().to_string()
    } else {
        match khaothi_certificate::verify(&req.certificate, &trusted_keys(&state).await?, None) {
            Verdict::Valid(v) | Verdict::Revoked(v) => v.id,
            Verdict::Invalid { reason } => {
                return Err(ApiError::bad_request(
                    "invalid_certificate",
                    format!("not a certificate of this bank: {reason}"),
                ));
            }
        }
    };
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let newly = certificates::revoke(&txn, &actor, &id, req.reason.as_deref()).await?;
    if newly {
        audit::record(
            &txn,
            &actor,
            "certificate_revoked",
            "certificate",
            &id,
            serde_json::json!({"reason": req.reason}),
        )
        .await?;
    }
    txn.commit().await?;
    let status = if newly { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(Revoked { id, newly_revoked: newly })))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IssueParams {
    /// The events whose imported results the certificates carry, comma-separated.
    pub events: String,
    /// `json` (default), `zip` (every candidate's `<số báo danh>.txt` and printable
    /// `<số báo danh>.html`, as `khaothi certificate issue` writes them), or for one candidate
    /// `txt` or `html`.
    pub format: Option<String>,
    /// With `format=zip`: the first candidate (in số báo danh order, from 0) and how many (at most
    /// 5,000 a zip; the `x-total-count` header gives the event's number of candidates).
    pub offset: Option<usize>,
    pub limit: Option<usize>,
}

/// Most certificates in one zip: a printable page is ~25 KB before compression, so a zip stays
/// within tens of MB of memory; a larger event is fetched in pages (`offset`).
pub const MAX_ZIP: usize = 5_000;

#[derive(Serialize, ToSchema)]
pub struct IssuedView {
    pub candidate: String,
    pub id: String,
    pub text: String,
}

/// The claims of every candidate of the events, issued at the newest import's time (so issuing
/// again gives the same certificates: Ed25519 signatures are deterministic).
async fn claims_of(state: &AppState, user: &CurrentUser, events: &str) -> ApiResult<Vec<Claims>> {
    let mut scores: Vec<EventScores> = Vec::new();
    let mut issued_at = 0i64;
    for event in events.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let imports = certificates::imports_of_event(&state.db, user.org(), event).await?;
        if imports.is_empty() {
            return Err(ApiError::NotFound(format!("no result file of event {event} is imported")));
        }
        for i in imports {
            issued_at = issued_at.max(i.imported_at.timestamp());
            scores.push(
                gather::from_results_json(&i.file).map_err(|e| ApiError::ResultRefused(e.to_string()))?,
            );
        }
    }
    if scores.is_empty() {
        return Err(ApiError::bad_request("invalid_query", "name at least one event"));
    }
    let issuer =
        certificates::org_name(&state.db, user.org()).await?.unwrap_or_else(|| user.org().to_string());
    Ok(gather::claims_by_candidate(&scores, &issuer, issued_at))
}

async fn audited(state: &AppState, user: &CurrentUser, events: &str, count: usize) -> ApiResult<()> {
    let actor = actor(user);
    audit::record(
        &state.db,
        &actor,
        "certificates_issued",
        "event",
        events,
        serde_json::json!({"certificates": count}),
    )
    .await?;
    Ok(())
}

/// Every candidate's certificate for the events: their strings (JSON list), or a zip of each
/// candidate's `<số báo danh>.txt` and printable `<số báo danh>.html` (`format=zip`, in pages of
/// at most 5,000).
#[utoipa::path(get, path = "/api/v1/certificates", tag = "results", security(("bearer" = [])), params(IssueParams),
    responses((status = 200, body = Vec<IssuedView>, description = "JSON, or with `format=zip` an application/zip"),
        (status = 400), (status = 403), (status = 404)))]
pub async fn issue_all(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(p): ApiQuery<IssueParams>,
) -> ApiResult<Response> {
    user.require(BOARD, "issue certificates")?;
    let key = signing_key(&state, user.org()).await?;
    match p.format.as_deref().unwrap_or("json") {
        "json" => {}
        "zip" => return zip_of(&state, &user, &p, key).await,
        other => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("format \"{other}\" is not json or zip (txt and html are for one candidate)"),
            ));
        }
    }
    let claims = claims_of(&state, &user, &p.events).await?;
    let mut out = Vec::with_capacity(claims.len());
    for c in &claims {
        let text = khaothi_certificate::issue(c, &key);
        let id = match khaothi_certificate::verify(&text, &TrustedKeys::new(vec![key.public()]), None) {
            Verdict::Valid(v) => v.id,
            other => {
                return Err(ApiError::Internal(format!("a fresh certificate does not verify: {other:?}")));
            }
        };
        out.push(IssuedView { candidate: c.candidate.clone(), id, text });
    }
    audited(&state, &user, &p.events, out.len()).await?;
    Ok(Json(out).into_response())
}

/// One page of the events' certificates as a zip, built off the async runtime.
async fn zip_of(
    state: &AppState,
    user: &CurrentUser,
    p: &IssueParams,
    key: IssuerKey,
) -> ApiResult<Response> {
    let limit = p.limit.unwrap_or(MAX_ZIP);
    if limit == 0 || limit > MAX_ZIP {
        return Err(ApiError::bad_request("invalid_query", format!("limit is 1 to {MAX_ZIP}; got {limit}")));
    }
    let mut claims = claims_of(state, user, &p.events).await?;
    claims.sort_by(|a, b| a.candidate.cmp(&b.candidate));
    let total = claims.len();
    let offset = p.offset.unwrap_or(0);
    if offset >= total && total > 0 {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("offset {offset} is past the last of the {total} candidates"),
        ));
    }
    let page: Vec<Claims> = claims.into_iter().skip(offset).take(limit).collect();
    let count = page.len();
    let bytes = tokio::task::spawn_blocking(move || zip_certificates(&page, &key))
        .await
        .map_err(|e| ApiError::Internal(format!("the zip was not written: {e}")))??;
    audited(state, user, &p.events, count).await?;
    let name = format!(
        "attachment; filename=\"certificates-{}-{}.zip\"",
        p.events.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_', "_"),
        offset + 1
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (header::CONTENT_DISPOSITION, name),
            (header::HeaderName::from_static("x-total-count"), total.to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// `<số báo danh>.txt` (the `KT1:` string and a newline) and `<số báo danh>.html` per candidate.
fn zip_certificates(claims: &[Claims], key: &IssuerKey) -> ApiResult<Vec<u8>> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let fail = |e: &dyn std::fmt::Display| ApiError::Internal(format!("writing the zip: {e}"));
    for c in claims {
        // A number is a file name here: only what a số báo danh is made of.
        let safe: String =
            c.candidate.chars().filter(|ch| ch.is_ascii_alphanumeric() || *ch == '-').collect();
        if safe.is_empty() || safe != c.candidate {
            return Err(ApiError::ResultRefused(format!(
                "candidate number {:?} is not a file name",
                c.candidate
            )));
        }
        let issued = issue_printable(c, key).map_err(|e| ApiError::Internal(e.to_string()))?;
        zip.start_file(format!("{safe}.txt"), deflated).map_err(|e| fail(&e))?;
        zip.write_all(format!("{}\n", issued.text).as_bytes()).map_err(|e| fail(&e))?;
        zip.start_file(format!("{safe}.html"), deflated).map_err(|e| fail(&e))?;
        zip.write_all(issued.html.as_bytes()).map_err(|e| fail(&e))?;
    }
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
}

/// One candidate's certificate: the printable A4 page (`format=html`), the string (`txt`) or JSON.
#[utoipa::path(get, path = "/api/v1/certificates/{number}", tag = "results", security(("bearer" = [])), params(("number" = String, Path, description = "Số báo danh"), IssueParams),
    responses((status = 200, body = IssuedView), (status = 403), (status = 404)))]
pub async fn issue_one(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(number): ApiPath<String>,
    ApiQuery(p): ApiQuery<IssueParams>,
) -> ApiResult<Response> {
    user.require(BOARD, "issue certificates")?;
    let key = signing_key(&state, user.org()).await?;
    let claims = claims_of(&state, &user, &p.events).await?;
    let c = claims
        .iter()
        .find(|c| c.candidate == number)
        .ok_or_else(|| ApiError::NotFound(format!("candidate {number} has no score in these events")))?;
    let issued = issue_printable(c, &key).map_err(|e| ApiError::Internal(e.to_string()))?;
    audited(&state, &user, &p.events, 1).await?;
    Ok(match p.format.as_deref().unwrap_or("json") {
        "html" => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], issued.html).into_response(),
        "txt" => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], issued.text + "\n").into_response(),
        "json" => Json(IssuedView { candidate: number, id: issued.id, text: issued.text }).into_response(),
        other => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("format \"{other}\" is not json, txt or html"),
            ));
        }
    })
}
