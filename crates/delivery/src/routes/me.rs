//! `GET /api/v1/auth/me` on the delivery server, as on the bank: the console runs the bank's
//! `session.js`, which asks who the token belongs to after each sign-in and refresh.

use axum::Json;
use khaothi_auth::{CurrentUser, Role};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub role: Role,
    pub org: String,
    /// When the access token expires (seconds since the epoch).
    pub expires_at: i64,
}

/// Who the access token belongs to (any staff member).
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
