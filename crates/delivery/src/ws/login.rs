//! A candidate's login on the websocket: the credential (the code from the room sheet, or the
//! session's resume token) is checked, then a new epoch of the session is opened under the
//! candidate's login lock and the candidate is sent a `welcome` with their saved answers.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use khaothi_package::VersionContent;
use sea_orm::{IntoActiveModel, Set};
use serde::Serialize;
use tokio::sync::watch;

use super::content::{ContentFields, ContentFrames, choose};
use super::messages::{ContentWish, Refusal};
use crate::adaptive::Progress;
use crate::codes::{new_resume_token, same_hash, token_hash};
use crate::session::{self, Clock, SessionStatus};
use crate::state::hub::LoginGuard;
use crate::state::{AnswerTally, AppState, EventContent, LiveGuard, Signal};
use crate::store::entity::candidate;
use crate::store::login::LoginRow;
use crate::store::writer::WriteOp;
use crate::store::{self, SavedAnswer};

/// What a logged-in connection holds of its session.
pub(super) struct Session {
    pub(super) candidate_id: String,
    /// Số báo danh (an adaptive test's picks are seeded by it, crate::adaptive).
    pub(super) number: String,
    pub(super) event_id: String,
    pub(super) room_id: String,
    pub(super) epoch: i64,
    /// The clock as last told to the candidate.
    pub(super) clock: Clock,
    /// The version's item ids (shared by its sessions).
    pub(super) items: Arc<crate::state::ItemIds>,
    pub(super) content: Arc<EventContent>,
    pub(super) signal: watch::Receiver<Signal>,
    /// The answered count the proctor sees.
    pub(super) tally: AnswerTally,
    /// Shows the candidate as connected while this connection lives.
    pub(super) _live: LiveGuard,
    /// An adaptive test's progress (crate::adaptive); `None` for fixed forms.
    pub(super) cat: Option<Progress>,
}

/// What the connection knows for the Safe Exam Browser check (crate::seb::check_login).
pub(super) struct SebCheck<'a> {
    pub(super) proof: Option<&'a super::messages::SebProof>,
    pub(super) origin: Option<&'a str>,
}

pub enum Credential {
    Code(String),
    Token(String),
}

/// The new epoch as stored: its number, the session's start and its deadline.
struct Epoch {
    epoch: i64,
    started: DateTime<Utc>,
    deadline: DateTime<Utc>,
}

fn internal(e: &dyn std::fmt::Display) -> Refusal {
    tracing::error!(error = %e, "login failed internally");
    ("internal", "the server could not log you in; try again".to_string())
}

/// What a successful login sends: the `welcome` message's text and the content frames after it.
pub(super) struct Welcomed {
    pub(super) text: String,
    pub(super) frames: ContentFrames,
}

/// Checks the credential and opens a new epoch of the candidate's session.
pub(super) async fn login(
    s: &AppState,
    number: &str,
    event: Option<&str>,
    cred: Credential,
    seb: SebCheck<'_>,
    wish: &ContentWish,
) -> Result<(Welcomed, Session), Refusal> {
    // Taken before the candidate's row is read (state::hub::LoginLock).
    let mark = s.hub.change_mark();
    let row = identify(s, number, event, &cred).await?;
    let duration_seconds = row.duration_seconds.ok_or_else(|| internal(&"no event"))?;
    // After the credential (the event is the candidate's), before anything changes: a computer
    // without the event's SEB configuration opens no epoch.
    crate::seb::check_login(row.seb.as_ref(), seb.proof, seb.origin)?;
    let Some(content) = s.hub.content(&row.candidate.event_id) else {
        return Err((
            "event_not_open",
            "the exam has not started: wait until the board releases the test".into(),
        ));
    };
    let lock = s.hub.login_lock(&row.candidate.id);
    let guard = lock.lock().await;
    let c = row_now(s, &guard, mark, row.candidate).await?;
    let now = Utc::now();
    let admit_used = admission(&c, matches!(cred, Credential::Code(_)), now)?;
    let Some(version) = content.content.version(&c.version_code) else {
        return Err(internal(&format!("version {} is not in the package", c.version_code)));
    };
    let token = match cred {
        Credential::Code(_) => new_resume_token(),
        Credential::Token(t) => t,
    };
    let opened = open_epoch(s, &c, duration_seconds, &token, admit_used, now).await?;
    let signal = Signal {
        epoch: opened.epoch,
        deadline: Some(opened.deadline),
        submitted: c.submit_reason.clone(),
        paused_at: c.paused_at,
        pause_reason: c.pause_reason.clone(),
        terminate_reason: c.terminate_reason.clone(),
    };
    s.hub.publish(&c.id, signal.clone());
    let rx = s.hub.subscribe(&c.id, signal);
    // A candidate who never logged in (epoch 0) and has not handed in on paper (paper answers
    // come with the submission, crate::paper) has nothing stored yet: every answer and adaptive
    // step is written in an epoch a login opened. Most logins of an exam's start are these.
    let fresh = c.epoch == 0 && c.submitted_at.is_none();
    let answers = if fresh {
        BTreeMap::new()
    } else {
        store::latest_answers(&s.db.read, &c.id).await.map_err(|e| internal(&e))?
    };
    let clock = Clock { deadline: Some(opened.deadline), paused_at: c.paused_at };
    let mut welcome = Welcome::new(s, &c, &content, version, &opened, &token, &answers, now);
    let cat = match content.adaptive() {
        Some(t) => {
            let p = adaptive_progress(s, &content, &c, &answers, fresh).await?;
            // No content follows: each question comes in a `next` message.
            welcome.item_count = t.max_items() as usize;
            welcome.content.content_sent = Some(false);
            welcome.adaptive = Some(AdaptiveWelcome {
                max_items: t.max_items(),
                given: p.given.len(),
                answered: p.answers.len(),
                finished: p.ended,
            });
            Some(p)
        }
        None if content.is_adaptive() => return Err(internal(&"the adaptive event's keys are not on site")),
        None => None,
    };
    let frames = match content.messages.get(&c.version_code) {
        Some(v) => {
            let (frames, fields) = choose(v, wish);
            welcome.content = fields;
            frames
        }
        None => ContentFrames::None,
    };
    let text = serde_json::to_string(&welcome).map_err(|e| internal(&e))?;
    let items = content.item_ids(&c.version_code);
    let tally = AnswerTally::from_saved(items.clone(), &answers);
    let session = Session {
        candidate_id: c.id.clone(),
        number: c.number.clone(),
        event_id: c.event_id.clone(),
        room_id: c.room_id.clone(),
        epoch: opened.epoch,
        clock,
        items,
        content: content.clone(),
        signal: rx,
        tally,
        _live: LiveGuard::connect(&s.hub, &c.id, &c.room_id),
        cat,
    };
    Ok((Welcomed { text, frames }, session))
}

/// The candidate's row as it is now, under its login lock (`guard`): the row read before the lock
/// (after `mark` was taken) stands unless a change of this session on this node released the lock
/// since; then — and with several nodes, whose changes the lock does not see — it is read again.
async fn row_now(
    s: &AppState,
    guard: &LoginGuard<'_>,
    mark: u64,
    read: candidate::Model,
) -> Result<candidate::Model, Refusal> {
    if s.cluster.is_none() && guard.unchanged_since(mark) {
        return Ok(read);
    }
    store::by_id::<candidate::Entity>(&s.db.read, read.id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or_else(|| ("login_failed", "wrong candidate number or code".to_string()))
}

/// An adaptive test's progress as stored; when everything given is answered and the test has not
/// ended (its first login, or a crash between a pick's computation and its write), the next step
/// is picked and written now — the same step the lost write would have held.
async fn adaptive_progress(
    s: &AppState,
    content: &Arc<EventContent>,
    c: &candidate::Model,
    answers: &BTreeMap<String, SavedAnswer>,
    fresh: bool,
) -> Result<Progress, Refusal> {
    let steps = if fresh {
        Vec::new()
    } else {
        store::cat_steps::of_candidate(&s.db.read, &c.id).await.map_err(|e| internal(&e))?
    };
    let mut p = Progress::rebuild(&steps, answers);
    if p.needs_pick() && c.submitted_at.is_none() {
        let rows =
            crate::adaptive::decide_off_reactor(content.clone(), p.clone(), &c.event_id, &c.id, &c.number)
                .await;
        if rows.is_empty() {
            return Err(internal(&"the adaptive engine gave no step"));
        }
        let ops = rows.iter().cloned().map(WriteOp::CatStep).collect();
        s.writer.write(WriteOp::Together(ops)).await.map_err(|e| internal(&e))?;
        p.apply(&rows);
    }
    Ok(p)
}

/// The candidate the credential names, or a refusal. A right credential is never refused for
/// failures someone else made: wrong attempts are throttled per connection (ws::conn closes it
/// after a few) and counted per candidate for the proctor's alarm (state::alarms).
async fn identify(
    s: &AppState,
    number: &str,
    event: Option<&str>,
    cred: &Credential,
) -> Result<LoginRow, Refusal> {
    let mut found =
        store::login::candidates_by_number(&s.db.read, event, number).await.map_err(|e| internal(&e))?;
    if found.len() > 1 {
        found.retain(|r| s.hub.content(&r.candidate.event_id).is_some());
        if found.len() > 1 {
            return Err((
                "event_required",
                "this candidate number is in several open events; send `event`".into(),
            ));
        }
    }
    let Some(row) = found.into_iter().next() else {
        return Err(("login_failed", "wrong candidate number or code".into()));
    };
    let c = &row.candidate;
    let refusal = match cred {
        Credential::Code(code) if !s.codes.check(&c.event_id, &c.number, c.code_generation, code) => {
            ("login_failed", "wrong candidate number or code")
        }
        Credential::Token(token)
            if !c.resume_hash.as_deref().is_some_and(|h| same_hash(h, &token_hash(token))) =>
        {
            (
                "resume_failed",
                "this resume token is not valid for this candidate (wrong, or replaced by a login from another browser); log in with your code",
            )
        }
        _ => return Ok(row),
    };
    s.metrics.login_failures.inc();
    if s.login_alarms.record_failure(&c.id).is_some()
        && let Err(e) = crate::proctor::roster::publish_seat(s, c).await
    {
        tracing::warn!(error = %e, "the login alarm could not be shown on the seat");
    }
    Err((refusal.0, refusal.1.to_string()))
}

/// Whether the candidate may come in now: not marked absent, and a login by code into a running
/// session needs the proctor's admit (then used up: `true`).
pub fn admission(c: &candidate::Model, by_code: bool, now: DateTime<Utc>) -> Result<bool, Refusal> {
    if c.absent {
        return Err((
            "absent",
            "the proctor has marked you absent: ask the proctor to admit you, then log in again".into(),
        ));
    }
    if by_code && c.started_at.is_some() && c.submitted_at.is_none() {
        if c.admit_until.is_some_and(|u| u > now) {
            return Ok(true);
        }
        return Err((
            "admit_required",
            "you have already started on another browser or computer: ask the proctor to admit this one, then log in again".into(),
        ));
    }
    Ok(false)
}

/// Stores the new epoch with the token's hash; the clock starts at the first login.
async fn open_epoch(
    s: &AppState,
    c: &candidate::Model,
    duration_seconds: i32,
    token: &str,
    admit_used: bool,
    now: DateTime<Utc>,
) -> Result<Epoch, Refusal> {
    let epoch = c.epoch + 1;
    let started = c.started_at.unwrap_or(now);
    let deadline = c.deadline_at.unwrap_or_else(|| {
        started + chrono::Duration::seconds(i64::from(duration_seconds) + i64::from(c.extra_seconds))
    });
    let mut am = c.clone().into_active_model();
    if let Some(cluster) = &s.cluster {
        // Several nodes: the epoch is claimed in the database first (crate::cluster).
        let claimed =
            cluster.claim_epoch(&c.id, c.epoch, &token_hash(token), now).await.map_err(|e| internal(&e))?;
        if !claimed {
            return Err(("login_conflict", "another login of this candidate came first; try again".into()));
        }
    } else {
        am.epoch = Set(epoch);
    }
    am.resume_hash = Set(Some(token_hash(token)));
    // Several nodes: a running clock is not written back (another node may have moved the
    // deadline since `c` was read: outage credit, extra time).
    if s.cluster.is_none() || c.started_at.is_none() {
        am.started_at = Set(Some(started));
        am.deadline_at = Set(Some(deadline));
    }
    am.last_seen_at = Set(Some(now));
    if admit_used {
        am.admit_until = Set(None);
    }
    s.writer.write(WriteOp::Session(Box::new(am))).await.map_err(|e| internal(&e))?;
    Ok(Epoch { epoch, started, deadline })
}

/// The `welcome` message (docs/protocol.md §3): the session, its clock and the saved answers,
/// serialized straight from the session's values (no `serde_json::Value` tree: docs/benchmarks.md,
/// issue 17 stop 19).
#[derive(Serialize)]
struct Welcome<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    epoch: i64,
    resume_token: &'a str,
    status: SessionStatus,
    paused: bool,
    pause_reason: Option<&'a str>,
    terminate_reason: Option<&'a str>,
    candidate: WelcomeCandidate<'a>,
    event: WelcomeEvent<'a>,
    version: &'a str,
    server_time: DateTime<Utc>,
    started_at: DateTime<Utc>,
    deadline: DateTime<Utc>,
    remaining_ms: Option<i64>,
    grace_ms: i64,
    item_count: usize,
    stimulus_count: usize,
    #[serde(serialize_with = "newest_answers")]
    answers: &'a BTreeMap<String, SavedAnswer>,
    #[serde(flatten)]
    content: ContentFields<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    adaptive: Option<AdaptiveWelcome>,
}

#[derive(Serialize)]
struct WelcomeCandidate<'a> {
    number: &'a str,
    full_name: &'a str,
    seat: i32,
}

#[derive(Serialize)]
struct WelcomeEvent<'a> {
    id: &'a str,
    title: &'a str,
    subject: &'a str,
}

/// An adaptive test's `welcome.adaptive` (docs/adaptive.md).
#[derive(Serialize)]
struct AdaptiveWelcome {
    max_items: u32,
    given: usize,
    answered: usize,
    finished: bool,
}

/// The newest answer of each item, as a list.
fn newest_answers<S: serde::Serializer>(
    answers: &&BTreeMap<String, SavedAnswer>,
    ser: S,
) -> Result<S::Ok, S::Error> {
    ser.collect_seq(answers.values())
}

impl<'a> Welcome<'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        s: &AppState,
        c: &'a candidate::Model,
        content: &'a EventContent,
        version: &VersionContent,
        opened: &Epoch,
        token: &'a str,
        answers: &'a BTreeMap<String, SavedAnswer>,
        now: DateTime<Utc>,
    ) -> Self {
        let clock = Clock { deadline: Some(opened.deadline), paused_at: c.paused_at };
        let remaining = if c.submitted_at.is_some() { Some(0) } else { clock.remaining_ms(now) };
        Self {
            kind: "welcome",
            epoch: opened.epoch,
            resume_token: token,
            status: match session::status(c) {
                SessionStatus::Terminated => SessionStatus::Terminated,
                SessionStatus::Submitted => SessionStatus::Submitted,
                _ => SessionStatus::InProgress,
            },
            paused: c.paused_at.is_some() && c.submitted_at.is_none(),
            pause_reason: c.pause_reason.as_deref(),
            terminate_reason: c.terminate_reason.as_deref(),
            candidate: WelcomeCandidate { number: &c.number, full_name: &c.full_name, seat: c.seat },
            event: WelcomeEvent { id: &c.event_id, title: &content.title, subject: &content.subject },
            version: &c.version_code,
            server_time: now,
            started_at: opened.started,
            deadline: opened.deadline,
            remaining_ms: remaining,
            grace_ms: s.config.deadline_grace_ms,
            item_count: version.items.len(),
            stimulus_count: content.content.stimuli.len(),
            answers,
            content: ContentFields::default(),
            adaptive: None,
        }
    }
}
