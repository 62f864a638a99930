//! Failed logins for names that are no account, counted between audit rows (crate::login writes
//! the rows; kept apart so the state does not depend on the login code).

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most one `login_failed_unknown` audit row per this period.
pub const UNKNOWN_AUDIT_PERIOD: Duration = Duration::from_secs(60);

/// Failed logins for names that are no account, counted between audit rows.
pub struct UnknownFailures {
    state: Mutex<(u64, Option<Instant>)>,
}

impl Default for UnknownFailures {
    fn default() -> Self {
        Self { state: Mutex::new((0, None)) }
    }
}

impl UnknownFailures {
    /// Counts one; returns the count to write when a row is due (the first, then once a period).
    pub fn note(&self) -> Option<u64> {
        let mut s = self.state.lock().expect("failure count lock");
        s.0 += 1;
        let due = s.1.is_none_or(|t| t.elapsed() >= UNKNOWN_AUDIT_PERIOD);
        if !due {
            return None;
        }
        let n = s.0;
        *s = (0, Some(Instant::now()));
        Some(n)
    }
}
