//! Users, organisations and refresh tokens. Password hashing and tokens are the auth crate's job;
//! this module only stores what it is given.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::StoreError;
use crate::entity::{organisation, refresh_token, user};

pub use user::Model as User;

pub async fn ensure_org<C: ConnectionTrait>(db: &C, id: &str, name: &str) -> Result<(), StoreError> {
    if organisation::Entity::find_by_id(id.to_string()).one(db).await?.is_none() {
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
    Ok(user::Entity::find().filter(user::Column::Username.eq(username)).one(db).await?)
}

pub async fn get<C: ConnectionTrait>(db: &C, id: &str) -> Result<User, StoreError> {
    user::Entity::find_by_id(id.to_string())
        .one(db)
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

pub async fn update_password<C: ConnectionTrait>(db: &C, id: &str, hash: &str) -> Result<(), StoreError> {
    let u = get(db, id).await?;
    let mut am: user::ActiveModel = u.into();
    am.password_hash = Set(hash.to_string());
    am.update(db).await?;
    Ok(())
}

pub async fn set_active<C: ConnectionTrait>(db: &C, id: &str, active: bool) -> Result<User, StoreError> {
    let u = get(db, id).await?;
    let mut am: user::ActiveModel = u.into();
    am.active = Set(active);
    Ok(am.update(db).await?)
}

pub async fn store_refresh_token<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
    user_id: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    refresh_token::ActiveModel {
        token_hash: Set(token_hash.to_string()),
        user_id: Set(user_id.to_string()),
        expires_at: Set(expires_at),
        revoked: Set(false),
        created_at: Set(crate::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Consumes a refresh token (rotation: each is good once). Returns the user it belonged to.
pub async fn take_refresh_token<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
) -> Result<Option<String>, StoreError> {
    let Some(t) = refresh_token::Entity::find_by_id(token_hash.to_string()).one(db).await? else {
        return Ok(None);
    };
    if t.revoked || t.expires_at < crate::now() {
        return Ok(None);
    }
    let user_id = t.user_id.clone();
    let mut am: refresh_token::ActiveModel = t.into();
    am.revoked = Set(true);
    am.update(db).await?;
    Ok(Some(user_id))
}
