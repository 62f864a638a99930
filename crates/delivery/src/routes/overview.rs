//! What the site's staff watch from the console (issue 13): every room of an event at a glance
//! (logged in, in progress, submitted, absent, disconnected, incidents) and the exam's progress
//! over time. Both are derived from what the server already keeps — the candidates' sessions,
//! the live connections, the room logs and the response log — so nothing is sampled or stored
//! twice, and a restarted server draws the same curve.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use khaothi_auth::CurrentUser;
use khaothi_package::is_answered;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::load_event;
use crate::error::ApiResult;
use crate::json::Path;
use crate::routes::BOARD;
use crate::session::{self, SessionStatus};
use crate::state::AppState;
use crate::store;
use crate::store::entity::{candidate, response};

/// One room's counts. A candidate is counted once under `not_started`, `in_progress`, `paused`,
/// `submitted`, `terminated` or `absent`; `connected` and `disconnected` cut across them
/// (`disconnected`: sitting — in progress or paused — with no open connection).
#[derive(Serialize, ToSchema, Default, Debug, PartialEq)]
pub struct RoomCounts {
    pub candidates: u32,
    pub not_started: u32,
    pub in_progress: u32,
    pub paused: u32,
    pub submitted: u32,
    pub terminated: u32,
    pub absent: u32,
    /// Candidates whose page holds a connection now (logged in).
    pub connected: u32,
    pub disconnected: u32,
    /// Entries of the room's log (proctor actions and incident notes).
    pub incidents: u32,
}

#[derive(Serialize, ToSchema)]
pub struct RoomOverview {
    pub id: String,
    pub name: String,
    pub seats: i32,
    /// The seat layout, when the board gave one (routes::layout).
    pub layout: Option<crate::routes::layout::Layout>,
    #[serde(flatten)]
    pub counts: RoomCounts,
}

/// The site overview of one event.
#[derive(Serialize, ToSchema)]
pub struct SiteOverview {
    pub event: String,
    pub server_time: DateTime<Utc>,
    pub rooms: Vec<RoomOverview>,
    /// The sum over the rooms.
    pub total: RoomCounts,
}

impl RoomCounts {
    fn add(&mut self, c: &candidate::Model, connected: bool) {
        self.candidates += 1;
        let status = session::status(c);
        match status {
            SessionStatus::NotStarted => self.not_started += 1,
            SessionStatus::InProgress => self.in_progress += 1,
            SessionStatus::Paused => self.paused += 1,
            SessionStatus::Submitted => self.submitted += 1,
            SessionStatus::Terminated => self.terminated += 1,
            SessionStatus::Absent => self.absent += 1,
        }
        if connected {
            self.connected += 1;
        } else if matches!(status, SessionStatus::InProgress | SessionStatus::Paused) {
            self.disconnected += 1;
        }
    }

    fn sum(&mut self, o: &RoomCounts) {
        self.candidates += o.candidates;
        self.not_started += o.not_started;
        self.in_progress += o.in_progress;
        self.paused += o.paused;
        self.submitted += o.submitted;
        self.terminated += o.terminated;
        self.absent += o.absent;
        self.connected += o.connected;
        self.disconnected += o.disconnected;
        self.incidents += o.incidents;
    }
}

/// Every room of the event with its counts (board). The console polls it every few seconds.
#[utoipa::path(get, path = "/api/v1/events/{event}/overview", tag = "events", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    responses((status = 200, body = SiteOverview), (status = 401), (status = 403), (status = 404)))]
pub async fn overview(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<SiteOverview>> {
    user.require(BOARD, "watch the site's rooms")?;
    load_event(&s, &id).await?;
    let (out, total) = event_rooms(&s, &id).await?;
    Ok(Json(SiteOverview { event: id, server_time: Utc::now(), rooms: out, total }))
}

/// Every room of an event with its counts, and their sum (the overview; the control-room report,
/// crate::control_room).
pub async fn event_rooms(s: &AppState, id: &str) -> ApiResult<(Vec<RoomOverview>, RoomCounts)> {
    let rooms = store::rooms::of_event(&s.db.read, id).await?;
    let cands = store::candidates::of_event(&s.db.read, id).await?;
    let mut by_room: HashMap<&str, RoomCounts> = HashMap::new();
    for c in &cands {
        by_room.entry(c.room_id.as_str()).or_default().add(c, s.hub.rooms.is_connected(&c.id));
    }
    let layouts = store::room_layouts::all(&s.db.read).await?;
    let mut total = RoomCounts::default();
    let mut out = Vec::with_capacity(rooms.len());
    for r in &rooms {
        let mut counts = by_room.remove(r.id.as_str()).unwrap_or_default();
        counts.incidents = store::room_log::of_room(&s.db.read, &r.id).await?.len() as u32;
        total.sum(&counts);
        let layout = layouts.get(&r.id).map(|&(rows, columns)| crate::routes::layout::Layout {
            rows: rows as u32,
            columns: columns as u32,
        });
        out.push(RoomOverview { id: r.id.clone(), name: r.name.clone(), seats: r.seats, layout, counts });
    }
    Ok((out, total))
}

/// One point of the progress curve: counts reached by `at` (the first point, at the first step's
/// start, is all zeros).
#[derive(Serialize, ToSchema, Debug, PartialEq)]
pub struct ProgressPoint {
    pub at: DateTime<Utc>,
    /// Candidates who had started.
    pub started: u32,
    /// Questions answered (a candidate's question counts from its first non-empty answer).
    pub answered: u32,
    /// Candidates who had submitted (or were submitted for).
    pub submitted: u32,
}

#[derive(Serialize, ToSchema)]
pub struct Progress {
    pub event: String,
    /// Minutes per point (1, or more for a long exam: at most [`MAX_POINTS`] points).
    pub step_minutes: i64,
    pub points: Vec<ProgressPoint>,
}

/// Points of a progress curve at most: a day-long exam is drawn with 10-minute steps.
pub const MAX_POINTS: i64 = 180;

/// The exam's progress over time (board): started, answered and submitted counts per minute,
/// from the candidates' sessions and the response log.
#[utoipa::path(get, path = "/api/v1/events/{event}/progress", tag = "events", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    responses((status = 200, body = Progress), (status = 401), (status = 403), (status = 404)))]
pub async fn progress(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Progress>> {
    user.require(BOARD, "watch the exam's progress")?;
    load_event(&s, &id).await?;
    let cands = store::candidates::of_event(&s.db.read, &id).await?;
    let ids: Vec<String> = cands.iter().map(|c| c.id.clone()).collect();
    let mut first_answer: HashMap<(String, String), DateTime<Utc>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows = response::Entity::find()
            .filter(response::Column::CandidateId.is_in(chunk.to_vec()))
            .all(&s.db.read)
            .await?;
        for r in rows {
            let answered = serde_json::from_str(&r.value).is_ok_and(|v| is_answered(&v));
            if answered {
                let at = first_answer.entry((r.candidate_id, r.item_id)).or_insert(r.received_at);
                *at = (*at).min(r.received_at);
            }
        }
    }
    let events = Timeline {
        started: cands.iter().filter_map(|c| c.started_at).collect(),
        answered: first_answer.into_values().collect(),
        submitted: cands.iter().filter_map(|c| c.submitted_at).collect(),
    };
    let (step, points) = events.points(Utc::now());
    Ok(Json(Progress { event: id, step_minutes: step, points }))
}

/// The moments things happened, before they are counted per step.
struct Timeline {
    started: Vec<DateTime<Utc>>,
    answered: Vec<DateTime<Utc>>,
    submitted: Vec<DateTime<Utc>>,
}

impl Timeline {
    /// Cumulative counts per step from the first start to `now` (or the last event, when the exam
    /// is over and nobody sits any more). Empty before anyone started.
    fn points(&self, now: DateTime<Utc>) -> (i64, Vec<ProgressPoint>) {
        let all = || self.started.iter().chain(&self.answered).chain(&self.submitted);
        let Some(first) = all().min().copied() else { return (1, Vec::new()) };
        let sitting = self.started.len() > self.submitted.len();
        let last = if sitting { now.max(first) } else { all().max().copied().unwrap_or(first) };
        let span = (last - first).num_minutes() + 1;
        let step = (span + MAX_POINTS - 1) / MAX_POINTS;
        let step = step.max(1);
        let width = TimeDelta::minutes(step);
        let start = first.duration_trunc(TimeDelta::minutes(1)).unwrap_or(first);
        let bucket = |t: &DateTime<Utc>| ((*t - start).num_seconds() / width.num_seconds()).max(0);
        let counts = |times: &[DateTime<Utc>]| {
            let mut per: BTreeMap<i64, u32> = BTreeMap::new();
            for t in times {
                *per.entry(bucket(t)).or_default() += 1;
            }
            per
        };
        let (st, an, su) = (counts(&self.started), counts(&self.answered), counts(&self.submitted));
        let n = bucket(&last) + 1;
        let mut acc = (0, 0, 0);
        // A zero point at the first step's start: even one minute of exam draws a line.
        let zero = ProgressPoint { at: start, started: 0, answered: 0, submitted: 0 };
        let points = std::iter::once(zero)
            .chain((0..n).map(|i| {
                acc.0 += st.get(&i).copied().unwrap_or(0);
                acc.1 += an.get(&i).copied().unwrap_or(0);
                acc.2 += su.get(&i).copied().unwrap_or(0);
                ProgressPoint {
                    at: start + width * (i as i32 + 1),
                    started: acc.0,
                    answered: acc.1,
                    submitted: acc.2,
                }
            }))
            .collect();
        (step, points)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(min: i64, sec: i64) -> DateTime<Utc> {
        "2026-12-05T07:00:00Z".parse::<DateTime<Utc>>().unwrap()
            + TimeDelta::minutes(min)
            + TimeDelta::seconds(sec)
    }

    #[test]
    fn the_curve_is_cumulative_per_minute_and_ends_at_the_last_submission() {
        let tl = Timeline {
            started: vec![t(0, 10), t(0, 50), t(2, 0)],
            answered: vec![t(1, 0), t(1, 30), t(3, 5), t(3, 6)],
            submitted: vec![t(3, 10), t(4, 0), t(4, 59)],
        };
        let (step, points) = tl.points(t(60, 0));
        assert_eq!(step, 1);
        assert_eq!(points.len(), 6, "{points:?}");
        let row = |i: usize| (points[i].started, points[i].answered, points[i].submitted);
        assert_eq!(row(0), (0, 0, 0));
        assert_eq!(row(1), (2, 0, 0));
        assert_eq!(row(2), (2, 2, 0));
        assert_eq!(row(4), (3, 4, 1));
        assert_eq!(row(5), (3, 4, 3));
        assert_eq!((points[0].at, points[1].at), (t(0, 0), t(1, 0)));
    }

    #[test]
    fn while_candidates_sit_the_curve_runs_to_now_and_a_long_exam_takes_wider_steps() {
        let tl = Timeline { started: vec![t(0, 0)], answered: vec![], submitted: vec![] };
        let (step, points) = tl.points(t(9, 30));
        assert_eq!((step, points.len()), (1, 11));
        let (step, points) = tl.points(t(600, 0));
        assert_eq!(step, 4);
        assert!(points.len() as i64 <= MAX_POINTS + 1, "{}", points.len());
        assert_eq!(points.last().unwrap().started, 1);
        let empty = Timeline { started: vec![], answered: vec![], submitted: vec![] };
        assert!(empty.points(t(0, 0)).1.is_empty());
    }

    #[test]
    fn room_counts_sum_and_a_sitting_candidate_without_a_connection_is_disconnected() {
        let mut a =
            RoomCounts { candidates: 2, in_progress: 1, disconnected: 1, incidents: 3, ..Default::default() };
        let b = RoomCounts { candidates: 1, submitted: 1, ..Default::default() };
        a.sum(&b);
        assert_eq!((a.candidates, a.submitted, a.incidents, a.disconnected), (3, 1, 3, 1));
    }
}
