//! A room's seat layout (issue 13): rows × columns of the lab, for the console's seat map. Its own
//! table, so a room without one is simply a room.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("dl_room_layouts")
                .col(string("room_id").primary_key())
                .col(integer("rows"))
                .col(integer("columns"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("dl_room_layouts").to_owned()).await
    }
}
