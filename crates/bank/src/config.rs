//! The bank's configuration: one typed struct, read once from an optional TOML file and then
//! `KHAOTHI__…` environment variables (e.g. `KHAOTHI__BANK__LISTEN=0.0.0.0:8080`).

use std::net::SocketAddr;
use std::path::PathBuf;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where the SQLite file and the generated secret live.
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; unset means SQLite at `<data_dir>/bank.db`.
    pub database_url: Option<String>,
    /// HS256 secret for access tokens; unset means a random secret kept in `<data_dir>/jwt.secret`.
    #[serde(skip_serializing)]
    pub jwt_secret: Option<SecretString>,
    pub access_token_minutes: i64,
    pub refresh_token_hours: i64,
    /// Largest JSON body accepted (bytes).
    pub max_body_bytes: usize,
    /// Largest import file accepted (bytes).
    pub max_import_bytes: usize,
    /// Largest media upload accepted (bytes).
    pub max_media_bytes: usize,
    pub login_max_failures: u32,
    pub login_window_seconds: u64,
    /// First admin account, created when the database has no user yet. Without a password a
    /// one-time password is generated and printed once.
    pub initial_admin: Option<String>,
    #[serde(skip_serializing)]
    pub initial_admin_password: Option<SecretString>,
    /// The board's Ed25519 secret key (`ed25519-secret:<64 hex>`, as `khaothi package keygen`
    /// writes it) that signs exam packages; unset means a key generated once and kept in
    /// `<data_dir>/board.key` (mode 0600).
    #[serde(skip_serializing)]
    pub board_signing_key: Option<SecretString>,
    /// Demo mode: the demo accounts with the published password. Never in production.
    pub demo: bool,
    /// Addresses (or CIDR blocks) that may read `/metrics`; default: this machine only.
    pub metrics_allow: Vec<String>,
    /// The exam-day control room (`[bank.control_room]`, crate::control_room).
    pub control_room: ControlRoomConfig,
}

/// How the control room keeps and reads the sites' reports (docs/operations.md, "The exam-day
/// control room").
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlRoomConfig {
    /// Hours a report is kept; older ones are purged (the newest of each site node stays).
    pub retention_hours: u64,
    /// A site whose newest report is older than this is shown offline.
    pub offline_after_seconds: u64,
    /// A site with candidates in progress whose response chain has not grown for this long is
    /// shown stalled.
    pub stalled_after_seconds: u64,
    /// Minutes after an event's scheduled unlock time before a site that has not unlocked is late.
    pub late_after_minutes: u64,
    /// Largest report accepted (bytes).
    pub max_report_bytes: usize,
}

impl Default for ControlRoomConfig {
    fn default() -> Self {
        Self {
            retention_hours: 72,
            offline_after_seconds: 30,
            stalled_after_seconds: 300,
            late_after_minutes: 5,
            max_report_bytes: 256 * 1024,
        }
    }
}

impl Default for BankConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".parse().expect("valid address"),
            data_dir: PathBuf::from("data"),
            database_url: None,
            jwt_secret: None,
            access_token_minutes: 15,
            refresh_token_hours: 12,
            max_body_bytes: 1024 * 1024,
            max_import_bytes: 32 * 1024 * 1024,
            max_media_bytes: 2 * 1024 * 1024,
            login_max_failures: 5,
            login_window_seconds: 300,
            initial_admin: Some("admin".into()),
            initial_admin_password: None,
            board_signing_key: None,
            demo: false,
            metrics_allow: khaothi_http::metrics::loopback(),
            control_room: ControlRoomConfig::default(),
        }
    }
}

impl BankConfig {
    /// Defaults, then the `[bank]` table of the file (if any), then `KHAOTHI__BANK__*` variables.
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, Box<figment::Error>> {
        khaothi_http::config::load_section("bank", file)
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| khaothi_store::sqlite_url(&self.data_dir.join("bank.db")))
    }
}

impl BankConfig {
    /// What `khaothi bank check-config` reports (see [`khaothi_http::config::ConfigCheck`]);
    /// checked without touching the database or the data directory.
    pub fn check(&self) -> khaothi_http::config::ConfigCheck {
        use secrecy::ExposeSecret;
        let mut c = khaothi_http::config::ConfigCheck::default();
        c.database_url("database_url", self.database_url.as_deref());
        c.secret_length("jwt_secret", self.jwt_secret.as_ref().map(|s| s.expose_secret()));
        if let Some(k) = &self.board_signing_key
            && let Err(e) = khaothi_package::BoardSigningKey::parse(k.expose_secret())
        {
            c.error("board_signing_key", e.to_string());
        }
        for (key, value) in [
            ("max_body_bytes", self.max_body_bytes),
            ("max_import_bytes", self.max_import_bytes),
            ("max_media_bytes", self.max_media_bytes),
        ] {
            c.positive(key, value as u64);
        }
        c.positive("login_max_failures", u64::from(self.login_max_failures));
        c.tokens(self.access_token_minutes, self.refresh_token_hours);
        if self.initial_admin_password.is_some() {
            c.warn(
                "initial_admin_password",
                "a password in the file: remove it once the admin has signed in",
            );
        }
        let cr = &self.control_room;
        c.positive("control_room.retention_hours", cr.retention_hours);
        c.positive("control_room.offline_after_seconds", cr.offline_after_seconds);
        c.positive("control_room.stalled_after_seconds", cr.stalled_after_seconds);
        c.positive("control_room.max_report_bytes", cr.max_report_bytes as u64);
        c.demo(self.demo);
        if let Err(e) = khaothi_http::metrics::AllowList::parse(&self.metrics_allow) {
            c.error("metrics_allow", e);
        }
        c
    }
}
