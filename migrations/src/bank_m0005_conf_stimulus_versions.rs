//! Stimuli (shared passages) are versioned and reviewed like items (issue 16, finding 6): every
//! edit is a new version in draft; a version reaches candidates only once another person approved
//! it; frozen forms pin the stimulus version their package embeds (`form_stimuli`).
//!
//! Existing stimuli become version 1, approved: before this migration a stimulus had no review, and
//! the bank's approved items already point at them; a board that doubts one edits it (a new draft).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("stimulus_versions")
                .col(string("stimulus_id"))
                .col(integer("version"))
                .col(string("org_id"))
                .col(string("subject"))
                .col(string("title"))
                .col(text("text"))
                .col(string("status"))
                .col(boolean("is_current"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .col(string_null("reviewed_by"))
                .col(timestamp_with_time_zone_null("reviewed_at"))
                .col(text_null("review_comment"))
                .primary_key(Index::create().col("stimulus_id").col("version"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("stimulus_versions_org_status")
                .table("stimulus_versions")
                .col("org_id")
                .col("status")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("form_stimuli")
                .col(string("form_id"))
                .col(string("stimulus_id"))
                .col(integer("version"))
                .primary_key(Index::create().col("form_id").col("stimulus_id"))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO stimulus_versions (stimulus_id, version, org_id, subject, title, text, status, \
                 is_current, created_by, created_at, reviewed_by, reviewed_at) \
                 SELECT id, 1, org_id, subject, title, text, 'approved', true, created_by, created_at, \
                 created_by, updated_at FROM stimuli",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("form_stimuli").to_owned()).await?;
        m.drop_table(Table::drop().table("stimulus_versions").to_owned()).await
    }
}
