//! Issue 18 §2: the exam-day control room.
//! - `site_reports`: every accepted report of a delivery site (docs/formats.md "Site report"),
//!   verbatim, kept for `control_room.retention_hours` and then purged;
//! - `site_report_latest`: per site and node, the newest accepted report, its counter (a report
//!   whose counter is not above it is a replay and refused) and when the response chain last grew
//!   (a site that reports but whose chain stands still while candidates sit is stalled);
//! - `control_room_schedule`: when the board expects each event's content unlocked (a site
//!   that has not unlocked by then is late).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("site_reports")
                .col(string("id").primary_key())
                .col(string("org_id"))
                .col(string("site_id"))
                .col(string("node"))
                .col(big_integer("counter"))
                .col(string("sent_at"))
                .col(timestamp_with_time_zone("received_at"))
                .col(text("report"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("site_reports_received").table("site_reports").col("received_at").to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("site_reports_site")
                .table("site_reports")
                .col("site_id")
                .col("received_at")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("site_report_latest")
                .col(string("site_id"))
                .col(string("node"))
                .col(string("org_id"))
                .col(big_integer("counter"))
                .col(timestamp_with_time_zone("received_at"))
                .col(text("report"))
                .col(big_integer("responses_length"))
                .col(timestamp_with_time_zone("progress_at"))
                .primary_key(Index::create().col("site_id").col("node"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("control_room_schedule")
                .col(string("org_id"))
                .col(string("event_id"))
                .col(timestamp_with_time_zone("unlock_by"))
                .col(string("set_by"))
                .col(timestamp_with_time_zone("set_at"))
                .primary_key(Index::create().col("org_id").col("event_id"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["control_room_schedule", "site_report_latest", "site_reports"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
