use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "item_calibrations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub item_id: String,
    pub version: i32,
    pub run_id: String,
    #[sea_orm(column_type = "Text")]
    pub params: String,
    pub n: i64,
    pub created_at: DateTimeUtc,
    /// When the board took these parameters into the bank; `None`: a candidate only.
    pub adopted_at: Option<DateTimeUtc>,
    pub adopted_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
