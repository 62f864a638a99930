//! Grouping variables of a candidate (issue 13): school, district, region and sex as the candidate
//! CSV gives them, kept as one JSON object so a site may carry only the ones it has; read back into
//! the results and the groups export for DIF and đối sánh.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("dl_candidates").add_column(text_null("groups")).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("dl_candidates").drop_column("groups").to_owned()).await
    }
}
