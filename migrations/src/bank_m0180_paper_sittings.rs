//! Issue 22 §3 for school tests: a test sat on paper with no delivery server, read into the bank.
//! - `paper_sittings`: one class's (or school's) sitting of a frozen form, named as its sheets
//!   were printed (the QR code's event); finalized into a response set and a result import;
//! - `paper_sheets`: every scan read in, with its hash (one scan once per sitting), the QR's
//!   sheet id, the number and version read, and the reader's answers;
//! - `paper_flags`: the marks the reader would not decide, with their crop and proposed reading,
//!   and the person's decision.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("paper_sittings")
                .col(string("id").primary_key())
                .col(string("org_id"))
                .col(string("form_id"))
                .col(string("name"))
                .col(integer("candidate_digits"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(string_null("finalized_by"))
                .col(timestamp_with_time_zone_null("finalized_at"))
                .col(string_null("response_set_id"))
                .col(string_null("result_import_id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("paper_sittings_org").table("paper_sittings").col("org_id").to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("paper_sheets")
                .col(string("id").primary_key())
                .col(string("sitting_id"))
                .col(string("image"))
                .col(string("image_sha256"))
                .col(string_null("sheet_qr"))
                .col(string_null("number"))
                .col(string_null("version"))
                .col(text("answers"))
                .col(text("reading"))
                .col(string("uploaded_by"))
                .col(timestamp_with_time_zone("uploaded_at"))
                .col(string_null("discarded_by"))
                .col(timestamp_with_time_zone_null("discarded_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("paper_sheets_scan")
                .table("paper_sheets")
                .col("sitting_id")
                .col("image_sha256")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("paper_flags")
                .col(string("id").primary_key())
                .col(string("sitting_id"))
                .col(string("sheet_id"))
                .col(string("key"))
                .col(string("reason"))
                .col(text("detail"))
                .col(text_null("proposed"))
                .col(text_null("crop"))
                .col(text_null("decision"))
                .col(text_null("note"))
                .col(string_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("paper_flags_sitting").table("paper_flags").col("sitting_id").to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["paper_flags", "paper_sheets", "paper_sittings"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
