//! Exam events as stored: their status, the package and the release keys that open it.
//!
//! Reads take the read pool; writes take the writer's connection (`Db::write`), so staff actions
//! never write beside the group-commit writer on a second connection.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use super::entity::{candidate, event};

/// Where an event stands: `created` → `packaged` → `open` (content unlocked) → `scored` (keys
/// released). Stored and sent as the snake_case word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    Created,
    Packaged,
    Open,
    Scored,
}

impl EventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Packaged => "packaged",
            Self::Open => "open",
            Self::Scored => "scored",
        }
    }

    /// The stored word; `None` for a word this server does not know.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Created, Self::Packaged, Self::Open, Self::Scored].into_iter().find(|x| x.as_str() == s)
    }
}

/// A new event as the board creates it: no package yet.
pub struct NewEvent<'a> {
    pub id: &'a str,
    pub title: String,
    pub duration_seconds: i32,
    pub score_at_submit: bool,
}

pub async fn find(db: &impl ConnectionTrait, id: &str) -> Result<Option<event::Model>, DbErr> {
    super::by_id::<event::Entity>(db, id.to_string()).await
}

/// Every event, oldest first.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<event::Model>, DbErr> {
    event::Entity::find().order_by_asc(event::Column::CreatedAt).all(db).await
}

/// Events whose content was unlocked (they carry the content key), to decrypt again at start.
pub async fn unlocked(db: &impl ConnectionTrait) -> Result<Vec<event::Model>, DbErr> {
    event::Entity::find().filter(event::Column::ContentKey.is_not_null()).all(db).await
}

pub async fn create(write: &impl ConnectionTrait, new: NewEvent<'_>) -> Result<event::Model, DbErr> {
    event::ActiveModel {
        id: Set(new.id.into()),
        org_id: Set(khaothi_store::DEFAULT_ORG.into()),
        title: Set(new.title),
        subject: Set(String::new()),
        duration_seconds: Set(new.duration_seconds),
        status: Set(EventStatus::Created.as_str().into()),
        package_id: Set(None),
        package_file: Set(None),
        manifest: Set(None),
        content_key: Set(None),
        keys_key: Set(None),
        unlocked_at: Set(None),
        keys_released_at: Set(None),
        score_at_submit: Set(new.score_at_submit),
        created_at: Set(Utc::now()),
    }
    .insert(write)
    .await
}

/// The verified package of an event, before its start.
pub struct Packaged {
    pub subject: String,
    /// Replaces the duration unless the board set one when creating the event.
    pub duration_seconds: Option<i32>,
    pub package_id: String,
    pub manifest: String,
    pub file: String,
}

pub async fn set_package(
    write: &impl ConnectionTrait,
    e: event::Model,
    p: Packaged,
) -> Result<event::Model, DbErr> {
    let mut am = e.into_active_model();
    am.subject = Set(p.subject);
    if let Some(d) = p.duration_seconds {
        am.duration_seconds = Set(d);
    }
    am.package_id = Set(Some(p.package_id));
    am.manifest = Set(Some(p.manifest));
    am.package_file = Set(Some(p.file));
    am.status = Set(EventStatus::Packaged.as_str().into());
    am.update(write).await
}

/// The content release key was accepted: the event is open from now.
pub async fn set_unlocked(
    write: &impl ConnectionTrait,
    e: event::Model,
    content_key_hex: String,
) -> Result<event::Model, DbErr> {
    let mut am = e.into_active_model();
    am.content_key = Set(Some(content_key_hex));
    am.unlocked_at = Set(Some(Utc::now()));
    am.status = Set(EventStatus::Open.as_str().into());
    am.update(write).await
}

/// An adaptive event's keys section was opened at unlock (crate::adaptive): the key is stored so
/// a restart opens it again, but the event is not `scored` until the board's release at the end.
pub async fn set_keys_on_site(
    write: &impl ConnectionTrait,
    e: event::Model,
    keys_key_hex: String,
) -> Result<event::Model, DbErr> {
    let mut am = e.into_active_model();
    am.keys_key = Set(Some(keys_key_hex));
    am.update(write).await
}

/// The keys section's release key was accepted: the event is scored from now.
pub async fn set_keys_released(
    write: &impl ConnectionTrait,
    e: event::Model,
    keys_key_hex: String,
) -> Result<event::Model, DbErr> {
    let mut am = e.into_active_model();
    am.keys_key = Set(Some(keys_key_hex));
    am.keys_released_at = Set(Some(Utc::now()));
    am.status = Set(EventStatus::Scored.as_str().into());
    am.update(write).await
}

/// Candidates who started and have not submitted: they hold back the keys' release.
pub async fn sitting_count(db: &impl ConnectionTrait, event_id: &str) -> Result<u64, DbErr> {
    candidate::Entity::find()
        .filter(candidate::Column::EventId.eq(event_id))
        .filter(candidate::Column::SubmittedAt.is_null())
        .filter(candidate::Column::StartedAt.is_not_null())
        .count(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_keep_their_stored_words() {
        for s in [EventStatus::Created, EventStatus::Packaged, EventStatus::Open, EventStatus::Scored] {
            assert_eq!(EventStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.as_str()));
        }
        assert_eq!(EventStatus::parse("closed"), None);
    }
}
