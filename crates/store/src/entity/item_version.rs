use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "item_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub pk: i64,
    pub item_id: String,
    pub version: i32,
    pub org_id: String,
    pub is_current: bool,
    pub subject: String,
    pub grade: i32,
    pub topic: String,
    pub level: String,
    pub kind: String,
    pub status: String,
    pub stimulus_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    #[sea_orm(column_type = "Text", nullable)]
    pub review_comment: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
