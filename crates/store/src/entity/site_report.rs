use sea_orm::entity::prelude::*;

/// A delivery site's control-room report, as received and verified (kept for the retention time).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "site_reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub site_id: String,
    pub node: String,
    pub counter: i64,
    /// The site's clock (RFC 3339).
    pub sent_at: String,
    pub received_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub report: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
