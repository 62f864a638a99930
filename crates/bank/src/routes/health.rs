use axum::Json;
use axum::extract::State;
use khaothi_store::ConnectionTrait;
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub service: &'static str,
    pub version: &'static str,
    pub database: &'static str,
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> (axum::http::StatusCode, Json<Health>) {
    let db_ok = state.db.execute_unprepared("SELECT 1").await.is_ok();
    let backend = match state.db.get_database_backend() {
        khaothi_store::DbBackend::Postgres => "postgres",
        khaothi_store::DbBackend::Sqlite => "sqlite",
        _ => "other",
    };
    let status = if db_ok { axum::http::StatusCode::OK } else { axum::http::StatusCode::SERVICE_UNAVAILABLE };
    (
        status,
        Json(Health {
            status: if db_ok { "ok" } else { "degraded" },
            service: "khaothi-bank",
            version: env!("CARGO_PKG_VERSION"),
            database: backend,
        }),
    )
}

/// Readiness: the database answers and its schema is current (`/healthz` is liveness).
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, body = khaothi_http::ready::Readiness), (status = 503, body = khaothi_http::ready::Readiness)))]
pub async fn readyz(
    State(state): State<AppState>,
) -> (axum::http::StatusCode, Json<khaothi_http::ready::Readiness>) {
    let mut r = khaothi_http::ready::Readiness::new();
    r.check("database", state.db.execute_unprepared("SELECT 1").await.map(|_| ()).map_err(|e| e.to_string()));
    let pending = khaothi_store::pending_bank_migrations(&state.db).await;
    r.check(
        "migrations",
        match pending {
            Ok(0) => Ok(()),
            Ok(n) => Err(format!("{n} migration(s) pending: run khaothi migrate")),
            Err(e) => Err(e.to_string()),
        },
    );
    r.into_response()
}
