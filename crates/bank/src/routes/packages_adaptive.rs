//! Adaptive packages from the bank (issue 20 §3): a pool of approved, calibrated items and a CAT
//! design — the same choices as `khaothi cat simulate` — sealed and signed like any package
//! (`khaothi_package::build_adaptive_package`). Items without IRT parameters are left out and
//! named in the answer. The two release keys are returned once, never stored; an adaptive event's
//! keys are released with its content (docs/protocol.md §6).

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use khaothi_auth::CurrentUser;
use khaothi_cat::{Design, Pool, PoolWarning, Selection, Stopping};
use khaothi_domain::{Item, ReviewStatus};
use khaothi_package::{ADAPTIVE_FORM, AdaptiveInput, BuiltPackage, build_adaptive_package};
use khaothi_store::{items, stimuli};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::packages::{BOARD, PackageHeader, ReleaseKeyView, record_built, shown_media, valid_event_id};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;

/// The most items a pool may name (the engine's own bound).
const MAX_POOL: usize = khaothi_cat::pool::MAX_POOL_ITEMS;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdaptivePackage {
    /// The exam event the package is for; the delivery server refuses it for any other event.
    pub event_id: String,
    /// Shown to candidates; the event id when omitted.
    pub title: Option<String>,
    /// The test's length in minutes (45 when omitted).
    pub duration_minutes: Option<u32>,
    /// The pool: approved items by id, at their current version. Items without IRT parameters are
    /// left out (named in `left_out`).
    pub items: Vec<String>,
    /// Fixed test length; or `stop_se` with `min_length` and `max_length`.
    pub length: Option<u32>,
    pub stop_se: Option<f64>,
    pub min_length: Option<u32>,
    pub max_length: Option<u32>,
    /// `mfi` (default) or `kl`.
    pub selection: Option<String>,
    /// Randomesque-k (1 when omitted).
    pub randomesque: Option<u32>,
    /// Sympson–Hetter parameters by item id; turns Sympson–Hetter control on.
    pub exposure: Option<BTreeMap<String, f64>>,
    /// A stored blueprint: content balancing by shadow tests against it.
    pub blueprint_id: Option<String>,
    /// Prior mean of θ (0 when omitted).
    pub theta_mean: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct LeftOut {
    pub item: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct BuiltAdaptivePackageView {
    pub id: String,
    pub event_id: String,
    #[schema(value_type = Object)]
    pub manifest: serde_json::Value,
    /// Where to download the package file.
    pub file: String,
    pub signer: String,
    pub pool_items: usize,
    /// Items of the request not in the pool, and why.
    pub left_out: Vec<LeftOut>,
    /// Released at the start time, with `keys_key` (an adaptive event scores as it goes).
    pub content_key: ReleaseKeyView,
    pub keys_key: ReleaseKeyView,
}

/// The design the request describes; every problem named.
async fn design(state: &AppState, org: &str, req: &NewAdaptivePackage) -> ApiResult<Design> {
    let bad = |m: String| ApiError::bad_request("invalid_design", m);
    let stop = match (req.length, req.stop_se, req.min_length, req.max_length) {
        (Some(length), None, None, None) => Stopping::FixedLength { length },
        (None, Some(se), Some(min_length), Some(max_length)) => {
            Stopping::Precision { se, min_length, max_length }
        }
        _ => return Err(bad("give `length`, or `stop_se` with `min_length` and `max_length`".into())),
    };
    let selection: Selection = req.selection.as_deref().unwrap_or("mfi").parse().map_err(bad)?;
    let blueprint = match &req.blueprint_id {
        Some(id) => {
            let bp = khaothi_store::assembly::get_blueprint(&state.db, org, id).await?;
            Some(
                khaothi_assembly::Blueprint::from_yaml(&bp.yaml)
                    .map_err(|e| ApiError::Internal(format!("stored blueprint {id}: {e}")))?,
            )
        }
        None => None,
    };
    Ok(Design {
        prior_mean: req.theta_mean.unwrap_or(0.0),
        prior_sd: 1.0,
        selection,
        randomesque: req.randomesque.unwrap_or(1),
        sympson_hetter: req.exposure.is_some(),
        stop,
        blueprint,
    })
}

/// The named items at their current version (each approved) and the passages they share.
async fn pool_items(
    state: &AppState,
    org: &str,
    ids: &[String],
) -> ApiResult<(Vec<Item>, BTreeMap<String, String>)> {
    let mut out = Vec::with_capacity(ids.len());
    let mut seen = std::collections::HashSet::new();
    let mut passages = BTreeMap::new();
    for id in ids {
        if !seen.insert(id.as_str()) {
            return Err(ApiError::bad_request("duplicate_item", format!("item {id} is named twice")));
        }
        let item = items::get(&state.db, org, id, None).await?.item;
        if item.status != ReviewStatus::Approved {
            return Err(ApiError::Conflict(format!(
                "item {id} is not approved; only approved items go in a pool"
            )));
        }
        if let Some(s) = &item.stimulus
            && !passages.contains_key(s)
        {
            let v = stimuli::latest_approved(&state.db, org, s).await?.ok_or_else(|| {
                ApiError::Conflict(format!("stimulus {s} of item {id} has no approved version"))
            })?;
            passages.insert(s.clone(), stimuli::version(&state.db, org, s, v.version).await?.text);
        }
        out.push(item);
    }
    Ok((out, passages))
}

/// Build a signed, encrypted adaptive package (a CAT pool and design) for an event.
#[utoipa::path(post, path = "/api/v1/packages/adaptive", tag = "packages", security(("bearer" = [])),
    request_body(content = NewAdaptivePackage, example = json!({"event_id": "KT-10A", "title": "Kiểm tra định kỳ – Toán 10", "items": ["TOAN10-0001", "TOAN10-0002"], "length": 20, "randomesque": 5})),
    responses((status = 201, body = BuiltAdaptivePackageView), (status = 400), (status = 404), (status = 409), (status = 422)))]
pub async fn build_adaptive(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewAdaptivePackage>,
) -> ApiResult<(StatusCode, Json<BuiltAdaptivePackageView>)> {
    user.require(BOARD, "build exam packages")?;
    let event = req.event_id.trim().to_string();
    if !valid_event_id(&event) {
        return Err(ApiError::bad_request(
            "invalid_event_id",
            "event_id must be 1–64 characters without '/' or control characters",
        ));
    }
    if req.items.is_empty() || req.items.len() > MAX_POOL {
        return Err(ApiError::bad_request(
            "invalid_pool",
            format!("name 1 to {MAX_POOL} items for the pool"),
        ));
    }
    let design = design(&state, user.org(), &req).await?;
    let (items, passages) = pool_items(&state, user.org(), &req.items).await?;
    let media = shown_media(&state, user.org(), &items, &passages).await?;
    let invalid = |e: String| ApiError::Invalid { message: e, errors: Vec::new() };
    let (mut pool, left_out) = Pool::from_bank_items(&items).map_err(|e| invalid(e.to_string()))?;
    if let Some(k) = &req.exposure {
        let k: HashMap<String, f64> = k.iter().map(|(id, v)| (id.clone(), *v)).collect();
        pool = pool.with_exposure(&k).map_err(|e| invalid(e.to_string()))?;
    }
    let header = PackageHeader {
        package_id: format!("PKG-{}", uuid::Uuid::now_v7().simple()),
        event_id: event.clone(),
        title: req.title.as_deref().map(str::trim).filter(|t| !t.is_empty()).unwrap_or(&event).to_string(),
        subject: items.first().map(|i| i.subject.clone()).unwrap_or_default(),
        duration_minutes: req.duration_minutes.unwrap_or(45),
    };
    let built = seal(&state, header.clone(), items, passages, media, pool, design).await?;
    let summary = serde_json::json!({"event": event, "adaptive": true, "pool_items": built.1, "left_out": left_out.len()});
    let forms = [ADAPTIVE_FORM.to_string()];
    let manifest = record_built(&state, &user, &header, &forms, &built.0, summary).await?;
    let package_id = header.package_id;
    let keys = |k: &khaothi_package::ReleaseKey| ReleaseKeyView { hex: k.to_hex(), code: k.to_code() };
    Ok((
        StatusCode::CREATED,
        Json(BuiltAdaptivePackageView {
            file: format!("/api/v1/packages/{package_id}/file"),
            id: package_id,
            event_id: event,
            manifest,
            signer: state.board_key.public().to_string(),
            pool_items: built.1,
            left_out: left_out
                .into_iter()
                .map(|PoolWarning { item, message }| LeftOut { item, message })
                .collect(),
            content_key: keys(&built.0.content_key),
            keys_key: keys(&built.0.keys_key),
        }),
    ))
}

/// Validates the design against the pool, renders, seals and signs off the async runtime.
async fn seal(
    state: &AppState,
    header: PackageHeader,
    items: Vec<Item>,
    passages: BTreeMap<String, String>,
    media: BTreeMap<String, khaothi_package::MediaFile>,
    pool: Pool,
    design: Design,
) -> ApiResult<(BuiltPackage, usize)> {
    let signer = state.board_key.clone();
    tokio::task::spawn_blocking(move || {
        let input = AdaptiveInput {
            package_id: header.package_id,
            event_id: header.event_id,
            title: header.title,
            subject: header.subject,
            duration_minutes: header.duration_minutes,
            created_at: chrono::Utc::now().to_rfc3339(),
            items: &items,
            stimuli: &passages,
            media: &media,
            pool: &pool,
            design: &design,
        };
        build_adaptive_package(&input, &signer, &mut rand::rng()).map(|b| (b, pool.len()))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("package build task: {e}")))?
    .map_err(|e| ApiError::Invalid { message: e.to_string(), errors: Vec::new() })
}
