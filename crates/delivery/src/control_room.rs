//! Reports to the bank's exam-day control room (docs/protocol.md §8, docs/formats.md "Site
//! report"): while the site is online, every `control_room.report_seconds` the server sends the
//! bank its events, each room's counts, incidents, its chain heads and its version, signed with
//! the site key. Counts and states only: never an item, a key, an answer or a name.
//!
//! The exam never depends on it. The reporter is its own task that reads through the read pool
//! and never touches the writer; a report that fails (no network, the bank down or refusing) is
//! logged — once when it starts failing, then every 60th time, and once when it works again —
//! and the next tick simply sends a fresh one. Nothing queues: an old report is worth nothing.
//!
//! The counter: each report's `counter` is `max(last + 1, now in milliseconds)`, kept in
//! `<data_dir>/report.counter` before the report leaves. It grows across restarts, and a data
//! directory restored from a backup starts again above every counter sent before (unless the
//! clock went back), so the bank's replay rule never locks a site out.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use khaothi_package::result_file::SiteInfo;
use khaothi_package::site_report::{
    Counts, EventReport, MAX_EVENTS, REPORT_FORMAT, RoomReport, SIGNATURE_HEADER, SiteReport, sign_report,
};

use crate::error::{ApiError, ApiResult};
use crate::routes::overview::{RoomCounts, event_rooms};
use crate::state::AppState;
use crate::store;

/// The counter's file in the data directory.
pub const COUNTER_FILE: &str = "report.counter";

/// The bank's route for reports, under `bank_url`.
pub const REPORT_PATH: &str = "/api/v1/site-reports";

fn counts(c: &RoomCounts) -> Counts {
    Counts {
        candidates: c.candidates,
        not_started: c.not_started,
        in_progress: c.in_progress,
        paused: c.paused,
        submitted: c.submitted,
        terminated: c.terminated,
        absent: c.absent,
        logged_in: c.connected,
        disconnected: c.disconnected,
        incidents: c.incidents,
    }
}

/// The site's report now (unsigned): the newest [`MAX_EVENTS`] events with their rooms.
pub async fn build_report(s: &AppState, counter: u64) -> ApiResult<SiteReport> {
    let mut events = store::events::all(&s.db.read).await?;
    if events.len() > MAX_EVENTS {
        events.drain(..events.len() - MAX_EVENTS);
    }
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let (rooms, total) = event_rooms(s, &e.id).await?;
        out.push(EventReport {
            id: e.id,
            title: e.title,
            status: e.status,
            unlocked_at: e.unlocked_at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            rooms: rooms
                .iter()
                .map(|r| RoomReport { id: r.id.clone(), name: r.name.clone(), counts: counts(&r.counts) })
                .collect(),
            total: counts(&total),
        });
    }
    let heads = s.writer.heads().to_result_heads();
    Ok(SiteReport {
        format: REPORT_FORMAT.into(),
        site: SiteInfo { name: s.config.site_name.clone(), public_key: s.site_key.public().to_string() },
        node: s.config.node.clone().unwrap_or_else(|| s.config.control_room.node.clone()),
        counter,
        sent_at: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        software_version: env!("CARGO_PKG_VERSION").into(),
        events: out,
        chains: heads,
    })
}

/// The next counter: above the stored one and at least the clock in milliseconds; stored (through
/// a temporary file and a rename) before it is used.
pub fn next_counter(path: &Path, now_ms: u64) -> Result<u64, String> {
    let last = match std::fs::read_to_string(path) {
        // A damaged file starts again from the clock rather than silencing the site.
        Ok(t) => t.trim().parse::<u64>().unwrap_or_else(|e| {
            tracing::warn!(file = %path.display(), error = %e, "the report counter is corrupt: starting from the clock");
            0
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let next = (last + 1).max(now_ms);
    let tmp = path.with_extension("counter.tmp");
    std::fs::write(&tmp, format!("{next}\n")).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot replace {}: {e}", path.display()))?;
    Ok(next)
}

/// Builds, signs and sends one report.
pub async fn send_once(
    s: &AppState,
    client: &reqwest::Client,
    url: &str,
    counter_file: &Path,
) -> Result<(), String> {
    let now_ms = u64::try_from(Utc::now().timestamp_millis()).unwrap_or(0);
    let counter = next_counter(counter_file, now_ms)?;
    let report = build_report(s, counter).await.map_err(|e: ApiError| e.to_string())?;
    let (body, signature) = sign_report(report, &s.site_key);
    let res = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .body(body)
        .send()
        .await
        .map_err(|e| format!("the bank cannot be reached: {e}"))?;
    if res.status().is_success() {
        return Ok(());
    }
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    Err(format!("the bank refused the report ({status}): {}", text.chars().take(300).collect::<String>()))
}

/// Starts the reporter when a bank is configured and `report_seconds` is not 0; it stops with the
/// server.
pub fn spawn_reporter(s: AppState, mut stopped: tokio::sync::watch::Receiver<bool>) {
    let Some(bank) = s.config.bank_url.clone() else { return };
    let seconds = s.config.control_room.report_seconds;
    if seconds == 0 {
        return;
    }
    let every = Duration::from_secs(seconds);
    let Ok(client) = reqwest::Client::builder()
        .timeout(every.clamp(Duration::from_secs(2), Duration::from_secs(10)))
        .build()
    else {
        tracing::warn!("no HTTP client for the control-room reports: the site does not report");
        return;
    };
    let url = format!("{}{REPORT_PATH}", bank.trim_end_matches('/'));
    let counter_file: PathBuf = s.config.data_dir.join(COUNTER_FILE);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failures: u64 = 0;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stopped.wait_for(|stop| *stop) => return,
            }
            match send_once(&s, &client, &url, &counter_file).await {
                Ok(()) => {
                    if failures > 0 {
                        tracing::info!(failures, "control-room reports reach the bank again");
                    }
                    failures = 0;
                    s.live.report("sent");
                }
                Err(e) => {
                    failures += 1;
                    s.live.report("failed");
                    if failures == 1 || failures.is_multiple_of(60) {
                        tracing::warn!(failures, error = %e, "control-room report not delivered (the exam goes on; retried)");
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counter_grows_across_restarts_and_with_the_clock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(COUNTER_FILE);
        assert_eq!(next_counter(&path, 1000).unwrap(), 1000);
        assert_eq!(next_counter(&path, 1000).unwrap(), 1001, "the same millisecond still grows");
        assert_eq!(next_counter(&path, 900).unwrap(), 1002, "a clock set back does not repeat a counter");
        assert_eq!(next_counter(&path, 5000).unwrap(), 5000);
        // A data directory restored from an old backup starts again from the clock.
        std::fs::write(&path, "10\n").unwrap();
        assert_eq!(next_counter(&path, 6000).unwrap(), 6000);
        std::fs::write(&path, "garbage").unwrap();
        assert_eq!(next_counter(&path, 7000).unwrap(), 7000);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "7000\n");
    }
}
