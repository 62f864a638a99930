//! Stimulus groups: a shared passage or setting whose items are delivered together.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::StoreError;
use crate::entity::stimulus;

pub use stimulus::Model as Stimulus;

pub async fn upsert<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    id: &str,
    subject: &str,
    title: &str,
    text: &str,
    actor: &str,
) -> Result<(Stimulus, bool), StoreError> {
    let now = crate::now();
    match stimulus::Entity::find_by_id(id.to_string()).one(db).await? {
        Some(s) if s.org_id != org_id => {
            Err(StoreError::Conflict(format!("stimulus id \"{id}\" belongs to another organisation")))
        }
        Some(s) => {
            let mut am: stimulus::ActiveModel = s.into();
            am.subject = Set(subject.to_string());
            am.title = Set(title.to_string());
            am.text = Set(text.to_string());
            am.updated_at = Set(now);
            Ok((am.update(db).await?, false))
        }
        None => Ok((
            stimulus::ActiveModel {
                id: Set(id.to_string()),
                org_id: Set(org_id.to_string()),
                subject: Set(subject.to_string()),
                title: Set(title.to_string()),
                text: Set(text.to_string()),
                created_by: Set(actor.to_string()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?,
            true,
        )),
    }
}

pub async fn get<C: ConnectionTrait>(db: &C, org_id: &str, id: &str) -> Result<Stimulus, StoreError> {
    stimulus::Entity::find_by_id(id.to_string())
        .filter(stimulus::Column::OrgId.eq(org_id))
        .one(db)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no stimulus with id {id}")))
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    subject: Option<&str>,
) -> Result<Vec<Stimulus>, StoreError> {
    let mut q = stimulus::Entity::find().filter(stimulus::Column::OrgId.eq(org_id));
    if let Some(s) = subject {
        q = q.filter(stimulus::Column::Subject.eq(s));
    }
    Ok(q.order_by_asc(stimulus::Column::Id).all(db).await?)
}
