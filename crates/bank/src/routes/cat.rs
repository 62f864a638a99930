//! Adaptive-test (CAT) designs simulated in the bank (issue 20 §2): the board names a pool (the
//! approved, calibrated items of a subject, or of a stored blueprint's subject with shadow tests)
//! and a design; the request is checked at once (400/422), then runs as a job (202) because a
//! simulation with shadow tests or Sympson–Hetter calibration takes seconds to minutes. The job
//! keeps the request and the table (`khaothi cat simulate`'s JSON).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use khaothi_assembly::Blueprint;
use khaothi_auth::{CurrentUser, Role};
use khaothi_cat::simulate::MAX_PERSONS;
use khaothi_cat::{Design, Pool, Selection, SimulationOptions, Stopping, run_simulation};
use khaothi_domain::FieldError;
use khaothi_store::assembly as blueprints;
use khaothi_store::audit;
use khaothi_store::cat_jobs;
use khaothi_store::items::{self, ItemFilter, Visibility};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::items::actor;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiPath};
use crate::state::AppState;

const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];

/// Most simulees with shadow tests (each step solves a MILP).
pub const MAX_PERSONS_SHADOW: usize = 500;
/// Most simulees per Sympson–Hetter calibration round (up to 20 rounds run before the table).
pub const MAX_PERSONS_EXPOSURE: usize = 5_000;

/// A design to simulate, as `khaothi cat simulate`'s flags.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatSimulateRequest {
    /// The pool: the bank's approved items of this subject that have IRT parameters (the others
    /// are listed under `warnings`). Not needed with `blueprint_id` (its subject is used).
    pub subject: Option<String>,
    /// Only items of this grade.
    pub grade: Option<u8>,
    /// A stored blueprint: content balancing by shadow tests; the test length is its form length.
    pub blueprint_id: Option<String>,
    /// Simulees, drawn from N(theta_mean, theta_sd²).
    pub persons: usize,
    #[serde(default)]
    pub seed: Option<u64>,
    /// Fixed length, or `stop_se` with `min_length` and `max_length`.
    pub length: Option<u32>,
    pub stop_se: Option<f64>,
    pub min_length: Option<u32>,
    pub max_length: Option<u32>,
    /// `mfi` (default) or `kl`.
    pub selection: Option<String>,
    /// Randomesque-k (default 1).
    pub randomesque: Option<u32>,
    /// Sympson–Hetter to this maximum exposure rate (parameters calibrated by simulation first).
    pub sympson_hetter: Option<f64>,
    pub theta_mean: Option<f64>,
    pub theta_sd: Option<f64>,
}

/// A CAT simulation job.
#[derive(Serialize, ToSchema)]
pub struct CatJobView {
    pub id: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    /// Where to follow it: `GET` this path.
    pub href: String,
    #[schema(value_type = Object)]
    pub request: serde_json::Value,
    /// Once done: `report` (rmse, bias, mean_length, max_exposure, overlap, unused_items,
    /// by_theta, constraint_violations), `sympson_hetter`, `design`, `pool_items`, `warnings`.
    #[schema(value_type = Object)]
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<cat_jobs::CatSimulationJob> for CatJobView {
    fn from(j: cat_jobs::CatSimulationJob) -> Self {
        Self {
            href: format!("/api/v1/cat/simulations/{}", j.id),
            id: j.id,
            status: j.status,
            request: serde_json::from_str(&j.request).unwrap_or_default(),
            result: j.result.and_then(|r| serde_json::from_str(&r).ok()),
            error: j.error,
            created_by: j.created_by,
            created_at: j.created_at,
            finished_at: j.finished_at,
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    let message = message.into();
    ApiError::Invalid { message: message.clone(), errors: vec![FieldError::new(field, message)] }
}

/// The design of a request (every rule of `khaothi cat simulate`).
fn design_of(r: &CatSimulateRequest, blueprint: Option<Blueprint>) -> ApiResult<Design> {
    let stop = match (r.length, r.stop_se, &blueprint) {
        (Some(length), None, _) => Stopping::FixedLength { length },
        (None, Some(se), _) => match (r.min_length, r.max_length) {
            (Some(min_length), Some(max_length)) => Stopping::Precision { se, min_length, max_length },
            _ => return Err(invalid("stop_se", "stop_se needs min_length and max_length")),
        },
        (None, None, Some(bp)) => Stopping::FixedLength { length: bp.form_length() },
        _ => return Err(invalid("length", "give length, or stop_se with min_length and max_length")),
    };
    let selection: Selection =
        r.selection.as_deref().unwrap_or("mfi").parse().map_err(|e: String| invalid("selection", e))?;
    Ok(Design {
        prior_mean: 0.0,
        prior_sd: 1.0,
        selection,
        randomesque: r.randomesque.unwrap_or(1),
        sympson_hetter: false,
        stop,
        blueprint,
    })
}

fn check_bounds(r: &CatSimulateRequest, shadow: bool) -> ApiResult<()> {
    let max = if shadow {
        MAX_PERSONS_SHADOW
    } else if r.sympson_hetter.is_some() {
        MAX_PERSONS_EXPOSURE
    } else {
        MAX_PERSONS
    };
    if !(1..=max).contains(&r.persons) {
        return Err(invalid("persons", format!("persons must be 1–{max} for this design")));
    }
    if let Some(rate) = r.sympson_hetter
        && !(rate > 0.0 && rate <= 1.0)
    {
        return Err(invalid("sympson_hetter", "sympson_hetter is a rate in (0, 1]"));
    }
    if shadow && r.sympson_hetter.is_some() {
        return Err(invalid(
            "sympson_hetter",
            "Sympson–Hetter calibration with shadow tests runs from the command line (khaothi cat simulate)",
        ));
    }
    Ok(())
}

/// Simulate an adaptive-test design on the bank's pool as a background job: checked at once
/// (403/404/422), then 202 with the job; follow `GET /api/v1/cat/simulations/{id}`.
#[utoipa::path(post, path = "/api/v1/cat/simulate", tag = "cat", security(("bearer" = [])),
    request_body(content = CatSimulateRequest, example = json!({"subject": "toan", "persons": 1000, "seed": 7, "length": 20, "selection": "mfi", "randomesque": 5})),
    responses((status = 202, body = CatJobView), (status = 400), (status = 403), (status = 404), (status = 422)))]
pub async fn simulate(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<CatSimulateRequest>,
) -> ApiResult<(StatusCode, Json<CatJobView>)> {
    user.require(BOARD, "simulate adaptive tests")?;
    let blueprint = match &req.blueprint_id {
        Some(id) => {
            let stored = blueprints::get_blueprint(&state.db, user.org(), id).await?;
            Some(Blueprint::from_yaml(&stored.yaml).map_err(|e| ApiError::Internal(e.to_string()))?)
        }
        None => None,
    };
    check_bounds(&req, blueprint.is_some())?;
    let (subject, grade) = match (&blueprint, &req.subject) {
        (Some(bp), _) => (bp.subject.clone(), bp.grade.or(req.grade)),
        (None, Some(s)) => (s.clone(), req.grade),
        (None, None) => return Err(invalid("subject", "name the pool's subject (or a blueprint_id)")),
    };
    let design = design_of(&req, blueprint)?;
    let filter = ItemFilter {
        subject: Some(subject.clone()),
        grade: grade.map(i32::from),
        status: Some("approved".into()),
        ..Default::default()
    };
    let mut bank: Vec<_> = items::all_current(&state.db, user.org(), &Visibility::All, &filter)
        .await?
        .into_iter()
        .map(|v| v.item)
        .collect();
    super::enemies::add_confirmed(&state.db, user.org(), &mut bank).await?;
    let (pool, mut warnings) = Pool::from_bank_items(&bank).map_err(|e| invalid("subject", e.to_string()))?;
    if pool.is_empty() {
        return Err(invalid("subject", format!("no approved item of {subject} has IRT parameters")));
    }
    design.validate(&pool).map_err(|e| invalid("design", e.to_string()))?;
    let sim = SimulationOptions {
        persons: req.persons,
        seed: req.seed.unwrap_or(1),
        theta_mean: req.theta_mean.unwrap_or(0.0),
        theta_sd: req.theta_sd.unwrap_or(1.0),
    };
    if !(sim.theta_sd > 0.0 && sim.theta_sd <= 5.0 && sim.theta_mean.abs() <= 5.0) {
        return Err(invalid("theta_sd", "theta_mean must be within ±5 and theta_sd in (0, 5]"));
    }
    let request = serde_json::to_string(&req).map_err(|e| ApiError::Internal(e.to_string()))?;
    let actor = actor(&user);
    let job = cat_jobs::create(&state.db, &actor, &request).await?;
    audit::record(
        &state.db,
        &actor,
        "cat_simulate",
        "cat_simulation",
        &job.id,
        serde_json::json!({"subject": subject}),
    )
    .await?;
    let (db, id, rate) = (state.db.clone(), job.id.clone(), req.sympson_hetter);
    tokio::spawn(async move {
        let outcome = tokio::task::spawn_blocking(move || run_simulation(pool, design, &sim, rate)).await;
        let (status, result, error) = match outcome {
            Ok(Ok(run)) => {
                warnings.extend(run.warnings.iter().cloned());
                let result = serde_json::json!({
                    "report": run.report,
                    "sympson_hetter": run.exposure,
                    "design": run.design,
                    "pool_items": run.pool.len(),
                    "warnings": warnings,
                });
                ("done", Some(result.to_string()), None)
            }
            Ok(Err(e)) => ("failed", None, Some(e.to_string())),
            Err(e) => ("failed", None, Some(format!("the simulation stopped: {e}"))),
        };
        if let Err(e) = cat_jobs::finish(&db, &id, status, result.as_deref(), error.as_deref()).await {
            tracing::error!(job = %id, error = %e, "CAT simulation job could not be stored");
        }
    });
    Ok((StatusCode::ACCEPTED, Json(job.into())))
}

/// Follow a CAT simulation job; its `result` holds the table once `done`.
#[utoipa::path(get, path = "/api/v1/cat/simulations/{id}", tag = "cat", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = CatJobView), (status = 403), (status = 404)))]
pub async fn get_simulation(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CatJobView>> {
    user.require(BOARD, "follow CAT simulations")?;
    Ok(Json(cat_jobs::get(&state.db, user.org(), &id).await?.into()))
}
