//! Taking a calibration's parameters into the bank is the board's decision (issue 12): a run stores
//! its estimates as candidates, and only the ones the board adopts (`POST calibrations/{id}/adopt`)
//! become the items' parameters. Runs stored before this choice existed were taken automatically,
//! so they count as adopted when they were made.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "item_calibrations";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per ALTER: SQLite adds one at a time.
        m.alter_table(
            Table::alter().table(TABLE).add_column(timestamp_with_time_zone_null("adopted_at")).to_owned(),
        )
        .await?;
        m.alter_table(Table::alter().table(TABLE).add_column(string_null("adopted_by")).to_owned()).await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE item_calibrations SET adopted_at = created_at, adopted_by = 'migration'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(TABLE).drop_column("adopted_by").to_owned()).await?;
        m.alter_table(Table::alter().table(TABLE).drop_column("adopted_at").to_owned()).await
    }
}
