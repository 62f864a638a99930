use sea_orm::entity::prelude::*;

/// A mark of a paper sheet the reader would not decide, and the person's decision.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "paper_flags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub sitting_id: String,
    pub sheet_id: String,
    /// `I.3`, `II.1`, `III.2`, `candidate`, `version` or `qr`.
    pub key: String,
    /// The reader's reason (`double_mark`, `faint_mark`, `erasure`, …).
    pub reason: String,
    #[sea_orm(column_type = "Text")]
    pub detail: String,
    /// The reader's proposed reading, JSON.
    #[sea_orm(column_type = "Text", nullable)]
    pub proposed: Option<String>,
    /// The region's PNG, base64.
    #[sea_orm(column_type = "Text", nullable)]
    pub crop: Option<String>,
    /// The person's answer, JSON (`null`: nothing marked).
    #[sea_orm(column_type = "Text", nullable)]
    pub decision: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
