//! Results and exports over HTTP (board): what [`crate::results`] computes, as JSON or CSV
//! downloads, each audited.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use khaothi_auth::CurrentUser;
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use crate::error::{ApiError, ApiResult};
use crate::json::{Path, Query};
use crate::results::{EventResults, calibration_csv, raw_csv, results_csv, results_json};
use crate::routes::BOARD;
use crate::state::AppState;
use crate::store;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// `json` (the default) or `csv`.
    #[serde(default)]
    pub format: Option<String>,
}

fn csv_response(name: String, text: String) -> Response {
    (
        [
            ("content-type", "text/csv; charset=utf-8".to_string()),
            ("content-disposition", format!("attachment; filename=\"{name}\"")),
        ],
        text,
    )
        .into_response()
}

async fn audited(s: &AppState, user: &CurrentUser, event: &str, export: &str) -> ApiResult<()> {
    store::audit(&s.writer, Some(event), user.username(), "results_exported", json!({"export": export}))
        .await?;
    Ok(())
}

/// Every candidate's result, as JSON or CSV (board; after the keys' release).
#[utoipa::path(get, path = "/api/v1/events/{event}/results", tag = "results", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ResultsQuery),
    responses((status = 200, body = EventResults, description = "JSON, or text/csv with `format=csv`"), (status = 400), (status = 401),
        (status = 403), (status = 404), (status = 409, description = "keys not released")))]
pub async fn results(
    State(s): State<AppState>,
    khaothi_auth::CurrentUserOrCookie(user): khaothi_auth::CurrentUserOrCookie,
    Path(id): Path<String>,
    Query(q): Query<ResultsQuery>,
) -> ApiResult<Response> {
    user.require(BOARD, "read results")?;
    let response = match q.format.as_deref().unwrap_or("json") {
        "json" => Json(results_json(&s, &id).await?).into_response(),
        "csv" => csv_response(format!("{id}-results.csv"), results_csv(&s, &id).await?),
        other => {
            return Err(ApiError::bad_request(
                "invalid_format",
                format!("format is json or csv, not `{other}`"),
            ));
        }
    };
    audited(&s, &user, &id, if q.format.as_deref() == Some("csv") { "results.csv" } else { "results.json" })
        .await?;
    Ok(response)
}

/// The calibration CSV: one row per candidate who started, scored responses (board).
#[utoipa::path(get, path = "/api/v1/events/{event}/exports/calibration.csv", tag = "results", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    responses((status = 200, body = String, content_type = "text/csv"), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn calibration_export(
    State(s): State<AppState>,
    khaothi_auth::CurrentUserOrCookie(user): khaothi_auth::CurrentUserOrCookie,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    user.require(BOARD, "export calibration data")?;
    let text = calibration_csv(&s, &id).await?;
    audited(&s, &user, &id, "calibration.csv").await?;
    Ok(csv_response(format!("{id}-calibration.csv"), text))
}

/// Raw responses with every shuffle undone, one row per candidate × item (board).
#[utoipa::path(get, path = "/api/v1/events/{event}/exports/raw.csv", tag = "results", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    responses((status = 200, body = String, content_type = "text/csv"), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn raw_export(
    State(s): State<AppState>,
    khaothi_auth::CurrentUserOrCookie(user): khaothi_auth::CurrentUserOrCookie,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    user.require(BOARD, "export raw responses")?;
    let text = raw_csv(&s, &id).await?;
    audited(&s, &user, &id, "raw.csv").await?;
    Ok(csv_response(format!("{id}-raw.csv"), text))
}
