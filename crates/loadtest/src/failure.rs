//! Why a candidate of the swarm failed, by reason: the load test's report counts its failed
//! candidates by what ended their run (`failures_by_reason`), so that a benchmark's "N failed"
//! says whether the server closed them (and with which code), sent an error frame, did not
//! acknowledge in time, or refused the connection — or whether the load generator itself gave up.
//!
//! A reason is `"<phase>: <what>"`: the phase is where the candidate was (`connect`, `login`,
//! `answer`, `resume`, `storm resume`, `submit`), the what is one of a small set of kinds
//! (see [`Ending::what`] and [`connect_what`]), so that reasons aggregate over thousands of
//! candidates into a few rows.

use std::collections::BTreeMap;

use tokio_tungstenite::tungstenite;

/// At most this many distinct reasons are kept (the rest are counted under [`OTHER`]): a close
/// reason is the server's text, and a report must stay small whatever the server says.
pub const MAX_REASONS: usize = 32;
/// The key under which reasons beyond [`MAX_REASONS`] are counted.
pub const OTHER: &str = "other reasons";
/// A close frame's reason text is kept up to this many characters.
const MAX_CLOSE_REASON_CHARS: usize = 80;

/// Why a candidate's run ended early: the aggregated reason and the full message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub reason: String,
    pub detail: String,
}

impl Failure {
    pub fn new(phase: &str, what: impl std::fmt::Display, detail: impl Into<String>) -> Self {
        Self { reason: format!("{phase}: {what}"), detail: detail.into() }
    }
}

/// How a candidate's socket stopped giving what was expected, as the socket saw it (the first
/// thing seen is kept: a close frame after an error frame does not hide the error code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The server sent `{"type": "error", "code": …}` where another message was expected.
    ErrorFrame(String),
    /// The server closed the websocket with this code and reason text.
    Closed(u16, String),
    /// The connection broke without a close frame (reset, end of stream: the error's kind).
    Broken(String),
    /// Nothing came within the wait.
    TimedOut,
}

impl Ending {
    /// The reason's second half: `error frame <code>`, `closed by server <code> <reason>`,
    /// `connection lost (<kind>)`, `timeout`.
    pub fn what(&self) -> String {
        match self {
            Ending::ErrorFrame(code) => format!("error frame {}", clip(code, 40)),
            Ending::Closed(code, reason) if reason.is_empty() => format!("closed by server {code}"),
            Ending::Closed(code, reason) => {
                format!("closed by server {code} {}", clip(reason, MAX_CLOSE_REASON_CHARS))
            }
            Ending::Broken(kind) => format!("connection lost ({kind})"),
            Ending::TimedOut => "timeout".into(),
        }
    }

    /// The kind of a websocket read or write error (without addresses or counters, so that it
    /// aggregates).
    pub fn broken(e: &tungstenite::Error) -> Ending {
        Ending::Broken(error_kind(e))
    }
}

/// The reason's second half for a websocket that could not be opened: `refused`, `timeout`,
/// `http <status>` (the server answered the upgrade with an HTTP error, e.g. 503 when full),
/// or the error's kind.
pub fn connect_what(e: &tungstenite::Error) -> String {
    match e {
        tungstenite::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "refused".into(),
            std::io::ErrorKind::TimedOut => "timeout".into(),
            k => format!("{k:?}"),
        },
        other => error_kind(other),
    }
}

fn error_kind(e: &tungstenite::Error) -> String {
    match e {
        tungstenite::Error::ConnectionClosed => "closed".into(),
        tungstenite::Error::AlreadyClosed => "already closed".into(),
        tungstenite::Error::Io(io) => format!("{:?}", io.kind()),
        tungstenite::Error::Protocol(p) => format!("protocol: {}", clip(&p.to_string(), 60)),
        tungstenite::Error::Capacity(_) => "capacity".into(),
        tungstenite::Error::Http(r) => format!("http {}", r.status().as_u16()),
        other => clip(&other.to_string(), 60),
    }
}

fn clip(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Adds `n` failures of `reason` to `counts`, keeping at most [`MAX_REASONS`] keys.
pub fn count(counts: &mut BTreeMap<String, u64>, reason: &str, n: u64) {
    if let Some(c) = counts.get_mut(reason) {
        *c += n;
    } else if counts.len() < MAX_REASONS || reason == OTHER {
        counts.insert(reason.to_string(), n);
    } else {
        *counts.entry(OTHER.to_string()).or_insert(0) += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_aggregate_and_stay_bounded() {
        let mut c = BTreeMap::new();
        count(&mut c, "answer: timeout", 2);
        count(&mut c, "answer: timeout", 3);
        assert_eq!(c["answer: timeout"], 5);
        for k in 0..100 {
            count(&mut c, &format!("login: closed by server 4000 reason {k}"), 1);
        }
        assert_eq!(c.len(), MAX_REASONS + 1);
        assert_eq!(c.values().sum::<u64>(), 105);
        assert_eq!(c[OTHER], 100 - (MAX_REASONS as u64 - 1));
    }

    #[test]
    fn endings_name_the_code_and_the_reason() {
        assert_eq!(Ending::Closed(1011, "send failed".into()).what(), "closed by server 1011 send failed");
        assert_eq!(Ending::Closed(1005, String::new()).what(), "closed by server 1005");
        assert_eq!(Ending::ErrorFrame("out_of_order".into()).what(), "error frame out_of_order");
        assert_eq!(Ending::TimedOut.what(), "timeout");
        let long = "x".repeat(500);
        assert!(Ending::Closed(4000, long).what().len() < 120);
        let refused = tungstenite::Error::Io(std::io::ErrorKind::ConnectionRefused.into());
        assert_eq!(connect_what(&refused), "refused");
        assert_eq!(Failure::new("submit", Ending::TimedOut.what(), "x").reason, "submit: timeout");
    }
}
