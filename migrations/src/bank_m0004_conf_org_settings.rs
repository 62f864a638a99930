//! Per-organisation settings the exam board controls. The first is the closed bank (issue 16,
//! finding 12): when set, writers see only their own items, not others' approved ones.
//! A table of its own rather than columns on `organisations`, so later settings are rows' fields
//! here and the organisation table stays what DESIGN §8 describes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("org_settings")
                .col(string("org_id").primary_key())
                .col(boolean("closed_bank").default(false))
                .col(string("updated_by"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("org_settings").to_owned()).await
    }
}
