//! Proctoring: pauses, terminations, absences, seat moves and incident notes (issue 6).
//!
//! A pause is stored as the time the clock stopped (`paused_at`), not as a flag in memory, so a
//! paused candidate's clock stays stopped across a restart; `paused_ms` sums the finished pauses
//! for the room record. `dl_incidents` is the room's log (every proctor action and incident note,
//! in time order) that the proctor's page and the biên bản show; the audit log keeps its own copy.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one column at a time.
        let columns = [
            timestamp_with_time_zone_null("paused_at"),
            string_null("pause_reason"),
            big_integer("paused_ms").default(0i64).to_owned(),
            boolean("absent").default(false).to_owned(),
            text_null("terminate_reason"),
        ];
        for c in columns {
            m.alter_table(Table::alter().table("dl_candidates").add_column(c).to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("dl_incidents")
                .col(big_pk_auto("id"))
                .col(string("event_id"))
                .col(string("room_id"))
                .col(string_null("candidate_id"))
                .col(string_null("number"))
                .col(string("actor"))
                .col(string("action"))
                .col(text("detail"))
                .col(text("data"))
                .col(timestamp_with_time_zone("at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("dl_incidents_room")
                .table("dl_incidents")
                .col("room_id")
                .col("id")
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("dl_incidents").to_owned()).await?;
        for c in ["terminate_reason", "absent", "paused_ms", "pause_reason", "paused_at"] {
            m.alter_table(Table::alter().table("dl_candidates").drop_column(c).to_owned()).await?;
        }
        Ok(())
    }
}
