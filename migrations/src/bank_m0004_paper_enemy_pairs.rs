//! Near-duplicate pairs a reviewer or the board has decided on: `confirmed` pairs are enemies
//! (never on one form), `dismissed` pairs are no longer suggested. Pairs are stored with the
//! smaller item id first, once per organisation.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("enemy_pairs")
                .col(string("org_id"))
                .col(string("item_a"))
                .col(string("item_b"))
                .col(string("state"))
                .col(double("similarity"))
                .col(string("decided_by"))
                .col(timestamp_with_time_zone("decided_at"))
                .primary_key(Index::create().col("org_id").col("item_a").col("item_b"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("enemy_pairs").to_owned()).await
    }
}
