//! Several delivery nodes on one PostgreSQL database (issue 18 §1, docs/multi-node.md): each node's
//! heartbeat (`dl_nodes`, the clock outage credit reads when a node dies while others live on) and
//! the node serving each candidate (`dl_candidate_nodes`, with the node a candidate last moved away
//! from and when, so a candidate of a dead node who resumed elsewhere is credited the time between
//! the dead node's last heartbeat and the resume). Own tables: a server running alone never
//! writes them, and the candidate row keeps its shape.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("dl_nodes")
                .col(string("name").primary_key())
                .col(timestamp_with_time_zone("heartbeat_at"))
                .col(timestamp_with_time_zone("started_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("dl_candidate_nodes")
                .col(string("candidate_id").primary_key())
                .col(string("node"))
                .col(timestamp_with_time_zone("since"))
                .col(string_null("moved_from"))
                .col(timestamp_with_time_zone_null("moved_at"))
                .to_owned(),
        )
        .await?;
        for col in ["node", "moved_from"] {
            m.create_index(
                Index::create()
                    .name(format!("dl_candidate_nodes_{col}"))
                    .table("dl_candidate_nodes")
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("dl_candidate_nodes").to_owned()).await?;
        m.drop_table(Table::drop().table("dl_nodes").to_owned()).await
    }
}
