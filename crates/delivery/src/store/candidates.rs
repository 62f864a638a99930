//! Candidates of an event and their integrity events, as the board and proctors read them, and
//! the board's import. Reads on the read pool; the import on the writer's connection. (Session
//! changes go through the writer's `WriteOp::Session`.)

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::entity::{candidate, integrity_event};

/// The candidates of an event by candidate number.
pub async fn of_event(db: &impl ConnectionTrait, event_id: &str) -> Result<Vec<candidate::Model>, DbErr> {
    candidate::Entity::find()
        .filter(candidate::Column::EventId.eq(event_id))
        .order_by_asc(candidate::Column::Number)
        .all(db)
        .await
}

/// The candidates of a room by seat.
pub async fn of_room(db: &impl ConnectionTrait, room_id: &str) -> Result<Vec<candidate::Model>, DbErr> {
    candidate::Entity::find()
        .filter(candidate::Column::RoomId.eq(room_id))
        .order_by_asc(candidate::Column::Seat)
        .all(db)
        .await
}

/// A candidate's integrity events (focus lost, paste, …) in the order they arrived.
pub async fn integrity_events(
    db: &impl ConnectionTrait,
    candidate_id: &str,
) -> Result<Vec<integrity_event::Model>, DbErr> {
    integrity_event::Entity::find()
        .filter(integrity_event::Column::CandidateId.eq(candidate_id))
        .order_by_asc(integrity_event::Column::Id)
        .all(db)
        .await
}

/// A seated candidate to insert: identity, room, seat and version; no session yet.
pub struct Seated {
    pub number: String,
    pub full_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    pub room_id: String,
    pub seat: i32,
    pub version_code: String,
    /// The grouping variables as stored (crate::grouping), if the file gave any.
    pub groups: Option<String>,
}

/// Inserts every candidate in one transaction: an import is all or nothing.
pub async fn insert_all(write: &DatabaseConnection, event_id: &str, seated: &[Seated]) -> Result<(), DbErr> {
    let now = Utc::now();
    let txn = khaothi_store::begin_write(write).await?;
    for c in seated {
        candidate::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            event_id: Set(event_id.into()),
            number: Set(c.number.clone()),
            full_name: Set(c.full_name.clone()),
            date_of_birth: Set(c.date_of_birth.clone()),
            room_id: Set(c.room_id.clone()),
            seat: Set(c.seat),
            version_code: Set(c.version_code.clone()),
            code_generation: Set(0),
            extra_seconds: Set(0),
            credited_seconds: Set(0),
            epoch: Set(0),
            resume_hash: Set(None),
            started_at: Set(None),
            deadline_at: Set(None),
            admit_until: Set(None),
            last_seen_at: Set(None),
            submitted_at: Set(None),
            submit_reason: Set(None),
            score: Set(None),
            created_at: Set(now),
            paused_at: Set(None),
            pause_reason: Set(None),
            paused_ms: Set(0),
            absent: Set(false),
            terminate_reason: Set(None),
            groups: Set(c.groups.clone()),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await
}
