use sea_orm::entity::prelude::*;

/// One scan of a paper sitting, as read.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "paper_sheets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub sitting_id: String,
    pub image: String,
    pub image_sha256: String,
    /// The sheet id the QR code carries.
    pub sheet_qr: Option<String>,
    /// Số báo danh as read (absent while its flag waits for a person).
    pub number: Option<String>,
    /// Mã đề as read.
    pub version: Option<String>,
    /// The reader's unflagged answers, JSON `{"I.1": "B", …}`.
    #[sea_orm(column_type = "Text")]
    pub answers: String,
    /// The whole reading without crops, JSON (confidences, flags).
    #[sea_orm(column_type = "Text")]
    pub reading: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTimeUtc,
    pub discarded_by: Option<String>,
    pub discarded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
