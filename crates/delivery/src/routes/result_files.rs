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
    let heads = s.writer.current_heads(&s.db.read).await?;
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
    /// The bank, e.g. `https://bank.example.vn`: optional, and if given it must be the configured
    /// `bank_url` (same scheme, host and port). The upload never goes anywhere else.
    #[serde(default)]
    pub bank_url: Option<String>,
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
    /// The bank's answer: only the fields of its import, read from at most
    /// [`MAX_BANK_ANSWER`] bytes.
    pub bank: BankReceipt,
}

/// What the bank's `POST /api/v1/results` answers (its `ImportView`), as far as this server
/// passes it on. Parsed field by field, so nothing else a peer sends reaches the board.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct BankReceipt {
    pub id: String,
    pub event_id: String,
    pub site_name: Option<String>,
    pub digest: String,
    pub responses_length: i64,
    pub audit_length: i64,
    /// The response set to calibrate (`POST /api/v1/calibrations?response_set=<id>` at the bank).
    pub response_set_id: Option<String>,
    #[serde(default)]
    pub already_imported: bool,
}

/// The most this server reads of any answer from the bank (an import receipt is under 1 KiB): a
/// peer that streams more is cut off, so an answer cannot fill the server's memory.
pub const MAX_BANK_ANSWER: usize = 64 * 1024;

/// Sign the result file and post it to the configured bank's `POST /api/v1/results` after
/// logging in there (board).
#[utoipa::path(post, path = "/api/v1/events/{event}/results/upload", tag = "results", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")), request_body(content = UploadRequest, example = json!({"username": "board", "password": "khaothi-demo"})),
    responses((status = 200, body = Uploaded), (status = 400, description = "no bank configured, or `bank_url` names another bank"),
        (status = 401), (status = 403), (status = 404), (status = 409),
        (status = 502, description = "the bank cannot be reached, refused, or answered too much")))]
pub async fn upload(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UploadRequest>,
) -> ApiResult<Json<Uploaded>> {
    user.require(BOARD, "upload results to the bank")?;
    let bank = allowed_bank(s.config.bank_url.as_deref(), req.bank_url.as_deref())?;
    load_event(&s, &id).await?;
    let file = signed_result_file(&s, &id).await?;
    let (status, receipt) = post_to_bank(&bank, &req.username, &req.password, file.to_json()).await?;
    let digest = file.digest();
    let detail = json!({"bank_url": bank, "status": status, "digest": digest});
    store::audit(&s.writer, Some(&id), user.username(), "results_uploaded", detail).await?;
    Ok(Json(Uploaded { bank_url: bank, status, digest, bank: receipt }))
}

/// The configured bank (without a trailing `/`), after checking that a `bank_url` the request
/// names is that bank: same scheme, host and port (finding 8 of issue 16: the server posts a
/// bank password and signed results only where its operator said).
pub fn allowed_bank(configured: Option<&str>, requested: Option<&str>) -> ApiResult<String> {
    let Some(configured) = configured.map(|c| c.trim().trim_end_matches('/')).filter(|c| !c.is_empty())
    else {
        return Err(ApiError::bad_request(
            "no_bank_configured",
            "this site has no bank to upload to: set bank_url in the [delivery] configuration (KHAOTHI__DELIVERY__BANK_URL)",
        ));
    };
    let origin = |url: &str| {
        reqwest::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .map(|u| {
                (u.scheme().to_string(), u.host_str().map(str::to_ascii_lowercase), u.port_or_known_default())
            })
    };
    let Some(own) = origin(configured) else {
        return Err(ApiError::bad_request(
            "invalid_bank_url",
            format!("the configured bank_url {configured} is not an http:// or https:// address"),
        ));
    };
    if let Some(asked) = requested.map(str::trim).filter(|r| !r.is_empty())
        && origin(asked).as_ref() != Some(&own)
    {
        return Err(ApiError::bad_request(
            "bank_not_allowed",
            format!(
                "results go only to the configured bank {configured}; {asked} is another address (leave bank_url out to use the configured one)"
            ),
        ));
    }
    Ok(configured.to_string())
}

async fn post_to_bank(
    bank: &str,
    username: &str,
    password: &str,
    body: Vec<u8>,
) -> ApiResult<(u16, BankReceipt)> {
    let unreachable =
        |e: reqwest::Error| ApiError::UploadFailed(format!("the bank at {bank} cannot be reached: {e}"));
    // No redirects: a 3xx must not carry the password or the file to another host.
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(300))
        .redirect(reqwest::redirect::Policy::none())
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
    let receipt = serde_json::from_value(v).map_err(|e| {
        ApiError::UploadFailed(format!("the bank's answer ({status}) is not an import receipt: {e}"))
    })?;
    Ok((status, receipt))
}

/// The status and the JSON of an answer read up to [`MAX_BANK_ANSWER`] bytes (`Null` when it is
/// not JSON); more is refused without reading on.
async fn answer(mut res: reqwest::Response) -> ApiResult<(u16, Value)> {
    let status = res.status().as_u16();
    if res.content_length().is_some_and(|n| n > MAX_BANK_ANSWER as u64) {
        return Err(too_much(status));
    }
    let mut body = Vec::new();
    while let Some(chunk) =
        res.chunk().await.map_err(|e| ApiError::UploadFailed(format!("the bank's answer was cut: {e}")))?
    {
        if body.len() + chunk.len() > MAX_BANK_ANSWER {
            return Err(too_much(status));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
}

fn too_much(status: u16) -> ApiError {
    ApiError::UploadFailed(format!(
        "the bank's answer ({status}) is longer than {} KiB: not a khaothi bank, or not its API",
        MAX_BANK_ANSWER / 1024
    ))
}

/// The bank's `error: message`, at most 500 characters of it.
fn message_of(v: &Value) -> String {
    let text = match (v["error"].as_str(), v["message"].as_str()) {
        (Some(code), Some(m)) => format!("{code}: {m}"),
        _ => "no error message".to_string(),
    };
    text.chars().take(500).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_bank_is_allowed() {
        let bank = Some("https://bank.example.vn/");
        assert_eq!(allowed_bank(bank, None).unwrap(), "https://bank.example.vn");
        assert_eq!(
            allowed_bank(bank, Some("https://BANK.example.vn:443")).unwrap(),
            "https://bank.example.vn"
        );
        for other in
            ["https://evil.example", "http://bank.example.vn", "https://bank.example.vn:8443", "file:///etc"]
        {
            let err = allowed_bank(bank, Some(other)).unwrap_err();
            assert!(err.to_string().contains("configured bank"), "{other}: {err}");
        }
        assert!(allowed_bank(None, Some("https://bank.example.vn")).is_err());
        assert!(allowed_bank(Some("ftp://bank"), None).is_err());
    }
}
