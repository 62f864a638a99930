//! Staff accounts and the rooms bound to proctors. Reads on the read pool; inserts on the
//! writer's connection.

use chrono::Utc;
use khaothi_auth::Role;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};

use super::entity::{staff, staff_room};

/// A new account: the password already hashed.
pub struct NewStaff<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    /// Room ids a proctor watches.
    pub rooms: &'a [String],
}

pub async fn by_username(db: &impl ConnectionTrait, username: &str) -> Result<Option<staff::Model>, DbErr> {
    super::by_key(db, staff::Entity::find().filter(staff::Column::Username.eq(username))).await
}

pub async fn by_id(db: &impl ConnectionTrait, id: &str) -> Result<Option<staff::Model>, DbErr> {
    super::by_key(db, staff::Entity::find_by_id(id.to_string())).await
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    staff::Entity::find().count(db).await
}

/// The stored role; `None` for a word this server does not know.
pub fn role(s: &staff::Model) -> Option<Role> {
    Role::parse(&s.role)
}

/// Inserts the account and its room bindings in one transaction.
pub async fn create(write: &DatabaseConnection, new: NewStaff<'_>) -> Result<staff::Model, DbErr> {
    let txn = khaothi_store::begin_write(write).await?;
    let m = staff::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        org_id: Set(khaothi_store::DEFAULT_ORG.into()),
        username: Set(new.username.into()),
        display_name: Set(new.display_name.into()),
        password_hash: Set(new.password_hash.into()),
        role: Set(new.role.as_str().into()),
        active: Set(true),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    for r in new.rooms {
        staff_room::ActiveModel { staff_id: Set(m.id.clone()), room_id: Set(r.clone()) }.insert(&txn).await?;
    }
    txn.commit().await?;
    Ok(m)
}

/// Whether the room is bound to this staff account (a proctor's rooms).
pub async fn watches(db: &impl ConnectionTrait, staff_id: &str, room_id: &str) -> Result<bool, DbErr> {
    Ok(super::by_key(db, staff_room::Entity::find_by_id((staff_id.to_string(), room_id.to_string())))
        .await?
        .is_some())
}
