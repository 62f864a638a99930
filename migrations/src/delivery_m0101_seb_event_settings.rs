//! Safe Exam Browser settings per event (issue 16, "Safe Exam Browser"): whether the event
//! requires SEB, the Config Keys and Browser Exam Keys it accepts (JSON arrays of hex), the Config
//! Key of an uploaded `.seb` file, and what the generated `.seb` file is made from (the kiosk URL
//! and the quit password's SHA-256). No row: the event does not require SEB.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("dl_event_seb")
                .col(string("event_id").primary_key())
                .col(boolean("required"))
                .col(string_null("start_url"))
                .col(string_null("quit_password_hash"))
                .col(text("config_keys"))
                .col(text("browser_exam_keys"))
                .col(string_null("uploaded_config_key"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("dl_event_seb").to_owned()).await
    }
}
