//! Administration: users (create, change, deactivate) and the audit log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use khaothi_auth::{CurrentUser, Role, hash_password};
use khaothi_domain::FieldError;
use khaothi_store::audit::{self, AuditEntry, AuditFilter};
use khaothi_store::{begin_write, users};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::items::actor;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub active: bool,
}

impl From<users::User> for UserView {
    fn from(u: users::User) -> Self {
        Self { id: u.id, username: u.username, display_name: u.display_name, role: u.role, active: u.active }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// At least 12 characters.
    #[schema(value_type = String)]
    pub password: SecretString,
}

/// List the organisation's users (admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "admin", security(("bearer" = [])), responses((status = 200, body = Vec<UserView>), (status = 403)))]
pub async fn list_users(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<Vec<UserView>>> {
    user.require(&[Role::Admin], "list users")?;
    Ok(Json(users::list(&state.db, user.org()).await?.into_iter().map(Into::into).collect()))
}

/// Create a user (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", security(("bearer" = [])), request_body(content = NewUserRequest, example = json!({"username": "gv.lan", "display_name": "Nguyễn Thị Lan", "role": "item_writer", "password": "cô-Lan-soạn-đề-2026"})),
    responses((status = 201, body = UserView), (status = 403), (status = 409), (status = 422)))]
pub async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    user.require(&[Role::Admin], "create users")?;
    let mut errors = Vec::new();
    if req.username.len() < 2 || !req.username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        errors.push(FieldError::new("username", "2+ characters from letters, digits, '.', '_', '-'"));
    }
    if req.password.expose_secret().chars().count() < 12 {
        errors.push(FieldError::new("password", "must have at least 12 characters"));
    }
    if req.role == Role::Candidate {
        errors.push(FieldError::new(
            "role",
            "candidates are registered on the delivery server, not in the bank",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(None, errors));
    }
    let password = req.password.expose_secret().to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let txn = begin_write(&state.db).await?;
    let created = users::create(
        &txn,
        users::NewUser {
            org_id: user.org(),
            username: &req.username,
            display_name: &req.display_name,
            password_hash: &hash,
            role: req.role.as_str(),
        },
    )
    .await?;
    audit::record(
        &txn,
        &actor(&user),
        "user_create",
        "user",
        &req.username,
        serde_json::json!({"role": req.role}),
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// What an admin changes about an account; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub role: Option<Role>,
    /// Move the account to another (existing) organisation.
    pub organisation: Option<String>,
    /// `false` deactivates: its access tokens stop working at once, its refresh tokens are revoked.
    pub active: Option<bool>,
    /// A new password (at least 12 characters); the account's refresh tokens are revoked.
    #[schema(value_type = Option<String>)]
    pub password: Option<SecretString>,
}

fn patch_errors(req: &UserPatch) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if req.password.as_ref().is_some_and(|p| p.expose_secret().chars().count() < 12) {
        errors.push(FieldError::new("password", "must have at least 12 characters"));
    }
    if req.role == Some(Role::Candidate) {
        errors.push(FieldError::new(
            "role",
            "candidates are registered on the delivery server, not in the bank",
        ));
    }
    if req.organisation.as_deref().is_some_and(str::is_empty) {
        errors.push(FieldError::new("organisation", "an organisation id is not empty"));
    }
    errors
}

/// Change an account's role, organisation, active flag or password (admin, own organisation).
/// Deactivation and role changes take effect at once: access tokens re-check the account on
/// every request; deactivation and a password reset also revoke its refresh tokens.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "admin", security(("bearer" = [])), request_body(content = UserPatch, example = json!({"active": false})),
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = UserView), (status = 403), (status = 404), (status = 422)))]
pub async fn update_user(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<UserPatch>,
) -> ApiResult<Json<UserView>> {
    user.require(&[Role::Admin], "change users")?;
    let errors = patch_errors(&req);
    if !errors.is_empty() {
        return Err(ApiError::invalid(None, errors));
    }
    let hash = match &req.password {
        Some(p) => {
            let password = p.expose_secret().to_string();
            let hashed = tokio::task::spawn_blocking(move || hash_password(&password)).await;
            Some(hashed.map_err(|e| ApiError::Internal(e.to_string()))?)
        }
        None => None,
    };
    let change = users::UserChange {
        role: req.role.map(Role::as_str),
        org_id: req.organisation.as_deref(),
        active: req.active,
        password_hash: hash.as_deref(),
    };
    let txn = begin_write(&state.db).await?;
    let changed = users::update(&txn, user.org(), &id, change).await?;
    if req.active == Some(false) || hash.is_some() {
        users::revoke_user_tokens(&txn, &id).await?;
    }
    let detail = serde_json::json!({
        "role": req.role, "organisation": req.organisation, "active": req.active,
        "password_reset": hash.is_some(),
    });
    audit::record(&txn, &actor(&user), "user_update", "user", &changed.username, detail).await?;
    txn.commit().await?;
    Ok(Json(changed.into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// e.g. an item id.
    pub target: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    #[schema(value_type = Vec<Object>)]
    pub entries: Vec<AuditEntry>,
    pub total: u64,
}

/// The audit log (admin): logins, item reads and edits, review decisions.
#[utoipa::path(get, path = "/api/v1/audit", tag = "admin", security(("bearer" = [])), params(AuditParams),
    responses((status = 200, body = AuditPage), (status = 403)))]
pub async fn audit_log(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> ApiResult<Json<AuditPage>> {
    user.require(&[Role::Admin], "read the audit log")?;
    let per_page = p.per_page.unwrap_or(100).clamp(1, 1000);
    let page = p.page.unwrap_or(1).max(1);
    let filter = AuditFilter { actor: p.actor, action: p.action, target_id: p.target };
    let (entries, total) =
        audit::list(&state.db, user.org(), &filter, (page - 1) * per_page, per_page).await?;
    Ok(Json(AuditPage { entries, total }))
}
