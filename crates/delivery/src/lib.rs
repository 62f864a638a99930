//! The delivery server (DESIGN §6): imports signed, encrypted exam packages; holds exam events,
//! rooms and candidates; runs the candidate websocket with a durable, group-committed response
//! log. `Application::build` binds first, so tests start it on port 0.

pub mod access;
pub mod adaptive;
pub mod bootstrap;
pub mod chain;
pub mod cluster;
pub mod codes;
pub mod config;
pub mod control_room;
pub mod error;
pub mod event_time;
pub mod grouping;
pub mod json;
pub mod metrics;
pub mod pages;
pub mod paper;
mod periodic;
pub mod proctor;
pub mod result_file;
pub mod results;
pub mod routes;
pub mod seating;
pub mod seb;
pub mod session;
pub mod site;
pub mod state;
pub mod store;
#[cfg(test)]
mod test_support;
/// The single writer lives in the storage layer ([`store::writer`]); the old path still works.
pub use store::writer;
pub mod ws;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use chrono::Utc;
use khaothi_auth::{BearerAuth, JwtKeys, LoginLimiter};
use khaothi_package::BoardPublicKey;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use config::DeliveryConfig;
pub use error::ApiError;
pub use khaothi_http::StartError;
pub use state::AppState;

use crate::codes::CodeSecret;
use crate::state::Hub;
use crate::writer::{WriteOp, Writer};

#[derive(OpenApi)]
#[openapi(
    info(title = "khaothi delivery", description = "The exam delivery server's staff API (docs/protocol.md §2). Errors are `{\"error\": code, \"message\": text}`. The candidate and proctor websockets (`/ws/candidate`, `/ws/proctor`, docs/protocol.md §3–4) and the pages (`/`, `/proctor`, `/check`, `/static/…`, `/api/v1/media/{id}`, `/ws/check`) are not JSON endpoints and are described in docs/protocol.md only."),
    modifiers(&BearerAuth),
    components(schemas(proctor::http::ReasonBody, proctor::http::SeatBody, proctor::http::EmptyBody)),
    tags((name = "auth"), (name = "events"), (name = "rooms"), (name = "candidates"), (name = "proctor"), (name = "results"), (name = "paper"), (name = "health"))
)]
struct ApiDoc;

/// The staff API with its OpenAPI document, generated from the handlers (`routes!` registers a
/// handler and its `#[utoipa::path]` together, so the two cannot drift).
fn api() -> OpenApiRouter<AppState> {
    use routes::*;
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(staff::login))
        .routes(routes!(staff::refresh))
        .routes(routes!(staff::logout))
        .routes(routes!(me::me))
        .routes(routes!(staff::create_staff))
        .routes(routes!(events::create_event, events::list_events))
        .routes(routes!(events::get_event))
        .routes(routes!(events::unlock))
        .routes(routes!(events::release_keys))
        .routes(routes!(routes::seb::get_settings, routes::seb::set_settings))
        .routes(routes!(routes::seb::download))
        .routes(routes!(rooms::create_room, rooms::list_rooms))
        .routes(routes!(rooms::room_sheet))
        .routes(routes!(rooms::room_record))
        .routes(routes!(candidates::import, candidates::list))
        .routes(routes!(candidates::admit))
        .routes(routes!(candidates::extra_time))
        .routes(routes!(candidates::clear_login_alarm))
        .routes(routes!(candidates::integrity))
        .routes(routes!(results::results))
        .routes(routes!(results::calibration_export))
        .routes(routes!(results::raw_export))
        .routes(routes!(result_files::result_file))
        .routes(routes!(result_files::upload))
        .routes(routes!(result_files::verify_chains))
        .routes(routes!(proctor::http::act_on_candidate))
        .routes(routes!(proctor::http::act_on_room))
        .routes(routes!(proctor::http::incident))
        .routes(routes!(overview::overview))
        .routes(routes!(overview::progress))
        .routes(routes!(site_record::site_record))
        .routes(routes!(groups::groups_export))
        .routes(routes!(layout::set_layout))
        .routes(routes!(paper::http::paper_summary))
        .routes(routes!(paper::http::list_flags))
        .routes(routes!(paper::http::decide_flag))
        .routes(routes!(paper::http::list_held))
        .routes(routes!(paper::http::decide_held))
        .routes(routes!(paper::http::switch_room))
        .routes(routes!(paper::print::room_answer_sheets))
}

/// The HTTP and websocket surface.
pub fn router(state: AppState) -> Router {
    let body = state.config.max_body_bytes;
    let package = state.config.max_package_bytes;
    let uploads = OpenApiRouter::new()
        .routes(routes!(routes::events::import_package))
        .routes(routes!(routes::seb::upload_file))
        // A folder of sheets with their crops is larger than an ordinary JSON body.
        .routes(routes!(paper::http::ingest_sheets))
        .routes(routes!(paper::http::upload_scans))
        .layer(DefaultBodyLimit::max(package));
    let (api, openapi) = api().layer(DefaultBodyLimit::max(body)).merge(uploads).split_for_parts();
    let spec = Arc::new(openapi);
    let served = spec.clone();
    // Not in the document (see ApiDoc): the websockets and the pages.
    let sockets_and_pages = Router::new()
        .route("/ws/candidate", get(ws::candidate_socket))
        .route("/ws/proctor", get(proctor::socket::proctor_socket))
        .merge(pages::routes())
        .layer(DefaultBodyLimit::max(body));
    let router = api
        .merge(sockets_and_pages)
        .route("/openapi.json", get(move || async move { axum::Json(served.as_ref().clone()) }))
        // Swagger UI is vendored into the binary: the page works in a lab without internet.
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/docs").url("/api-docs/openapi.json", spec.as_ref().clone()),
        )
        .fallback(|| async { ApiError::NotFound("no such route; docs/protocol.md lists them".into()) });
    let router = khaothi_http::metrics::instrument(router, state.metrics.clone());
    khaothi_http::with_service_layers(router).with_state(state)
}

/// How long a stopping server lets requests in flight finish before it exits.
pub const DRAIN: Duration = Duration::from_secs(5);

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
        bootstrap::prepare_data_dir(&config)?;
        raise_open_file_limit();
        event_time::EventZone::parse(&config.event_time_zone)?;
        let db = store::connect_and_migrate(&config.database_url()).await.map_err(|e| e.to_string())?;
        let board_key = match &config.board_public_key {
            Some(k) => Some(BoardPublicKey::parse(k).map_err(|e| format!("board_public_key: {e}"))?),
            None => {
                tracing::warn!("no board_public_key configured: packages cannot be imported");
                None
            }
        };
        let jwt = bootstrap::secret(&config, config.jwt_secret.as_ref(), "jwt.secret")?;
        let code = bootstrap::secret(&config, config.code_secret.as_ref(), "code.secret")?;
        let site_key = site::load_or_create_site_key(&config)?;
        for warning in bootstrap::loose_file_modes(&config) {
            tracing::warn!("{warning}");
        }
        bootstrap::ensure_board(&db.write, &config).await?;
        let allow = khaothi_http::metrics::AllowList::parse(&config.metrics_allow)?;
        let mut builder = khaothi_http::metrics::MetricsBuilder::new("delivery");
        let live = Arc::new(metrics::DeliveryMetrics::register(&mut builder));
        khaothi_http::metrics::register_pools(
            &mut builder,
            vec![("read", db.read.clone()), ("write", db.write.clone())],
        );
        metrics::register_events(&mut builder, db.read.clone());
        let metrics = builder.finish(allow);
        // Several nodes on one database (crate::cluster): the chains are shared, and outage credit
        // goes by each node's own heartbeat (cluster::join) instead of the one server clock.
        let cluster = match config.node.as_deref() {
            Some(node) => Some(Arc::new(cluster::Cluster::new(
                node,
                &db.read,
                Duration::from_secs(config.node_dead_after_seconds),
                Duration::from_secs(config.heartbeat_seconds.max(1)),
            )?)),
            None => None,
        };
        let writer = Writer::start_with(db.write.clone(), config.max_batch, live.clone(), cluster.is_some())
            .await
            .map_err(|e| e.to_string())?;
        if cluster.is_none() {
            session::credit_outage(&db.read, &writer).await.map_err(|e| e.to_string())?;
        }
        writer.write(WriteOp::Clock(Utc::now())).await.map_err(|e| e.to_string())?;
        let hub = Arc::new(Hub::with_admission(config.admission_slots, config.admission_ack_target()));
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
        let accounts = Arc::new(routes::staff::StaffAccounts(db.read.clone()));
        let state = AppState::new(state::AppStateInner {
            cluster,
            metrics,
            live,
            db,
            writer,
            keys: JwtKeys::new(
                &jwt,
                chrono::Duration::minutes(config.access_token_minutes),
                chrono::Duration::hours(config.refresh_token_hours),
            )
            .for_service(khaothi_auth::DELIVERY_SERVICE)
            .with_accounts(accounts),
            staff_limiter: limiter(),
            passwords: Arc::new(khaothi_auth::PasswordPool::for_this_machine()),
            login_alarms: Arc::default(),
            codes: CodeSecret::new(code),
            board_key,
            site_key: Arc::new(site_key),
            hub,
            config: Arc::new(config),
        });
        bootstrap::load_unlocked(&state).await?;
        cluster::join(&state).await?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        cluster::spawn(state.clone(), stopped.clone());
        proctor::spawn_fanout(state.clone(), stopped.clone());
        control_room::spawn_reporter(state.clone(), stopped.clone());
        session::spawn_background(state.clone(), stopped);
        Ok(Self { addr, app: router(state.clone()), state, listener, stop })
    }

    /// Serves until `shutdown` resolves (SIGTERM, Ctrl-C), then drains: no new connection is
    /// taken, requests in flight get [`DRAIN`] to finish, the server clock and the automatic
    /// submission stop (a later start credits the time in between), and every write queued
    /// before is committed before this returns — so a service manager's stop ends well within
    /// its 10 s and never cuts an acknowledged answer (acknowledgements follow commits anyway).
    /// Candidates' sockets are closed at once with the draining close code (4002,
    /// [`state::hub::DRAINING_CLOSE`]): their pages resume at once, through the load balancer on
    /// another node, or here after a restart.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let stop = self.stop;
        let stopping = stop.clone();
        let writer = self.state.writer.clone();
        let hub = self.state.hub.clone();
        let mut draining = stop.subscribe();
        // Small frames (acks, pings) leave at once instead of waiting behind Nagle's algorithm for
        // the peer's delayed ACK. (The load test's p99 did not move with it: see benchmarks.md.)
        let listener = axum::serve::ListenerExt::tap_io(self.listener, |tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        let serve = axum::serve(listener, self.app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                shutdown.await;
                tracing::info!("stopping: draining connections");
                let _ = stopping.send(true);
                // Candidates' sockets close with the draining code: their pages resume elsewhere.
                hub.draining.start();
            })
            .into_future();
        // Graceful shutdown waits for every connection, and a candidate's websocket never ends
        // by itself: the drain is bounded.
        let drained = async move {
            let _ = draining.wait_for(|stopped| *stopped).await;
            tokio::time::sleep(DRAIN).await;
        };
        let result = tokio::select! {
            r = serve => r,
            () = drained => {
                tracing::info!("drain time over: open sockets close with the process");
                Ok(())
            }
        };
        let _ = stop.send(true);
        // The writer commits in order: once this write is in, everything queued before it is.
        if let Err(e) = writer.write(WriteOp::Clock(Utc::now())).await {
            tracing::warn!(error = %e, "the last heartbeat was not written");
        }
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
