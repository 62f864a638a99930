//! Calibration runs as background jobs (issue 16, finding 13): the request answers 202 at once and
//! the board follows the job; the finished run is kept in `calibration_runs` as before.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("calibration_jobs")
                .col(string("id").primary_key())
                .col(string("org_id"))
                .col(string("status"))
                .col(double("progress"))
                .col(string("model"))
                .col(string_null("calibration_id"))
                .col(text_null("error"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("calibration_jobs").to_owned()).await
    }
}
