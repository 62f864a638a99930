//! Decisions on suggested enemies (near-duplicate items): a confirmed pair is kept off every form
//! the bank assembles; a dismissed pair is not suggested again. One row per pair and organisation,
//! the smaller id first; a new decision replaces the old one.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::StoreError;
use crate::audit::Actor;
use crate::entity::enemy_pair;

pub use enemy_pair::Model as EnemyDecision;

pub const CONFIRMED: &str = "confirmed";
pub const DISMISSED: &str = "dismissed";

/// The pair in stored order.
pub fn ordered<'a>(a: &'a str, b: &'a str) -> (&'a str, &'a str) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Records `state` for the pair `a`, `b`, replacing an earlier decision.
pub async fn decide<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    a: &str,
    b: &str,
    state: &str,
    similarity: f64,
) -> Result<EnemyDecision, StoreError> {
    let (a, b) = ordered(a, b);
    let row = enemy_pair::ActiveModel {
        org_id: Set(actor.org_id.clone()),
        item_a: Set(a.to_string()),
        item_b: Set(b.to_string()),
        state: Set(state.to_string()),
        similarity: Set(similarity),
        decided_by: Set(actor.username.clone()),
        decided_at: Set(crate::now()),
    };
    enemy_pair::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                enemy_pair::Column::OrgId,
                enemy_pair::Column::ItemA,
                enemy_pair::Column::ItemB,
            ])
            .update_columns([
                enemy_pair::Column::State,
                enemy_pair::Column::Similarity,
                enemy_pair::Column::DecidedBy,
                enemy_pair::Column::DecidedAt,
            ])
            .to_owned(),
        )
        .exec(db)
        .await?;
    crate::by_key(db, enemy_pair::Entity::find_by_id((actor.org_id.clone(), a.to_string(), b.to_string())))
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("enemy pair {a}, {b}")))
}

/// Every decision of the organisation, `state` given: only those.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    org: &str,
    state: Option<&str>,
) -> Result<Vec<EnemyDecision>, StoreError> {
    let mut q = enemy_pair::Entity::find().filter(enemy_pair::Column::OrgId.eq(org));
    if let Some(s) = state {
        q = q.filter(enemy_pair::Column::State.eq(s));
    }
    Ok(q.order_by_asc(enemy_pair::Column::ItemA).order_by_asc(enemy_pair::Column::ItemB).all(db).await?)
}
