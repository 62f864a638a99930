use sea_orm::entity::prelude::*;

/// A near-duplicate pair a reviewer or the board decided on (`item_a` < `item_b`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "enemy_pairs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub item_a: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub item_b: String,
    /// `confirmed` (the pair are enemies) or `dismissed` (not suggested again).
    pub state: String,
    pub similarity: f64,
    pub decided_by: String,
    pub decided_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
