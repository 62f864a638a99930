//! Issue 21: đối sánh and score certificates.
//! - `cert_transcript_sets`: transcript grades (học bạ) a board imported, kept verbatim as the
//!   checked CSV, compared with an event's imported results on request;
//! - `cert_keys`: every certificate public key the bank has signed with (the secret stays in the
//!   data directory); the published key list keeps old keys after a rotation;
//! - `cert_revocations`: the withdrawn certificate ids, published as a signed list.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("cert_transcript_sets")
                .col(string("id").primary_key())
                .col(string("org_id"))
                .col(string("name"))
                .col(text("csv"))
                .col(integer("rows"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("cert_keys")
                .col(string("kid").primary_key())
                .col(string("org_id"))
                .col(string("public_key"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("cert_revocations")
                .col(string("id").primary_key())
                .col(string("org_id"))
                .col(string("certificate_id"))
                .col(string_null("reason"))
                .col(string("revoked_by"))
                .col(timestamp_with_time_zone("revoked_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["cert_revocations", "cert_keys", "cert_transcript_sets"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
