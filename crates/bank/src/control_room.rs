//! The exam-day control room (issue 18 §2; docs/operations.md, "The exam-day control room"):
//! what the board sees of every registered delivery site from the reports the sites send while
//! they are online (docs/formats.md, "Site report").
//!
//! A site is in one state, the most urgent that applies, and carries every flag that applies:
//! - `offline`: no report within `offline_after_seconds` (or never). Nothing more is known: a site
//!   runs its exam without the network, so offline is not an alarm by itself;
//! - `stalled`: it reports, candidates are in progress in an unlocked event, and its response
//!   chain has not grown for `stalled_after_seconds` (answers are not being saved);
//! - `late`: an event the board scheduled is still locked at the site `late_after_minutes` after
//!   its unlock time;
//! - `incidents`: its open events' room logs have entries (proctor actions and notes);
//! - `online`: none of these.
//!
//! The classification here is pure (over parsed reports); [`spawn_purge`] is the retention task.
//! The routes are in `routes::control_room`, storage in `khaothi_store::control_room`.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use khaothi_package::result_file::ChainHeads;
use khaothi_package::site_report::{Counts, SiteReport};
use serde::Serialize;
use utoipa::ToSchema;

/// A site's state, most urgent first (the order the page sorts by).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SiteState {
    Offline,
    Stalled,
    Late,
    Incidents,
    Online,
}

impl SiteState {
    pub const ALL: [SiteState; 5] =
        [SiteState::Offline, SiteState::Stalled, SiteState::Late, SiteState::Incidents, SiteState::Online];
}

/// The thresholds of the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub offline_after: Duration,
    pub stalled_after: Duration,
    pub late_after: Duration,
}

/// One node's newest accepted report.
#[derive(Debug, Clone)]
pub struct NodeSeen {
    pub node: String,
    pub received_at: DateTime<Utc>,
    /// When its response chain last grew.
    pub progress_at: DateTime<Utc>,
    pub report: SiteReport,
}

/// A registered site, as the control room names it.
#[derive(Debug, Clone)]
pub struct SiteName {
    pub id: String,
    pub name: String,
    pub fingerprint: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NodeView {
    pub node: String,
    pub received_at: DateTime<Utc>,
    pub online: bool,
}

/// An event as the newest report of the site states it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub id: String,
    pub title: String,
    /// `created`, `packaged`, `open` or `scored`.
    pub status: String,
    pub unlocked_at: Option<String>,
    /// The board's scheduled unlock time, when it set one.
    pub unlock_by: Option<DateTime<Utc>>,
    pub late: bool,
    #[schema(value_type = Object)]
    pub total: Counts,
}

/// One row of the control room.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiteRow {
    pub site_id: String,
    pub name: String,
    pub fingerprint: String,
    pub state: SiteState,
    /// Every state that applies besides `online` (the most urgent is `state`).
    pub flags: Vec<SiteState>,
    pub last_report_at: Option<DateTime<Utc>>,
    /// Seconds since the newest report.
    pub age_seconds: Option<i64>,
    pub software_version: Option<String>,
    pub nodes: Vec<NodeView>,
    pub events: Vec<EventView>,
    /// The sum over the site's events.
    #[schema(value_type = Object)]
    pub total: Counts,
    /// The incidents of its unlocked events.
    pub incidents: u32,
    #[schema(value_type = Object)]
    pub chains: Option<ChainHeads>,
}

/// Classifies one site from its nodes' newest reports (any order).
pub fn classify(
    now: DateTime<Utc>,
    site: &SiteName,
    nodes: &[NodeSeen],
    schedule: &HashMap<String, DateTime<Utc>>,
    t: &Thresholds,
) -> SiteRow {
    let newest = nodes.iter().max_by_key(|n| n.received_at);
    let online = |n: &NodeSeen| now - n.received_at <= t.offline_after;
    let mut flags = Vec::new();
    let mut events = Vec::new();
    let mut total = Counts::default();
    let mut incidents = 0u32;
    if let Some(n) = newest.filter(|n| online(n)) {
        for e in &n.report.events {
            let unlock_by = schedule.get(&e.id).copied();
            let locked = matches!(e.status.as_str(), "created" | "packaged");
            let late = locked && unlock_by.is_some_and(|at| now > at + t.late_after);
            if e.status == "open" {
                incidents = incidents.saturating_add(e.total.incidents);
            }
            total.add(&e.total);
            events.push(EventView {
                id: e.id.clone(),
                title: e.title.clone(),
                status: e.status.clone(),
                unlocked_at: e.unlocked_at.clone(),
                unlock_by,
                late,
                total: e.total,
            });
        }
        let sitting = n.report.events.iter().any(|e| e.status == "open" && e.total.in_progress > 0);
        if sitting && now - n.progress_at > t.stalled_after {
            flags.push(SiteState::Stalled);
        }
        if events.iter().any(|e| e.late) {
            flags.push(SiteState::Late);
        }
        if incidents > 0 {
            flags.push(SiteState::Incidents);
        }
    } else {
        flags.push(SiteState::Offline);
        // What the site said last stays readable, without judging it.
        if let Some(n) = newest {
            events = n
                .report
                .events
                .iter()
                .map(|e| EventView {
                    id: e.id.clone(),
                    title: e.title.clone(),
                    status: e.status.clone(),
                    unlocked_at: e.unlocked_at.clone(),
                    unlock_by: schedule.get(&e.id).copied(),
                    late: false,
                    total: e.total,
                })
                .collect();
        }
    }
    let state = flags.first().copied().unwrap_or(SiteState::Online);
    let mut node_views: Vec<NodeView> = nodes
        .iter()
        .map(|n| NodeView { node: n.node.clone(), received_at: n.received_at, online: online(n) })
        .collect();
    node_views.sort_by(|a, b| a.node.cmp(&b.node));
    SiteRow {
        site_id: site.id.clone(),
        name: site.name.clone(),
        fingerprint: site.fingerprint.clone(),
        state,
        flags,
        last_report_at: newest.map(|n| n.received_at),
        age_seconds: newest.map(|n| (now - n.received_at).num_seconds().max(0)),
        software_version: newest.map(|n| n.report.software_version.clone()),
        nodes: node_views,
        events,
        total,
        incidents,
        chains: newest.map(|n| n.report.chains.clone()),
    }
}

/// Purges reports older than the retention, every minute, for as long as the runtime runs (the
/// newest report of each site node stays).
pub fn spawn_purge(db: khaothi_store::DatabaseConnection, retention_hours: u64) {
    let keep = Duration::hours(i64::try_from(retention_hours).unwrap_or(i64::MAX / 3_600_000));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            let Some(before) = Utc::now().checked_sub_signed(keep) else { continue };
            match khaothi_store::control_room::purge(&db, before).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "control-room reports past their retention purged"),
                Err(e) => tracing::warn!(error = %e, "control-room reports could not be purged"),
            }
        }
    });
}

/// How many sites are in each state (by `state`, so they add up to the sites).
pub fn summary(rows: &[SiteRow]) -> Vec<(SiteState, usize)> {
    SiteState::ALL.iter().map(|s| (*s, rows.iter().filter(|r| r.state == *s).count())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use khaothi_package::result_file::{ChainHead, SiteInfo};
    use khaothi_package::site_report::{EventReport, REPORT_FORMAT};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn t() -> Thresholds {
        Thresholds {
            offline_after: Duration::seconds(30),
            stalled_after: Duration::seconds(300),
            late_after: Duration::minutes(5),
        }
    }

    fn report(status: &str, in_progress: u32, incidents: u32) -> SiteReport {
        let total = Counts { candidates: 24, in_progress, incidents, ..Counts::default() };
        SiteReport {
            format: REPORT_FORMAT.into(),
            site: SiteInfo { name: "S".into(), public_key: String::new() },
            node: "main".into(),
            counter: 1,
            sent_at: "2026-06-27T07:00:00Z".into(),
            software_version: "0.1.0".into(),
            events: vec![EventReport {
                id: "TOAN".into(),
                title: "Toán".into(),
                status: status.into(),
                unlocked_at: None,
                rooms: vec![],
                total,
            }],
            chains: ChainHeads {
                responses: ChainHead { length: 1, head: "0".repeat(64) },
                audit: ChainHead { length: 1, head: "0".repeat(64) },
            },
        }
    }

    fn seen(received: &str, progress: &str, r: SiteReport) -> NodeSeen {
        NodeSeen { node: "main".into(), received_at: at(received), progress_at: at(progress), report: r }
    }

    fn site() -> SiteName {
        SiteName { id: "SITE-1".into(), name: "Điểm 1".into(), fingerprint: "ab".into() }
    }

    #[test]
    fn each_state_from_its_reports() {
        let now = at("2026-06-27T07:40:00Z");
        let sched = HashMap::from([("TOAN".to_string(), at("2026-06-27T07:30:00Z"))]);
        let none = HashMap::new();
        let row =
            |nodes: &[NodeSeen], s: &HashMap<String, DateTime<Utc>>| classify(now, &site(), nodes, s, &t());
        // Never reported, or silent for longer than the threshold: offline.
        assert_eq!(row(&[], &sched).state, SiteState::Offline);
        let silent = seen("2026-06-27T07:39:00Z", "2026-06-27T07:39:00Z", report("open", 20, 0));
        let r = row(&[silent], &sched);
        assert_eq!(r.state, SiteState::Offline);
        assert_eq!(r.age_seconds, Some(60));
        assert!(!r.events[0].late, "an offline site is not judged");
        // Reporting, sitting, the chain growing: online.
        let fine = seen("2026-06-27T07:39:55Z", "2026-06-27T07:39:50Z", report("open", 20, 0));
        assert_eq!(row(std::slice::from_ref(&fine), &sched).state, SiteState::Online);
        // The chain has not grown for 6 minutes while 20 sit: stalled.
        let stuck = seen("2026-06-27T07:39:55Z", "2026-06-27T07:34:00Z", report("open", 20, 0));
        assert_eq!(row(&[stuck], &sched).state, SiteState::Stalled);
        // …but not when no one is sitting.
        let idle = seen("2026-06-27T07:39:55Z", "2026-06-27T07:00:00Z", report("open", 0, 0));
        assert_eq!(row(&[idle], &sched).state, SiteState::Online);
        // Still locked 10 minutes after the scheduled unlock (grace 5): late; unscheduled: online.
        let locked = seen("2026-06-27T07:39:55Z", "2026-06-27T07:00:00Z", report("packaged", 0, 0));
        let r = row(std::slice::from_ref(&locked), &sched);
        assert_eq!((r.state, r.events[0].late), (SiteState::Late, true));
        assert_eq!(row(&[locked], &none).state, SiteState::Online);
        // Incidents in an open event.
        let noted = seen("2026-06-27T07:39:55Z", "2026-06-27T07:39:50Z", report("open", 20, 3));
        let r = row(&[noted], &sched);
        assert_eq!((r.state, r.incidents), (SiteState::Incidents, 3));
        // Several flags: the most urgent is the state, all are listed.
        let both = seen("2026-06-27T07:39:55Z", "2026-06-27T07:30:00Z", report("open", 20, 2));
        let r = row(&[both], &sched);
        assert_eq!(r.state, SiteState::Stalled);
        assert_eq!(r.flags, vec![SiteState::Stalled, SiteState::Incidents]);
    }

    #[test]
    fn the_newest_node_speaks_for_the_site_and_every_node_is_listed() {
        let now = at("2026-06-27T07:40:00Z");
        let mut old = seen("2026-06-27T07:20:00Z", "2026-06-27T07:20:00Z", report("packaged", 0, 0));
        old.node = "b".into();
        let mut new = seen("2026-06-27T07:39:58Z", "2026-06-27T07:39:58Z", report("open", 20, 0));
        new.node = "a".into();
        let r = classify(now, &site(), &[old, new], &HashMap::new(), &t());
        assert_eq!(r.state, SiteState::Online);
        assert_eq!(r.events[0].status, "open");
        assert_eq!(
            r.nodes.iter().map(|n| (n.node.as_str(), n.online)).collect::<Vec<_>>(),
            [("a", true), ("b", false)]
        );
        let s = summary(&[r]);
        assert_eq!(s.iter().map(|(_, n)| n).sum::<usize>(), 1);
    }
}
