//! Tamper evidence (issue 6): the response log and the audit log become hash chains. Each row gets
//! its place in its chain (`chain_seq`, 1, 2, …), the previous row's hash and its own hash,
//! `SHA-256(prev_hash ‖ canonical bytes of the row)` (docs/formats.md, "Hash chains"). Rows written
//! before this migration have `chain_seq = 0` and empty hashes; the server links them once, at its
//! next start, while its chain is still empty.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 2] = ["dl_responses", "dl_audit_log"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in TABLES {
            // One column per statement: SQLite alters one column at a time.
            for col in [
                big_integer("chain_seq").default(0).to_owned(),
                string("prev_hash").default("").to_owned(),
                string("hash").default("").to_owned(),
            ] {
                m.alter_table(Table::alter().table(t).add_column(col).to_owned()).await?;
            }
            m.create_index(
                Index::create().name(format!("{t}_chain_seq")).table(t).col("chain_seq").to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in TABLES {
            m.drop_index(Index::drop().name(format!("{t}_chain_seq")).table(t).to_owned()).await?;
            for col in ["hash", "prev_hash", "chain_seq"] {
                m.alter_table(Table::alter().table(t).drop_column(col).to_owned()).await?;
            }
        }
        Ok(())
    }
}
