//! The exam-day control room's routes (issue 18 §2; docs/protocol.md §8): delivery sites post
//! their signed reports; the board reads every site's state, one site's detail, and sets when each
//! event should be unlocked.
//!
//! `POST /api/v1/site-reports` takes no token: the report is signed with the site key, and only a
//! key an administrator registered (`POST /api/v1/sites`) is accepted — the same trust as a signed
//! result file. A report whose counter is not above the last one accepted from its site and node is
//! refused (409 `report_replayed`), so a captured report cannot be sent again.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use khaothi_auth::{CurrentUser, Role};
use khaothi_package::SitePublicKey;
use khaothi_package::site_report::{ReportError, SIGNATURE_HEADER, SiteReport, verify_report};
use khaothi_store::control_room::{self as store, Incoming};
use khaothi_store::{audit, begin_write, results};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::items::actor;
use crate::control_room::{NodeSeen, SiteName, SiteRow, SiteState, Thresholds, classify, summary};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiPath, read_body};
use crate::state::AppState;

const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];

/// How many reports of one site the detail lists.
const HISTORY: u64 = 120;

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    pub accepted: bool,
    pub site_id: String,
    pub counter: u64,
}

fn refused(e: ReportError) -> ApiError {
    match e {
        ReportError::Malformed(m) => ApiError::bad_request("report_malformed", m),
        e @ ReportError::BadSignature => ApiError::ReportRefused(e.to_string()),
    }
}

/// Receive a delivery site's control-room report (docs/formats.md "Site report"). The body is the
/// report; the `x-khaothi-signature` header its base64 Ed25519 signature with the site key.
#[utoipa::path(post, path = "/api/v1/site-reports", tag = "control_room",
    params(("x-khaothi-signature" = String, Header, description = "base64 Ed25519 signature of `khaothi-site-report/1\\n` followed by the body")),
    request_body(content = Object, content_type = "application/json", description = "The site report (docs/formats.md)",
        example = json!({"format": "khaothi-site-report/1",
            "site": {"name": "Điểm thi 01 — THPT Chu Văn An", "public_key": "ed25519:3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"},
            "node": "main", "counter": 1782541800123_u64, "sent_at": "2026-06-27T07:35:00.123Z", "software_version": "0.1.0",
            "events": [{"id": "THPT-2026-TOAN", "title": "Toán", "status": "open", "unlocked_at": "2026-06-27T07:30:00Z",
                "rooms": [{"id": "R1", "name": "Phòng 01", "candidates": 24, "not_started": 1, "in_progress": 20, "paused": 0,
                    "submitted": 2, "terminated": 0, "absent": 1, "logged_in": 20, "disconnected": 0, "incidents": 1}],
                "total": {"candidates": 24, "not_started": 1, "in_progress": 20, "paused": 0, "submitted": 2, "terminated": 0,
                    "absent": 1, "logged_in": 20, "disconnected": 0, "incidents": 1}}],
            "chains": {"responses": {"length": 48000, "head": "9f2c7a0d4e1b83f6c5a2d7e9b0f4c1a3e6d8b2f5a7c9e1d3b5f7a9c2e4d6f8b0"},
                "audit": {"length": 120, "head": "1e3d5f7a9c2e4d6f8b0a2c4e6f8d0b2a4c6e8f0d2b4a6c8e0f2d4b6a8c0e2f4d"}}})),
    responses((status = 202, body = Accepted), (status = 400, description = "malformed report"), (status = 409, description = "report_replayed: the counter is not above the last accepted"),
        (status = 413), (status = 422, description = "unknown_site, or report_refused (signature)")))]
pub async fn receive_report(
    State(state): State<AppState>,
    req: Request,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    let result = receive(&state, req).await;
    let outcome = match &result {
        Ok(_) => "accepted",
        Err(e) => e.status_and_code().1,
    };
    state.live.report(outcome);
    result.map(|a| (StatusCode::ACCEPTED, Json(a)))
}

async fn receive(state: &AppState, req: Request) -> ApiResult<Accepted> {
    let signature =
        req.headers().get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string).ok_or_else(
            || ApiError::ReportRefused(format!("the report carries no {SIGNATURE_HEADER} header")),
        )?;
    let body = read_body(req, state).await?;
    let report = SiteReport::parse(&body).map_err(refused)?;
    let key = report.site_key().map_err(refused)?;
    let Some(site) = results::site_by_key(&state.db, &key.to_string()).await? else {
        return Err(ApiError::UnknownSite(format!(
            "the report is signed by a key no site is registered with (fingerprint {}, site \"{}\"); register the site's key with POST /api/v1/sites",
            key.fingerprint(),
            report.site.name
        )));
    };
    let trusted = SitePublicKey::parse(&site.public_key).map_err(|e| ApiError::Internal(e.to_string()))?;
    verify_report(&body, &signature, &trusted).map_err(refused)?;
    let counter = i64::try_from(report.counter)
        .map_err(|_| ApiError::bad_request("report_malformed", "counter is above 2^63 - 1"))?;
    let responses_length = i64::try_from(report.chains.responses.length)
        .map_err(|_| ApiError::bad_request("report_malformed", "chains.responses.length is out of range"))?;
    let text =
        std::str::from_utf8(&body).map_err(|e| ApiError::bad_request("report_malformed", e.to_string()))?;
    let txn = begin_write(&state.db).await?;
    let incoming = Incoming {
        org_id: &site.org_id,
        site_id: &site.id,
        node: report.node.trim(),
        counter,
        sent_at: &report.sent_at,
        report: text,
        responses_length,
        received_at: Utc::now(),
    };
    store::accept(&txn, incoming).await.map_err(|e| match e {
        khaothi_store::StoreError::Conflict(m) => ApiError::ReportReplayed(m),
        other => other.into(),
    })?;
    txn.commit().await?;
    Ok(Accepted { accepted: true, site_id: site.id, counter: report.counter })
}

fn thresholds(state: &AppState) -> Thresholds {
    let c = &state.config.control_room;
    let secs = |s: u64| Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 1000));
    Thresholds {
        offline_after: secs(c.offline_after_seconds),
        stalled_after: secs(c.stalled_after_seconds),
        late_after: secs(c.late_after_minutes.saturating_mul(60)),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ControlRoom {
    pub now: DateTime<Utc>,
    pub offline_after_seconds: u64,
    pub stalled_after_seconds: u64,
    pub late_after_minutes: u64,
    /// Sites per state (each site once, by its most urgent state).
    pub summary: BTreeMap<String, usize>,
    /// Every registered site, most urgent first, then by name.
    pub sites: Vec<SiteRow>,
}

/// Every registered site with its newest reports, parsed; reports that no longer parse (a
/// format this bank no longer reads) are left out with a warning.
async fn sites_seen(state: &AppState, org: &str) -> ApiResult<Vec<(SiteName, Vec<NodeSeen>)>> {
    let sites = results::list_sites(&state.db, org).await?;
    let mut by_site: HashMap<String, Vec<NodeSeen>> = HashMap::new();
    for l in store::latest(&state.db, org).await? {
        match SiteReport::parse(l.report.as_bytes()) {
            Ok(report) => by_site.entry(l.site_id).or_default().push(NodeSeen {
                node: l.node,
                received_at: l.received_at,
                progress_at: l.progress_at,
                report,
            }),
            Err(e) => tracing::warn!(site = %l.site_id, error = %e, "a stored site report no longer reads"),
        }
    }
    Ok(sites
        .into_iter()
        .map(|s| {
            let nodes = by_site.remove(&s.id).unwrap_or_default();
            (SiteName { id: s.id, name: s.name, fingerprint: s.fingerprint }, nodes)
        })
        .collect())
}

async fn schedule_map(state: &AppState, org: &str) -> ApiResult<HashMap<String, DateTime<Utc>>> {
    Ok(store::schedule(&state.db, org).await?.into_iter().map(|s| (s.event_id, s.unlock_by)).collect())
}

/// Every registered site's state now (board): online, offline, late to unlock, with incidents,
/// stalled. The control-room page polls it every few seconds.
#[utoipa::path(get, path = "/api/v1/control-room", tag = "control_room", security(("bearer" = [])),
    responses((status = 200, body = ControlRoom), (status = 401), (status = 403)))]
pub async fn overview(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<ControlRoom>> {
    user.require(BOARD, "watch the control room")?;
    let now = Utc::now();
    let t = thresholds(&state);
    let schedule = schedule_map(&state, user.org()).await?;
    let mut rows: Vec<SiteRow> = sites_seen(&state, user.org())
        .await?
        .iter()
        .map(|(site, nodes)| classify(now, site, nodes, &schedule, &t))
        .collect();
    rows.sort_by(|a, b| a.state.cmp(&b.state).then_with(|| a.name.cmp(&b.name)));
    let c = &state.config.control_room;
    Ok(Json(ControlRoom {
        now,
        offline_after_seconds: c.offline_after_seconds,
        stalled_after_seconds: c.stalled_after_seconds,
        late_after_minutes: c.late_after_minutes,
        summary: summary(&rows).into_iter().map(|(s, n)| (state_name(s), n)).collect(),
        sites: rows,
    }))
}

fn state_name(s: SiteState) -> String {
    serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// One kept report, as the detail's history lists it.
#[derive(Serialize, ToSchema)]
pub struct HistoryPoint {
    pub received_at: DateTime<Utc>,
    pub node: String,
    pub counter: i64,
    pub in_progress: u32,
    pub submitted: u32,
    pub logged_in: u32,
    pub incidents: u32,
    pub responses_length: u64,
}

#[derive(Serialize, ToSchema)]
pub struct SiteDetail {
    pub site: SiteRow,
    /// Each node's newest report, whole (rooms included).
    #[schema(value_type = Vec<Object>)]
    pub reports: Vec<SiteReport>,
    /// The kept reports of the last hour, newest first (at most 120).
    pub history: Vec<HistoryPoint>,
}

/// One site: its state, each node's newest report with every room, and the last hour (board).
#[utoipa::path(get, path = "/api/v1/control-room/sites/{site}", tag = "control_room", security(("bearer" = [])),
    params(("site" = String, Path, description = "The site id (GET /api/v1/sites)")),
    responses((status = 200, body = SiteDetail), (status = 401), (status = 403), (status = 404)))]
pub async fn site_detail(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(site_id): ApiPath<String>,
) -> ApiResult<Json<SiteDetail>> {
    user.require(BOARD, "watch the control room")?;
    let now = Utc::now();
    let (site, nodes) = sites_seen(&state, user.org())
        .await?
        .into_iter()
        .find(|(s, _)| s.id == site_id)
        .ok_or_else(|| ApiError::NotFound(format!("no registered site {site_id}")))?;
    let schedule = schedule_map(&state, user.org()).await?;
    let row = classify(now, &site, &nodes, &schedule, &thresholds(&state));
    let kept = store::history(&state.db, user.org(), &site_id, now - Duration::hours(1), HISTORY).await?;
    let history = kept
        .into_iter()
        .filter_map(|r| {
            let rep = SiteReport::parse(r.report.as_bytes()).ok()?;
            let mut total = khaothi_package::site_report::Counts::default();
            rep.events.iter().for_each(|e| total.add(&e.total));
            Some(HistoryPoint {
                received_at: r.received_at,
                node: r.node,
                counter: r.counter,
                in_progress: total.in_progress,
                submitted: total.submitted,
                logged_in: total.logged_in,
                incidents: total.incidents,
                responses_length: rep.chains.responses.length,
            })
        })
        .collect();
    Ok(Json(SiteDetail { site: row, reports: nodes.into_iter().map(|n| n.report).collect(), history }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleEntry {
    /// The event id, as in the packages (e.g. `THPT-2026-TOAN`).
    pub event_id: String,
    /// When every site should have unlocked the event's content (RFC 3339).
    pub unlock_by: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct ScheduledView {
    pub event_id: String,
    pub unlock_by: DateTime<Utc>,
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

impl From<store::Scheduled> for ScheduledView {
    fn from(s: store::Scheduled) -> Self {
        Self { event_id: s.event_id, unlock_by: s.unlock_by, set_by: s.set_by, set_at: s.set_at }
    }
}

/// The unlock schedule (board): when each event should be unlocked at every site.
#[utoipa::path(get, path = "/api/v1/control-room/schedule", tag = "control_room", security(("bearer" = [])),
    responses((status = 200, body = Vec<ScheduledView>), (status = 401), (status = 403)))]
pub async fn get_schedule(
    State(state): State<AppState>,
    user: CurrentUser,
) -> ApiResult<Json<Vec<ScheduledView>>> {
    user.require(BOARD, "read the unlock schedule")?;
    Ok(Json(store::schedule(&state.db, user.org()).await?.into_iter().map(Into::into).collect()))
}

/// Set (or move) an event's unlock time (board); sites still locked after it (and the
/// configured grace) show as late.
#[utoipa::path(put, path = "/api/v1/control-room/schedule", tag = "control_room", security(("bearer" = [])),
    request_body(content = ScheduleEntry, example = json!({"event_id": "THPT-2026-TOAN", "unlock_by": "2026-06-27T07:30:00+07:00"})),
    responses((status = 200, body = ScheduledView), (status = 400), (status = 401), (status = 403)))]
pub async fn set_schedule(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<ScheduleEntry>,
) -> ApiResult<Json<ScheduledView>> {
    user.require(BOARD, "set the unlock schedule")?;
    let event = req.event_id.trim();
    if event.is_empty() || event.chars().count() > khaothi_package::site_report::MAX_TEXT {
        return Err(ApiError::bad_request("invalid_event", "event_id must have 1 to 200 characters"));
    }
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let row = store::set_unlock_by(&txn, &actor, event, req.unlock_by).await?;
    audit::record(
        &txn,
        &actor,
        "unlock_scheduled",
        "event",
        event,
        serde_json::json!({"unlock_by": req.unlock_by}),
    )
    .await?;
    txn.commit().await?;
    Ok(Json(row.into()))
}

/// Remove an event from the unlock schedule (board).
#[utoipa::path(delete, path = "/api/v1/control-room/schedule/{event}", tag = "control_room", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn unschedule(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(event): ApiPath<String>,
) -> ApiResult<StatusCode> {
    user.require(BOARD, "change the unlock schedule")?;
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    if !store::unschedule(&txn, user.org(), &event).await? {
        return Err(ApiError::NotFound(format!("event {event} is not in the schedule")));
    }
    audit::record(&txn, &actor, "unlock_unscheduled", "event", &event, serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
