//! Exam packages built by the bank. The file is kept for download; release keys are not.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::StoreError;
use crate::audit::Actor;
use crate::entity::package;

pub use package::Model as StoredPackage;

pub struct NewPackage<'a> {
    pub id: &'a str,
    pub event_id: &'a str,
    pub title: &'a str,
    pub forms: &'a [String],
    pub manifest: &'a str,
    pub file: &'a str,
    pub signer: &'a str,
}

pub async fn insert<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    p: NewPackage<'_>,
) -> Result<StoredPackage, StoreError> {
    Ok(package::ActiveModel {
        id: Set(p.id.to_string()),
        org_id: Set(actor.org_id.clone()),
        event_id: Set(p.event_id.to_string()),
        title: Set(p.title.to_string()),
        forms: Set(serde_json::to_string(p.forms).expect("strings serialize")),
        manifest: Set(p.manifest.to_string()),
        file: Set(p.file.to_string()),
        signer: Set(p.signer.to_string()),
        created_by: Set(actor.username.clone()),
        created_at: Set(crate::now()),
    }
    .insert(db)
    .await?)
}

pub async fn get<C: ConnectionTrait>(db: &C, org_id: &str, id: &str) -> Result<StoredPackage, StoreError> {
    crate::by_key(db, package::Entity::find_by_id(id.to_string()).filter(package::Column::OrgId.eq(org_id)))
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no package with id {id}")))
}

/// Newest first; `event` narrows to one exam event.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    event: Option<&str>,
) -> Result<Vec<StoredPackage>, StoreError> {
    let mut q = package::Entity::find().filter(package::Column::OrgId.eq(org_id));
    if let Some(e) = event {
        q = q.filter(package::Column::EventId.eq(e));
    }
    Ok(q.order_by_desc(package::Column::CreatedAt).all(db).await?)
}
