//! The site report (docs/formats.md, "Site report"; docs/protocol.md §8): the third channel from a
//! delivery site to the bank, beside exam packages (bank → site) and signed result files
//! (site → bank, after the event). While a site is online its server sends one every few seconds
//! to the bank's exam-day control room: its events and their states, each room's counts of
//! candidates (logged in, in progress, submitted, absent, …), incidents, the heads of its hash
//! chains and its software version. Counts and states only: never an item, a key, an answer or
//! a candidate's name.
//!
//! Wire: the body is the report as JSON; the header [`SIGNATURE_HEADER`] carries the base64
//! Ed25519 signature of [`signed_bytes`] (the format tag, a newline, then the body's bytes
//! exactly as sent), made with the site key the result files are signed with. The bank verifies
//! the bytes it received against the key an administrator registered, so no JSON canonical form
//! is needed. `counter` grows with every report of a node (the bank refuses a report whose
//! counter is not above the last one it accepted from that site and node: a replayed or older
//! report is refused).
//!
//! Pure: no I/O.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

use crate::keys::{SitePublicKey, SiteSigningKey};
use crate::result_file::{ChainHeads, SiteInfo};

/// The format tag: the report's `format` and the first line of the signed bytes (so neither a
/// package nor a result-file signature can pass for a report's, nor back).
pub const REPORT_FORMAT: &str = "khaothi-site-report/1";

/// The HTTP header that carries the signature.
pub const SIGNATURE_HEADER: &str = "x-khaothi-signature";

/// Bounds a report must keep (a site has a few events and at most some hundreds of rooms).
pub const MAX_EVENTS: usize = 64;
pub const MAX_ROOMS: usize = 2000;
pub const MAX_TEXT: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteReport {
    pub format: String,
    pub site: SiteInfo,
    /// The node of a site that runs several (`report_node` in its configuration; `main` by default).
    pub node: String,
    /// Grows with every report of the node (never repeats, also across restarts).
    pub counter: u64,
    /// RFC 3339, the site's clock.
    pub sent_at: String,
    /// The delivery server's version (`khaothi --version`).
    pub software_version: String,
    pub events: Vec<EventReport>,
    pub chains: ChainHeads,
}

/// One event held by the site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventReport {
    pub id: String,
    pub title: String,
    /// `created`, `packaged`, `open` (content unlocked) or `scored` (keys released).
    pub status: String,
    /// When the content was unlocked (RFC 3339), if it was.
    pub unlocked_at: Option<String>,
    pub rooms: Vec<RoomReport>,
    /// The sum over the rooms.
    pub total: Counts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomReport {
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub counts: Counts,
}

/// A room's candidates. Each is counted once under `not_started`, `in_progress`, `paused`,
/// `submitted`, `terminated` or `absent`; `logged_in` (a page holds a connection now) and
/// `disconnected` (sitting, with no connection) cut across them. `incidents`: entries of the
/// room's log (proctor actions and incident notes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub candidates: u32,
    pub not_started: u32,
    pub in_progress: u32,
    pub paused: u32,
    pub submitted: u32,
    pub terminated: u32,
    pub absent: u32,
    pub logged_in: u32,
    pub disconnected: u32,
    pub incidents: u32,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.candidates = self.candidates.saturating_add(o.candidates);
        self.not_started = self.not_started.saturating_add(o.not_started);
        self.in_progress = self.in_progress.saturating_add(o.in_progress);
        self.paused = self.paused.saturating_add(o.paused);
        self.submitted = self.submitted.saturating_add(o.submitted);
        self.terminated = self.terminated.saturating_add(o.terminated);
        self.absent = self.absent.saturating_add(o.absent);
        self.logged_in = self.logged_in.saturating_add(o.logged_in);
        self.disconnected = self.disconnected.saturating_add(o.disconnected);
        self.incidents = self.incidents.saturating_add(o.incidents);
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ReportError {
    #[error("the site report is malformed: {0}")]
    Malformed(String),
    #[error("the site report's signature does not verify against the site's registered key")]
    BadSignature,
}

/// The bytes a site signs: the format tag, `\n`, then the body exactly as sent.
pub fn signed_bytes(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(REPORT_FORMAT.len() + 1 + body.len());
    out.extend_from_slice(REPORT_FORMAT.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}

/// The body to send and its signature (the header's value). Sets `format` and `site`.
pub fn sign_report(mut report: SiteReport, key: &SiteSigningKey) -> (Vec<u8>, String) {
    report.format = REPORT_FORMAT.to_string();
    report.site.public_key = key.public().to_string();
    let body = serde_json::to_vec(&report).expect("a report serializes");
    let signature = B64.encode(key.sign(&signed_bytes(&body)));
    (body, signature)
}

/// Checks the signature of the received bytes against a trusted key.
pub fn verify_report(body: &[u8], signature: &str, trusted: &SitePublicKey) -> Result<(), ReportError> {
    let sig = B64
        .decode(signature.trim())
        .map_err(|e| ReportError::Malformed(format!("the signature is not base64: {e}")))?;
    if trusted.verify(&signed_bytes(body), &sig) { Ok(()) } else { Err(ReportError::BadSignature) }
}

impl SiteReport {
    /// Reads a report and checks its shape and bounds (not its signature: [`verify_report`]).
    /// Unknown fields are ignored, so a newer site's report still reads.
    pub fn parse(body: &[u8]) -> Result<Self, ReportError> {
        let r: SiteReport = serde_json::from_slice(body)
            .map_err(|e| ReportError::Malformed(format!("not a site report: {e}")))?;
        r.check()?;
        Ok(r)
    }

    /// The site key the report names; trusted only once the bank finds it registered.
    pub fn site_key(&self) -> Result<SitePublicKey, ReportError> {
        SitePublicKey::parse(&self.site.public_key)
            .map_err(|e| ReportError::Malformed(format!("site.public_key: {e}")))
    }

    fn check(&self) -> Result<(), ReportError> {
        let bad = |m: String| Err(ReportError::Malformed(m));
        if self.format != REPORT_FORMAT {
            return bad(format!("format is \"{}\", expected \"{REPORT_FORMAT}\"", self.format));
        }
        if self.counter == 0 {
            return bad("counter must be 1 or more".into());
        }
        if self.events.len() > MAX_EVENTS {
            return bad(format!("{} events; a report carries at most {MAX_EVENTS}", self.events.len()));
        }
        let rooms: usize = self.events.iter().map(|e| e.rooms.len()).sum();
        if rooms > MAX_ROOMS {
            return bad(format!("{rooms} rooms; a report carries at most {MAX_ROOMS}"));
        }
        let mut texts: Vec<(&str, &str)> = vec![
            ("site.name", &self.site.name),
            ("node", &self.node),
            ("sent_at", &self.sent_at),
            ("software_version", &self.software_version),
        ];
        for e in &self.events {
            texts.extend([
                ("events[].id", e.id.as_str()),
                ("events[].title", &e.title),
                ("events[].status", &e.status),
            ]);
            texts.extend(
                e.rooms.iter().flat_map(|r| [("rooms[].id", r.id.as_str()), ("rooms[].name", &r.name)]),
            );
        }
        if let Some((name, _)) = texts.iter().find(|(_, t)| t.chars().count() > MAX_TEXT) {
            return bad(format!("{name} is longer than {MAX_TEXT} characters"));
        }
        if self.node.trim().is_empty() {
            return bad("node is empty".into());
        }
        if chrono_like(&self.sent_at).is_none() {
            return bad(format!("sent_at \"{}\" is not an RFC 3339 time", self.sent_at));
        }
        for (name, c) in [("responses", &self.chains.responses), ("audit", &self.chains.audit)] {
            if c.head.len() != 64 || !c.head.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                return bad(format!("chains.{name}.head is not 64 lowercase hex digits"));
            }
        }
        Ok(())
    }
}

/// A light RFC 3339 shape check (`YYYY-MM-DDTHH:MM:SS…`); the bank parses it fully.
fn chrono_like(s: &str) -> Option<()> {
    let b = s.as_bytes();
    (b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b't')
        && b[13] == b':'
        && b[16] == b':'
        && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18].iter().all(|&i| b[i].is_ascii_digit()))
    .then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result_file::ChainHead;
    use rand::SeedableRng;

    fn key(seed: u64) -> SiteSigningKey {
        SiteSigningKey::generate(&mut rand::rngs::StdRng::seed_from_u64(seed))
    }

    fn sample(counter: u64) -> SiteReport {
        let counts = Counts {
            candidates: 24,
            in_progress: 20,
            submitted: 3,
            absent: 1,
            logged_in: 20,
            ..Counts::default()
        };
        SiteReport {
            format: String::new(),
            site: SiteInfo { name: "Điểm thi số 1".into(), public_key: String::new() },
            node: "main".into(),
            counter,
            sent_at: "2026-06-27T07:35:00Z".into(),
            software_version: "0.1.0".into(),
            events: vec![EventReport {
                id: "THPT-2026-TOAN".into(),
                title: "Toán".into(),
                status: "open".into(),
                unlocked_at: Some("2026-06-27T07:30:00Z".into()),
                rooms: vec![RoomReport { id: "P01".into(), name: "Phòng 01".into(), counts }],
                total: counts,
            }],
            chains: ChainHeads {
                responses: ChainHead { length: 480, head: "ab".repeat(32) },
                audit: ChainHead { length: 12, head: "cd".repeat(32) },
            },
        }
    }

    #[test]
    fn a_signed_report_verifies_and_any_changed_byte_does_not() {
        let k = key(1);
        let (body, sig) = sign_report(sample(7), &k);
        let r = SiteReport::parse(&body).unwrap();
        assert_eq!(r.counter, 7);
        assert_eq!(r.site_key().unwrap(), k.public());
        verify_report(&body, &sig, &k.public()).unwrap();
        assert_eq!(verify_report(&body, &sig, &key(2).public()), Err(ReportError::BadSignature));
        let mut changed = body.clone();
        let at = String::from_utf8_lossy(&body).find("\"in_progress\":20").unwrap() + 15;
        changed[at] = b'1';
        assert_eq!(verify_report(&changed, &sig, &k.public()), Err(ReportError::BadSignature));
        assert!(matches!(verify_report(&body, "not base64!", &k.public()), Err(ReportError::Malformed(_))));
        // A result-file or package signature over the same body does not pass for a report's.
        let plain = B64.encode(k.sign(&body));
        assert_eq!(verify_report(&body, &plain, &k.public()), Err(ReportError::BadSignature));
    }

    #[test]
    fn shape_and_bounds_are_checked() {
        let k = key(3);
        let parse = |r: SiteReport| SiteReport::parse(&sign_report(r, &k).0);
        let mut r = sample(0);
        assert!(parse(r.clone()).unwrap_err().to_string().contains("counter"));
        r.counter = 1;
        r.events = (0..=MAX_EVENTS).map(|_| sample(1).events[0].clone()).collect();
        assert!(parse(r).unwrap_err().to_string().contains("at most 64"));
        let mut r = sample(1);
        r.events[0].title = "x".repeat(MAX_TEXT + 1);
        assert!(parse(r).unwrap_err().to_string().contains("events[].title"));
        let mut r = sample(1);
        r.sent_at = "yesterday".into();
        assert!(parse(r).unwrap_err().to_string().contains("sent_at"));
        let mut r = sample(1);
        r.chains.audit.head = "zz".into();
        assert!(parse(r).unwrap_err().to_string().contains("chains.audit"));
        // Unknown fields (a newer site) are read past.
        let mut v: serde_json::Value = serde_json::from_slice(&sign_report(sample(1), &k).0).unwrap();
        v["future_field"] = serde_json::json!(1);
        assert!(SiteReport::parse(v.to_string().as_bytes()).is_ok());
        let mut r = sample(1);
        r.format = "x".into();
        let body = serde_json::to_vec(&r).unwrap();
        assert!(SiteReport::parse(&body).unwrap_err().to_string().contains("format"));
    }

    #[test]
    fn counts_add_up() {
        let mut t = Counts::default();
        let c = sample(1).events[0].total;
        t.add(&c);
        t.add(&c);
        assert_eq!(t.candidates, 48);
        assert_eq!(t.logged_in, 40);
    }
}
