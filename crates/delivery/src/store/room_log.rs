//! The room log (`dl_incidents`): every proctor action and incident note of a room, for the live
//! page and the biên bản. Appended on the writer's connection, never on the read pool.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::entity::incident;

/// One entry to append.
pub struct NewEntry {
    pub event_id: String,
    pub room_id: String,
    /// The candidate's id and number, when the entry is about one.
    pub candidate: Option<(String, String)>,
    /// The staff member's username.
    pub actor: String,
    pub action: String,
    pub detail: String,
    /// JSON text.
    pub data: String,
    pub at: DateTime<Utc>,
}

/// Appends an entry; `db` is the writer's pool (`Db::write`). Returns the stored row (its id).
pub async fn append(db: &impl ConnectionTrait, e: NewEntry) -> Result<incident::Model, DbErr> {
    let (candidate_id, number) = e.candidate.unzip();
    incident::ActiveModel {
        event_id: Set(e.event_id),
        room_id: Set(e.room_id),
        candidate_id: Set(candidate_id),
        number: Set(number),
        actor: Set(e.actor),
        action: Set(e.action),
        detail: Set(e.detail),
        data: Set(e.data),
        at: Set(e.at),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// A room's log in the order it was written.
pub async fn of_room(db: &impl ConnectionTrait, room_id: &str) -> Result<Vec<incident::Model>, DbErr> {
    incident::Entity::find()
        .filter(incident::Column::RoomId.eq(room_id))
        .order_by_asc(incident::Column::Id)
        .all(db)
        .await
}
