//! The grouping variables of an event's candidates as a CSV beside the calibration CSV (issue 13):
//! `person,school,district,region,sex`, one row per candidate, `person` being the calibration CSV's
//! (the số báo danh). A separate file because `khaothi calibrate` and the bank read every column
//! after `person` of the calibration CSV as an item; DIF and đối sánh join the two on `person`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use khaothi_auth::CurrentUserOrCookie;
use serde_json::json;

use crate::access::load_event;
use crate::error::{ApiError, ApiResult};
use crate::grouping;
use crate::json::Path;
use crate::routes::BOARD;
use crate::state::AppState;
use crate::store;

/// Every candidate's grouping variables (board; the bearer token or the `khaothi_fetch` cookie).
#[utoipa::path(get, path = "/api/v1/events/{event}/exports/groups.csv", tag = "results", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id")),
    responses((status = 200, body = String, content_type = "text/csv"), (status = 401), (status = 403), (status = 404)))]
pub async fn groups_export(
    State(s): State<AppState>,
    CurrentUserOrCookie(user): CurrentUserOrCookie,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    user.require(BOARD, "export grouping variables")?;
    load_event(&s, &id).await?;
    let cands = store::candidates::of_event(&s.db.read, &id).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = std::iter::once("person").chain(grouping::VARIABLES.iter().map(|(v, _)| *v));
    w.write_record(header).map_err(|e| ApiError::Internal(e.to_string()))?;
    for c in &cands {
        let row = std::iter::once(c.number.clone()).chain(grouping::row(c.groups.as_deref()));
        w.write_record(row).map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    let bytes = w.into_inner().map_err(|e| ApiError::Internal(e.to_string()))?;
    let detail = json!({"export": "groups.csv"});
    store::audit(&s.writer, Some(&id), user.username(), "results_exported", detail).await?;
    let disposition = format!("attachment; filename=\"{id}-groups.csv\"");
    Ok((
        [("content-type", "text/csv; charset=utf-8".to_string()), ("content-disposition", disposition)],
        bytes,
    )
        .into_response())
}
