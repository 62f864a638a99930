//! The delivery server (DESIGN §6): imports signed, encrypted exam packages; holds exam events,
//! rooms and candidates; runs the candidate websocket with a durable, group-committed response
//! log. `Application::build` binds first, so tests start it on port 0.

pub mod chain;
pub mod codes;
pub mod config;
pub mod error;
pub mod json;
pub mod pages;
pub mod proctor;
pub mod result_file;
pub mod results;
pub mod routes;
pub mod session;
pub mod site;
pub mod state;
pub mod store;
/// The single writer lives in the storage layer ([`store::writer`]); the old path still works.
pub use store::writer;
pub mod ws;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use chrono::Utc;
use khaothi_auth::{JwtKeys, LoginLimiter};
use khaothi_package::BoardPublicKey;

pub use config::DeliveryConfig;
pub use error::ApiError;
pub use khaothi_http::StartError;
pub use state::AppState;

use crate::codes::CodeSecret;
use crate::state::Hub;
use crate::writer::{WriteOp, Writer};

/// The HTTP and websocket surface.
pub fn router(state: AppState) -> Router {
    use routes::*;
    let body = state.config.max_body_bytes;
    let package = state.config.max_package_bytes;
    let api = Router::new()
        .route("/healthz", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .route("/api/v1/auth/login", post(staff::login))
        .route("/api/v1/staff", post(staff::create_staff))
        .route("/api/v1/events", post(events::create_event).get(events::list_events))
        .route("/api/v1/events/{event}", get(events::get_event))
        .route("/api/v1/events/{event}/unlock", post(events::unlock))
        .route("/api/v1/events/{event}/keys", post(events::release_keys))
        .route("/api/v1/events/{event}/rooms", post(events::create_room).get(events::list_rooms))
        .route("/api/v1/events/{event}/rooms/{room}/sheet", get(candidates::room_sheet))
        .route("/api/v1/events/{event}/candidates", post(candidates::import).get(candidates::list))
        .route("/api/v1/events/{event}/candidates/{number}/admit", post(candidates::admit))
        .route("/api/v1/events/{event}/candidates/{number}/extra-time", post(candidates::extra_time))
        .route("/api/v1/events/{event}/candidates/{number}/integrity", get(candidates::integrity))
        .route("/api/v1/events/{event}/results", get(crate::results::results))
        .route("/api/v1/events/{event}/exports/calibration.csv", get(crate::results::calibration_export))
        .route("/api/v1/events/{event}/exports/raw.csv", get(crate::results::raw_export))
        .route("/api/v1/events/{event}/results/file", get(result_files::result_file))
        .route("/api/v1/events/{event}/results/upload", post(result_files::upload))
        .route("/api/v1/chains/verify", get(result_files::verify_chains))
        .route("/api/v1/events/{event}/candidates/{number}/pause", post(proctor::http::pause))
        .route("/api/v1/events/{event}/candidates/{number}/resume", post(proctor::http::resume))
        .route("/api/v1/events/{event}/candidates/{number}/terminate", post(proctor::http::terminate))
        .route("/api/v1/events/{event}/candidates/{number}/move-seat", post(proctor::http::move_seat))
        .route("/api/v1/events/{event}/candidates/{number}/absent", post(proctor::http::absent))
        .route("/api/v1/events/{event}/rooms/{room}/pause", post(proctor::http::pause_room))
        .route("/api/v1/events/{event}/rooms/{room}/resume", post(proctor::http::resume_room))
        .route("/api/v1/events/{event}/rooms/{room}/incidents", post(proctor::http::incident))
        .route("/api/v1/events/{event}/rooms/{room}/record", get(proctor::record::room_record))
        .route("/ws/candidate", get(ws::candidate_socket))
        .route("/ws/proctor", get(proctor::socket::proctor_socket))
        .merge(pages::routes())
        .layer(DefaultBodyLimit::max(body));
    let uploads = Router::new()
        .route("/api/v1/events/{event}/package", post(events::import_package))
        .layer(DefaultBodyLimit::max(package));
    let router = api
        .merge(uploads)
        .fallback(|| async { ApiError::NotFound("no such route; docs/protocol.md lists them".into()) });
    khaothi_http::with_service_layers(router).with_state(state)
}

/// A bound, ready-to-run delivery server.
pub struct Application {
    pub addr: SocketAddr,
    pub state: AppState,
    listener: tokio::net::TcpListener,
    app: Router,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Application {
    pub async fn build(config: DeliveryConfig) -> Result<Self, StartError> {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| format!("cannot create the data directory {}: {e}", config.data_dir.display()))?;
        raise_open_file_limit();
        let db = store::connect_and_migrate(&config.database_url()).await.map_err(|e| e.to_string())?;
        let board_key = match &config.board_public_key {
            Some(k) => Some(BoardPublicKey::parse(k).map_err(|e| format!("board_public_key: {e}"))?),
            None => {
                tracing::warn!("no board_public_key configured: packages cannot be imported");
                None
            }
        };
        let jwt = routes::staff::secret(&config, config.jwt_secret.as_ref(), "jwt.secret")?;
        let code = routes::staff::secret(&config, config.code_secret.as_ref(), "code.secret")?;
        let site_key = site::load_or_create_site_key(&config)?;
        routes::staff::ensure_board(&db.read, &config).await?;
        let writer = Writer::start(db.write.clone(), config.max_batch).await.map_err(|e| e.to_string())?;
        session::credit_outage(&db.read, &writer).await.map_err(|e| e.to_string())?;
        writer.write(WriteOp::Clock(Utc::now())).await.map_err(|e| e.to_string())?;
        let hub = Arc::new(Hub::default());
        let limiter = || {
            Arc::new(LoginLimiter::new(
                config.login_max_failures,
                Duration::from_secs(config.login_window_seconds),
            ))
        };
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let state = AppState {
            db,
            writer,
            keys: JwtKeys::new(
                &jwt,
                chrono::Duration::minutes(config.access_token_minutes),
                chrono::Duration::hours(1),
            ),
            staff_limiter: limiter(),
            candidate_limiter: limiter(),
            codes: CodeSecret::new(code),
            board_key,
            site_key: Arc::new(site_key),
            hub,
            config: Arc::new(config),
        };
        routes::events::load_unlocked(&state).await?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        proctor::spawn_fanout(state.clone(), stopped.clone());
        session::spawn_background(state.clone(), stopped);
        Ok(Self { addr, app: router(state.clone()), state, listener, stop })
    }

    /// Serves until `shutdown` resolves, then stops the server clock and the automatic
    /// submission (a later start credits the time in between).
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let stop = self.stop;
        let stopping = stop.clone();
        // Small frames (acks, pings) leave at once instead of waiting behind Nagle's algorithm for
        // the peer's delayed ACK. (The load test's p99 did not move with it: see benchmarks.md.)
        let listener = axum::serve::ListenerExt::tap_io(self.listener, |tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        let result = axum::serve(listener, self.app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                shutdown.await;
                let _ = stopping.send(true);
            })
            .await;
        let _ = stop.send(true);
        result
    }
}

/// Each candidate holds a socket: raise the soft open-file limit to the hard limit and say so.
pub fn raise_open_file_limit() -> Option<u64> {
    let (soft, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).ok()?;
    match rlimit::increase_nofile_limit(hard) {
        Ok(now) => {
            tracing::info!(before = soft, now, "open-file limit raised to the hard limit");
            if now < 20_000 {
                tracing::warn!(now, "the open-file limit caps concurrent candidates near this number");
            }
            Some(now)
        }
        Err(e) => {
            tracing::warn!(error = %e, soft, "cannot raise the open-file limit");
            Some(soft)
        }
    }
}
