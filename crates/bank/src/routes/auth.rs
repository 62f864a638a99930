//! Login, token refresh, logout and the current user. Password checks (limits, the hashing
//! pool, the failed-login audit) are [`crate::login`]'s.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use khaothi_auth::{ClientSource, CurrentUser, RefreshToken, Role, cookie};
use khaothi_store::audit::{self, Actor};
use khaothi_store::users;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, MaybeJson};
use crate::state::AppState;
use khaothi_auth::{LoginRequest, LogoutResponse, RefreshRequest};

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

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub role: Role,
    pub org: String,
    pub expires_at: i64,
}

/// Issues an access token and a refresh token of `family` (`None`: a new login starts one).
async fn issue(
    state: &AppState,
    user: &users::User,
    role: Role,
    family: Option<&str>,
) -> ApiResult<TokenResponse> {
    let (access_token, claims) = state.keys.issue(&user.id, &user.username, role, &user.org_id);
    let refresh = RefreshToken::generate();
    users::store_refresh_token(
        &state.db,
        &refresh.hash,
        &user.id,
        family.unwrap_or(&refresh.hash),
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

/// The answer of a login or refresh: the tokens in the body and the two session cookies
/// (`khaothi_refresh`, `khaothi_fetch`; see `khaothi_auth::cookie`).
fn with_cookies(state: &AppState, request: &HeaderMap, t: TokenResponse) -> impl IntoResponse + use<> {
    let refresh_seconds = state.keys.refresh_ttl.num_seconds();
    let cookies =
        cookie::session_cookies(request, &t.access_token, t.expires_in, &t.refresh_token, refresh_seconds);
    (cookies, Json(t))
}

/// Exchange a username and password for a short-lived access token and a refresh token. Also
/// sets the `khaothi_refresh` cookie (HttpOnly, SameSite=Strict, Path=/api/v1/auth) and the
/// `khaothi_fetch` cookie (the access token for media, print views and downloads).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body(content = LoginRequest, example = json!({"username": "writer", "password": "khaothi-demo"})),
    responses((status = 200, body = TokenResponse), (status = 401, description = "wrong username or password"),
        (status = 429, description = "too many failed logins"),
        (status = 503, description = "too many password checks at once; see Retry-After")))]
pub async fn login(
    State(state): State<AppState>,
    source: ClientSource,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let user = crate::login::check_password(&state, source, &req).await?;
    let role =
        Role::parse(&user.role).ok_or_else(|| ApiError::Internal(format!("bad role {}", user.role)))?;
    let actor =
        Actor { org_id: user.org_id.clone(), username: user.username.clone(), role: role.as_str().into() };
    audit::record(&state.db, &actor, "login", "user", &user.username, serde_json::json!({})).await?;
    let tokens = issue(&state, &user, role, None).await?;
    Ok(with_cookies(&state, &headers, tokens))
}

/// Trade a refresh token (good once) for a new access token and refresh token. The token comes
/// in the body or, with an empty body, from the `khaothi_refresh` cookie. Presenting a token that
/// was already used revokes every token of that login (someone holds a copy).
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body(content = Option<RefreshRequest>,
        description = "the refresh token; leave the body empty to use the `khaothi_refresh` cookie",
        example = json!({"refresh_token": "kV3tq9yZb2XW0m8LrC1pQe7uN5sH4dJfA6gTzRoYiEw"})),
    responses((status = 200, body = TokenResponse), (status = 401, description = "unknown, used or expired refresh token")))]
pub async fn refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
    MaybeJson(body): MaybeJson<RefreshRequest>,
) -> ApiResult<impl IntoResponse> {
    let token = cookie::presented_refresh_token(&headers, body).ok_or_else(|| {
        ApiError::LoginFailed("no refresh token: send it in the body or the khaothi_refresh cookie".into())
    })?;
    let (user_id, family) = match users::rotate_refresh_token(&state.db, &RefreshToken::hash(&token)).await? {
        users::Rotation::Rotated { user_id, family } => (user_id, family),
        users::Rotation::Reused { user_id } => {
            let actor = Actor {
                org_id: khaothi_store::DEFAULT_ORG.into(),
                username: user_id.clone(),
                role: "-".into(),
            };
            audit::record(&state.db, &actor, "refresh_reused", "user", &user_id, serde_json::json!({}))
                .await?;
            return Err(ApiError::LoginFailed(
                "this refresh token was already used: every session of this login is ended; log in again"
                    .into(),
            ));
        }
        users::Rotation::Refused => {
            return Err(ApiError::LoginFailed(
                "the refresh token is unknown, already used or expired".into(),
            ));
        }
    };
    let user = users::get(&state.db, &user_id).await?;
    if !user.active {
        return Err(ApiError::LoginFailed("the account is disabled".into()));
    }
    let role =
        Role::parse(&user.role).ok_or_else(|| ApiError::Internal(format!("bad role {}", user.role)))?;
    let tokens = issue(&state, &user, role, Some(&family)).await?;
    Ok(with_cookies(&state, &headers, tokens))
}

/// End the session: revokes every refresh token of this login (the one in the body or the
/// `khaothi_refresh` cookie) and clears both cookies. Access tokens already issued run out
/// within their short lifetime. Always 204, also for an unknown token.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body(content = Option<RefreshRequest>,
        description = "the refresh token; leave the body empty to use the `khaothi_refresh` cookie",
        example = json!({"refresh_token": "kV3tq9yZb2XW0m8LrC1pQe7uN5sH4dJfA6gTzRoYiEw"})),
    responses((status = 200, body = LogoutResponse, description = "logged out; cookies cleared")))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    MaybeJson(body): MaybeJson<RefreshRequest>,
) -> ApiResult<impl IntoResponse> {
    let mut revoked = 0;
    if let Some(token) = cookie::presented_refresh_token(&headers, body)
        && let Some(family) = users::refresh_family(&state.db, &RefreshToken::hash(&token)).await?
    {
        revoked = users::revoke_family(&state.db, &family).await?;
    }
    Ok((cookie::logout_cookies(&headers), Json(LogoutResponse { revoked })))
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
