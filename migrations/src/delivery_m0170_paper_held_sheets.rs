//! Paper sheets held for a person (issue 22 §2, §4): a sheet whose candidate cannot be told from
//! the scan alone — số báo danh or mã đề flagged, the QR code unreadable or disagreeing, a number
//! that is no candidate of the event, a mã đề that is not the candidate's — is kept whole with the
//! reader's output (crops included) until a person assigns it to a candidate or rejects it. Once
//! assigned, it is read in like any sheet (dl_paper_sheets, its answers, its flags).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("dl_paper_held")
                .col(string("id").primary_key())
                .col(string("event_id"))
                .col(string("image"))
                .col(string("image_sha256"))
                .col(string("reason"))
                .col(text("message"))
                .col(string_null("proposed_number"))
                .col(string_null("proposed_version"))
                .col(text("reading"))
                .col(string("held_by"))
                .col(timestamp_with_time_zone("held_at"))
                .col(string_null("decision"))
                .col(string_null("number"))
                .col(string_null("sheet"))
                .col(text_null("note"))
                .col(string_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("dl_paper_held_image")
                .table("dl_paper_held")
                .col("event_id")
                .col("image_sha256")
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("dl_paper_held").to_owned()).await
    }
}
