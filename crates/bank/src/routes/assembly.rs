//! The exam board's assembly workflow: store blueprints, assemble forms as a background job,
//! inspect, freeze (pin item versions) and print a form with its answer sheet.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use khaothi_assembly::{AssemblyError, AssemblyOptions, Blueprint};
use khaothi_auth::{CurrentUser, Role};
use khaothi_domain::form::{Form, Version};
use khaothi_domain::{FieldError, Item};
use khaothi_store::assembly as store;
use khaothi_store::audit::{self, Actor};
use khaothi_store::items::{self, ItemFilter, Visibility};
use khaothi_store::{DatabaseConnection, begin_write};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::items::actor;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiPath, ApiQuery, MaybeJson, read_body};
use crate::print::{Document, print_form};
use crate::state::AppState;

const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];

#[derive(Serialize, ToSchema)]
pub struct BlueprintView {
    pub id: String,
    pub name: String,
    pub subject: String,
    pub yaml: String,
    #[schema(value_type = Object)]
    pub blueprint: Blueprint,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

pub(crate) fn view(b: store::StoredBlueprint) -> ApiResult<BlueprintView> {
    let parsed = Blueprint::from_yaml(&b.yaml)
        .map_err(|e| ApiError::Internal(format!("stored blueprint {}: {e}", b.id)))?;
    Ok(BlueprintView {
        id: b.id,
        name: b.name,
        subject: b.subject,
        yaml: b.yaml,
        blueprint: parsed,
        created_by: b.created_by,
        created_at: b.created_at,
    })
}

/// A realistic blueprint for the document's request examples (the one the assembly tests use).
pub const BLUEPRINT_EXAMPLE: &str = "name: \"Kiểm tra định kỳ – Toán 12\"\nsubject: toan\nduration_minutes: 45\nforms: 2\nversions: 3\nmax_overlap: 0.5\nsections:\n  - { kind: single_choice,    count: 6, points: 0.25 }\n  - { kind: true_false_group, count: 2, points: 1.0 }\n  - { kind: short_answer,     count: 2, points: 0.5 }\nmatrix:\n  - { topic: \"12.1\", biet: { min: 1 }, hieu: { min: 1 } }\ninformation:\n  objective: maximin\n  thetas: [-1.0, 0.0, 1.0]\n";

/// Store a blueprint (the YAML of docs/formats.md as the body); errors name the key and line.
#[utoipa::path(post, path = "/api/v1/blueprints", tag = "assembly", security(("bearer" = [])),
    request_body(content = String, content_type = "application/yaml", example = json!(BLUEPRINT_EXAMPLE)),
    responses((status = 201, body = BlueprintView), (status = 403), (status = 422)))]
pub async fn create_blueprint(
    State(state): State<AppState>,
    user: CurrentUser,
    req: Request,
) -> ApiResult<(StatusCode, Json<BlueprintView>)> {
    user.require(BOARD, "write blueprints")?;
    let bytes = read_body(req, &state).await?;
    let (yaml, bp) = parse_blueprint(&bytes)?;
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let stored = store::create_blueprint(&txn, &actor, &bp.name, &bp.subject, yaml).await?;
    audit::record(
        &txn,
        &actor,
        "blueprint_create",
        "blueprint",
        &stored.id,
        serde_json::json!({"name": bp.name}),
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(view(stored)?)))
}

/// A blueprint body as create and update read it: UTF-8 YAML that passes every blueprint check
/// (each problem named with its key and line).
pub(crate) fn parse_blueprint(bytes: &[u8]) -> ApiResult<(&str, Blueprint)> {
    let yaml = std::str::from_utf8(bytes)
        .map_err(|e| ApiError::bad_request("invalid_encoding", format!("the blueprint is not UTF-8: {e}")))?;
    let bp = Blueprint::from_yaml(yaml).map_err(|e| {
        ApiError::invalid(None, e.0.iter().map(|i| FieldError::new(i.to_string(), "")).collect())
    })?;
    Ok((yaml, bp))
}

/// List blueprints.
#[utoipa::path(get, path = "/api/v1/blueprints", tag = "assembly", security(("bearer" = [])),
    responses((status = 200, body = Vec<BlueprintView>), (status = 403)))]
pub async fn list_blueprints(
    State(state): State<AppState>,
    user: CurrentUser,
) -> ApiResult<Json<Vec<BlueprintView>>> {
    user.require(BOARD, "read blueprints")?;
    let list = store::list_blueprints(&state.db, user.org()).await?;
    Ok(Json(list.into_iter().map(view).collect::<ApiResult<_>>()?))
}

/// Read a blueprint.
#[utoipa::path(get, path = "/api/v1/blueprints/{id}", tag = "assembly", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = BlueprintView), (status = 404)))]
pub async fn get_blueprint(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<BlueprintView>> {
    user.require(BOARD, "read blueprints")?;
    Ok(Json(view(store::get_blueprint(&state.db, user.org(), &id).await?)?))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AssembleRequest {
    /// Seed of the shuffled versions (default 1): the same seed gives the same versions.
    pub seed: Option<u64>,
    /// Seconds for the whole run (default 60).
    pub time_limit: Option<f64>,
    /// Relative MIP gap (default 0.01).
    pub gap: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct JobView {
    pub id: String,
    pub blueprint_id: String,
    /// `running`, `done`, `infeasible` or `failed`.
    pub status: String,
    pub error: Option<String>,
    /// The assembler's report (done) or diagnosis (infeasible).
    #[schema(value_type = Object)]
    pub result: Option<serde_json::Value>,
    pub forms: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    /// 1 once the job has ended; while it runs, the share of its time limit used so far (the
    /// solver reports no steps, and stops at the limit at the latest), at most 0.99.
    pub progress: f64,
    /// The run's time limit in seconds.
    pub time_limit: Option<f64>,
}

/// Assemble forms from the approved pool as a background job; poll the job for the result.
#[utoipa::path(post, path = "/api/v1/blueprints/{id}/assemble", tag = "assembly", security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content = AssembleRequest, description = "optional", example = json!({"seed": 7, "time_limit": 30.0, "gap": 0.01})),
    responses((status = 202, body = JobView), (status = 403), (status = 404)))]
pub async fn assemble(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
    MaybeJson(req): MaybeJson<AssembleRequest>,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    user.require(BOARD, "assemble forms")?;
    let req = req.unwrap_or_default();
    let stored = store::get_blueprint(&state.db, user.org(), &id).await?;
    let bp = Blueprint::from_yaml(&stored.yaml).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut opts = AssemblyOptions::default();
    if let Some(s) = req.seed {
        opts.seed = s;
    }
    if let Some(t) = req.time_limit {
        if !(t > 0.0 && t <= 3600.0) {
            return Err(ApiError::bad_request("invalid_option", "time_limit must be in (0, 3600] seconds"));
        }
        opts.time_limit = t;
    }
    if let Some(g) = req.gap {
        if !(0.0..1.0).contains(&g) {
            return Err(ApiError::bad_request("invalid_option", "gap must be in [0, 1)"));
        }
        opts.gap = g;
    }
    let actor = actor(&user);
    let job = store::create_job(&state.db, &actor, &id, opts.time_limit).await?;
    audit::record(&state.db, &actor, "assembly_start", "blueprint", &id, serde_json::json!({"job": job.id}))
        .await?;
    let db = state.db.clone();
    let job_id = job.id.clone();
    let live = state.live.clone();
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        let outcome = match run_job(&db, &actor, &job_id, &id, bp, opts).await {
            Ok(status) => status,
            Err(e) => {
                tracing::error!(job = %job_id, error = %e, "assembly job failed");
                let _ = store::finish_job(&db, &job_id, "failed", None, Some(e.to_string())).await;
                "failed"
            }
        };
        live.job(&live.assembly_seconds, outcome, started.elapsed());
    });
    Ok((StatusCode::ACCEPTED, Json(job_view(job, vec![]))))
}

fn job_view(job: store::AssemblyJob, forms: Vec<String>) -> JobView {
    let progress = match (job.status.as_str(), job.time_limit) {
        ("running", Some(limit)) if limit > 0.0 => {
            let elapsed = (chrono::Utc::now() - job.created_at).num_milliseconds() as f64 / 1000.0;
            (elapsed / limit).clamp(0.0, 0.99)
        }
        ("running", _) => 0.0,
        _ => 1.0,
    };
    JobView {
        progress,
        time_limit: job.time_limit,
        id: job.id,
        blueprint_id: job.blueprint_id,
        status: job.status,
        error: job.error,
        result: job.result.and_then(|r| serde_json::from_str(&r).ok()),
        forms,
        created_at: job.created_at,
        finished_at: job.finished_at,
    }
}

/// The approved pool of the blueprint's subject with each item's stored version and exposure.
async fn pool(
    db: &DatabaseConnection,
    org: &str,
    bp: &Blueprint,
) -> ApiResult<(Vec<Item>, HashMap<String, i32>)> {
    let filter = ItemFilter {
        subject: Some(bp.subject.clone()),
        grade: bp.grade.map(i32::from),
        status: Some("approved".into()),
        ..Default::default()
    };
    let found = items::all_current(db, org, &Visibility::All, &filter).await?;
    let uses = store::exposure_counts(db).await?;
    let mut versions = HashMap::new();
    let items = found
        .into_iter()
        .map(|v| {
            versions.insert(v.item.id.clone(), v.version);
            let mut item = v.item;
            item.uses += uses.get(&item.id).copied().unwrap_or(0);
            item
        })
        .collect();
    Ok((items, versions))
}

async fn run_job(
    db: &DatabaseConnection,
    actor: &Actor,
    job_id: &str,
    blueprint_id: &str,
    bp: Blueprint,
    opts: AssemblyOptions,
) -> ApiResult<&'static str> {
    let (mut pool, versions) = pool(db, &actor.org_id, &bp).await?;
    super::enemies::add_confirmed(db, &actor.org_id, &mut pool).await?;
    let outcome = tokio::task::spawn_blocking(move || {
        // The job's time limit runs from here, on the wall clock.
        let started = std::time::Instant::now();
        khaothi_assembly::assemble(&bp, &pool, &opts, &move || started.elapsed())
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    match outcome {
        Ok(result) => {
            let txn = begin_write(db).await?;
            for f in &result.forms {
                let mut form: Form = f.form.clone();
                for it in &mut form.items {
                    it.version = versions.get(&it.item_id).map(|v| *v as u32);
                }
                let id = format!("{job_id}-{}", f.id);
                let content = serde_json::json!({
                    "form": form, "versions": f.versions, "information": f.information, "report": f.report,
                });
                store::insert_form(&txn, &actor.org_id, &id, job_id, blueprint_id, &content.to_string())
                    .await?;
            }
            let summary = serde_json::to_string(&result).map_err(|e| ApiError::Internal(e.to_string()))?;
            store::finish_job(&txn, job_id, "done", Some(summary), None).await?;
            txn.commit().await?;
            Ok("done")
        }
        Err(AssemblyError::Infeasible(diagnosis)) => {
            let json = serde_json::to_string(&diagnosis).ok();
            store::finish_job(db, job_id, "infeasible", json, Some(diagnosis.summary())).await?;
            Ok("infeasible")
        }
        Err(e) => {
            store::finish_job(db, job_id, "failed", None, Some(e.to_string())).await?;
            Ok("failed")
        }
    }
}

/// An assembly job: its status, and the forms once done (or the diagnosis when infeasible).
#[utoipa::path(get, path = "/api/v1/assembly-jobs/{id}", tag = "assembly", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = JobView), (status = 404)))]
pub async fn get_job(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<JobView>> {
    user.require(BOARD, "read assembly jobs")?;
    let job = store::get_job(&state.db, user.org(), &id).await?;
    let forms = store::forms_of_job(&state.db, user.org(), &id).await?.into_iter().map(|f| f.id).collect();
    Ok(Json(job_view(job, forms)))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct FormView {
    pub id: String,
    pub job_id: String,
    pub blueprint_id: String,
    #[schema(value_type = Object)]
    pub form: Form,
    #[schema(value_type = Vec<Object>)]
    pub versions: Vec<Version>,
    #[schema(value_type = Object)]
    pub information: serde_json::Value,
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
    pub frozen_by: Option<String>,
    pub frozen_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Deserialize)]
struct FormContent {
    form: Form,
    versions: Vec<Version>,
    information: serde_json::Value,
    report: serde_json::Value,
}

pub(crate) fn form_view(f: store::StoredForm) -> ApiResult<FormView> {
    let c: FormContent =
        serde_json::from_str(&f.content).map_err(|e| ApiError::Internal(format!("form {}: {e}", f.id)))?;
    Ok(FormView {
        id: f.id,
        job_id: f.job_id,
        blueprint_id: f.blueprint_id,
        form: c.form,
        versions: c.versions,
        information: c.information,
        report: c.report,
        frozen_by: f.frozen_by,
        frozen_at: f.frozen_at,
    })
}

/// A form with its versions, statistics and freeze record.
#[utoipa::path(get, path = "/api/v1/forms/{id}", tag = "assembly", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = FormView), (status = 404)))]
pub async fn get_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<FormView>> {
    user.require(BOARD, "read forms")?;
    let f = store::get_form(&state.db, user.org(), &id).await?;
    audit::record(&state.db, &actor(&user), "form_read", "form", &id, serde_json::json!({})).await?;
    Ok(Json(form_view(f)?))
}

/// Freeze a form: pins its item versions, records who and when, counts exposure.
#[utoipa::path(post, path = "/api/v1/forms/{id}/freeze", tag = "assembly", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = FormView), (status = 404), (status = 409)))]
pub async fn freeze_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<FormView>> {
    user.require(BOARD, "freeze forms")?;
    let f = form_view(store::get_form(&state.db, user.org(), &id).await?)?;
    let mut pinned = Vec::new();
    for it in &f.form.items {
        let v = it.version.ok_or_else(|| {
            ApiError::Conflict(format!("item {} on form {id} has no pinned version", it.item_id))
        })?;
        // The pinned version must still exist and be approved.
        let stored = items::get(&state.db, user.org(), &it.item_id, Some(v as i32)).await?;
        if stored.item.status != khaothi_domain::ReviewStatus::Approved {
            return Err(ApiError::Conflict(format!(
                "item {} v{v} is {} now; assemble again from the approved pool",
                it.item_id, stored.item.status
            )));
        }
        pinned.push((it.item_id.clone(), v as i32));
    }
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let frozen = store::freeze_form(&txn, &actor, &id, &pinned).await?;
    audit::record(&txn, &actor, "form_freeze", "form", &id, serde_json::json!({"items": pinned.len()}))
        .await?;
    txn.commit().await?;
    Ok(Json(form_view(frozen)?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PrintParams {
    /// Version code (mã đề) to print, e.g. `0101`; the first version when omitted.
    pub version: Option<String>,
    /// `true`: print the answer key (đáp án) of the version, as its own document, instead of the
    /// candidate's paper (default false: the paper, which never carries a key).
    pub answers: Option<bool>,
}

/// Print a version of a form as HTML with print CSS (the paper fallback), or its answer key.
#[utoipa::path(get, path = "/api/v1/forms/{id}/print", tag = "assembly", security(("bearer" = [])), params(("id" = String, Path), PrintParams),
    responses((status = 200, content_type = "text/html"), (status = 404)))]
pub async fn print(
    State(state): State<AppState>,
    khaothi_auth::CurrentUserOrCookie(user): khaothi_auth::CurrentUserOrCookie,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<PrintParams>,
) -> ApiResult<Response> {
    user.require(BOARD, "print forms")?;
    let stored = store::get_form(&state.db, user.org(), &id).await?;
    let blueprint =
        Blueprint::from_yaml(&store::get_blueprint(&state.db, user.org(), &stored.blueprint_id).await?.yaml)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    let f = form_view(stored)?;
    let version = match &p.version {
        Some(code) => f.versions.iter().find(|v| &v.code == code).ok_or_else(|| {
            let codes: Vec<&str> = f.versions.iter().map(|v| v.code.as_str()).collect();
            ApiError::NotFound(format!("form {id} has no version {code}; it has {}", codes.join(", ")))
        })?,
        None => f.versions.first().ok_or_else(|| ApiError::NotFound(format!("form {id} has no versions")))?,
    };
    let mut by_id = HashMap::new();
    let mut passages = HashMap::new();
    for it in &f.form.items {
        let v = items::get(&state.db, user.org(), &it.item_id, it.version.map(|v| v as i32)).await?;
        if let Some(sid) = &v.item.stimulus
            && !passages.contains_key(sid)
        {
            let s = khaothi_store::stimuli::get(&state.db, user.org(), sid).await?;
            passages.insert(sid.clone(), s.text);
        }
        by_id.insert(it.item_id.clone(), v.item);
    }
    let document = if p.answers.unwrap_or(false) { Document::AnswerKey } else { Document::Paper };
    let html = print_form(&blueprint, &f.form, version, &by_id, &passages, document)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    audit::record(
        &state.db,
        &actor(&user),
        "form_print",
        "form",
        &id,
        serde_json::json!({"version": version.code, "answers": document == Document::AnswerKey}),
    )
    .await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response())
}
