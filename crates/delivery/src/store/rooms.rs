//! Rooms of an event. Reads on the read pool, the insert on the writer's connection.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::entity::room;

/// The rooms of an event by name.
pub async fn of_event(db: &impl ConnectionTrait, event_id: &str) -> Result<Vec<room::Model>, DbErr> {
    room::Entity::find()
        .filter(room::Column::EventId.eq(event_id))
        .order_by_asc(room::Column::Name)
        .all(db)
        .await
}

/// A room of an event by its id or its name (staff type either).
pub async fn by_ref(
    db: &impl ConnectionTrait,
    event_id: &str,
    room_ref: &str,
) -> Result<Option<room::Model>, DbErr> {
    Ok(of_event(db, event_id).await?.into_iter().find(|r| r.id == room_ref || r.name == room_ref))
}

pub async fn by_name(
    db: &impl ConnectionTrait,
    event_id: &str,
    name: &str,
) -> Result<Option<room::Model>, DbErr> {
    super::by_key(
        db,
        room::Entity::find().filter(room::Column::EventId.eq(event_id)).filter(room::Column::Name.eq(name)),
    )
    .await
}

pub async fn exists(db: &impl ConnectionTrait, id: &str) -> Result<bool, DbErr> {
    Ok(super::by_key(db, room::Entity::find_by_id(id.to_string())).await?.is_some())
}

pub async fn create(
    write: &impl ConnectionTrait,
    event_id: &str,
    name: &str,
    seats: i32,
) -> Result<room::Model, DbErr> {
    room::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        event_id: Set(event_id.into()),
        name: Set(name.into()),
        seats: Set(seats),
        created_at: Set(Utc::now()),
    }
    .insert(write)
    .await
}
