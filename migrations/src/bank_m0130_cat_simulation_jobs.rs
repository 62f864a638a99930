//! Adaptive-test (CAT) simulations as background jobs (issue 20): `POST /api/v1/cat/simulate`
//! checks the request, answers 202 with a job, and the simulation table is stored here when done.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("cat_simulation_jobs")
                .col(string("id").primary_key())
                .col(string("org_id"))
                .col(string("status"))
                .col(text("request"))
                .col(text_null("result"))
                .col(text_null("error"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("cat_simulation_jobs").to_owned()).await
    }
}
