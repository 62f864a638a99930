//! The audit log: logins, item reads and edits, review decisions, proctor actions.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use crate::StoreError;
use crate::entity::audit_log;

/// Who did something; carried from the authenticated request down to the audit row.
#[derive(Debug, Clone)]
pub struct Actor {
    pub org_id: String,
    pub username: String,
    pub role: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub actor_role: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub detail: serde_json::Value,
}

pub async fn record<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    action: &str,
    target_type: &str,
    target_id: &str,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    // Nothing is read back: every read of item content writes one of these (DESIGN §8).
    let row = audit_log::ActiveModel {
        at: Set(crate::now()),
        org_id: Set(actor.org_id.clone()),
        actor: Set(actor.username.clone()),
        actor_role: Set(actor.role.clone()),
        action: Set(action.to_string()),
        target_type: Set(target_type.to_string()),
        target_id: Set(target_id.to_string()),
        detail: Set(detail.to_string()),
        ..Default::default()
    };
    audit_log::Entity::insert(row).exec_without_returning(db).await?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target_id: Option<String>,
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    filter: &AuditFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<AuditEntry>, u64), StoreError> {
    let mut q = audit_log::Entity::find().filter(audit_log::Column::OrgId.eq(org_id));
    if let Some(a) = &filter.actor {
        q = q.filter(audit_log::Column::Actor.eq(a.as_str()));
    }
    if let Some(a) = &filter.action {
        q = q.filter(audit_log::Column::Action.eq(a.as_str()));
    }
    if let Some(t) = &filter.target_id {
        q = q.filter(audit_log::Column::TargetId.eq(t.as_str()));
    }
    let total = q.clone().count(db).await?;
    let rows = q.order_by_asc(audit_log::Column::Id).offset(offset).limit(limit).all(db).await?;
    let entries = rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            at: r.at,
            actor: r.actor,
            actor_role: r.actor_role,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::String(r.detail)),
        })
        .collect();
    Ok((entries, total))
}
