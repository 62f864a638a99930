//! Rooms' seat layouts (rows × columns) for the console's seat map (issue 13), in their own table
//! (`dl_room_layouts`, migration `delivery_m0111_console_room_layouts`). Seats are numbered along
//! the rows: seat `s` sits in row `(s-1) / columns + 1`, column `(s-1) % columns + 1`.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set, sea_query::OnConflict};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_room_layouts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub room_id: String,
        pub rows: i32,
        pub columns: i32,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Every room's layout, by room id.
pub async fn all(db: &impl ConnectionTrait) -> Result<HashMap<String, (i32, i32)>, DbErr> {
    Ok(entity::Entity::find().all(db).await?.into_iter().map(|l| (l.room_id, (l.rows, l.columns))).collect())
}

/// Sets (or replaces) a room's layout.
pub async fn set(write: &impl ConnectionTrait, room_id: &str, rows: i32, columns: i32) -> Result<(), DbErr> {
    let row = entity::ActiveModel {
        room_id: Set(room_id.into()),
        rows: Set(rows),
        columns: Set(columns),
        updated_at: Set(Utc::now()),
    };
    let upsert = OnConflict::column(entity::Column::RoomId)
        .update_columns([entity::Column::Rows, entity::Column::Columns, entity::Column::UpdatedAt])
        .to_owned();
    entity::Entity::insert(row).on_conflict(upsert).exec(write).await.map(|_| ())
}
