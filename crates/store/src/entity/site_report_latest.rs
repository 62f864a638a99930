use sea_orm::entity::prelude::*;

/// The newest accepted report of a site's node, its counter (the replay rule) and when its
/// response chain last grew.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "site_report_latest")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub site_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub node: String,
    pub org_id: String,
    pub counter: i64,
    pub received_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub report: String,
    pub responses_length: i64,
    pub progress_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
