//! An event's Safe Exam Browser settings as stored (`dl_event_seb`, one row per event that has
//! any). The checks on them are [`crate::seb`]'s; this module only reads and writes the row.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, Set};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_event_seb")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: String,
        pub required: bool,
        pub start_url: Option<String>,
        pub quit_password_hash: Option<String>,
        /// A JSON array of lower-case hex keys.
        #[sea_orm(column_type = "Text")]
        pub config_keys: String,
        /// A JSON array of lower-case hex keys.
        #[sea_orm(column_type = "Text")]
        pub browser_exam_keys: String,
        pub uploaded_config_key: Option<String>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An event's SEB settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SebSettings {
    /// Candidates of the event must sit in SEB with one of the accepted keys.
    pub required: bool,
    /// The kiosk URL the generated `.seb` file starts on.
    pub start_url: Option<String>,
    /// SHA-256 hex of the quit password written into the generated file.
    pub quit_password_hash: Option<String>,
    /// Config Keys the board gave.
    pub config_keys: Vec<String>,
    /// Browser Exam Keys the board gave.
    pub browser_exam_keys: Vec<String>,
    /// The Config Key of the `.seb` file the board uploaded last.
    pub uploaded_config_key: Option<String>,
}

pub(super) fn keys(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

fn json(keys: &[String]) -> String {
    serde_json::to_string(keys).expect("strings serialize")
}

/// The event's settings; `None` when the board never set any.
pub async fn get(db: &impl ConnectionTrait, event_id: &str) -> Result<Option<SebSettings>, DbErr> {
    Ok(super::by_id::<entity::Entity>(db, event_id.to_string()).await?.map(settings))
}

fn settings(m: entity::Model) -> SebSettings {
    SebSettings {
        required: m.required,
        start_url: m.start_url,
        quit_password_hash: m.quit_password_hash,
        config_keys: keys(&m.config_keys),
        browser_exam_keys: keys(&m.browser_exam_keys),
        uploaded_config_key: m.uploaded_config_key,
    }
}

/// Stores the event's settings, replacing what was there.
pub async fn put(write: &impl ConnectionTrait, event_id: &str, s: &SebSettings) -> Result<(), DbErr> {
    let existing = super::by_key(write, entity::Entity::find_by_id(event_id.to_string())).await?;
    let new = existing.is_none();
    let mut am = match existing {
        Some(m) => m.into_active_model(),
        None => entity::ActiveModel { event_id: Set(event_id.to_string()), ..Default::default() },
    };
    am.required = Set(s.required);
    am.start_url = Set(s.start_url.clone());
    am.quit_password_hash = Set(s.quit_password_hash.clone());
    am.config_keys = Set(json(&s.config_keys));
    am.browser_exam_keys = Set(json(&s.browser_exam_keys));
    am.uploaded_config_key = Set(s.uploaded_config_key.clone());
    am.updated_at = Set(Utc::now());
    if new {
        am.insert(write).await?;
    } else {
        am.update(write).await?;
    }
    Ok(())
}
