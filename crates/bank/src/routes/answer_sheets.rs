//! The answer sheets of a frozen form's version, printed from the bank (issue 22 §1): the sheet a
//! school prints for a periodic test on paper, as `khaothi omr sheet --form … --version …` writes
//! it — blank (one PDF to copy), or pre-filled per candidate from a candidate CSV (one PDF, a page
//! each) — and its `layout.json` for any scanner (docs/formats.md "Answer sheet").

use axum::extract::{Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use khaothi_auth::{CurrentUserOrCookie, Role};
use khaothi_domain::form::Version;
use khaothi_omr::spec::{DEFAULT_CANDIDATE_DIGITS, MAX_NUMBER_DIGITS, SheetSpec};
use khaothi_omr::{CandidateInfo, Header, pdf, sheet};
use khaothi_store::assembly as store;
use khaothi_store::audit;
use serde::Deserialize;
use utoipa::IntoParams;

use super::assembly::form_view;
use super::items::actor;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiPath, ApiQuery, read_body};
use crate::state::AppState;

const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];
/// Most candidates in one PDF (a school's grade).
pub const MAX_CANDIDATES: usize = 2000;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SheetParams {
    /// Version code (mã đề), e.g. `0101` (required).
    pub version: Option<String>,
    /// `pdf` (default): the blank sheet; `layout`: the sheet's layout.json.
    pub format: Option<String>,
    /// The test's name, printed on the sheet and carried in its QR code (default none).
    pub event: Option<String>,
}

/// The frozen form's version named by `p` (404 for no such form or version; 409 not frozen).
async fn frozen_version(
    state: &AppState,
    user: &khaothi_auth::CurrentUser,
    id: &str,
    p: &SheetParams,
) -> ApiResult<Version> {
    let stored = store::get_form(&state.db, user.org(), id).await?;
    let f = form_view(stored)?;
    let Some(code) = p.version.as_deref() else {
        return Err(ApiError::bad_request("missing_version", "name the version: ?version=0101".to_string()));
    };
    if f.frozen_at.is_none() {
        return Err(ApiError::Conflict(format!(
            "form {id} is not frozen: answer sheets are printed for frozen forms only (freeze it first)"
        )));
    }
    let codes: Vec<&str> = f.versions.iter().map(|v| v.code.as_str()).collect();
    let missing = format!("form {id} has no version {code}; it has {}", codes.join(", "));
    f.versions.into_iter().find(|v| v.code == code).ok_or(ApiError::NotFound(missing))
}

/// The sheet of `version` with `digits` số báo danh columns.
fn spec(version: &Version, digits: u32) -> ApiResult<SheetSpec> {
    SheetSpec::from_version(version, digits).map_err(|e| {
        ApiError::Conflict(format!("version {} cannot be printed on the answer sheet: {e}", version.code))
    })
}

fn pdf_response(name: String, bytes: Vec<u8>) -> Response {
    let file = format!("attachment; filename=\"{name}\"");
    ([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, file)], bytes)
        .into_response()
}

/// A frozen form's blank answer sheet (PDF, A4) or its layout.json (board).
#[utoipa::path(get, path = "/api/v1/forms/{id}/answer-sheets", tag = "assembly", security(("bearer" = [])),
    params(("id" = String, Path), SheetParams),
    responses((status = 200, content_type = "application/pdf", description = "the blank sheet; application/json with format=layout"),
        (status = 400), (status = 401), (status = 403), (status = 404), (status = 409, description = "the form is not frozen, or its version does not fit the sheet")))]
pub async fn blank_sheet(
    State(state): State<AppState>,
    CurrentUserOrCookie(user): CurrentUserOrCookie,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<SheetParams>,
) -> ApiResult<Response> {
    user.require(BOARD, "print answer sheets")?;
    let spec = spec(&frozen_version(&state, &user, &id, &p).await?, DEFAULT_CANDIDATE_DIGITS)?;
    match p.format.as_deref().unwrap_or("pdf") {
        "layout" => {
            let layout = sheet::layout(&spec).map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok(axum::Json(layout).into_response())
        }
        "pdf" => {
            let header = Header { event: p.event.clone().unwrap_or_default(), candidate: None };
            let bytes = render(vec![(spec.clone(), header)]).await?;
            let detail = serde_json::json!({"version": spec.version, "candidates": 0});
            audit::record(&state.db, &actor(&user), "answer_sheets_print", "form", &id, detail).await?;
            Ok(pdf_response(format!("phieu-tra-loi-{}.pdf", spec.version), bytes))
        }
        other => {
            Err(ApiError::bad_request("invalid_format", format!("format is pdf or layout; got `{other}`")))
        }
    }
}

/// A frozen form's sheets pre-filled per candidate (board): the body is the candidate CSV
/// (`so_bao_danh,ho_ten,ngay_sinh,phong`, or `number,full_name,date_of_birth,room`); one PDF, a
/// page per candidate in the CSV's order.
#[utoipa::path(post, path = "/api/v1/forms/{id}/answer-sheets", tag = "assembly", security(("bearer" = [])),
    params(("id" = String, Path), SheetParams),
    request_body(content = String, content_type = "text/csv", example = json!("so_bao_danh,ho_ten,ngay_sinh,phong\n12000001,Nguyễn Văn An,12/03/2009,12A1\n")),
    responses((status = 200, content_type = "application/pdf"), (status = 400, description = "a bad CSV line, named"), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "the form is not frozen, or its version does not fit the sheet"), (status = 413)))]
pub async fn candidate_sheets(
    State(state): State<AppState>,
    user: khaothi_auth::CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<SheetParams>,
    req: Request,
) -> ApiResult<Response> {
    user.require(BOARD, "print answer sheets")?;
    if p.format.as_deref().is_some_and(|f| f != "pdf") {
        return Err(ApiError::bad_request(
            "invalid_format",
            "candidate sheets are a PDF (format=pdf)".to_string(),
        ));
    }
    let version = frozen_version(&state, &user, &id, &p).await?;
    let body = read_body(req, &state).await?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("invalid_csv", "the candidate CSV is not UTF-8".to_string()))?;
    let people = candidates(text)?;
    let digits = people
        .iter()
        .filter(|c| c.number.chars().all(|ch| ch.is_ascii_digit()))
        .map(|c| c.number.len() as u32)
        .max()
        .unwrap_or(0)
        .clamp(DEFAULT_CANDIDATE_DIGITS, MAX_NUMBER_DIGITS);
    let spec = spec(&version, digits)?;
    let event = p.event.clone().unwrap_or_default();
    let count = people.len();
    let pages = people
        .into_iter()
        .map(|c| (spec.clone(), Header { event: event.clone(), candidate: Some(c) }))
        .collect();
    let bytes = render(pages).await?;
    let detail = serde_json::json!({"version": spec.version, "candidates": count});
    audit::record(&state.db, &actor(&user), "answer_sheets_print", "form", &id, detail).await?;
    Ok(pdf_response(format!("phieu-tra-loi-{}-{count}.pdf", spec.version), bytes))
}

/// The sheets as one PDF, drawn off the async runtime.
async fn render(pages: Vec<(SheetSpec, Header)>) -> ApiResult<Vec<u8>> {
    tokio::task::spawn_blocking(move || {
        let drawings = pages
            .iter()
            .map(|(s, h)| sheet::sheet(s, h).map(|(_, d, _)| d))
            .collect::<Result<Vec<_>, _>>()?;
        pdf::to_pdf_pages(&drawings)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("printing sheets: {e}")))?
    .map_err(|e| ApiError::Internal(format!("printing sheets: {e}")))
}

/// The candidate CSV's rows, by the delivery server's column names (Vietnamese or English).
pub fn candidates(text: &str) -> ApiResult<Vec<CandidateInfo>> {
    let bad = |m: String| ApiError::bad_request("invalid_csv", m);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| bad(format!("the header row: {e}")))?.clone();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.trim().to_lowercase().as_str()));
    let number = col(&["so_bao_danh", "sbd", "number"])
        .ok_or_else(|| bad("the header row needs so_bao_danh (or number)".into()))?;
    let (name, dob, room) =
        (col(&["ho_ten", "full_name"]), col(&["ngay_sinh", "date_of_birth"]), col(&["phong", "room"]));
    let mut out = Vec::new();
    for (line, row) in reader.records().enumerate() {
        let row = row.map_err(|e| bad(format!("line {}: {e}", line + 2)))?;
        let get = |i: Option<usize>| {
            i.and_then(|i| row.get(i)).unwrap_or("").trim().chars().take(100).collect::<String>()
        };
        let c = CandidateInfo {
            number: get(Some(number)),
            name: get(name),
            date_of_birth: get(dob),
            room: get(room),
        };
        if c.number.is_empty()
            || c.number.len() > 20
            || !c.number.chars().all(|ch| ch.is_ascii_alphanumeric())
        {
            return Err(bad(format!(
                "line {}: a candidate number is 1–20 letters or digits; got `{}`",
                line + 2,
                c.number
            )));
        }
        if out.len() == MAX_CANDIDATES {
            return Err(bad(format!("at most {MAX_CANDIDATES} candidates in one PDF")));
        }
        out.push(c);
    }
    if out.is_empty() {
        return Err(bad("the CSV has no candidate".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_candidate_csv_is_read_by_either_names() {
        let c = candidates("so_bao_danh,ho_ten,ngay_sinh,phong\n12000001,Nguyễn Văn An,12/03/2009,12A1\n")
            .unwrap();
        assert_eq!(
            (c[0].number.as_str(), c[0].name.as_str(), c[0].room.as_str()),
            ("12000001", "Nguyễn Văn An", "12A1")
        );
        let c = candidates("number,full_name\n7,B\n").unwrap();
        assert_eq!(c[0].number, "7");
        let err = |t: &str| candidates(t).err().unwrap().to_string();
        assert!(err("ho_ten\nAn\n").contains("so_bao_danh"));
        assert!(err("number\n12-3\n").starts_with("line 2:"));
        assert!(err("number\n").contains("no candidate"));
    }

    #[test]
    fn a_class_list_longer_than_one_pdf_holds_is_refused() {
        let rows =
            |n: usize| (0..n).fold(String::from("number\n"), |t, i| t + &format!("{}\n", 12_000_000 + i));
        assert_eq!(candidates(&rows(MAX_CANDIDATES)).unwrap().len(), MAX_CANDIDATES);
        let err = candidates(&rows(MAX_CANDIDATES + 1)).err().unwrap().to_string();
        assert!(err.contains("at most 2000 candidates"), "{err}");
    }
}
