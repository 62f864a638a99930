//! Refresh tokens for a delivery server's staff (issue 16, finding 4): the same table as the
//! bank's (`khaothi_store::users` rotates both), `user_id` being the staff account's id.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("refresh_tokens")
                .col(string("token_hash").primary_key())
                .col(string("user_id"))
                .col(string("family"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(boolean("revoked"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        crate::bank_m0100_sec_refresh_families::indexes(m, "refresh_tokens").await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("refresh_tokens").to_owned()).await
    }
}
