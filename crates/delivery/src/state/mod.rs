//! Shared state: the database pools, the writer, the live-session hub and the unlocked content.
//!
//! The in-memory parts are submodules that point one way: [`hub`] (sessions' signals, login
//! locks, unlocked contents) holds [`rooms`] (the proctors' live view) and [`content`]; none of
//! them knows the proctor's or the websocket's code, which use them.

pub mod admission;
pub mod alarms;
pub mod content;
pub mod hub;
pub mod outbox;
pub mod rooms;

pub use content::{EventContent, ITEMS_MESSAGE_BYTES, ItemIds};
pub use hub::{Hub, LiveGuard, Signal};
pub use rooms::{AnswerTally, RoomHub};

use std::sync::Arc;

use axum::extract::FromRef;
use khaothi_auth::{JwtKeys, LoginLimiter, PasswordPool};
use khaothi_package::{BoardPublicKey, SiteSigningKey};

use crate::codes::CodeSecret;
use crate::config::DeliveryConfig;
use crate::store::Db;
use crate::store::writer::Writer;

/// The server's shared state, behind one `Arc`: axum clones the state for every request and
/// every websocket, and a clone of the fields themselves cost about twenty reference-count
/// updates on cache lines both cores write, plus the JWT keys' and the code secret's bytes
/// copied — 2 % of the server's CPU in a reconnect storm (docs/benchmarks.md, issue 17 target 3,
/// stop 21). Fields are reached through `Deref`.
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

impl AppState {
    pub fn new(inner: AppStateInner) -> Self {
        Self(Arc::new(inner))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppStateInner;

    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct AppStateInner {
    pub db: Db,
    /// The other delivery nodes on this database (`None` when the node runs alone).
    pub cluster: Option<Arc<crate::store::nodes::Cluster>>,
    pub writer: Writer,
    pub keys: JwtKeys,
    /// Staff logins, by username.
    pub staff_limiter: Arc<LoginLimiter>,
    /// Where staff passwords are checked (bounded; routes::staff).
    pub passwords: Arc<PasswordPool>,
    /// Failed candidate logins per candidate, shown to the proctor (never a lock-out).
    pub login_alarms: Arc<alarms::LoginAlarms>,
    pub codes: CodeSecret,
    pub board_key: Option<BoardPublicKey>,
    /// Signs result files (crate::site).
    pub site_key: Arc<SiteSigningKey>,
    pub hub: Arc<Hub>,
    pub config: Arc<DeliveryConfig>,
    /// `/metrics` (khaothi_http::metrics), and the delivery families fed as things happen.
    pub metrics: Arc<khaothi_http::metrics::Metrics>,
    pub live: Arc<crate::metrics::DeliveryMetrics>,
}

impl FromRef<AppState> for JwtKeys {
    fn from_ref(s: &AppState) -> JwtKeys {
        s.keys.clone()
    }
}
