//! Adaptive-test simulation jobs (issue 20): `running` → `done` | `failed`. The request is kept
//! with the job so a board can see what produced each table.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::StoreError;
use crate::audit::Actor;
use crate::entity::cat_simulation_job;

pub use cat_simulation_job::Model as CatSimulationJob;

pub async fn create<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    request: &str,
) -> Result<CatSimulationJob, StoreError> {
    Ok(cat_simulation_job::ActiveModel {
        id: Set(format!("CATSIM-{}", uuid::Uuid::now_v7().simple())),
        org_id: Set(actor.org_id.clone()),
        status: Set("running".into()),
        request: Set(request.to_string()),
        result: Set(None),
        error: Set(None),
        created_by: Set(actor.username.clone()),
        created_at: Set(crate::now()),
        finished_at: Set(None),
    }
    .insert(db)
    .await?)
}

pub async fn get<C: ConnectionTrait>(db: &C, org: &str, id: &str) -> Result<CatSimulationJob, StoreError> {
    crate::by_key(
        db,
        cat_simulation_job::Entity::find_by_id(id.to_string())
            .filter(cat_simulation_job::Column::OrgId.eq(org)),
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("no CAT simulation {id}")))
}

/// Ends a running job: `done` with its result, or `failed` with the reason.
pub async fn finish<C: ConnectionTrait>(
    db: &C,
    id: &str,
    status: &str,
    result: Option<&str>,
    error: Option<&str>,
) -> Result<bool, StoreError> {
    let res = cat_simulation_job::Entity::update_many()
        .col_expr(cat_simulation_job::Column::Status, Expr::value(status))
        .col_expr(cat_simulation_job::Column::Result, Expr::value(result.map(str::to_string)))
        .col_expr(cat_simulation_job::Column::Error, Expr::value(error.map(str::to_string)))
        .col_expr(cat_simulation_job::Column::FinishedAt, Expr::value(crate::now()))
        .filter(cat_simulation_job::Column::Id.eq(id))
        .filter(cat_simulation_job::Column::Status.eq("running"))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Jobs running when the service stopped can never finish: say so at start-up.
pub async fn fail_interrupted<C: ConnectionTrait>(db: &C) -> Result<u64, StoreError> {
    use cat_simulation_job::{Column, Entity};
    let reason = "interrupted by a restart of the bank; run it again (the same seed gives the same table)";
    crate::jobs::fail_interrupted::<Entity>(db, Column::Status, Column::Error, &["running"], reason).await
}
