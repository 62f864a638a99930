use sea_orm::entity::prelude::*;

/// A test sat on paper and read into the bank (issue 22 §3, school tests).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "paper_sittings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub form_id: String,
    /// The test's name as printed on its sheets (their QR code's event).
    pub name: String,
    /// Columns of số báo danh on the printed sheets (6, or the class list's longest number).
    pub candidate_digits: i32,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub finalized_by: Option<String>,
    pub finalized_at: Option<DateTimeUtc>,
    pub response_set_id: Option<String>,
    pub result_import_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
