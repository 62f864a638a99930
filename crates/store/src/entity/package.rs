use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "packages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub event_id: String,
    pub title: String,
    /// JSON array of the form ids packaged.
    #[sea_orm(column_type = "Text")]
    pub forms: String,
    /// The manifest's JSON text.
    #[sea_orm(column_type = "Text")]
    pub manifest: String,
    /// The sealed package file (JSON text).
    #[sea_orm(column_type = "Text")]
    pub file: String,
    /// The signing key's fingerprint.
    pub signer: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
