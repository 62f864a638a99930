//! What waits for a reviewer: the current versions of items and stimuli in review, with when they
//! were submitted, so the queue can be served oldest first across both kinds.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::StoreError;
use crate::entity::{item_version, review_event};

/// One item version waiting for review.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub id: String,
    pub version: i32,
    pub subject: String,
    pub writer: String,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
}

/// The organisation's items in review (current versions), with the time of their submission (the
/// version's creation when no submit event was recorded, e.g. an imported `in_review` item).
pub async fn items_in_review<C: ConnectionTrait>(db: &C, org_id: &str) -> Result<Vec<Waiting>, StoreError> {
    let rows = item_version::Entity::find()
        .filter(item_version::Column::OrgId.eq(org_id))
        .filter(item_version::Column::IsCurrent.eq(true))
        .filter(item_version::Column::Status.eq("in_review"))
        .all(db)
        .await?;
    let ids: Vec<String> = rows.iter().map(|r| r.item_id.clone()).collect();
    let submits = review_event::Entity::find()
        .filter(review_event::Column::ItemId.is_in(ids))
        .filter(review_event::Column::Action.eq("submit"))
        .order_by_asc(review_event::Column::At)
        .all(db)
        .await?;
    let mut latest: HashMap<(String, i32), chrono::DateTime<chrono::Utc>> = HashMap::new();
    for e in submits {
        latest.insert((e.item_id, e.version), e.at);
    }
    Ok(rows
        .into_iter()
        .map(|r| Waiting {
            submitted_at: latest.get(&(r.item_id.clone(), r.version)).copied().unwrap_or(r.created_at),
            id: r.item_id,
            version: r.version,
            subject: r.subject,
            writer: r.created_by,
        })
        .collect())
}
