//! Staff accounts of the delivery server: the exam board and proctors bound to rooms. Passwords
//! are argon2id (khaothi-auth), checked on the bounded pool; access tokens are short-lived JWTs
//! re-checked against the account on use, with rotating refresh tokens (the bank's table and
//! rules, `khaothi_store::users`) and the session cookies of `khaothi_auth::cookie`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use khaothi_auth::{AccountNow, ClientSource, CurrentUser, RefreshToken, Role, cookie, hash_password};
use khaothi_store::users;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Kept here for callers from before the bootstrap module; the constant lives in [`crate::bootstrap`].
pub use crate::bootstrap::DEMO_PASSWORD;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, MaybeJson};
use crate::routes::BOARD;
use crate::state::AppState;
use crate::store;
use crate::store::entity::staff;
use crate::store::staff::NewStaff as StoredStaff;
use khaothi_auth::{LoginRequest, LogoutResponse, RefreshRequest};

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds since the epoch.
    pub expires_at: i64,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Good once at `POST /api/v1/auth/refresh` (also set as the `khaothi_refresh` cookie).
    pub refresh_token: String,
    pub role: Role,
    /// Who signed in (the console's top bar names them, as the bank's answer does).
    pub username: String,
}

/// Longest username looked at and longest password hashed; longer ones fail at once.
pub const MAX_USERNAME_BYTES: usize = 128;
pub const MAX_PASSWORD_BYTES: usize = 1024;

fn failed() -> ApiError {
    ApiError::LoginFailed("wrong username or password".into())
}

/// The account, when `req` names an active one with its password. Over-long input fails before
/// anything; the limiter keys by a hash in a bounded table; argon2 runs on the bounded pool,
/// against a dummy hash for unknown names (issue 16, findings 1, 2, 7).
async fn check_password(s: &AppState, source: ClientSource, req: &LoginRequest) -> ApiResult<staff::Model> {
    if req.username.is_empty()
        || req.username.len() > MAX_USERNAME_BYTES
        || req.password.len() > MAX_PASSWORD_BYTES
    {
        return Err(failed());
    }
    s.staff_limiter.check(&req.username).map_err(ApiError::RateLimited)?;
    let user = store::staff::by_username(&s.db.read, &req.username).await?;
    let hash = user.as_ref().map(|u| u.password_hash.as_str());
    let valid =
        s.passwords.verify(source.0, &req.password, hash).await.map_err(|b| ApiError::Busy(b.retry_after))?;
    match user {
        Some(u) if valid && u.active => {
            s.staff_limiter.reset(&req.username);
            Ok(u)
        }
        _ => {
            s.staff_limiter.record_failure(&req.username);
            s.metrics.login_failures.inc();
            Err(failed())
        }
    }
}

/// Issues an access token and a refresh token of `family` (`None`: a new login starts one), with
/// the session cookies.
async fn issue(
    s: &AppState,
    request: &HeaderMap,
    user: &staff::Model,
    family: Option<&str>,
) -> ApiResult<impl IntoResponse + use<>> {
    let role =
        store::staff::role(user).ok_or_else(|| ApiError::Internal(format!("bad role {}", user.role)))?;
    let (token, claims) = s.keys.issue(&user.id, &user.username, role, &user.org_id);
    let refresh = RefreshToken::generate();
    let expires = chrono::Utc::now() + s.keys.refresh_ttl;
    users::store_refresh_token(
        &s.db.write,
        &refresh.hash,
        &user.id,
        family.unwrap_or(&refresh.hash),
        expires,
    )
    .await
    .map_err(store_error)?;
    let expires_in = claims.exp - claims.iat;
    let cookies = cookie::session_cookies(
        request,
        &token,
        expires_in,
        &refresh.token,
        s.keys.refresh_ttl.num_seconds(),
    );
    let body = TokenResponse {
        access_token: token,
        token_type: "Bearer",
        expires_at: claims.exp,
        expires_in,
        refresh_token: refresh.token,
        role,
        username: user.username.clone(),
    };
    Ok((cookies, Json(body)))
}

fn store_error(e: khaothi_store::StoreError) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// Staff log in (candidates log in on the websocket). Also sets the `khaothi_refresh` cookie
/// (HttpOnly, SameSite=Strict, Path=/api/v1/auth) and the `khaothi_fetch` cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body(content = LoginRequest, example = json!({"username": "giamthi1", "password": "mat-khau-giam-thi-1"})),
    responses((status = 200, body = TokenResponse), (status = 400), (status = 401, description = "wrong username or password"),
        (status = 429, description = "too many failed logins"),
        (status = 503, description = "too many password checks at once; see Retry-After")))]
pub async fn login(
    State(s): State<AppState>,
    source: ClientSource,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let user = check_password(&s, source, &req).await?;
    issue(&s, &headers, &user, None).await
}

/// Trade a refresh token (good once) for new tokens; with an empty body the `khaothi_refresh`
/// cookie is used. A token presented twice revokes every token of that login.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body(content = Option<RefreshRequest>,
        description = "the refresh token; leave the body empty to use the `khaothi_refresh` cookie",
        example = json!({"refresh_token": "kV3tq9yZb2XW0m8LrC1pQe7uN5sH4dJfA6gTzRoYiEw"})),
    responses((status = 200, body = TokenResponse), (status = 401, description = "unknown, used or expired refresh token")))]
pub async fn refresh(
    State(s): State<AppState>,
    headers: HeaderMap,
    MaybeJson(body): MaybeJson<RefreshRequest>,
) -> ApiResult<impl IntoResponse> {
    let token = cookie::presented_refresh_token(&headers, body).ok_or_else(|| {
        ApiError::LoginFailed("no refresh token: send it in the body or the khaothi_refresh cookie".into())
    })?;
    let rotation =
        users::rotate_refresh_token(&s.db.write, &RefreshToken::hash(&token)).await.map_err(store_error)?;
    let (user_id, family) = match rotation {
        users::Rotation::Rotated { user_id, family } => (user_id, family),
        users::Rotation::Reused { user_id } => {
            store::audit(&s.writer, None, &user_id, "refresh_reused", json!({"staff_id": user_id})).await?;
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
    match store::staff::by_id(&s.db.read, &user_id).await? {
        Some(user) if user.active => issue(&s, &headers, &user, Some(&family)).await,
        _ => Err(ApiError::LoginFailed("the account is disabled".into())),
    }
}

/// End the session: revokes every refresh token of this login (body or cookie) and clears both
/// cookies. Always 200 (`revoked` is 0 for an unknown token).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body(content = Option<RefreshRequest>,
        description = "the refresh token; leave the body empty to use the `khaothi_refresh` cookie",
        example = json!({"refresh_token": "kV3tq9yZb2XW0m8LrC1pQe7uN5sH4dJfA6gTzRoYiEw"})),
    responses((status = 200, body = LogoutResponse, description = "logged out; cookies cleared")))]
pub async fn logout(
    State(s): State<AppState>,
    headers: HeaderMap,
    MaybeJson(body): MaybeJson<RefreshRequest>,
) -> ApiResult<impl IntoResponse> {
    let mut revoked = 0;
    if let Some(token) = cookie::presented_refresh_token(&headers, body)
        && let Some(family) =
            users::refresh_family(&s.db.read, &RefreshToken::hash(&token)).await.map_err(store_error)?
    {
        revoked = users::revoke_family(&s.db.write, &family).await.map_err(store_error)?;
    }
    Ok((cookie::logout_cookies(&headers), Json(LogoutResponse { revoked })))
}

/// The per-request account check of staff access tokens (khaothi_auth::AccountCheck).
pub struct StaffAccounts(pub sea_orm::DatabaseConnection);

impl khaothi_auth::AccountCheck for StaffAccounts {
    fn account<'a>(
        &'a self,
        user_id: &'a str,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<Option<AccountNow>, String>> + Send + 'a>> {
        Box::pin(async move {
            let found = store::staff::by_id(&self.0, user_id).await.map_err(|e| e.to_string())?;
            Ok(found.map(|u| AccountNow { active: u.active, role: u.role }))
        })
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    /// At least 10 characters.
    pub password: String,
    /// `proctor` or `exam_board`.
    pub role: Role,
    /// Room ids a proctor watches.
    #[serde(default)]
    pub rooms: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StaffView {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub rooms: Vec<String>,
}

/// Create a proctor bound to rooms, or another board member (board).
#[utoipa::path(post, path = "/api/v1/staff", tag = "auth", security(("bearer" = [])), request_body(content = NewStaff, example = json!({"username": "giamthi1", "display_name": "Trần Văn Bình", "password": "mat-khau-giam-thi-1", "role": "proctor", "rooms": ["ROOM-5f1c2a7e"]})),
    responses((status = 201, body = StaffView), (status = 400), (status = 401), (status = 403),
        (status = 404, description = "no such room"), (status = 409, description = "the username is taken")))]
pub async fn create_staff(
    State(s): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewStaff>,
) -> ApiResult<(StatusCode, Json<StaffView>)> {
    user.require(BOARD, "create staff accounts")?;
    if !matches!(req.role, Role::Proctor | Role::ExamBoard) {
        return Err(ApiError::bad_request("invalid_role", "delivery staff are `proctor` or `exam_board`"));
    }
    if req.password.chars().count() < 10 {
        return Err(ApiError::bad_request("weak_password", "a password has at least 10 characters"));
    }
    if store::staff::by_username(&s.db.read, &req.username).await?.is_some() {
        return Err(ApiError::Conflict(format!("the username {} is taken", req.username)));
    }
    for r in &req.rooms {
        if !store::rooms::exists(&s.db.read, r).await? {
            return Err(ApiError::NotFound(format!("no room with id {r}")));
        }
    }
    let new = StoredStaff {
        username: &req.username,
        display_name: &req.display_name,
        password_hash: &hash_password(&req.password),
        role: req.role,
        rooms: &req.rooms,
    };
    let m = store::staff::create(&s.db.write, new).await?;
    let detail = json!({"username": m.username, "role": req.role, "rooms": req.rooms});
    store::audit(&s.writer, None, user.username(), "staff_created", detail).await?;
    Ok((
        StatusCode::CREATED,
        Json(StaffView { id: m.id, username: m.username, role: req.role, rooms: req.rooms }),
    ))
}
