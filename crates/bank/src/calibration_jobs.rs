//! Calibration as a background job (issue 16, finding 13). The EM estimate takes seconds to
//! minutes; run inside the request it held the HTTP connection open for all of that, and a client
//! (or proxy) that gave up first saw the connection closed before any response. Now the request
//! checks the input, answers 202 with a job, and a task estimates and stores the run while the
//! board follows `GET calibration-jobs/{id}`. A cancelled job's estimate is dropped, never stored.

use khaothi_store::DatabaseConnection;
use khaothi_store::audit::Actor;
use khaothi_store::calibration_jobs::{self, CalibrationJob};

use crate::calibration::Prepared;
use crate::error::ApiResult;

/// Records a queued job for the prepared calibration and starts it in the background.
/// Its duration goes to `khaothi_calibration_job_seconds` (`done`, cancelled included, or `failed`).
pub async fn start(
    db: &DatabaseConnection,
    actor: &Actor,
    prepared: Prepared,
    live: std::sync::Arc<crate::metrics::BankMetrics>,
) -> ApiResult<CalibrationJob> {
    let job = calibration_jobs::create(db, actor, prepared.model().as_str()).await?;
    let (db, actor, id) = (db.clone(), actor.clone(), job.id.clone());
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        let outcome = match run(&db, &actor, &id, prepared).await {
            Ok(()) => "done",
            Err(e) => {
                tracing::warn!(job = %id, error = %e, "calibration job failed");
                let _ = calibration_jobs::finish(&db, &id, "failed", None, Some(&e.to_string())).await;
                "failed"
            }
        };
        live.job(&live.calibration_seconds, outcome, started.elapsed());
    });
    Ok(job)
}

/// The job's steps; each progress step also notices a cancellation.
async fn run(db: &DatabaseConnection, actor: &Actor, id: &str, mut prepared: Prepared) -> ApiResult<()> {
    if !calibration_jobs::advance(db, id, 0.1).await? {
        return Ok(());
    }
    let result = prepared.estimate().await?;
    if !calibration_jobs::advance(db, id, 0.9).await? {
        return Ok(());
    }
    let outcome = prepared.store(db, actor, &result).await?;
    if !calibration_jobs::finish(db, id, "done", Some(&outcome.run.id), None).await? {
        // Cancelled while storing: the run exists and stays in the history, but the job says it
        // was cancelled; the board sees the run in the item's calibrations.
        tracing::info!(job = %id, run = %outcome.run.id, "calibration job cancelled after its run was stored");
    }
    Ok(())
}
