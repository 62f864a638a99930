//! Media (images) referenced by items; stored in the database so one backup holds the whole bank.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::StoreError;
use crate::entity::media;

pub use media::Model as Media;

pub struct NewMedia<'a> {
    pub org_id: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub data: Vec<u8>,
    pub created_by: &'a str,
}

pub async fn insert<C: ConnectionTrait>(db: &C, new: NewMedia<'_>) -> Result<Media, StoreError> {
    let size = new.data.len() as i64;
    Ok(media::ActiveModel {
        id: Set(uuid::Uuid::now_v7().simple().to_string()),
        org_id: Set(new.org_id.to_string()),
        filename: Set(new.filename.to_string()),
        content_type: Set(new.content_type.to_string()),
        size: Set(size),
        sha256: Set(new.sha256.to_string()),
        data: Set(new.data),
        created_by: Set(new.created_by.to_string()),
        created_at: Set(crate::now()),
    }
    .insert(db)
    .await?)
}

pub async fn get<C: ConnectionTrait>(db: &C, org_id: &str, id: &str) -> Result<Media, StoreError> {
    crate::by_key(db, media::Entity::find_by_id(id.to_string()).filter(media::Column::OrgId.eq(org_id)))
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no media with id {id}")))
}

/// A picture of the organisation with exactly these bytes (by SHA-256), if one is stored: an
/// import reuses it instead of storing the same bytes again.
pub async fn find_by_sha256<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    sha256: &str,
) -> Result<Option<Media>, StoreError> {
    Ok(media::Entity::find()
        .filter(media::Column::OrgId.eq(org_id))
        .filter(media::Column::Sha256.eq(sha256))
        .one(db)
        .await?)
}
