//! Calibration jobs: `queued` → `running` → `done` | `failed` | `cancelled`, with a coarse progress
//! (0 queued, 0.1 data read, 0.9 estimated, 1 stored). A job's status only moves forward: a
//! cancelled job stays cancelled even if its estimate finishes later.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::StoreError;
use crate::audit::Actor;
use crate::entity::calibration_job;

pub use calibration_job::Model as CalibrationJob;

const ACTIVE: [&str; 2] = ["queued", "running"];

pub async fn create<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    model: &str,
) -> Result<CalibrationJob, StoreError> {
    Ok(calibration_job::ActiveModel {
        id: Set(format!("CJOB-{}", uuid::Uuid::now_v7().simple())),
        org_id: Set(actor.org_id.clone()),
        status: Set("queued".into()),
        progress: Set(0.0),
        model: Set(model.to_string()),
        calibration_id: Set(None),
        error: Set(None),
        created_by: Set(actor.username.clone()),
        created_at: Set(crate::now()),
        finished_at: Set(None),
    }
    .insert(db)
    .await?)
}

pub async fn get<C: ConnectionTrait>(db: &C, org: &str, id: &str) -> Result<CalibrationJob, StoreError> {
    crate::by_key(
        db,
        calibration_job::Entity::find_by_id(id.to_string()).filter(calibration_job::Column::OrgId.eq(org)),
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("no calibration job {id}")))
}

/// Moves an active job to `running` at `progress`; false when it is no longer active (cancelled).
pub async fn advance<C: ConnectionTrait>(db: &C, id: &str, progress: f64) -> Result<bool, StoreError> {
    let res = calibration_job::Entity::update_many()
        .col_expr(calibration_job::Column::Status, Expr::value("running"))
        .col_expr(calibration_job::Column::Progress, Expr::value(progress))
        .filter(calibration_job::Column::Id.eq(id))
        .filter(calibration_job::Column::Status.is_in(ACTIVE))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Ends an active job: `done` with its calibration run, or `failed`/`cancelled` with a reason.
/// False when the job had already ended (so a cancel and a finish cannot both win).
pub async fn finish<C: ConnectionTrait>(
    db: &C,
    id: &str,
    status: &str,
    calibration_id: Option<&str>,
    error: Option<&str>,
) -> Result<bool, StoreError> {
    let progress = if status == "done" { 1.0 } else { 0.0 };
    let mut q = calibration_job::Entity::update_many()
        .col_expr(calibration_job::Column::Status, Expr::value(status))
        .col_expr(calibration_job::Column::CalibrationId, Expr::value(calibration_id.map(str::to_string)))
        .col_expr(calibration_job::Column::Error, Expr::value(error.map(str::to_string)))
        .col_expr(calibration_job::Column::FinishedAt, Expr::value(crate::now()))
        .filter(calibration_job::Column::Id.eq(id))
        .filter(calibration_job::Column::Status.is_in(ACTIVE));
    if status == "done" {
        q = q.col_expr(calibration_job::Column::Progress, Expr::value(progress));
    }
    Ok(q.exec(db).await?.rows_affected == 1)
}

/// Jobs that were active when the service stopped can never finish: say so at start-up.
pub async fn fail_interrupted<C: ConnectionTrait>(db: &C) -> Result<u64, StoreError> {
    use calibration_job::{Column, Entity};
    let reason = "interrupted by a restart of the bank; run it again";
    crate::jobs::fail_interrupted::<Entity>(db, Column::Status, Column::Error, &ACTIVE, reason).await
}
