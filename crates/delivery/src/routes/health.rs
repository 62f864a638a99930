//! The liveness probe.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` while the server answers.
    pub status: &'static str,
}

/// The server is up (anyone).
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: both database pools answer, the schema is current and the single writer runs
/// (`/healthz` is liveness).
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, body = khaothi_http::ready::Readiness), (status = 503, body = khaothi_http::ready::Readiness)))]
pub async fn readyz(
    axum::extract::State(s): axum::extract::State<crate::state::AppState>,
) -> (axum::http::StatusCode, Json<khaothi_http::ready::Readiness>) {
    use khaothi_migration::MigratorTrait;
    use sea_orm::ConnectionTrait;
    let mut r = khaothi_http::ready::Readiness::new();
    let ping = async |db: &sea_orm::DatabaseConnection| {
        db.execute_unprepared("SELECT 1").await.map(|_| ()).map_err(|e| e.to_string())
    };
    let database = match (ping(&s.db.write).await, ping(&s.db.read).await) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    r.check("database", database);
    let pending = khaothi_migration::DeliveryMigrator::get_pending_migrations(&s.db.read).await;
    r.check(
        "migrations",
        match pending.map(|p| p.len()) {
            Ok(0) => Ok(()),
            Ok(n) => Err(format!("{n} migration(s) pending: restart the server to apply them")),
            Err(e) => Err(e.to_string()),
        },
    );
    r.check("writer", if s.writer.is_running() { Ok(()) } else { Err("the writer has stopped".into()) });
    r.into_response()
}
