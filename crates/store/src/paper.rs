//! School tests on paper read into the bank (issue 22 §3): sittings, the sheets read for them and
//! the flagged marks a person decides. The routes check roles and shapes; this writes and reads.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::StoreError;
use crate::audit::Actor;
use crate::entity::{paper_flag, paper_sheet, paper_sitting};

pub use paper_flag::Model as PaperFlag;
pub use paper_sheet::Model as PaperSheet;
pub use paper_sitting::Model as PaperSitting;

/// A new sitting of a frozen form.
pub async fn create_sitting<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    form_id: &str,
    name: &str,
    candidate_digits: i32,
) -> Result<PaperSitting, StoreError> {
    Ok(paper_sitting::ActiveModel {
        id: Set(format!("PS-{}", uuid::Uuid::now_v7().simple())),
        org_id: Set(actor.org_id.clone()),
        form_id: Set(form_id.to_string()),
        name: Set(name.to_string()),
        candidate_digits: Set(candidate_digits),
        created_by: Set(actor.username.clone()),
        created_at: Set(crate::now()),
        finalized_by: Set(None),
        finalized_at: Set(None),
        response_set_id: Set(None),
        result_import_id: Set(None),
    }
    .insert(db)
    .await?)
}

/// The organisation's sittings, newest first.
pub async fn sittings<C: ConnectionTrait>(db: &C, org: &str) -> Result<Vec<PaperSitting>, StoreError> {
    Ok(paper_sitting::Entity::find()
        .filter(paper_sitting::Column::OrgId.eq(org))
        .order_by_desc(paper_sitting::Column::CreatedAt)
        .all(db)
        .await?)
}

/// One sitting of the organisation (404 otherwise).
pub async fn sitting<C: ConnectionTrait>(db: &C, org: &str, id: &str) -> Result<PaperSitting, StoreError> {
    crate::by_key(
        db,
        paper_sitting::Entity::find_by_id(id.to_string()).filter(paper_sitting::Column::OrgId.eq(org)),
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("no paper sitting with id {id}")))
}

/// The sitting's sheets in upload order (discarded ones too; see `discarded_at`).
pub async fn sheets<C: ConnectionTrait>(db: &C, sitting: &str) -> Result<Vec<PaperSheet>, StoreError> {
    Ok(paper_sheet::Entity::find()
        .filter(paper_sheet::Column::SittingId.eq(sitting))
        .order_by_asc(paper_sheet::Column::UploadedAt)
        .order_by_asc(paper_sheet::Column::Id)
        .all(db)
        .await?)
}

/// The sheet read from a scan with this hash in the sitting, if any.
pub async fn sheet_by_hash<C: ConnectionTrait>(
    db: &C,
    sitting: &str,
    sha: &str,
) -> Result<Option<PaperSheet>, StoreError> {
    Ok(crate::by_key(
        db,
        paper_sheet::Entity::find()
            .filter(paper_sheet::Column::SittingId.eq(sitting))
            .filter(paper_sheet::Column::ImageSha256.eq(sha)),
    )
    .await?)
}

pub async fn insert_sheet<C: ConnectionTrait>(db: &C, sheet: PaperSheet) -> Result<(), StoreError> {
    paper_sheet::ActiveModel::from(sheet).insert(db).await?;
    Ok(())
}

pub async fn insert_flag<C: ConnectionTrait>(db: &C, flag: PaperFlag) -> Result<(), StoreError> {
    paper_flag::ActiveModel::from(flag).insert(db).await?;
    Ok(())
}

/// The sitting's flags, in the order they were raised.
pub async fn flags<C: ConnectionTrait>(db: &C, sitting: &str) -> Result<Vec<PaperFlag>, StoreError> {
    Ok(paper_flag::Entity::find()
        .filter(paper_flag::Column::SittingId.eq(sitting))
        .order_by_asc(paper_flag::Column::Id)
        .all(db)
        .await?)
}

/// Records a person's decision on a flag (the caller checked it is pending and the value fits).
pub async fn decide_flag<C: ConnectionTrait>(
    db: &C,
    flag: PaperFlag,
    decision: &str,
    note: Option<String>,
    by: &str,
) -> Result<PaperFlag, StoreError> {
    let mut am = paper_flag::ActiveModel::from(flag);
    am.decision = Set(Some(decision.to_string()));
    am.note = Set(note);
    am.decided_by = Set(Some(by.to_string()));
    am.decided_at = Set(Some(crate::now()));
    Ok(am.update(db).await?)
}

/// Sets a sheet aside (a second scan of one candidate, a sheet of another class): finalizing
/// leaves it out.
pub async fn discard_sheet<C: ConnectionTrait>(
    db: &C,
    sheet: PaperSheet,
    by: &str,
) -> Result<PaperSheet, StoreError> {
    let mut am = paper_sheet::ActiveModel::from(sheet);
    am.discarded_by = Set(Some(by.to_string()));
    am.discarded_at = Set(Some(crate::now()));
    Ok(am.update(db).await?)
}

/// Marks the sitting finalized with the response set and the result import made of it.
pub async fn finalize<C: ConnectionTrait>(
    db: &C,
    sitting: PaperSitting,
    by: &str,
    response_set_id: &str,
    result_import_id: &str,
) -> Result<PaperSitting, StoreError> {
    let mut am = paper_sitting::ActiveModel::from(sitting);
    am.finalized_by = Set(Some(by.to_string()));
    am.finalized_at = Set(Some(crate::now()));
    am.response_set_id = Set(Some(response_set_id.to_string()));
    am.result_import_id = Set(Some(result_import_id.to_string()));
    Ok(am.update(db).await?)
}
