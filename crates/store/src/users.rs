//! Users, organisations and refresh tokens (the bank's, and a delivery server's: both databases
//! have the `refresh_tokens` table). Password hashing and tokens are the auth crate's job;
//! this module only stores what it is given.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::StoreError;
use crate::entity::{organisation, refresh_token, user};

pub use user::Model as User;

pub async fn ensure_org<C: ConnectionTrait>(db: &C, id: &str, name: &str) -> Result<(), StoreError> {
    if crate::by_key(db, organisation::Entity::find_by_id(id.to_string())).await?.is_none() {
        organisation::ActiveModel {
            id: Set(id.to_string()),
            name: Set(name.to_string()),
            created_at: Set(crate::now()),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

pub struct NewUser<'a> {
    pub org_id: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
}

pub async fn create<C: ConnectionTrait>(db: &C, new: NewUser<'_>) -> Result<User, StoreError> {
    if find_by_username(db, new.username).await?.is_some() {
        return Err(StoreError::Conflict(format!("username \"{}\" is taken", new.username)));
    }
    let model = user::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        org_id: Set(new.org_id.to_string()),
        username: Set(new.username.to_string()),
        display_name: Set(new.display_name.to_string()),
        password_hash: Set(new.password_hash.to_string()),
        role: Set(new.role.to_string()),
        active: Set(true),
        created_at: Set(crate::now()),
    }
    .insert(db)
    .await?;
    Ok(model)
}

pub async fn find_by_username<C: ConnectionTrait>(
    db: &C,
    username: &str,
) -> Result<Option<User>, StoreError> {
    Ok(crate::by_key(db, user::Entity::find().filter(user::Column::Username.eq(username))).await?)
}

pub async fn get<C: ConnectionTrait>(db: &C, id: &str) -> Result<User, StoreError> {
    crate::by_key(db, user::Entity::find_by_id(id.to_string()))
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no user with id {id}")))
}

pub async fn list<C: ConnectionTrait>(db: &C, org_id: &str) -> Result<Vec<User>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::OrgId.eq(org_id))
        .order_by_asc(user::Column::Username)
        .all(db)
        .await?)
}

pub async fn count<C: ConnectionTrait>(db: &C) -> Result<u64, StoreError> {
    Ok(user::Entity::find().count(db).await?)
}

/// What an administrator changes about an account; `None` leaves a field as it is.
#[derive(Default)]
pub struct UserChange<'a> {
    pub role: Option<&'a str>,
    pub org_id: Option<&'a str>,
    pub active: Option<bool>,
    pub password_hash: Option<&'a str>,
}

/// Applies `change` to the account `id` of organisation `org_id` (an admin changes their own
/// organisation's accounts only); a missing account of that organisation is `NotFound`.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    id: &str,
    change: UserChange<'_>,
) -> Result<User, StoreError> {
    let u = get(db, id).await?;
    if u.org_id != org_id {
        return Err(StoreError::NotFound(format!("no user with id {id}")));
    }
    if let Some(org) = change.org_id
        && crate::by_key(db, organisation::Entity::find_by_id(org.to_string())).await?.is_none()
    {
        return Err(StoreError::NotFound(format!("no organisation with id {org}")));
    }
    let mut am: user::ActiveModel = u.into();
    if let Some(role) = change.role {
        am.role = Set(role.to_string());
    }
    if let Some(org) = change.org_id {
        am.org_id = Set(org.to_string());
    }
    if let Some(active) = change.active {
        am.active = Set(active);
    }
    if let Some(hash) = change.password_hash {
        am.password_hash = Set(hash.to_string());
    }
    Ok(am.update(db).await?)
}

/// The account's id, active flag and role, for the per-request token check; `None` if unknown.
pub async fn status<C: ConnectionTrait>(db: &C, id: &str) -> Result<Option<(bool, String)>, StoreError> {
    Ok(crate::by_key(db, user::Entity::find_by_id(id.to_string())).await?.map(|u| (u.active, u.role)))
}

/// Stores a refresh token of `family` (a new login starts a family named by its first token's hash).
pub async fn store_refresh_token<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
    user_id: &str,
    family: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    refresh_token::ActiveModel {
        token_hash: Set(token_hash.to_string()),
        user_id: Set(user_id.to_string()),
        family: Set(family.to_string()),
        expires_at: Set(expires_at),
        revoked: Set(false),
        created_at: Set(crate::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// What presenting a refresh token came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was live and is now used up; issue its successor in the same family.
    Rotated { user_id: String, family: String },
    /// The token had already been used or revoked: someone holds a copy. Its whole family is
    /// now revoked, the legitimate holder included (they log in again).
    Reused { user_id: String },
    /// Unknown or expired.
    Refused,
}

/// Consumes a refresh token (rotation: each is good once). The consuming update is a single
/// `UPDATE … WHERE revoked = false`, so of two concurrent uses exactly one wins; the loser and
/// any later use count as reuse and revoke the family.
pub async fn rotate_refresh_token<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
) -> Result<Rotation, StoreError> {
    let now = crate::now();
    let taken = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::Revoked, Expr::value(true))
        .filter(refresh_token::Column::TokenHash.eq(token_hash))
        .filter(refresh_token::Column::Revoked.eq(false))
        .filter(refresh_token::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    let Some(t) = crate::by_key(db, refresh_token::Entity::find_by_id(token_hash.to_string())).await? else {
        return Ok(Rotation::Refused);
    };
    if taken.rows_affected == 1 {
        return Ok(Rotation::Rotated { user_id: t.user_id, family: t.family });
    }
    if t.expires_at <= now {
        return Ok(Rotation::Refused);
    }
    revoke_family(db, &t.family).await?;
    Ok(Rotation::Reused { user_id: t.user_id })
}

/// Revokes every token of a login (logout, reuse).
pub async fn revoke_family<C: ConnectionTrait>(db: &C, family: &str) -> Result<u64, StoreError> {
    Ok(refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::Revoked, Expr::value(true))
        .filter(refresh_token::Column::Family.eq(family))
        .filter(refresh_token::Column::Revoked.eq(false))
        .exec(db)
        .await?
        .rows_affected)
}

/// The family of a stored token, if the token is known.
pub async fn refresh_family<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
) -> Result<Option<String>, StoreError> {
    Ok(crate::by_key(db, refresh_token::Entity::find_by_id(token_hash.to_string())).await?.map(|t| t.family))
}

/// Revokes every refresh token of an account (deactivation, password reset).
pub async fn revoke_user_tokens<C: ConnectionTrait>(db: &C, user_id: &str) -> Result<u64, StoreError> {
    Ok(refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::Revoked, Expr::value(true))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::Revoked.eq(false))
        .exec(db)
        .await?
        .rows_affected)
}
