//! Login, token refresh and the current user.

use axum::Json;
use axum::extract::State;
use khaothi_auth::{CurrentUser, RefreshToken, Role, verify_password};
use khaothi_store::audit::{self, Actor};
use khaothi_store::users;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;
use khaothi_auth::LoginRequest;

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
    pub role: Role,
    pub username: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub role: Role,
    pub org: String,
    pub expires_at: i64,
}

async fn issue(state: &AppState, user: &users::User, role: Role) -> ApiResult<TokenResponse> {
    let (access_token, claims) = state.keys.issue(&user.id, &user.username, role, &user.org_id);
    let refresh = RefreshToken::generate();
    users::store_refresh_token(
        &state.db,
        &refresh.hash,
        &user.id,
        chrono::Utc::now() + state.keys.refresh_ttl,
    )
    .await?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: claims.exp - claims.iat,
        refresh_token: refresh.token,
        role,
        username: user.username.clone(),
    })
}

/// Exchange a username and password for a short-lived access token and a refresh token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, description = "wrong username or password"),
        (status = 429, description = "too many failed logins")))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let key = format!("user:{}", req.username.to_lowercase());
    state.limiter.check(&key).map_err(ApiError::RateLimited)?;
    let user = users::find_by_username(&state.db, &req.username).await?;
    // Verify against a dummy hash when the user does not exist, so timing does not reveal names.
    // Argon2 is deliberately slow: run it off the async workers.
    let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| DUMMY_HASH.clone());
    let password = req.password.clone();
    let valid = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let ok = valid && user.as_ref().is_some_and(|u| u.active);
    let org = user.as_ref().map(|u| u.org_id.clone()).unwrap_or_else(|| khaothi_store::DEFAULT_ORG.into());
    let actor = Actor { org_id: org, username: req.username.clone(), role: "-".into() };
    if !ok {
        state.limiter.record_failure(&key);
        audit::record(&state.db, &actor, "login_failed", "user", &req.username, serde_json::json!({}))
            .await?;
        return Err(ApiError::LoginFailed("wrong username or password".into()));
    }
    let user = user.expect("ok implies a user");
    let role =
        Role::parse(&user.role).ok_or_else(|| ApiError::Internal(format!("bad role {}", user.role)))?;
    state.limiter.reset(&key);
    let actor = Actor { role: role.as_str().into(), ..actor };
    audit::record(&state.db, &actor, "login", "user", &user.username, serde_json::json!({})).await?;
    Ok(Json(issue(&state, &user, role).await?))
}

/// An argon2id hash of a random string, used to equalise timing for unknown usernames.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| khaothi_auth::hash_password(&khaothi_auth::generate_password()));

/// Trade a refresh token (good once) for a new access token and refresh token.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, description = "unknown, used or expired refresh token")))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let hash = RefreshToken::hash(&req.refresh_token);
    let user_id = users::take_refresh_token(&state.db, &hash).await?.ok_or_else(|| {
        ApiError::LoginFailed("the refresh token is unknown, already used or expired".into())
    })?;
    let user = users::get(&state.db, &user_id).await?;
    if !user.active {
        return Err(ApiError::LoginFailed("the account is disabled".into()));
    }
    let role =
        Role::parse(&user.role).ok_or_else(|| ApiError::Internal(format!("bad role {}", user.role)))?;
    Ok(Json(issue(&state, &user, role).await?))
}

/// Who the access token belongs to.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401)))]
pub async fn me(user: CurrentUser) -> Json<Me> {
    Json(Me {
        username: user.0.username.clone(),
        role: user.0.role,
        org: user.0.org.clone(),
        expires_at: user.0.exp,
    })
}
