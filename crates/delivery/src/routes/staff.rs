//! Staff accounts of the delivery server: the exam board and proctors bound to rooms. Passwords
//! are argon2id (khaothi-auth); access tokens are short-lived JWTs.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use khaothi_auth::{CurrentUser, Role, hash_password, verify_password};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::DeliveryConfig;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;
use crate::store::entity::{room, staff, staff_room};
use crate::{StartError, store};

/// The demo board account's published password (demo mode only).
pub const DEMO_PASSWORD: &str = "khaothi-demo";

/// A configured secret, or one generated once and kept (mode 0600) in the data directory.
pub fn secret(
    config: &DeliveryConfig,
    configured: Option<&SecretString>,
    file: &str,
) -> Result<Vec<u8>, StartError> {
    khaothi_auth::load_or_create_secret(configured.map(|s| s.expose_secret()), &config.data_dir.join(file))
        .map_err(StartError)
}

/// The first board account: the demo one in demo mode, else `initial_board` on an empty table.
pub async fn ensure_board(db: &impl ConnectionTrait, config: &DeliveryConfig) -> Result<(), StartError> {
    let err = |e: sea_orm::DbErr| StartError(e.to_string());
    let Some(username) = &config.initial_board else { return Ok(()) };
    if config.demo {
        if find(db, username).await.map_err(err)?.is_none() {
            insert(db, username, "Exam board (demo)", &hash_password(DEMO_PASSWORD), Role::ExamBoard)
                .await
                .map_err(err)?;
        }
        return Ok(());
    }
    if staff::Entity::find().count(db).await.map_err(err)? > 0 {
        return Ok(());
    }
    let (password, generated) = match &config.initial_board_password {
        Some(p) => (p.expose_secret().to_string(), false),
        None => (khaothi_auth::generate_password(), true),
    };
    insert(db, username, "Exam board", &hash_password(&password), Role::ExamBoard).await.map_err(err)?;
    if generated {
        eprintln!(
            "khaothi delivery: created the board account \"{username}\" with the one-time password: {password}"
        );
    }
    Ok(())
}

async fn find(db: &impl ConnectionTrait, username: &str) -> Result<Option<staff::Model>, sea_orm::DbErr> {
    staff::Entity::find().filter(staff::Column::Username.eq(username)).one(db).await
}

async fn insert(
    db: &impl ConnectionTrait,
    username: &str,
    display_name: &str,
    hash: &str,
    role: Role,
) -> Result<staff::Model, sea_orm::DbErr> {
    staff::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        org_id: Set(khaothi_store::DEFAULT_ORG.into()),
        username: Set(username.into()),
        display_name: Set(display_name.into()),
        password_hash: Set(hash.into()),
        role: Set(role.as_str().into()),
        active: Set(true),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// `POST /api/v1/auth/login` — staff only; candidates log in on the websocket.
pub async fn login(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<axum::Json<Value>> {
    s.staff_limiter.check(&req.username).map_err(ApiError::RateLimited)?;
    let user = find(&s.db.read, &req.username).await?;
    let ok = user.as_ref().is_some_and(|u| u.active && verify_password(&req.password, &u.password_hash));
    let Some(user) = user.filter(|_| ok) else {
        s.staff_limiter.record_failure(&req.username);
        return Err(ApiError::LoginFailed("wrong username or password".into()));
    };
    s.staff_limiter.reset(&req.username);
    let role =
        Role::parse(&user.role).ok_or_else(|| ApiError::Internal(format!("bad role {}", user.role)))?;
    let (token, claims) = s.keys.issue(&user.id, &user.username, role, &user.org_id);
    Ok(axum::Json(
        json!({"access_token": token, "token_type": "Bearer", "expires_at": claims.exp, "role": role}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub password: String,
    /// `proctor` or `exam_board`.
    pub role: Role,
    /// Room ids a proctor watches.
    #[serde(default)]
    pub rooms: Vec<String>,
}

/// `POST /api/v1/staff` (board): a proctor bound to rooms, or another board member.
pub async fn create_staff(
    State(s): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewStaff>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    user.require(&[Role::ExamBoard, Role::Admin], "create staff accounts")?;
    if !matches!(req.role, Role::Proctor | Role::ExamBoard) {
        return Err(ApiError::bad_request("invalid_role", "delivery staff are `proctor` or `exam_board`"));
    }
    if req.password.chars().count() < 10 {
        return Err(ApiError::bad_request("weak_password", "a password has at least 10 characters"));
    }
    if find(&s.db.read, &req.username).await?.is_some() {
        return Err(ApiError::Conflict(format!("the username {} is taken", req.username)));
    }
    for r in &req.rooms {
        if room::Entity::find_by_id(r.clone()).one(&s.db.read).await?.is_none() {
            return Err(ApiError::NotFound(format!("no room with id {r}")));
        }
    }
    let m =
        insert(&s.db.read, &req.username, &req.display_name, &hash_password(&req.password), req.role).await?;
    for r in &req.rooms {
        staff_room::ActiveModel { staff_id: Set(m.id.clone()), room_id: Set(r.clone()) }
            .insert(&s.db.read)
            .await?;
    }
    store::audit(
        &s.writer,
        None,
        user.username(),
        "staff_created",
        json!({"username": m.username, "role": m.role, "rooms": req.rooms}),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"id": m.id, "username": m.username, "role": m.role, "rooms": req.rooms})),
    ))
}

/// The board sees every room; a proctor only the rooms bound to them.
pub async fn require_room(s: &AppState, user: &CurrentUser, room_id: &str, what: &str) -> ApiResult<()> {
    match user.role() {
        Role::ExamBoard | Role::Admin => Ok(()),
        Role::Proctor => {
            let bound = staff_room::Entity::find_by_id((user.0.sub.clone(), room_id.to_string()))
                .one(&s.db.read)
                .await?;
            if bound.is_some() {
                Ok(())
            } else {
                Err(ApiError::NotAllowed(format!("you are not the proctor of this room and may not {what}")))
            }
        }
        r => Err(ApiError::NotAllowed(format!("your role ({r}) may not {what}"))),
    }
}
