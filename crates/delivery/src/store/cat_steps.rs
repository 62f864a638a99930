//! The steps of candidates' adaptive tests (`dl_cat_steps`, crate::adaptive): read back at login
//! to continue a test exactly where it stood, and by the results.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::entity::{candidate, cat_step};

/// A step as the writer stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStep {
    pub candidate_id: String,
    pub step: i32,
    /// `None`: the stopping rule was met; the test ends here.
    pub item_id: Option<String>,
    pub theta: f64,
    pub se: f64,
    pub picked_at: DateTime<Utc>,
}

/// One candidate's steps in order.
pub async fn of_candidate(
    db: &impl ConnectionTrait,
    candidate_id: &str,
) -> Result<Vec<cat_step::Model>, DbErr> {
    cat_step::Entity::find()
        .filter(cat_step::Column::CandidateId.eq(candidate_id))
        .order_by_asc(cat_step::Column::Step)
        .all(db)
        .await
}

/// Every candidate's steps of an event, in order, by candidate id.
pub async fn of_event(
    db: &impl ConnectionTrait,
    event_id: &str,
) -> Result<BTreeMap<String, Vec<cat_step::Model>>, DbErr> {
    let ids: Vec<String> = candidate::Entity::find()
        .filter(candidate::Column::EventId.eq(event_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let mut out: BTreeMap<String, Vec<cat_step::Model>> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let rows = cat_step::Entity::find()
            .filter(cat_step::Column::CandidateId.is_in(chunk.to_vec()))
            .order_by_asc(cat_step::Column::CandidateId)
            .order_by_asc(cat_step::Column::Step)
            .all(db)
            .await?;
        for r in rows {
            out.entry(r.candidate_id.clone()).or_default().push(r);
        }
    }
    Ok(out)
}
