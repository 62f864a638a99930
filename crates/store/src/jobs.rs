//! What the bank's three job tables share (assembly jobs, calibration jobs, CAT simulations): a
//! `status` column that moves forward from the active states, and an `error` that says why a job
//! failed.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::StoreError;

/// Jobs that were active (`status` in `active`) when the service stopped can never finish: marks
/// them `failed` with `reason`; how many there were. Run once at start-up.
pub(crate) async fn fail_interrupted<E: EntityTrait>(
    db: &impl ConnectionTrait,
    status: E::Column,
    error: E::Column,
    active: &[&str],
    reason: &str,
) -> Result<u64, StoreError> {
    let res = E::update_many()
        .col_expr(status, Expr::value("failed"))
        .col_expr(error, Expr::value(reason))
        .filter(status.is_in(active.iter().copied()))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

#[cfg(test)]
mod tests {
    use crate::audit::Actor;
    use crate::{assembly, calibration_jobs, cat_jobs};

    /// Each table's start-up sweep fails its active jobs, with its own reason, and leaves the
    /// finished ones as they were.
    #[tokio::test]
    async fn interrupted_jobs_of_each_table_fail_and_finished_ones_stay() {
        let db = crate::connect("sqlite::memory:").await.unwrap();
        crate::migrate_bank(&db).await.unwrap();
        let board =
            Actor { org_id: crate::DEFAULT_ORG.into(), username: "board".into(), role: "exam_board".into() };
        let org = crate::DEFAULT_ORG;

        let queued = calibration_jobs::create(&db, &board, "2pl").await.unwrap();
        let running = calibration_jobs::create(&db, &board, "2pl").await.unwrap();
        assert!(calibration_jobs::advance(&db, &running.id, 0.1).await.unwrap());
        let done = calibration_jobs::create(&db, &board, "2pl").await.unwrap();
        assert!(calibration_jobs::finish(&db, &done.id, "done", None, None).await.unwrap());
        assert_eq!(calibration_jobs::fail_interrupted(&db).await.unwrap(), 2);
        for id in [&queued.id, &running.id] {
            let j = calibration_jobs::get(&db, org, id).await.unwrap();
            assert_eq!(j.status, "failed");
            assert_eq!(j.error.as_deref(), Some("interrupted by a restart of the bank; run it again"));
        }
        assert_eq!(calibration_jobs::get(&db, org, &done.id).await.unwrap().status, "done");

        let sim = cat_jobs::create(&db, &board, "{}").await.unwrap();
        let ended = cat_jobs::create(&db, &board, "{}").await.unwrap();
        assert!(cat_jobs::finish(&db, &ended.id, "done", Some("{}"), None).await.unwrap());
        assert_eq!(cat_jobs::fail_interrupted(&db).await.unwrap(), 1);
        let sim = cat_jobs::get(&db, org, &sim.id).await.unwrap();
        assert_eq!(sim.status, "failed");
        assert!(sim.error.unwrap().contains("the same seed gives the same table"));
        assert_eq!(cat_jobs::get(&db, org, &ended.id).await.unwrap().status, "done");

        let job = assembly::create_job(&db, &board, "BP-1", 30.0).await.unwrap();
        assert_eq!(assembly::fail_interrupted_jobs(&db).await.unwrap(), 1);
        assert_eq!(assembly::fail_interrupted_jobs(&db).await.unwrap(), 0, "a failed job is not active");
        let job = assembly::get_job(&db, org, &job.id).await.unwrap();
        assert_eq!(
            (job.status.as_str(), job.error.as_deref()),
            ("failed", Some("interrupted by a restart of the bank; run it again"))
        );
    }
}
