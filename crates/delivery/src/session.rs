//! Exam sessions over time: status and remaining time, outage credit at start, automatic
//! submission at the deadline, scoring once the keys are on site.
//!
//! Timing rules (docs/protocol.md §Timing): a candidate's clock starts at their first login after
//! the content is unlocked and ends at `started_at + duration + extra + credited outage`, a stored
//! time. Answers received up to `deadline_grace_ms` after the deadline are saved (they were in
//! flight); later ones are refused. A background task submits sessions past deadline + grace.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::writer::{WriteOp, Writer};
use crate::store::{self, entity::candidate};

/// Where a session stands, derived from its stored times and reason. Its serde name (snake_case)
/// is the `status` string of the wire, the roster, the results and the exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    NotStarted,
    InProgress,
    Paused,
    Submitted,
    Terminated,
    Absent,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::InProgress => "in_progress",
            Self::Paused => "paused",
            Self::Submitted => "submitted",
            Self::Terminated => "terminated",
            Self::Absent => "absent",
        }
    }
}

impl std::fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a session ended: stored in `submit_reason` and sent as `reason`, as these snake_case words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmitReason {
    /// The candidate submitted.
    Candidate,
    /// The server submitted at the deadline (plus grace).
    TimeOver,
    /// The proctor ended the session.
    Terminated,
}

impl SubmitReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Candidate => "candidate",
            Self::TimeOver => "time_over",
            Self::Terminated => "terminated",
        }
    }

    /// The reason of a stored `submit_reason` (`None` for a word this server never writes).
    pub fn from_stored(s: &str) -> Option<Self> {
        [Self::Candidate, Self::TimeOver, Self::Terminated].into_iter().find(|r| r.as_str() == s)
    }
}

pub fn status(c: &candidate::Model) -> SessionStatus {
    let terminated =
        c.submit_reason.as_deref().and_then(SubmitReason::from_stored) == Some(SubmitReason::Terminated);
    match (c.started_at, c.submitted_at) {
        (_, Some(_)) if terminated => SessionStatus::Terminated,
        (_, Some(_)) => SessionStatus::Submitted,
        (Some(_), None) if c.paused_at.is_some() => SessionStatus::Paused,
        (Some(_), None) => SessionStatus::InProgress,
        (None, None) if c.absent => SessionStatus::Absent,
        (None, None) => SessionStatus::NotStarted,
    }
}

/// A session's clock as stored: the deadline, and while paused the time it stopped. Paused time
/// is not counted: remaining time is frozen at `deadline - paused_at`, and a resume moves the
/// deadline by the paused duration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    pub deadline: Option<DateTime<Utc>>,
    pub paused_at: Option<DateTime<Utc>>,
}

impl Clock {
    pub fn of(c: &candidate::Model) -> Self {
        Self { deadline: c.deadline_at, paused_at: c.paused_at }
    }

    pub fn remaining_ms(&self, now: DateTime<Utc>) -> Option<i64> {
        let at = self.paused_at.unwrap_or(now);
        self.deadline.map(|d| (d - at).num_milliseconds().max(0))
    }
}

/// What a connected candidate is told when their clock changes: `paused`, `resumed` (the
/// deadline moved by the paused time) or `time` (extra time; the remaining time stays frozen
/// while paused).
pub fn clock_message(
    told: Clock,
    now_clock: Clock,
    pause_reason: Option<&str>,
    now: DateTime<Utc>,
) -> Option<serde_json::Value> {
    let remaining = now_clock.remaining_ms(now);
    match (told.paused_at, now_clock.paused_at) {
        (None, Some(_)) => Some(json!({
            "type": "paused", "reason": pause_reason, "remaining_ms": remaining, "server_time": now,
        })),
        (Some(_), None) => Some(json!({
            "type": "resumed", "deadline": now_clock.deadline, "remaining_ms": remaining, "server_time": now,
        })),
        _ if told.deadline != now_clock.deadline => Some(json!({
            "type": "time", "deadline": now_clock.deadline, "remaining_ms": remaining, "server_time": now,
            "paused": now_clock.paused_at.is_some(),
        })),
        _ => None,
    }
}

pub fn remaining_ms(c: &candidate::Model, now: DateTime<Utc>) -> Option<i64> {
    if c.submitted_at.is_some() {
        return Some(0);
    }
    Clock::of(c).remaining_ms(now)
}

/// After a crash or stop: the time between the last stored server heartbeat and now is added to
/// every session that was still running then, and audited per event. Paused sessions get nothing:
/// their clock was stopped anyway, and the resume will not count the outage either.
pub async fn credit_outage(db: &DatabaseConnection, writer: &Writer) -> Result<(), ApiError> {
    let Some(last) = store::last_heartbeat(db).await? else { return Ok(()) };
    let now = Utc::now();
    let outage = now - last;
    if outage <= chrono::Duration::zero() {
        return Ok(());
    }
    let running = candidate::Entity::find()
        .filter(candidate::Column::SubmittedAt.is_null())
        .filter(candidate::Column::DeadlineAt.gt(last))
        .filter(candidate::Column::PausedAt.is_null())
        .all(db)
        .await?;
    if running.is_empty() {
        return Ok(());
    }
    let secs = i32::try_from((outage.num_milliseconds() + 999) / 1000).unwrap_or(i32::MAX);
    let mut per_event: BTreeMap<String, usize> = BTreeMap::new();
    // One write: every credit and its audit rows commit together.
    let mut ops = Vec::new();
    for c in running {
        *per_event.entry(c.event_id.clone()).or_default() += 1;
        let deadline = c.deadline_at.map(|d| d + outage);
        let credited = c.credited_seconds.saturating_add(secs);
        let mut am = c.into_active_model();
        am.deadline_at = Set(deadline);
        am.credited_seconds = Set(credited);
        ops.push(WriteOp::Session(Box::new(am)));
    }
    for (event, n) in &per_event {
        ops.push(WriteOp::Audit(store::audit_entry(
            Some(event),
            "server",
            "outage_credited",
            json!({"from": last, "to": now, "milliseconds": outage.num_milliseconds(), "candidates": n}),
        )));
    }
    writer.write(WriteOp::Together(ops)).await?;
    tracing::warn!(
        outage_ms = outage.num_milliseconds(),
        sessions = per_event.values().sum::<usize>(),
        "outage credited"
    );
    Ok(())
}

/// The server clock (for outage credit) and the automatic submission at time-out.
pub fn spawn_background(s: AppState, stop: tokio::sync::watch::Receiver<bool>) {
    use crate::periodic::every;
    let heartbeat = Duration::from_secs(s.config.heartbeat_seconds.max(1));
    let clock = s.clone();
    every(heartbeat, stop.clone(), move || {
        let clock = clock.clone();
        async move {
            if let Err(e) = clock.writer.write(WriteOp::Clock(Utc::now())).await {
                tracing::error!(error = %e, "cannot store the server heartbeat");
            }
        }
    });
    // The WAL checkpoint runs apart from the heartbeat: a checkpoint that takes seconds under
    // load must not hold back the stored heartbeat, whose age is the exam time a crash takes
    // from every candidate.
    let checkpoints = s.clone();
    let period = Duration::from_millis(s.config.wal_checkpoint_ms);
    every(period, stop.clone(), move || {
        let s = checkpoints.clone();
        async move {
            let started = std::time::Instant::now();
            let (db, rewind) = (&s.db.read, &s.writer.rewind);
            if let Err(e) = store::wal::checkpoint_beside(db, rewind, s.config.wal_rewind_mib).await {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
            if started.elapsed() > heartbeat.max(period) {
                tracing::warn!(ms = started.elapsed().as_millis() as u64, "slow WAL checkpoint");
            }
        }
    });
    let pacing = s.clone();
    every(crate::state::admission::PACE_PERIOD, stop.clone(), move || {
        let places = pacing.hub.admission.pace();
        pacing.live.admission_places.set(places as i64);
        std::future::ready(())
    });
    every(Duration::from_millis(250), stop, move || {
        let s = s.clone();
        async move {
            // Several nodes: the leader sweeps (crate::cluster).
            if s.cluster.as_ref().is_some_and(|c| !c.is_leader()) {
                return;
            }
            if let Err(e) = sweep(&s).await {
                tracing::error!(error = %e, "automatic submission failed");
            }
        }
    });
}

async fn sweep(s: &AppState) -> Result<(), ApiError> {
    let cutoff = Utc::now() - chrono::Duration::milliseconds(s.config.deadline_grace_ms);
    let due = candidate::Entity::find()
        .filter(candidate::Column::SubmittedAt.is_null())
        .filter(candidate::Column::DeadlineAt.lt(cutoff))
        .filter(candidate::Column::PausedAt.is_null())
        .all(&s.db.read)
        .await?;
    let waiting = match &s.cluster {
        Some(cl) => {
            let ids: Vec<String> = due.iter().map(|c| c.id.clone()).collect();
            store::nodes::on_silent_nodes(cl, &ids).await.map_err(|e| ApiError::Internal(e.to_string()))?
        }
        None => Vec::new(),
    };
    for c in due.into_iter().filter(|c| !waiting.contains(&c.id)) {
        submit(s, &c.id, SubmitReason::TimeOver).await?;
    }
    Ok(())
}

/// What a submission reports back.
pub struct Submitted {
    /// The first submission's reason, as stored.
    pub reason: String,
    pub answered: usize,
    pub score: Option<khaothi_package::ScoreSheet>,
}

/// Submits a session once (later calls report the first submission). Scores it when the keys
/// are on site (the event opted in to scores at submit).
pub async fn submit(s: &AppState, candidate_id: &str, reason: SubmitReason) -> Result<Submitted, ApiError> {
    // (state::hub::SUBMIT_SLOTS) The place first, the reads after it in a future of their own:
    // at the end of an exam thousands of submissions wait here, and each held its reads' futures
    // inline while it waited (docs/benchmarks.md, issue 17 stop 19).
    let _slot = s.hub.submissions.enter().await;
    Box::pin(submit_in_place(s, candidate_id, reason)).await
}

/// [`submit`] once it holds its place.
async fn submit_in_place(
    s: &AppState,
    candidate_id: &str,
    reason: SubmitReason,
) -> Result<Submitted, ApiError> {
    let lock = s.hub.login_lock(candidate_id);
    let _g = lock.lock().await;
    let c = crate::store::by_id::<candidate::Entity>(&s.db.read, candidate_id.to_string())
        .await?
        .ok_or_else(|| ApiError::NotFound("no such candidate".into()))?;
    finish(s, c, reason, None).await
}

/// Ends a session (the caller holds the candidate's login lock): by the candidate, at time-out,
/// or terminated by the proctor with `note` as the reason. A running pause is closed first.
pub async fn finish(
    s: &AppState,
    c: candidate::Model,
    reason: SubmitReason,
    note: Option<&str>,
) -> Result<Submitted, ApiError> {
    let answers = store::latest_answers(&s.db.read, &c.id).await?;
    if let Some(r) = &c.submit_reason {
        return Ok(Submitted { reason: r.clone(), answered: answered_count(&answers), score: None });
    }
    let now = Utc::now();
    let score = score_of(s, &c, &answers);
    let mut am = c.clone().into_active_model();
    am.submitted_at = Set(Some(now));
    am.submit_reason = Set(Some(reason.as_str().to_string()));
    am.score = Set(score.as_ref().map(|sc| sc.total as i32));
    am.terminate_reason = Set(note.map(str::to_string));
    if let Some(p) = c.paused_at {
        am.paused_at = Set(None);
        am.paused_ms = Set(c.paused_ms + (now - p).num_milliseconds().max(0));
    }
    s.writer.write(WriteOp::Session(Box::new(am))).await?;
    s.hub.update(&c.id, |sig| {
        sig.submitted = Some(reason.as_str().to_string());
        sig.terminate_reason = note.map(str::to_string);
        sig.paused_at = None;
    });
    s.hub.rooms.touch(&c.id, &c.room_id);
    if reason == SubmitReason::TimeOver {
        store::audit(
            &s.writer,
            Some(&c.event_id),
            "server",
            "submitted",
            json!({"number": c.number, "reason": reason.as_str()}),
        )
        .await?;
    }
    Ok(Submitted { reason: reason.as_str().to_string(), answered: answered_count(&answers), score })
}

/// Items whose newest answer is an answer (a cleared one is not: [`khaothi_package::is_answered`]).
fn answered_count(answers: &BTreeMap<String, store::SavedAnswer>) -> usize {
    answers.values().filter(|a| khaothi_package::is_answered(&a.value)).count()
}

fn score_of(
    s: &AppState,
    c: &candidate::Model,
    answers: &BTreeMap<String, store::SavedAnswer>,
) -> Option<khaothi_package::ScoreSheet> {
    let content = s.hub.content(&c.event_id)?;
    // An adaptive test is scored by its ability estimate, in the results (crate::results); its
    // keys are on site from the start, which is no opt-in to scores at submit.
    if content.is_adaptive() {
        return None;
    }
    let keys = content.keys.read().expect("keys lock");
    let version_keys = keys.as_ref()?.versions.get(&c.version_code)?;
    let version = content.content.version(&c.version_code)?;
    let values = answers.iter().map(|(k, a)| (k.clone(), a.value.clone())).collect();
    khaothi_package::score_version(&content.subject, version, version_keys, &values)
        .inspect_err(|e| tracing::error!(candidate = %c.number, error = %e, "cannot score"))
        .ok()
}

/// Scores every started candidate of an event (after the keys are released).
pub async fn score_event(s: &AppState, event_id: &str) -> Result<usize, ApiError> {
    let cands = candidate::Entity::find()
        .filter(candidate::Column::EventId.eq(event_id))
        .filter(candidate::Column::StartedAt.is_not_null())
        .all(&s.db.read)
        .await?;
    let answers = store::event_answers(&s.db.read, event_id).await?;
    let empty = BTreeMap::new();
    let mut n = 0;
    for c in cands {
        if let Some(sc) = score_of(s, &c, answers.get(&c.id).unwrap_or(&empty)) {
            let mut am = c.into_active_model();
            am.score = Set(Some(sc.total as i32));
            s.writer.write(WriteOp::Session(Box::new(am))).await?;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::future_size;

    /// A submission waiting for its place holds only the wait: at the end of an exam every
    /// candidate's waits at once (19,000 on a node), and the reads' futures come after the place.
    #[test]
    fn a_waiting_submission_is_small() {
        // 'a names the borrow each closure takes (clippy does not see its use there).
        #[allow(clippy::extra_unused_lifetimes)]
        fn sizes<'a>() -> (usize, usize) {
            (
                future_size(|(s, id): (&'a AppState, &'a str)| submit(s, id, SubmitReason::Candidate)),
                future_size(|(s, id): (&'a AppState, &'a str)| {
                    submit_in_place(s, id, SubmitReason::Candidate)
                }),
            )
        }
        let (waiting, reading) = sizes();
        eprintln!("submit: {waiting} bytes while waiting, {reading} bytes in place");
        assert!(waiting <= 256, "a waiting submission holds {waiting} bytes");
        assert!(reading > waiting);
    }

    /// The enums replaced string literals: their serde names (wire, exports) and `as_str` (stored
    /// values, messages) must be the words used before.
    #[test]
    fn statuses_and_reasons_keep_their_words() {
        let statuses = [
            (SessionStatus::NotStarted, "not_started"),
            (SessionStatus::InProgress, "in_progress"),
            (SessionStatus::Paused, "paused"),
            (SessionStatus::Submitted, "submitted"),
            (SessionStatus::Terminated, "terminated"),
            (SessionStatus::Absent, "absent"),
        ];
        for (s, word) in statuses {
            assert_eq!(s.as_str(), word);
            assert_eq!(s.to_string(), word);
            assert_eq!(serde_json::to_value(s).unwrap(), json!(word));
            assert_eq!(serde_json::from_value::<SessionStatus>(json!(word)).unwrap(), s);
        }
        let reasons = [
            (SubmitReason::Candidate, "candidate"),
            (SubmitReason::TimeOver, "time_over"),
            (SubmitReason::Terminated, "terminated"),
        ];
        for (r, word) in reasons {
            assert_eq!(r.as_str(), word);
            assert_eq!(serde_json::to_value(r).unwrap(), json!(word));
            assert_eq!(SubmitReason::from_stored(word), Some(r));
        }
        assert_eq!(SubmitReason::from_stored("paused"), None);
    }
}
