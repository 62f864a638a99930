//! The delivery server's configuration: one typed struct, read once from an optional TOML file's
//! `[delivery]` table and then `KHAOTHI__DELIVERY__…` environment variables
//! (e.g. `KHAOTHI__DELIVERY__BOARD_PUBLIC_KEY=ed25519:…`).

use std::net::SocketAddr;
use std::path::PathBuf;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryConfig {
    pub listen: SocketAddr,
    /// Where the SQLite file and the generated secrets live.
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; unset means SQLite at `<data_dir>/delivery.db`.
    pub database_url: Option<String>,
    /// The exam board's Ed25519 public key (`ed25519:<hex>`), pinned here: packages are verified
    /// against it and never against a key they carry.
    pub board_public_key: Option<String>,
    /// The site's name, written into signed result files.
    pub site_name: String,
    /// The site's Ed25519 secret key (`ed25519-secret:<64 hex>`) that signs result files; unset
    /// means a key generated once and kept in `<data_dir>/site.key` (mode 0600).
    #[serde(skip_serializing)]
    pub site_key: Option<SecretString>,
    /// HMAC secret of the login codes; unset means a random secret kept in `<data_dir>/code.secret`.
    #[serde(skip_serializing)]
    pub code_secret: Option<SecretString>,
    /// HS256 secret of staff access tokens; unset means `<data_dir>/jwt.secret`.
    #[serde(skip_serializing)]
    pub jwt_secret: Option<SecretString>,
    pub access_token_minutes: i64,
    /// Lifetime of a staff refresh token (each is good once; a page refreshes before it expires).
    pub refresh_token_hours: i64,
    /// First board account, created when there is no staff yet; without a password one is
    /// generated and printed once.
    pub initial_board: Option<String>,
    #[serde(skip_serializing)]
    pub initial_board_password: Option<SecretString>,
    /// Largest JSON body (bytes); package uploads may be `max_package_bytes`.
    pub max_body_bytes: usize,
    pub max_package_bytes: usize,
    pub login_max_failures: u32,
    pub login_window_seconds: u64,
    /// Websocket: frames above this many bytes get a `frame_too_large` error (the session goes on).
    pub max_frame_bytes: usize,
    /// Websocket: messages above this size close the connection (code 1009).
    pub hard_max_message_bytes: usize,
    /// Websocket buffers per connection (axum's default is 128 KiB): the read buffer every
    /// connected candidate holds for the whole exam (it grows for a larger frame: a read of at
    /// most this many bytes at a time), and how much the write side gathers before it writes.
    /// 1 KiB: a candidate's frames are ~100 bytes (issue 17, docs/benchmarks.md stop 19).
    pub ws_buffer_bytes: usize,
    /// Per-connection frame rate: sustained frames per second and burst.
    pub frames_per_second: u32,
    pub frame_burst: u32,
    /// Seconds a socket may stay silent (no frame, no pong) before it is considered dead.
    pub dead_after_seconds: u64,
    /// Interval of the server's pings and of the stored server heartbeat (outage credit).
    pub heartbeat_seconds: u64,
    /// Seconds a socket may stay open without logging in.
    pub login_timeout_seconds: u64,
    /// Answers received up to this many milliseconds after a deadline are still saved.
    pub deadline_grace_ms: i64,
    /// How long a proctor's admit stays valid for the candidate's next login from a new browser.
    pub admit_minutes: i64,
    /// Largest group commit (answers per transaction).
    pub max_batch: usize,
    /// Candidate logins in progress at once on this node (the admission gate,
    /// `state::hub::ADMISSION_SLOTS`); the others wait their turn.
    pub admission_slots: usize,
    /// Milliseconds of ack delay above which answers count as held up by logins: while more
    /// than 1 % of them are, the login gate's places halve, down to 4 (`state::admission`).
    /// 0: the places stay at `admission_slots`.
    pub admission_ack_target_ms: u64,
    /// SQLite: MiB of write-ahead log after which the writer starts the log over between two
    /// batches (`store::wal`). 0 never does: the log then grows through the whole exam (about
    /// 8 MB/s at a real exam's answer rate) — only for measuring, or where something else
    /// truncates it.
    pub wal_rewind_mib: u32,
    /// SQLite: milliseconds between two side checkpoints (`store::wal::checkpoint_beside`), each
    /// of which asks for a rewind once the log is past `wal_rewind_mib`. Short, so that each
    /// rewind's sync of the database file has little to write (`store::wal`).
    pub wal_checkpoint_ms: u64,
    /// Demo mode: the demo board account with the published password. Never in production.
    pub demo: bool,
    /// The event's time zone (IANA name or `±HH:MM`) for every time people read: pages, login
    /// sheets, the biên bản (24-hour). Machine exports stay RFC 3339 UTC. See `event_time`.
    pub event_time_zone: String,
    /// The bank this site's results go to (e.g. `https://bank.example.vn`): the upload
    /// (`POST …/results/upload`) posts there and nowhere else, so a board token cannot make the
    /// server send signed results or a bank password to another host. Unset: no upload.
    pub bank_url: Option<String>,
    /// Addresses (or CIDR blocks) that may read `/metrics`; default: this machine only.
    pub metrics_allow: Vec<String>,
    /// This node's name when several delivery nodes share one PostgreSQL database (issue 18,
    /// docs/multi-node.md): unique per node, e.g. `node-1`. Set, the node joins the others through
    /// PostgreSQL (LISTEN/NOTIFY, advisory locks); unset, the server runs alone (SQLite or
    /// PostgreSQL) as before.
    pub node: Option<String>,
    /// A node whose stored heartbeat is older than this many seconds is dead: the leader credits
    /// its candidates' lost time and takes them over (`heartbeat_seconds` apart, so several
    /// heartbeats must be missed).
    pub node_dead_after_seconds: u64,
    /// Reports to the bank's exam-day control room (`[delivery.control_room]`).
    pub control_room: ControlRoomReports,
}

/// The site's reports to the bank's control room (crate::control_room; docs/protocol.md §8). They
/// go to `bank_url` only; without it the site never reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlRoomReports {
    /// Seconds between reports; 0 turns them off.
    pub report_seconds: u64,
    /// This node's name in the reports when the server runs alone; a node of several (`node`)
    /// reports under that name.
    pub node: String,
}

impl Default for ControlRoomReports {
    fn default() -> Self {
        Self { report_seconds: 5, node: "main".into() }
    }
}

/// The default of `admission_slots` (`state::hub::ADMISSION_SLOTS`, where the choice is told).
/// 32, not stop 18's 48: once the WAL rewinds were short (stop 22), the login ramp was what was
/// left of target 1's tail, and in quiet runs 32 places gave 14.3 and 15.1 ms of ack p99 over the
/// run (48: 12.5–22.7 in five runs) with 10,000 candidates all in in 2.55–2.59 s (48: 2.59–3.12;
/// 24: 2.83–3.29). docs/benchmarks.md, stop 22.
pub const DEFAULT_ADMISSION_SLOTS: usize = 32;

/// The default of `admission_ack_target_ms`: issue 17's ack p99 target over a login ramp is
/// 15 ms; a node that keeps most acks under 10 ms keeps its p99 there.
pub const DEFAULT_ADMISSION_ACK_TARGET_MS: u64 = 10;

/// The longest `admission_ack_target_ms`: past a few seconds an ack is late whatever the logins.
pub const MAX_ADMISSION_ACK_TARGET_MS: u64 = 10_000;

/// The most places `admission_slots` may set.
pub const MAX_ADMISSION_SLOTS: usize = 4096;

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8090".parse().expect("valid address"),
            data_dir: PathBuf::from("data"),
            database_url: None,
            board_public_key: None,
            site_name: "khaothi delivery site".into(),
            site_key: None,
            code_secret: None,
            jwt_secret: None,
            access_token_minutes: 60,
            refresh_token_hours: 12,
            initial_board: Some("board".into()),
            initial_board_password: None,
            max_body_bytes: 1024 * 1024,
            max_package_bytes: 64 * 1024 * 1024,
            login_max_failures: 5,
            login_window_seconds: 300,
            max_frame_bytes: 8 * 1024,
            hard_max_message_bytes: 64 * 1024,
            ws_buffer_bytes: 1024,
            frames_per_second: 10,
            frame_burst: 40,
            dead_after_seconds: 45,
            heartbeat_seconds: 1,
            login_timeout_seconds: 20,
            deadline_grace_ms: 2000,
            admit_minutes: 10,
            max_batch: 1024,
            admission_slots: DEFAULT_ADMISSION_SLOTS,
            admission_ack_target_ms: DEFAULT_ADMISSION_ACK_TARGET_MS,
            wal_rewind_mib: crate::store::wal::DEFAULT_REWIND_MIB,
            wal_checkpoint_ms: crate::store::wal::DEFAULT_CHECKPOINT_MS,
            demo: false,
            event_time_zone: crate::event_time::DEFAULT_ZONE.into(),
            bank_url: None,
            metrics_allow: khaothi_http::metrics::loopback(),
            node: None,
            node_dead_after_seconds: 5,
            control_room: ControlRoomReports::default(),
        }
    }
}

impl DeliveryConfig {
    /// Defaults, then the `[delivery]` table of the file (if any), then `KHAOTHI__DELIVERY__*`.
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, Box<figment::Error>> {
        khaothi_http::config::load_section("delivery", file)
    }

    /// The event's time zone ([`crate::event_time`]); checked at start, so never the fallback.
    pub fn zone(&self) -> crate::event_time::EventZone {
        crate::event_time::EventZone::parse(&self.event_time_zone).unwrap_or_default()
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| khaothi_store::sqlite_url(&self.data_dir.join("delivery.db")))
    }

    /// The ack delay that paces the login gate (`admission_ack_target_ms`; `None`: unpaced).
    pub fn admission_ack_target(&self) -> Option<std::time::Duration> {
        let ms = self.admission_ack_target_ms;
        (ms > 0).then(|| std::time::Duration::from_millis(ms))
    }
}

impl DeliveryConfig {
    /// What `khaothi delivery check-config` reports: errors stop the server at start, warnings
    /// are settings an operator should not take to an exam by mistake. Checked without touching
    /// the database or the data directory, so it runs on the machine that prepares the file.
    pub fn check(&self) -> khaothi_http::config::ConfigCheck {
        use secrecy::ExposeSecret;
        let mut c = khaothi_http::config::ConfigCheck::default();
        c.database_url("database_url", self.database_url.as_deref());
        if let Err(e) = crate::event_time::EventZone::parse(&self.event_time_zone) {
            c.error("event_time_zone", e.to_string());
        }
        match &self.board_public_key {
            Some(k) => {
                if let Err(e) = khaothi_package::BoardPublicKey::parse(k) {
                    c.error("board_public_key", e.to_string());
                }
            }
            None => c.warn("board_public_key", "unset: packages cannot be imported"),
        }
        if let Some(k) = &self.site_key
            && let Err(e) = khaothi_package::SiteSigningKey::parse(k.expose_secret())
        {
            c.error("site_key", e.to_string());
        }
        if let Some(url) = &self.bank_url {
            c.http_url("bank_url", url);
        }
        c.secret_length("jwt_secret", self.jwt_secret.as_ref().map(|s| s.expose_secret()));
        c.secret_length("code_secret", self.code_secret.as_ref().map(|s| s.expose_secret()));
        c.positive("max_batch", self.max_batch as u64);
        if !(1..=MAX_ADMISSION_SLOTS).contains(&self.admission_slots) {
            c.error("admission_slots", format!("1 to {MAX_ADMISSION_SLOTS} logins in progress at once"));
        }
        if self.admission_ack_target_ms > MAX_ADMISSION_ACK_TARGET_MS {
            c.error(
                "admission_ack_target_ms",
                format!("0 (no pacing) to {MAX_ADMISSION_ACK_TARGET_MS} ms of ack delay"),
            );
        }
        if self.wal_rewind_mib > crate::store::wal::MAX_REWIND_MIB {
            c.error("wal_rewind_mib", format!("0 (never) to {} MiB", crate::store::wal::MAX_REWIND_MIB));
        } else if self.wal_rewind_mib == 0 {
            c.warn("wal_rewind_mib", "0: the SQLite log grows through the whole exam");
        }
        if !(crate::store::wal::MIN_CHECKPOINT_MS..=crate::store::wal::MAX_CHECKPOINT_MS)
            .contains(&self.wal_checkpoint_ms)
        {
            c.error(
                "wal_checkpoint_ms",
                format!(
                    "{} to {} ms",
                    crate::store::wal::MIN_CHECKPOINT_MS,
                    crate::store::wal::MAX_CHECKPOINT_MS
                ),
            );
        }
        c.positive("heartbeat_seconds", self.heartbeat_seconds);
        if self.dead_after_seconds <= self.heartbeat_seconds {
            c.error("dead_after_seconds", "must be longer than heartbeat_seconds");
        }
        if self.max_frame_bytes > self.hard_max_message_bytes {
            c.error("max_frame_bytes", "must not exceed hard_max_message_bytes");
        }
        if let Some(node) = &self.node {
            if !crate::store::nodes::valid_node_name(node) {
                c.error("node", "1 to 40 characters: letters, digits, `-`, `_` or `.`");
            }
            if !self.database_url.as_deref().is_some_and(|u| u.starts_with("postgres")) {
                c.error(
                    "node",
                    "several nodes share one PostgreSQL database: set database_url to postgres://…",
                );
            }
            if self.node_dead_after_seconds <= 2 * self.heartbeat_seconds {
                c.error("node_dead_after_seconds", "must be longer than two heartbeats (heartbeat_seconds)");
            }
        }
        c.tokens(self.access_token_minutes, self.refresh_token_hours);
        let node = self.control_room.node.trim();
        if node.is_empty() || node.chars().count() > khaothi_package::site_report::MAX_TEXT {
            c.error("control_room.node", "must be a name of 1 to 200 characters");
        }
        if self.bank_url.is_none() && self.control_room.report_seconds > 0 {
            c.warn(
                "control_room.report_seconds",
                "no bank_url: the site does not report to the control room",
            );
        }
        c.demo(self.demo);
        if let Err(e) = khaothi_http::metrics::AllowList::parse(&self.metrics_allow) {
            c.error("metrics_allow", e);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admission_gate_has_between_one_and_its_most_places() {
        let errors = |slots| {
            let c = DeliveryConfig { admission_slots: slots, ..DeliveryConfig::default() };
            c.check().errors.into_iter().filter(|p| p.key == "admission_slots").count()
        };
        assert_eq!(DeliveryConfig::default().admission_slots, DEFAULT_ADMISSION_SLOTS);
        assert_eq!(errors(DEFAULT_ADMISSION_SLOTS), 0);
        assert_eq!(errors(1), 0);
        assert_eq!(errors(MAX_ADMISSION_SLOTS), 0);
        assert_eq!(errors(0), 1);
        assert_eq!(errors(MAX_ADMISSION_SLOTS + 1), 1);
    }

    #[test]
    fn the_side_checkpoints_period_is_bounded() {
        use crate::store::wal::{DEFAULT_CHECKPOINT_MS, MAX_CHECKPOINT_MS, MIN_CHECKPOINT_MS};
        let errors = |ms| {
            let c = DeliveryConfig { wal_checkpoint_ms: ms, ..DeliveryConfig::default() };
            c.check().errors.into_iter().filter(|p| p.key == "wal_checkpoint_ms").count()
        };
        for ok in [DEFAULT_CHECKPOINT_MS, MIN_CHECKPOINT_MS, MAX_CHECKPOINT_MS] {
            assert_eq!(errors(ok), 0, "{ok} ms");
        }
        for bad in [0, MIN_CHECKPOINT_MS - 1, MAX_CHECKPOINT_MS + 1] {
            assert_eq!(errors(bad), 1, "{bad} ms");
        }
    }

    #[test]
    fn the_gates_pacing_target_is_bounded_and_zero_turns_it_off() {
        let c = |ms| DeliveryConfig { admission_ack_target_ms: ms, ..DeliveryConfig::default() };
        let errors =
            |ms| c(ms).check().errors.into_iter().filter(|p| p.key == "admission_ack_target_ms").count();
        assert_eq!(errors(DEFAULT_ADMISSION_ACK_TARGET_MS), 0);
        assert_eq!(errors(0), 0);
        assert_eq!(errors(MAX_ADMISSION_ACK_TARGET_MS), 0);
        assert_eq!(errors(MAX_ADMISSION_ACK_TARGET_MS + 1), 1);
        assert_eq!(c(0).admission_ack_target(), None);
        assert_eq!(
            DeliveryConfig::default().admission_ack_target(),
            Some(std::time::Duration::from_millis(10))
        );
    }

    #[test]
    fn the_log_rewind_is_bounded_and_turning_it_off_is_warned() {
        let check = |mib| DeliveryConfig { wal_rewind_mib: mib, ..DeliveryConfig::default() }.check();
        let on = |ps: Vec<khaothi_http::config::ConfigProblem>| {
            ps.iter().filter(|p| p.key == "wal_rewind_mib").count()
        };
        assert_eq!(on(check(crate::store::wal::DEFAULT_REWIND_MIB).errors), 0);
        assert_eq!(on(check(crate::store::wal::DEFAULT_REWIND_MIB).warnings), 0);
        assert_eq!(on(check(crate::store::wal::MAX_REWIND_MIB).errors), 0);
        assert_eq!(on(check(crate::store::wal::MAX_REWIND_MIB + 1).errors), 1);
        assert_eq!((on(check(0).errors), on(check(0).warnings)), (0, 1));
    }
}
