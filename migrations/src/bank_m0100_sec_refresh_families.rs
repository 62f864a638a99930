//! Refresh-token families (issue 16, finding 4): each token remembers the login it descends
//! from, so reusing a rotated token or logging out revokes the whole chain at once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table("refresh_tokens").add_column(string("family").default("")).to_owned(),
        )
        .await?;
        // Tokens from before families: each is its own family.
        m.get_connection().execute_unprepared("UPDATE refresh_tokens SET family = token_hash").await?;
        indexes(m, "refresh_tokens").await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in ["refresh_tokens_family", "refresh_tokens_user"] {
            m.drop_index(Index::drop().name(name).table("refresh_tokens").to_owned()).await?;
        }
        m.alter_table(Table::alter().table("refresh_tokens").drop_column("family").to_owned()).await
    }
}

/// The look-ups of logout/reuse (by family) and deactivation (by user).
pub(crate) async fn indexes(m: &SchemaManager<'_>, table: &'static str) -> Result<(), DbErr> {
    m.create_index(Index::create().name("refresh_tokens_family").table(table).col("family").to_owned())
        .await?;
    m.create_index(Index::create().name("refresh_tokens_user").table(table).col("user_id").to_owned()).await
}
