//! Failed logins per candidate, for the proctor (issue 16, finding 3).
//!
//! A failed login never locks anyone out: a login code is a 50-bit HMAC, the frame rate limit and
//! the per-connection limit (a connection is closed after 5 failed messages before login) already
//! make guessing hopeless, while a lock by candidate number let one student lock a classmate out.
//! Instead, failures against a real candidate (a wrong code or resume token for their number) are
//! counted here; from [`ALARM_AFTER`] on the candidate's seat shows `login_alarm` to the proctor,
//! who looks, and clears it (`POST …/candidates/{number}/clear-login-alarm`). Only real
//! candidates have an entry, so the table is bounded by the events' candidate lists.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Failures from which a seat shows the alarm.
pub const ALARM_AFTER: u32 = 3;

/// What the proctor sees on the seat.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LoginAlarm {
    pub failures: u32,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct LoginAlarms {
    by_candidate: Mutex<HashMap<String, LoginAlarm>>,
}

impl LoginAlarms {
    /// Counts a failed login against the candidate; returns the alarm when it is (now) raised.
    pub fn record_failure(&self, candidate_id: &str) -> Option<LoginAlarm> {
        let now = Utc::now();
        let mut map = self.by_candidate.lock().expect("alarm lock");
        let a = map.entry(candidate_id.to_string()).or_insert(LoginAlarm {
            failures: 0,
            first_at: now,
            last_at: now,
        });
        a.failures = a.failures.saturating_add(1);
        a.last_at = now;
        (a.failures >= ALARM_AFTER).then(|| a.clone())
    }

    /// The raised alarm of a candidate, if any.
    pub fn alarm(&self, candidate_id: &str) -> Option<LoginAlarm> {
        let map = self.by_candidate.lock().expect("alarm lock");
        map.get(candidate_id).filter(|a| a.failures >= ALARM_AFTER).cloned()
    }

    /// The proctor has looked: the count starts again. Returns the cleared alarm.
    pub fn clear(&self, candidate_id: &str) -> Option<LoginAlarm> {
        self.by_candidate.lock().expect("alarm lock").remove(candidate_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alarm_rises_after_some_failures_and_is_cleared_by_the_proctor() {
        let alarms = LoginAlarms::default();
        assert!(alarms.record_failure("c1").is_none());
        assert!(alarms.record_failure("c1").is_none());
        assert_eq!(alarms.record_failure("c1").unwrap().failures, 3);
        assert_eq!(alarms.alarm("c1").unwrap().failures, 3);
        assert!(alarms.alarm("c2").is_none());
        assert!(alarms.clear("c1").is_some());
        assert!(alarms.alarm("c1").is_none());
    }
}
