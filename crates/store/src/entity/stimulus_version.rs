use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stimulus_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub stimulus_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    pub org_id: String,
    pub subject: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    pub status: String,
    pub is_current: bool,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub review_comment: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
