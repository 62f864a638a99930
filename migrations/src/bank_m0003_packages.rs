//! Exam packages the bank built from frozen forms: kept so the board can download the file again;
//! the release keys are never stored (they go to the board once, at build time).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("packages")
                .col(string("id").primary_key())
                .col(string("org_id"))
                .col(string("event_id"))
                .col(string("title"))
                .col(text("forms"))
                .col(text("manifest"))
                .col(text("file"))
                .col(string("signer"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("packages_org_event")
                .table("packages")
                .col("org_id")
                .col("event_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("packages").to_owned()).await
    }
}
