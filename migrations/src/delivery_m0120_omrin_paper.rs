//! Paper rooms (issue 22 §3–4): the answer sheets read from scans, the marks a person must decide
//! (the review queue), and the provenance of each answer a sheet or a decision wrote into the
//! response log. The answers themselves are ordinary response rows (the hash chain covers them);
//! these tables say where they came from.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("dl_paper_sheets")
                .col(string("id").primary_key())
                .col(string("event_id"))
                .col(string("candidate_id"))
                .col(string("number"))
                .col(string("version"))
                .col(string_null("sheet_id"))
                .col(string("image"))
                .col(string("image_sha256"))
                .col(text("reading"))
                .col(string("ingested_by"))
                .col(timestamp_with_time_zone("ingested_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("dl_paper_sheets_image")
                .table("dl_paper_sheets")
                .col("event_id")
                .col("image_sha256")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("dl_paper_flags")
                .col(big_pk_auto("id"))
                .col(string("sheet"))
                .col(string("event_id"))
                .col(string("candidate_id"))
                .col(string("key"))
                .col(string("item_id"))
                .col(text("reason"))
                .col(text_null("crop"))
                .col(text_null("proposed"))
                .col(string_null("decision"))
                .col(text_null("value"))
                .col(string_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("dl_paper_flags_event").table("dl_paper_flags").col("event_id").to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("dl_paper_answers")
                .col(string("candidate_id"))
                .col(big_integer("epoch"))
                .col(big_integer("seq"))
                .col(string("sheet"))
                .col(string("key"))
                .col(big_integer_null("flag_id"))
                .primary_key(Index::create().col("candidate_id").col("epoch").col("seq"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["dl_paper_answers", "dl_paper_flags", "dl_paper_sheets"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
