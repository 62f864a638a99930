use sea_orm::entity::prelude::*;

/// A signed result file the bank verified and imported, kept verbatim.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "result_imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub site_id: String,
    pub event_id: String,
    pub digest: String,
    #[sea_orm(column_type = "Text")]
    pub file: String,
    pub created_at: String,
    pub responses_length: i64,
    pub responses_head: String,
    pub audit_length: i64,
    pub audit_head: String,
    pub response_set_id: Option<String>,
    pub imported_by: String,
    pub imported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
