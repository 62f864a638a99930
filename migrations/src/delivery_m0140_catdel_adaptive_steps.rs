//! Adaptive events (issue 20 §3): the item each step of a candidate's adaptive test gave, with
//! the ability estimate the pick was made at. A step row is written in the same group-commit
//! transaction as the answer that led to it, so after a crash the log holds both or neither; the
//! answers themselves stay ordinary response rows (the hash chain covers them). A row with no
//! `item_id` is the end of the test (the stopping rule was met), with the final estimate.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("dl_cat_steps")
                .col(string("candidate_id"))
                .col(integer("step"))
                .col(string_null("item_id"))
                .col(double("theta"))
                .col(double("se"))
                .col(timestamp_with_time_zone("picked_at"))
                .primary_key(Index::create().col("candidate_id").col("step"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("dl_cat_steps").to_owned()).await
    }
}
