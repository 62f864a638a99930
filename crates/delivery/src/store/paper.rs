//! The paper tables (migrations/src/delivery_m0120_omrin_paper.rs): sheets read from scans, the
//! marks a person must decide, and each paper answer's provenance. Written only by the single
//! writer ([`PaperRows`] inside a [`super::writer::WriteOp::Together`] with the answers and their
//! audit row), so a sheet, its answers and its audit record commit or fail together.

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait};

pub mod sheet {
    use sea_orm::entity::prelude::*;

    /// One scanned answer sheet of a candidate, as read.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_paper_sheets")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub event_id: String,
        pub candidate_id: String,
        /// Số báo danh as read (and matched to the candidate).
        pub number: String,
        pub version: String,
        /// The sheet id the QR code carries, when it was read.
        pub sheet_id: Option<String>,
        /// The scan's file name.
        pub image: String,
        /// SHA-256 of the scan's bytes (hex): the same scan is never read in twice.
        pub image_sha256: String,
        /// The reader's output for this sheet (JSON), crops left out.
        #[sea_orm(column_type = "Text")]
        pub reading: String,
        pub ingested_by: String,
        pub ingested_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod flag {
    use sea_orm::entity::prelude::*;

    /// A mark the reader would not decide (two marks, faint, erased, …): waits for a person.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_paper_flags")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The sheet's id ([`super::sheet`]).
        pub sheet: String,
        pub event_id: String,
        pub candidate_id: String,
        /// Part and printed number (`I.3`).
        pub key: String,
        pub item_id: String,
        #[sea_orm(column_type = "Text")]
        pub reason: String,
        /// The region's image as the reader gave it (a PNG data URL or base64), for the person.
        #[sea_orm(column_type = "Text", nullable)]
        pub crop: Option<String>,
        /// The reader's proposed reading (JSON answer value), when it had one.
        #[sea_orm(column_type = "Text", nullable)]
        pub proposed: Option<String>,
        /// `accept`, `set` or `blank`; `None` while pending.
        pub decision: Option<String>,
        /// The answer the decision wrote (JSON), if any.
        #[sea_orm(column_type = "Text", nullable)]
        pub value: Option<String>,
        pub decided_by: Option<String>,
        pub decided_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod answer {
    use sea_orm::entity::prelude::*;

    /// Where a response row written from paper came from: its sheet, and the flag a person decided.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_paper_answers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub candidate_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub epoch: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        pub sheet: String,
        pub key: String,
        pub flag_id: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod held {
    use sea_orm::entity::prelude::*;

    /// A sheet whose candidate a person must name before it is read in
    /// (migrations/src/delivery_m0170_paper_held_sheets.rs).
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_paper_held")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub event_id: String,
        pub image: String,
        pub image_sha256: String,
        /// Why it is held: `sheet_flagged`, `no_candidate`, `unknown_candidate`, `wrong_version`.
        pub reason: String,
        #[sea_orm(column_type = "Text")]
        pub message: String,
        /// Số báo danh and mã đề as the reader proposed them (bubbles or QR), when it had them.
        pub proposed_number: Option<String>,
        pub proposed_version: Option<String>,
        /// The reader's output for the sheet (JSON), crops included: read in once assigned.
        #[sea_orm(column_type = "Text")]
        pub reading: String,
        pub held_by: String,
        pub held_at: DateTimeUtc,
        /// `assign` or `reject`; `None` while pending.
        pub decision: Option<String>,
        /// The candidate it was assigned to, and the sheet it became.
        pub number: Option<String>,
        pub sheet: Option<String>,
        #[sea_orm(column_type = "Text", nullable)]
        pub note: Option<String>,
        pub decided_by: Option<String>,
        pub decided_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Paper rows for the writer to insert (new sheets, flags, provenance) or update (decided flags).
#[derive(Clone, Debug, Default)]
pub struct PaperRows {
    pub sheets: Vec<sheet::ActiveModel>,
    pub flags: Vec<flag::ActiveModel>,
    pub decided: Vec<flag::ActiveModel>,
    pub answers: Vec<answer::ActiveModel>,
    /// Sheets held for a person (inserted) and held sheets decided (updated).
    pub held: Vec<held::ActiveModel>,
    pub held_decided: Vec<held::ActiveModel>,
}

impl PaperRows {
    /// Writes the rows inside the writer's transaction.
    pub async fn write(&self, txn: &impl ConnectionTrait) -> Result<(), DbErr> {
        for s in &self.sheets {
            sheet::Entity::insert(s.clone()).exec_without_returning(txn).await?;
        }
        for f in &self.flags {
            flag::Entity::insert(f.clone()).exec_without_returning(txn).await?;
        }
        for f in &self.decided {
            f.clone().update(txn).await?;
        }
        for h in &self.held {
            held::Entity::insert(h.clone()).exec_without_returning(txn).await?;
        }
        for h in &self.held_decided {
            h.clone().update(txn).await?;
        }
        if !self.answers.is_empty() {
            answer::Entity::insert_many(self.answers.clone()).exec_without_returning(txn).await?;
        }
        Ok(())
    }
}
