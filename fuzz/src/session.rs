//! The candidate session's state machine, driven without a database: the bytes are a sequence of
//! events (time passing, logins by code and by resume token, the proctor's admit, pause, resume,
//! extra time, absent, terminate, the candidate's submission, the server's automatic submission)
//! applied to one candidate row the way the server's handlers change it (ws::login,
//! proctor::actions, session). After every step the server's own pure functions — the login's
//! admission, `session::status`, the clock, the clock messages and the proctor's seat — must agree
//! with what happened.

use chrono::{DateTime, Duration, TimeZone, Utc};
use khaothi_delivery::proctor::roster::{SeatFacts, seat_json};
use khaothi_delivery::session::{self, Clock, SessionStatus};
use khaothi_delivery::store::entity::candidate;
use khaothi_delivery::ws::login::admission;

const DURATION_S: i64 = 90 * 60;
const GRACE_MS: i64 = 3_000;
const ADMIT_MIN: i64 = 5;

fn fresh(now: DateTime<Utc>) -> candidate::Model {
    candidate::Model {
        id: "c1".into(),
        event_id: "E1".into(),
        number: "0101".into(),
        full_name: "Nguyễn Văn A".into(),
        date_of_birth: "2008-01-01".into(),
        room_id: "P001".into(),
        seat: 1,
        version_code: "101".into(),
        code_generation: 0,
        extra_seconds: 0,
        credited_seconds: 0,
        epoch: 0,
        resume_hash: None,
        started_at: None,
        deadline_at: None,
        admit_until: None,
        last_seen_at: None,
        submitted_at: None,
        submit_reason: None,
        score: None,
        created_at: now,
        paused_at: None,
        pause_reason: None,
        paused_ms: 0,
        absent: false,
        groups: None,
        terminate_reason: None,
    }
}

/// What the harness knows independently of the row.
struct Model {
    c: candidate::Model,
    now: DateTime<Utc>,
    /// The clock as last told to the candidate.
    told: Clock,
    /// Remaining time frozen by a pause.
    frozen: Option<i64>,
    ended: Option<SessionStatus>,
}

impl Model {
    fn login(&mut self, by_code: bool) {
        let c = self.c.clone();
        match admission(&c, by_code, self.now) {
            Ok(admit_used) => {
                assert!(!c.absent, "an absent candidate came in");
                assert_eq!(admit_used, by_code && c.started_at.is_some() && c.submitted_at.is_none());
                if admit_used {
                    self.c.admit_until = None;
                }
                if self.c.started_at.is_none() {
                    self.c.started_at = Some(self.now);
                    self.c.deadline_at =
                        Some(self.now + Duration::seconds(DURATION_S + i64::from(c.extra_seconds)));
                }
                self.c.epoch += 1;
            }
            Err((code, _)) => match code {
                "absent" => assert!(c.absent),
                "admit_required" => {
                    assert!(by_code && c.started_at.is_some() && c.submitted_at.is_none());
                    assert!(c.admit_until.is_none_or(|u| u <= self.now));
                }
                other => panic!("unexpected refusal {other}"),
            },
        }
    }

    fn sitting(&self) -> bool {
        session::status(&self.c) == SessionStatus::InProgress
    }

    fn end(&mut self, reason: &str) {
        if self.c.started_at.is_some() && self.c.submitted_at.is_none() {
            self.c.submitted_at = Some(self.now);
            self.c.submit_reason = Some(reason.into());
        }
    }

    fn step(&mut self, op: u8, arg: u16) {
        let now = self.now;
        match op % 11 {
            0 => self.now += Duration::milliseconds(i64::from(arg) * 250),
            1 => self.login(true),
            2 => self.login(false),
            3 => {
                self.c.admit_until = Some(now + Duration::minutes(ADMIT_MIN));
                self.c.absent = false;
            }
            4 if self.sitting() && self.c.deadline_at.is_some_and(|d| d > now) => {
                self.c.paused_at = Some(now);
                self.frozen = session::remaining_ms(&self.c, now);
            }
            5 => {
                if let Some(p) = self.c.paused_at.filter(|_| self.c.submitted_at.is_none()) {
                    let paused = (now - p).num_milliseconds().max(0);
                    self.c.deadline_at = self.c.deadline_at.map(|d| d + Duration::milliseconds(paused));
                    self.c.paused_ms += paused;
                    self.c.paused_at = None;
                    self.frozen = None;
                }
            }
            6 if self.c.submitted_at.is_none() => {
                let minutes = i64::from(arg % 600) + 1;
                self.c.extra_seconds += (minutes as i32) * 60;
                self.c.deadline_at = self.c.deadline_at.map(|d| d + Duration::minutes(minutes));
                self.frozen = self.frozen.map(|f| f + minutes * 60_000);
            }
            7 if self.c.started_at.is_none() => self.c.absent = true,
            8 => {
                self.end("terminated");
                self.c.paused_at = None;
            }
            9 => self.end("candidate"),
            _ => {}
        }
        // The server's sweep: past the deadline and the grace, a running clock submits.
        let over = self.c.deadline_at.is_some_and(|d| d + Duration::milliseconds(GRACE_MS) <= self.now);
        if over && self.c.paused_at.is_none() {
            self.end("time_over");
        }
    }

    fn check(&mut self) {
        let c = &self.c;
        let status = session::status(c);
        if let Some(ended) = self.ended {
            assert_eq!(status, ended, "an ended session changed");
        } else if matches!(status, SessionStatus::Submitted | SessionStatus::Terminated) {
            self.ended = Some(status);
        }
        let remaining = session::remaining_ms(c, self.now);
        match (c.started_at, c.submitted_at) {
            (_, Some(_)) => assert_eq!(remaining, Some(0)),
            (Some(_), None) => assert!(remaining.is_some_and(|r| r >= 0)),
            (None, None) => assert_eq!(remaining, None),
        }
        if let (Some(f), None) = (self.frozen, c.submitted_at) {
            assert_eq!(remaining, Some(f), "a paused clock moved");
        }
        let now_clock = Clock::of(c);
        let message = session::clock_message(self.told, now_clock, c.pause_reason.as_deref(), self.now);
        let kind = message.as_ref().and_then(|m| m["type"].as_str().map(str::to_string));
        let expected = match (self.told.paused_at.is_some(), now_clock.paused_at.is_some()) {
            (false, true) => Some("paused"),
            (true, false) => Some("resumed"),
            _ if self.told.deadline != now_clock.deadline => Some("time"),
            _ => None,
        };
        assert_eq!(kind.as_deref(), expected);
        self.told = now_clock;
        let facts = SeatFacts {
            connected: true,
            disconnected_at: None,
            answered: 0,
            item_count: 10,
            flags: 0,
            last_flag: None,
            login_alarm: None,
        };
        let seat = seat_json(c, facts, self.now);
        assert_eq!(seat["status"], status.as_str());
    }
}

/// Two bytes per event: the event and its argument.
pub fn session_machine(data: &[u8]) {
    let start = Utc.with_ymd_and_hms(2026, 6, 27, 7, 30, 0).single().expect("a valid time");
    let c = fresh(start);
    let told = Clock::of(&c);
    let mut m = Model { c, now: start, told, frozen: None, ended: None };
    for pair in data.chunks(2).take(4096) {
        let arg = u16::from(*pair.get(1).unwrap_or(&0)) * 37;
        m.step(pair[0], arg);
        m.check();
    }
}
