//! Tamper evidence and carrying results to the bank: the chain check, the signed result file and
//! its upload to the bank (docs/protocol.md §2, docs/formats.md "Signed result file").

use axum::extract::State;
use khaothi_auth::{CurrentUser, Role};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::chain::Chain;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, Path};
use crate::result_file::signed_result_file;
use crate::routes::events::load_event;
use crate::state::AppState;
use crate::store;
use crate::store::chains::verify_chain;

const BOARD: &[Role] = &[Role::ExamBoard, Role::Admin];

/// `GET /api/v1/chains/verify` (board): walks both chains up to the heads the writer holds.
pub async fn verify_chains(State(s): State<AppState>, user: CurrentUser) -> ApiResult<axum::Json<Value>> {
    user.require(BOARD, "verify the hash chains")?;
    let heads = s.writer.heads();
    let mut reports = Vec::new();
    for c in Chain::ALL {
        reports.push(verify_chain(&s.db.read, c, Some(heads.get(c))).await?);
    }
    let ok = reports.iter().all(|r| r.ok);
    Ok(axum::Json(json!({"ok": ok, "chains": reports})))
}

/// `GET /api/v1/events/{event}/results/file` (board): the signed result file.
pub async fn result_file(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Value>> {
    user.require(BOARD, "export the signed result file")?;
    load_event(&s, &id).await?;
    let file = signed_result_file(&s, &id).await?;
    store::audit(
        &s.writer,
        Some(&id),
        user.username(),
        "result_file_signed",
        json!({"digest": file.digest(), "chains": file.chains}),
    )
    .await?;
    Ok(axum::Json(serde_json::to_value(&file).map_err(|e| ApiError::Internal(e.to_string()))?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    /// The bank, e.g. `https://bank.example.vn`.
    pub bank_url: String,
    /// A bank account with the board role.
    pub username: String,
    pub password: String,
}

/// `POST /api/v1/events/{event}/results/upload` (board): signs the result file and posts it to the
/// bank's `POST /api/v1/results` after logging in there.
pub async fn upload(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UploadRequest>,
) -> ApiResult<axum::Json<Value>> {
    user.require(BOARD, "upload results to the bank")?;
    load_event(&s, &id).await?;
    let bank = req.bank_url.trim().trim_end_matches('/').to_string();
    if !(bank.starts_with("http://") || bank.starts_with("https://")) {
        return Err(ApiError::bad_request("invalid_bank_url", "bank_url starts with http:// or https://"));
    }
    let file = signed_result_file(&s, &id).await?;
    let (status, answer) = post_to_bank(&bank, &req.username, &req.password, file.to_json()).await?;
    store::audit(
        &s.writer,
        Some(&id),
        user.username(),
        "results_uploaded",
        json!({"bank_url": bank, "status": status, "digest": file.digest()}),
    )
    .await?;
    Ok(axum::Json(json!({"bank_url": bank, "status": status, "digest": file.digest(), "bank": answer})))
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
