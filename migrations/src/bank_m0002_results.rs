//! Results carried back from delivery sites (issue 6): the site keys the bank trusts and the
//! signed result files it imported. A file is kept verbatim (it stays verifiable later); its
//! calibration part becomes a response set (`response_sets`) that a calibration run reads.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("trusted_sites")
                .col(string("id").primary_key())
                .col(string("org_id"))
                .col(string("name"))
                // `ed25519:<64 hex>`, as the site's `khaothi delivery site-key` prints it.
                .col(string_uniq("public_key"))
                .col(string("fingerprint"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("result_imports")
                .col(string("id").primary_key())
                .col(string("org_id"))
                .col(string("site_id"))
                .col(string("event_id"))
                // SHA-256 of the signed bytes: the same file is recognised however its JSON is laid out.
                .col(string_uniq("digest"))
                .col(text("file"))
                // The file's own `created_at` (the site's clock), as written.
                .col(string("created_at"))
                .col(big_integer("responses_length"))
                .col(string("responses_head"))
                .col(big_integer("audit_length"))
                .col(string("audit_head"))
                .col(string_null("response_set_id"))
                .col(string("imported_by"))
                .col(timestamp_with_time_zone("imported_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("result_imports_event").table("result_imports").col("event_id").to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["result_imports", "trusted_sites"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
