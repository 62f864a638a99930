//! Settings an organisation's exam board sets for its bank. An organisation without a row has the
//! defaults (an open bank), so existing databases need no data migration.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde::Serialize;

use crate::StoreError;
use crate::entity::org_setting;

/// What the bank's rules read; the defaults are an open bank.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrgSettings {
    /// Writers see only their own items (not others' approved ones, even without keys).
    pub closed_bank: bool,
}

pub async fn get<C: ConnectionTrait>(db: &C, org_id: &str) -> Result<OrgSettings, StoreError> {
    Ok(crate::by_key(db, org_setting::Entity::find_by_id(org_id.to_string()))
        .await?
        .map(|row| OrgSettings { closed_bank: row.closed_bank })
        .unwrap_or_default())
}

/// Stores the settings, recording who changed them last (the audit log records the change itself).
pub async fn set<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    settings: &OrgSettings,
    by: &str,
) -> Result<OrgSettings, StoreError> {
    let row = org_setting::ActiveModel {
        org_id: Set(org_id.to_string()),
        closed_bank: Set(settings.closed_bank),
        updated_by: Set(by.to_string()),
        updated_at: Set(crate::now()),
    };
    // One statement: two first changes at once both found no row and the second insert broke
    // the primary key (a 500 on PostgreSQL, whose transactions do not serialise these).
    org_setting::Entity::insert(row)
        .on_conflict(
            OnConflict::column(org_setting::Column::OrgId)
                .update_columns([
                    org_setting::Column::ClosedBank,
                    org_setting::Column::UpdatedBy,
                    org_setting::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(settings.clone())
}
