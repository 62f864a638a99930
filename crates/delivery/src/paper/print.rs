//! A room's answer sheets printed from the site console (issue 22 §1): one A4 PDF, a page per
//! candidate of the room in seat order — số báo danh, name, date of birth and room printed, the
//! digits written in the boxes, the QR code carrying the event, candidate, version and sheet id —
//! then blank sheets of each of the event's versions for candidates who spoil theirs. The sheets
//! are those `khaothi omr sheet --event <id>` prints for the same package and candidate list, and
//! the layout the server reads scans with (super::printed).

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use khaothi_auth::CurrentUserOrCookie;
use khaothi_omr::{CandidateInfo, Header, pdf, sheet};
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use super::printed;
use crate::access::{find_room, load_event, require_room};
use crate::error::{ApiError, ApiResult};
use crate::json::{Path, Query};
use crate::state::AppState;
use crate::store;

/// Most blank sheets of each version in one PDF.
pub const MAX_BLANK: u32 = 50;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PrintQuery {
    /// Blank sheets of each version after the candidates' (0–50, default 0).
    #[serde(default)]
    pub blank: Option<u32>,
}

/// The room's answer sheets as one PDF (board or the room's proctor): a pre-filled sheet per
/// candidate in seat order, then `blank` blank sheets of each version. A GET a new tab opens: the
/// `khaothi_fetch` cookie is accepted instead of the bearer header.
#[utoipa::path(get, path = "/api/v1/events/{event}/rooms/{room}/answer-sheets", tag = "paper", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ("room" = String, Path, description = "The room's id or name"), PrintQuery),
    responses((status = 200, description = "The sheets, A4, one a page", content_type = "application/pdf"),
        (status = 400, description = "blank out of range"), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "the event's content is not unlocked, or a version the sheet cannot hold")))]
pub async fn room_answer_sheets(
    State(s): State<AppState>,
    CurrentUserOrCookie(user): CurrentUserOrCookie,
    Path((event, room_ref)): Path<(String, String)>,
    Query(q): Query<PrintQuery>,
) -> ApiResult<Response> {
    let blank = q.blank.unwrap_or(0);
    if blank > MAX_BLANK {
        return Err(ApiError::bad_request(
            "invalid_blank",
            format!("blank is 0 to {MAX_BLANK} sheets of each version; got {blank}"),
        ));
    }
    let e = load_event(&s, &event).await?;
    let r = find_room(&s, &event, &room_ref).await?;
    require_room(&s, &user, &r.id, "print this room's answer sheets").await?;
    let content = s.hub.content(&event).ok_or_else(|| {
        ApiError::Conflict(format!(
            "the content of event {event} is not unlocked: the sheets are laid out from its versions, unlock it first"
        ))
    })?;
    let specs: Vec<_> = printed::layouts(&content, printed::event_digits(&s, &event).await?)?
        .into_iter()
        .map(|(spec, _)| spec)
        .collect();
    let candidates = store::candidates::of_room(&s.db.read, &r.id).await?;
    if candidates.is_empty() && blank == 0 {
        return Err(ApiError::bad_request(
            "nothing_to_print",
            format!("room {} has no candidates: ask for blank sheets (blank=1…{MAX_BLANK})", r.name),
        ));
    }
    let mut pages = Vec::new();
    for c in &candidates {
        let spec = specs.iter().find(|sp| sp.version == c.version_code).ok_or_else(|| {
            ApiError::Internal(format!(
                "version {} of candidate {} is not in the package",
                c.version_code, c.number
            ))
        })?;
        let person = CandidateInfo {
            number: c.number.clone(),
            name: c.full_name.clone(),
            date_of_birth: c.date_of_birth.clone(),
            room: r.name.clone(),
        };
        pages.push((spec.clone(), Header { event: e.id.clone(), candidate: Some(person) }));
    }
    for spec in &specs {
        for _ in 0..blank {
            pages.push((spec.clone(), Header { event: e.id.clone(), candidate: None }));
        }
    }
    let count = pages.len();
    let bytes = tokio::task::spawn_blocking(move || {
        let drawings = pages
            .iter()
            .map(|(spec, header)| sheet::sheet(spec, header).map(|(_, d, _)| d))
            .collect::<Result<Vec<_>, _>>()?;
        pdf::to_pdf_pages(&drawings)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("printing sheets: {e}")))?
    .map_err(|e| ApiError::Internal(format!("printing sheets: {e}")))?;
    let detail =
        json!({"room": r.name, "candidates": candidates.len(), "blank_per_version": blank, "pages": count});
    store::audit(&s.writer, Some(&event), user.username(), "answer_sheets_printed", detail).await?;
    let file = format!("attachment; filename=\"phieu-tra-loi-{}-{}.pdf\"", safe(&e.id), safe(&r.name));
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, file)], bytes)
        .into_response())
}

/// A name safe in a header's file name.
fn safe(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}
