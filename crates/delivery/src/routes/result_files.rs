//! Tamper evidence and carrying results to the bank: the chain check, the signed result file and
//! its upload to the bank (docs/protocol.md §2, docs/formats.md "Signed result file").

use axum::Json;
use axum::extract::State;
use khaothi_auth::CurrentUser;
use khaothi_package::result_file::ResultFile;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::access::load_event;
use crate::chain::Chain;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, Path};
use crate::result_file::signed_result_file;
use crate::routes::BOARD;
use crate::state::AppState;
use crate::store;
use crate::store::chains::{ChainReport, verify_chain};

#[derive(Serialize, ToSchema)]
pub struct ChainsVerified {
    /// Both chains verify up to the writer's heads.
    pub ok: bool,
    /// One report per chain: `chain`, `ok`, `length`, `head` and the first `broken` row if any.
    #[schema(value_type = Vec<Object>)]
    pub chains: Vec<ChainReport>,
}

/// Walk both hash chains up to the heads the writer holds (board).
#[utoipa::path(get, path = "/api/v1/chains/verify", tag = "results", security(("bearer" = [])),
    responses((status = 200, body = ChainsVerified), (status = 401), (status = 403)))]
pub async fn verify_chains(State(s): State<AppState>, user: CurrentUser) -> ApiResult<Json<ChainsVerified>> {
    user.require(BOARD, "verify the hash chains")?;
    let heads = s.writer.heads();
    let mut chains = Vec::new();
    for c in Chain::ALL {
        chains.push(verify_chain(&s.db.read, c, Some(heads.get(c))).await?);
    }
    Ok(Json(ChainsVerified { ok: chains.iter().all(|r| r.ok), chains }))
}

/// The signed result file (board; docs/formats.md "Signed result file").
#[utoipa::path(get, path = "/api/v1/events/{event}/results/file", tag = "results", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    responses((status = 200, body = Object, description = "The signed result file"), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "keys not released, or a hash chain is broken")))]
pub async fn result_file(
    State(s): State<AppState>,
    khaothi_auth::CurrentUserOrCookie(user): khaothi_auth::CurrentUserOrCookie,
    Path(id): Path<String>,
) -> ApiResult<Json<ResultFile>> {
    user.require(BOARD, "export the signed result file")?;
    load_event(&s, &id).await?;
    let file = signed_result_file(&s, &id).await?;
    let detail = json!({"digest": file.digest(), "chains": file.chains});
    store::audit(&s.writer, Some(&id), user.username(), "result_file_signed", detail).await?;
    Ok(Json(file))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    /// The bank, e.g. `https://bank.example.vn`.
    pub bank_url: String,
    /// A bank account with the board role.
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Uploaded {
    pub bank_url: String,
    /// The bank's HTTP status.
    pub status: u16,
    /// The result file's digest.
    pub digest: String,
    /// The bank's answer.
    #[schema(value_type = Object)]
    pub bank: Value,
}

/// Sign the result file and post it to the bank's `POST /api/v1/results` after logging in there
/// (board).
#[utoipa::path(post, path = "/api/v1/events/{event}/results/upload", tag = "results", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")), request_body(content = UploadRequest, example = json!({"bank_url": "http://127.0.0.1:8080", "username": "board", "password": "khaothi-demo"})),
    responses((status = 200, body = Uploaded), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409),
        (status = 502, description = "the bank cannot be reached or refused")))]
pub async fn upload(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UploadRequest>,
) -> ApiResult<Json<Uploaded>> {
    user.require(BOARD, "upload results to the bank")?;
    load_event(&s, &id).await?;
    let bank = req.bank_url.trim().trim_end_matches('/').to_string();
    if !(bank.starts_with("http://") || bank.starts_with("https://")) {
        return Err(ApiError::bad_request("invalid_bank_url", "bank_url starts with http:// or https://"));
    }
    let file = signed_result_file(&s, &id).await?;
    let (status, answer) = post_to_bank(&bank, &req.username, &req.password, file.to_json()).await?;
    let digest = file.digest();
    let detail = json!({"bank_url": bank, "status": status, "digest": digest});
    store::audit(&s.writer, Some(&id), user.username(), "results_uploaded", detail).await?;
    Ok(Json(Uploaded { bank_url: bank, status, digest, bank: answer }))
}

async fn post_to_bank(bank: &str, username: &str, password: &str, body: Vec<u8>) -> ApiResult<(u16, Value)> {
    let unreachable =
        |e: reqwest::Error| ApiError::UploadFailed(format!("the bank at {bank} cannot be reached: {e}"));
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(300))
        .build()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let res = http
        .post(format!("{bank}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .map_err(unreachable)?;
    let (status, login) = answer(res).await?;
    let Some(token) = login["access_token"].as_str().filter(|_| (200..300).contains(&status)) else {
        return Err(ApiError::UploadFailed(format!(
            "the bank refused the login of {username} ({status}): {}",
            message_of(&login)
        )));
    };
    let res = http
        .post(format!("{bank}/api/v1/results"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(unreachable)?;
    let (status, v) = answer(res).await?;
    if !(200..300).contains(&status) {
        return Err(ApiError::UploadFailed(format!(
            "the bank refused the result file ({status}): {}",
            message_of(&v)
        )));
    }
    Ok((status, v))
}

async fn answer(res: reqwest::Response) -> ApiResult<(u16, Value)> {
    let status = res.status().as_u16();
    let text =
        res.text().await.map_err(|e| ApiError::UploadFailed(format!("the bank's answer was cut: {e}")))?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
}

fn message_of(v: &Value) -> String {
    match (v["error"].as_str(), v["message"].as_str()) {
        (Some(code), Some(m)) => format!("{code}: {m}"),
        _ => v.to_string().chars().take(500).collect(),
    }
}
