//! The item-bank service: a thin axum layer over the store, auth, render and interop crates.
//! `Application::build` binds the listener first, so tests can start it on port 0.

pub mod board;
pub mod bootstrap;
pub mod calibration;
pub mod calibration_jobs;
pub mod confidentiality;
pub mod config;
pub mod control_room;
pub mod error;
pub mod failed_logins;
pub mod import;
mod import_extras;
pub mod json;
pub mod login;
pub mod metrics;
mod pages;
pub mod paper;
pub mod print;
pub mod raster;
pub mod routes;
pub mod state;
mod verify_page;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use khaothi_auth::{BearerAuth, JwtKeys, LoginLimiter};
use khaothi_store::DatabaseConnection;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use config::BankConfig;
pub use error::ApiError;
pub use khaothi_http::StartError;
pub use state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "khaothi item bank", description = "Authoring, review and import/export of standardized test items. Errors are `{\"error\": code, \"message\": text}`."),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "items"), (name = "review"), (name = "stimuli"), (name = "media"), (name = "import"), (name = "assembly"), (name = "calibration"), (name = "cat"), (name = "packages"), (name = "results"), (name = "paper"), (name = "control_room"), (name = "admin"), (name = "health"))
)]
struct ApiDoc;

/// The whole HTTP surface, with its OpenAPI document generated from the handlers.
/// The board's routes on an exam's results: linking calibrations, the copying screen, đối sánh
/// and score certificates (JSON bodies, so under the API's body limit).
fn after_the_exam() -> OpenApiRouter<AppState> {
    use routes::*;
    OpenApiRouter::new()
        .routes(routes!(calibration_link::link_calibrations))
        .routes(routes!(integrity::screen_import))
        .routes(routes!(comparisons::comparison))
        .routes(routes!(comparisons::funnel))
        .routes(routes!(certificates::issue_all))
        .routes(routes!(certificates::issue_one))
        .routes(routes!(certificates::public_keys))
        .routes(routes!(certificates::revocation_list, certificates::revoke))
}

/// A school test on paper read into the bank (routes/paper*.rs): its sitting, flags, decisions,
/// finalizing and results (JSON bodies, so under the API's body limit; the scans are bulk).
fn paper_routes() -> OpenApiRouter<AppState> {
    use routes::*;
    OpenApiRouter::new()
        .routes(routes!(paper::list_sittings, paper::create_sitting))
        .routes(routes!(paper::get_sitting))
        .routes(routes!(paper::list_flags))
        .routes(routes!(paper::decide_flag))
        .routes(routes!(paper::discard_sheet))
        .routes(routes!(paper_finalize::finalize))
        .routes(routes!(paper::results_csv))
}

/// The exam-day control room: the sites' reports (signed with the site key, no token; their own
/// body limit) and the board's views and schedule.
fn control_room_routes(config: &BankConfig) -> OpenApiRouter<AppState> {
    use routes::control_room::*;
    let reports = OpenApiRouter::new()
        .routes(routes!(receive_report))
        .layer(DefaultBodyLimit::max(config.control_room.max_report_bytes));
    OpenApiRouter::new()
        .routes(routes!(overview))
        .routes(routes!(site_detail))
        .routes(routes!(get_schedule, set_schedule))
        .routes(routes!(unschedule))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .merge(reports)
}

/// Writing and review: items, their versions and previews, stimuli, and the review queue.
fn authoring_routes() -> OpenApiRouter<AppState> {
    use routes::*;
    OpenApiRouter::new()
        .routes(routes!(items::list_items, items::create_item))
        .routes(routes!(items::get_item, items::update_item))
        .routes(routes!(items::history))
        .routes(routes!(items::get_item_version))
        .routes(routes!(items::preview))
        .routes(routes!(authoring::preview_draft))
        .routes(routes!(authoring::diff))
        .routes(routes!(review::submit))
        .routes(routes!(review::approve))
        .routes(routes!(review::reject))
        .routes(routes!(review::retire))
        .routes(routes!(stimuli::list_stimuli, stimuli::put_stimulus))
        .routes(routes!(stimuli::get_stimulus))
        .routes(routes!(stimulus_review::submit))
        .routes(routes!(stimulus_review::approve))
        .routes(routes!(stimulus_review::reject))
        .routes(routes!(stimulus_review::versions))
        .routes(routes!(stimulus_review::version))
        .routes(routes!(stimulus_views::preview))
        .routes(routes!(stimulus_views::diff))
        .routes(routes!(review::review_queue))
}

pub fn router(state: AppState) -> Router {
    use routes::*;
    let body_limit = state.config.max_body_bytes;
    let import_limit = state.config.max_import_bytes;
    let media_limit = state.config.max_media_bytes;
    let api = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .merge(authoring_routes())
        .routes(routes!(media::download))
        .routes(routes!(admin::list_users, admin::create_user))
        .routes(routes!(admin::update_user))
        .routes(routes!(admin::audit_log))
        .routes(routes!(org_settings::get_settings, org_settings::put_settings))
        .routes(routes!(import::export_items))
        .routes(routes!(assembly::get_blueprint, blueprints_update::update_blueprint))
        .routes(routes!(assembly::assemble))
        .routes(routes!(assembly::get_job))
        .routes(routes!(assembly_forms::list_forms))
        .routes(routes!(assembly::get_form))
        .routes(routes!(assembly::freeze_form))
        .routes(routes!(assembly::print))
        .routes(routes!(answer_sheets::blank_sheet, answer_sheets::candidate_sheets))
        .routes(routes!(form_qti::form_qti))
        .routes(routes!(form_docx::form_docx))
        .routes(routes!(board::job_overview))
        .routes(routes!(calibration::get_calibration))
        .routes(routes!(calibration_adopt::adopt))
        .routes(routes!(calibration::get_job, calibration::cancel_job))
        .routes(routes!(cat::simulate))
        .routes(routes!(cat::get_simulation))
        .routes(routes!(calibration::item_calibrations))
        .routes(routes!(packages::list, packages::build))
        .routes(routes!(packages_adaptive::build_adaptive))
        .routes(routes!(packages::download))
        .routes(routes!(packages::board_key))
        .routes(routes!(results::list_sites, results::register_site))
        .routes(routes!(enemies::suggestions))
        .routes(routes!(enemies::decide))
        .routes(routes!(enemies::decided))
        .merge(after_the_exam())
        .merge(paper_routes())
        .layer(DefaultBodyLimit::max(body_limit));
    let bulk = OpenApiRouter::new()
        .routes(routes!(import::import_items_route))
        .routes(routes!(assembly::list_blueprints, assembly::create_blueprint))
        .routes(routes!(blueprints_check::check_blueprint))
        .routes(routes!(calibration::calibrate))
        .routes(routes!(board::calibration_flags))
        // Result files carry every answer of an event: the import limit, not the JSON one.
        .routes(routes!(results::list_results, results::import_results))
        .routes(routes!(comparisons::import_transcripts))
        // A batch of scans (the page sends a folder in batches under this limit).
        .routes(routes!(paper_scans::upload_scans))
        .layer(DefaultBodyLimit::max(import_limit));
    // Media get 1 KiB of slack so an over-limit upload is refused with our message, not axum's.
    let uploads =
        OpenApiRouter::new().routes(routes!(media::upload)).layer(DefaultBodyLimit::max(media_limit + 1024));
    let (router, openapi) =
        api.merge(bulk).merge(uploads).merge(control_room_routes(&state.config)).split_for_parts();
    let openapi = Arc::new(openapi);
    let spec = openapi.clone();
    let router = router
        .route("/openapi.json", axum::routing::get(move || async move { axum::Json(spec.as_ref().clone()) }))
        // Swagger UI is vendored into the binary: the page works in a lab without internet.
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/docs")
                .url("/api-docs/openapi.json", openapi.as_ref().clone()),
        )
        .merge(pages::routes())
        .merge(verify_page::routes())
        .fallback(|| async {
            ApiError::NotFound("no such route; the API is described at /openapi.json and /docs".into())
        })
        .method_not_allowed_fallback(|| async {
            ApiError::MethodNotAllowed("this route does not accept that method; see /openapi.json".into())
        });
    let router = khaothi_http::metrics::instrument(router, state.metrics.clone());
    khaothi_http::with_service_layers(router).with_state(state)
}

/// A bound, ready-to-run bank service.
pub struct Application {
    pub addr: SocketAddr,
    listener: tokio::net::TcpListener,
    app: Router,
}

impl Application {
    /// Connects and migrates the database, ensures the first admin (or demo accounts), binds.
    pub async fn build(config: BankConfig) -> Result<Self, StartError> {
        bootstrap::prepare_data_dir(&config)?;
        let db = khaothi_store::connect(&config.database_url()).await.map_err(|e| e.to_string())?;
        khaothi_store::migrate_bank(&db).await.map_err(|e| e.to_string())?;
        let interrupted =
            khaothi_store::assembly::fail_interrupted_jobs(&db).await.map_err(|e| e.to_string())?;
        if interrupted > 0 {
            tracing::warn!(interrupted, "assembly jobs interrupted by the last shutdown were marked failed");
        }
        let cat = khaothi_store::cat_jobs::fail_interrupted(&db).await.map_err(|e| e.to_string())?;
        if cat > 0 {
            tracing::warn!(
                interrupted = cat,
                "CAT simulation jobs interrupted by the last shutdown were marked failed"
            );
        }
        let interrupted =
            khaothi_store::calibration_jobs::fail_interrupted(&db).await.map_err(|e| e.to_string())?;
        if interrupted > 0 {
            tracing::warn!(
                interrupted,
                "calibration jobs interrupted by the last shutdown were marked failed"
            );
        }
        Self::build_with_db(config, db).await
    }

    pub async fn build_with_db(config: BankConfig, db: DatabaseConnection) -> Result<Self, StartError> {
        let secret = bootstrap::jwt_secret(&config)?;
        bootstrap::ensure_users(&db, &config).await?;
        let keys = JwtKeys::new(
            &secret,
            chrono::Duration::minutes(config.access_token_minutes),
            chrono::Duration::hours(config.refresh_token_hours),
        )
        .for_service(khaothi_auth::BANK_SERVICE)
        .with_accounts(Arc::new(bootstrap::Accounts(db.clone())));
        let limiter = Arc::new(LoginLimiter::new(
            config.login_max_failures,
            std::time::Duration::from_secs(config.login_window_seconds),
        ));
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let board_key = Arc::new(bootstrap::board_key(&config)?);
        for warning in bootstrap::loose_file_modes(&config) {
            tracing::warn!("{warning}");
        }
        let allow = khaothi_http::metrics::AllowList::parse(&config.metrics_allow).map_err(StartError)?;
        let mut builder = khaothi_http::metrics::MetricsBuilder::new("bank");
        let live = Arc::new(metrics::BankMetrics::register(&mut builder));
        khaothi_http::metrics::register_pools(&mut builder, vec![("main", db.clone())]);
        let metrics = builder.finish(allow);
        control_room::spawn_purge(db.clone(), config.control_room.retention_hours);
        let state = AppState {
            metrics,
            live,
            db,
            keys,
            limiter,
            passwords: Arc::new(khaothi_auth::PasswordPool::for_this_machine()),
            unknown_failures: Arc::default(),
            config: Arc::new(config),
            board_key,
        };
        Ok(Self { addr, listener, app: router(state) })
    }

    /// Serves until `shutdown` resolves; in-flight requests finish first.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, self.app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await
    }
}
