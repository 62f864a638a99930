//! Staff accounts of the delivery server: the exam board and proctors bound to rooms. Passwords
//! are argon2id (khaothi-auth); access tokens are short-lived JWTs.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use khaothi_auth::{CurrentUser, Role, hash_password, verify_password};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Kept here for callers from before the bootstrap module; the constant lives in [`crate::bootstrap`].
pub use crate::bootstrap::DEMO_PASSWORD;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::routes::BOARD;
use crate::state::AppState;
use crate::store;
use crate::store::staff::NewStaff as StoredStaff;
use khaothi_auth::LoginRequest;

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds since the epoch.
    pub expires_at: i64,
    pub role: Role,
}

/// Staff log in (candidates log in on the websocket).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 400), (status = 401, description = "wrong username or password"),
        (status = 429, description = "too many failed logins")))]
pub async fn login(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    s.staff_limiter.check(&req.username).map_err(ApiError::RateLimited)?;
    let user = store::staff::by_username(&s.db.read, &req.username).await?;
    let ok = user.as_ref().is_some_and(|u| u.active && verify_password(&req.password, &u.password_hash));
    let Some(user) = user.filter(|_| ok) else {
        s.staff_limiter.record_failure(&req.username);
        return Err(ApiError::LoginFailed("wrong username or password".into()));
    };
    s.staff_limiter.reset(&req.username);
    let role =
        store::staff::role(&user).ok_or_else(|| ApiError::Internal(format!("bad role {}", user.role)))?;
    let (token, claims) = s.keys.issue(&user.id, &user.username, role, &user.org_id);
    Ok(Json(TokenResponse { access_token: token, token_type: "Bearer", expires_at: claims.exp, role }))
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
#[utoipa::path(post, path = "/api/v1/staff", tag = "auth", security(("bearer" = [])), request_body = NewStaff,
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
