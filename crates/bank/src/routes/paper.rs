//! School tests on paper, from the bank (issue 22 §3–4; README "A school test on paper, from the
//! bank"). A school's periodic test has no delivery server: the teacher prints the class's sheets
//! of a frozen form (routes/answer_sheets.rs), the class fills them, and the scans come back here.
//!
//! - a **sitting** names the frozen form and the test's name as printed on the sheets (their QR
//!   code's event);
//! - **scans** are read against the layouts the bank printed (routes/paper_scans.rs);
//! - the marks the reader would not decide wait in the **flags** queue, with their crop and the
//!   proposed reading, until a person decides each (audited);
//! - **finalize** scores every sheet by the THPT rules and files the sitting as a response set and
//!   a signed result file (routes/paper_finalize.rs), which calibration, đối sánh and the
//!   integrity screen take like a delivery site's.
//!
//! Board and administrator only (the roles that print the sheets).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use khaothi_auth::{CurrentUser, CurrentUserOrCookie, Role};
use khaothi_domain::form::Version;
use khaothi_omr::spec::{DEFAULT_CANDIDATE_DIGITS, MAX_NUMBER_DIGITS};
use khaothi_store::paper::{self as store, PaperFlag, PaperSitting};
use khaothi_store::{assembly, audit, begin_write};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use super::assembly::{FormView, form_view};
use super::items::actor;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiPath, ApiQuery};
use crate::paper::{checked_answer, is_question};
use crate::state::AppState;

pub(crate) const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];
/// Longest test name (it is printed on the sheets and carried in their QR code).
const MAX_NAME_CHARS: usize = 120;
/// Longest note on a decision.
const MAX_NOTE_CHARS: usize = 1000;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPaperSitting {
    /// A frozen form of the bank.
    pub form_id: String,
    /// The test's name exactly as the sheets were printed with it (`?event=` of the answer-sheet
    /// route), e.g. `KT giữa kỳ 12A1`.
    pub name: String,
    /// Columns of số báo danh on the printed sheets: 6 (the default, as on the THPT sheet), or the
    /// length of the class list's longest all-digit number when that is longer (at most 10).
    pub candidate_digits: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct PaperSittingView {
    pub id: String,
    pub form_id: String,
    pub name: String,
    pub candidate_digits: i32,
    /// The form's version codes (mã đề).
    pub versions: Vec<String>,
    /// Sheets read in (not set aside).
    pub sheets: usize,
    /// Sheets set aside by a person.
    pub discarded: usize,
    pub flags_pending: usize,
    pub flags_decided: usize,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finalized_by: Option<String>,
    pub finalized_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Calibrate it with `POST /api/v1/calibrations?response_set=<id>`.
    pub response_set_id: Option<String>,
    /// The signed result file among `GET /api/v1/results` (its event id is the sitting's id).
    pub result_import_id: Option<String>,
}

/// The sitting's form, frozen.
pub(crate) async fn frozen_form(state: &AppState, org: &str, form_id: &str) -> ApiResult<FormView> {
    let f = form_view(assembly::get_form(&state.db, org, form_id).await?)?;
    if f.frozen_at.is_none() {
        return Err(ApiError::Conflict(format!(
            "form {form_id} is not frozen: a test on paper is sat on a frozen form (freeze it first)"
        )));
    }
    Ok(f)
}

pub(crate) async fn view(
    state: &AppState,
    s: PaperSitting,
    versions: Vec<String>,
) -> ApiResult<PaperSittingView> {
    let sheets = store::sheets(&state.db, &s.id).await?;
    let flags = store::flags(&state.db, &s.id).await?;
    let pending = flags.iter().filter(|f| f.decided_at.is_none()).count();
    let discarded = sheets.iter().filter(|x| x.discarded_at.is_some()).count();
    Ok(PaperSittingView {
        id: s.id,
        form_id: s.form_id,
        name: s.name,
        candidate_digits: s.candidate_digits,
        versions,
        sheets: sheets.len() - discarded,
        discarded,
        flags_pending: pending,
        flags_decided: flags.len() - pending,
        created_by: s.created_by,
        created_at: s.created_at,
        finalized_by: s.finalized_by,
        finalized_at: s.finalized_at,
        response_set_id: s.response_set_id,
        result_import_id: s.result_import_id,
    })
}

fn codes(versions: &[Version]) -> Vec<String> {
    versions.iter().map(|v| v.code.clone()).collect()
}

/// Open a test sat on paper: a frozen form and the name its sheets were printed with.
#[utoipa::path(post, path = "/api/v1/paper-sittings", tag = "paper", security(("bearer" = [])),
    request_body(content = NewPaperSitting, example = json!({"form_id": "FORM-0193…", "name": "KT giữa kỳ 12A1"})),
    responses((status = 201, body = PaperSittingView), (status = 400), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "the form is not frozen")))]
pub async fn create_sitting(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewPaperSitting>,
) -> ApiResult<(StatusCode, Json<PaperSittingView>)> {
    user.require(BOARD, "read tests on paper into the bank")?;
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "invalid_name",
            format!("name is the test's name as printed on its sheets: 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    let digits = req.candidate_digits.unwrap_or(DEFAULT_CANDIDATE_DIGITS);
    if !(DEFAULT_CANDIDATE_DIGITS..=MAX_NUMBER_DIGITS).contains(&digits) {
        return Err(ApiError::bad_request(
            "invalid_candidate_digits",
            format!(
                "candidate_digits is {DEFAULT_CANDIDATE_DIGITS} to {MAX_NUMBER_DIGITS}, as the sheets were printed"
            ),
        ));
    }
    let form = frozen_form(&state, user.org(), &req.form_id).await?;
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let s = store::create_sitting(&txn, &actor, &req.form_id, name, digits as i32).await?;
    let detail = json!({"form_id": s.form_id, "name": s.name});
    audit::record(&txn, &actor, "paper_sitting_created", "paper_sitting", &s.id, detail).await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(view(&state, s, codes(&form.versions)).await?)))
}

/// The organisation's tests on paper, newest first.
#[utoipa::path(get, path = "/api/v1/paper-sittings", tag = "paper", security(("bearer" = [])),
    responses((status = 200, body = Vec<PaperSittingView>), (status = 401), (status = 403)))]
pub async fn list_sittings(
    State(state): State<AppState>,
    CurrentUserOrCookie(user): CurrentUserOrCookie,
) -> ApiResult<Json<Vec<PaperSittingView>>> {
    user.require(BOARD, "see tests on paper")?;
    let mut out = Vec::new();
    for s in store::sittings(&state.db, user.org()).await? {
        let versions = match assembly::get_form(&state.db, user.org(), &s.form_id).await {
            Ok(f) => codes(&form_view(f)?.versions),
            Err(_) => Vec::new(),
        };
        out.push(view(&state, s, versions).await?);
    }
    Ok(Json(out))
}

/// One test on paper: its sheets and flags counted.
#[utoipa::path(get, path = "/api/v1/paper-sittings/{id}", tag = "paper", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = PaperSittingView), (status = 401), (status = 403), (status = 404)))]
pub async fn get_sitting(
    State(state): State<AppState>,
    CurrentUserOrCookie(user): CurrentUserOrCookie,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<PaperSittingView>> {
    user.require(BOARD, "see tests on paper")?;
    let s = store::sitting(&state.db, user.org(), &id).await?;
    let form = form_view(assembly::get_form(&state.db, user.org(), &s.form_id).await?)?;
    Ok(Json(view(&state, s, codes(&form.versions)).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PaperFlagsQuery {
    /// `pending` (the default) or `all`.
    pub state: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PaperFlagView {
    pub id: String,
    /// The stored sheet.
    pub sheet: String,
    /// The scan's file name.
    pub image: String,
    pub image_sha256: String,
    /// The QR code's sheet id.
    pub sheet_qr: Option<String>,
    /// Số báo danh and mã đề as read (absent when they are what is flagged).
    pub number: Option<String>,
    pub version: Option<String>,
    /// `I.3`, `II.1`, `III.2`, `candidate`, `version` or `qr`.
    pub key: String,
    /// `double_mark`, `faint_mark`, `erasure`, `unreadable_qr`, `qr_mismatch`,
    /// `incomplete_number`, `invalid_short_answer`.
    pub reason: String,
    pub detail: String,
    /// What the reader thinks the marks say (never counted until a person decides).
    #[schema(schema_with = answer_schema)]
    pub proposed: Option<Value>,
    /// The region as a `data:image/png;base64,…` URL.
    pub crop: Option<String>,
    /// The person's answer (`null`: nothing marked); absent while pending.
    #[schema(schema_with = answer_schema)]
    pub decision: Option<Value>,
    pub note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct PaperFlagList {
    pub flags: Vec<PaperFlagView>,
}

/// An answer as the websocket carries it, a number or a version code, or `null`.
fn answer_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Array, Type::Null]))
        .description(Some("\"B\", [true, false, null, true], \"-1,5\", a number or version code, or null"))
        .build()
}

fn flag_view(f: PaperFlag, sheet: Option<&store::PaperSheet>) -> PaperFlagView {
    let parse = |t: Option<String>| t.and_then(|t| serde_json::from_str(&t).ok());
    PaperFlagView {
        id: f.id,
        sheet: f.sheet_id,
        image: sheet.map(|s| s.image.clone()).unwrap_or_default(),
        image_sha256: sheet.map(|s| s.image_sha256.clone()).unwrap_or_default(),
        sheet_qr: sheet.and_then(|s| s.sheet_qr.clone()),
        number: sheet.and_then(|s| s.number.clone()),
        version: sheet.and_then(|s| s.version.clone()),
        key: f.key,
        reason: f.reason,
        detail: f.detail,
        proposed: parse(f.proposed),
        crop: f.crop.map(|c| format!("data:image/png;base64,{c}")),
        decision: parse(f.decision),
        note: f.note,
        decided_by: f.decided_by,
        decided_at: f.decided_at,
    }
}

/// The flagged marks of a test on paper, with their crop and proposed reading; pending by default.
#[utoipa::path(get, path = "/api/v1/paper-sittings/{id}/flags", tag = "paper", security(("bearer" = [])),
    params(("id" = String, Path), PaperFlagsQuery),
    responses((status = 200, body = PaperFlagList), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn list_flags(
    State(state): State<AppState>,
    CurrentUserOrCookie(user): CurrentUserOrCookie,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<PaperFlagsQuery>,
) -> ApiResult<Json<PaperFlagList>> {
    user.require(BOARD, "see tests on paper")?;
    let all = match q.state.as_deref().unwrap_or("pending") {
        "pending" => false,
        "all" => true,
        other => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("state is pending or all; got `{other}`"),
            ));
        }
    };
    let s = store::sitting(&state.db, user.org(), &id).await?;
    let sheets = store::sheets(&state.db, &s.id).await?;
    let flags = store::flags(&state.db, &s.id)
        .await?
        .into_iter()
        .filter(|f| all || f.decided_at.is_none())
        .map(|f| {
            let sheet = sheets.iter().find(|x| x.id == f.sheet_id);
            flag_view(f, sheet)
        })
        .collect();
    Ok(Json(PaperFlagList { flags }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagDecision {
    /// A question's answer as the websocket carries it (`"B"`, `[true, false, null, true]`,
    /// `"-1,5"`), or `null` for nothing marked; the candidate's number for `candidate`; the
    /// version code for `version`; `null` for `qr` (the number and version stand as read).
    #[schema(schema_with = answer_schema)]
    pub answer: Value,
    /// Why (kept in the audit log).
    pub note: Option<String>,
}

/// The value a person decided for a flag's key, checked against the sheet's version.
fn decided_value(form: &FormView, version: Option<&str>, key: &str, answer: &Value) -> ApiResult<Value> {
    let bad = |m: String| ApiError::bad_request("invalid_decision", m);
    match key {
        "candidate" => match answer.as_str().map(str::trim) {
            Some(n) if !n.is_empty() && n.len() <= 20 && n.chars().all(|c| c.is_ascii_alphanumeric()) => {
                Ok(Value::String(n.to_string()))
            }
            _ => Err(bad("the candidate's number (số báo danh) is 1–20 letters or digits".into())),
        },
        "version" => match answer.as_str().map(str::trim) {
            Some(c) if form.versions.iter().any(|v| v.code == c) => Ok(Value::String(c.to_string())),
            _ => Err(bad(format!(
                "the version is one of the form's codes: {}",
                codes(&form.versions).join(", ")
            ))),
        },
        "qr" if answer.is_null() => Ok(Value::Null),
        "qr" => Err(bad("an unreadable QR code is acknowledged with `null`".into())),
        key if is_question(key) => {
            let Some(v) = version.and_then(|c| form.versions.iter().find(|v| v.code == c)) else {
                return Err(ApiError::Conflict(
                    "decide the sheet's version (mã đề) first: its questions are numbered by it".into(),
                ));
            };
            checked_answer(v, key, answer).map_err(bad)
        }
        other => Err(ApiError::Internal(format!("a flag with key {other}"))),
    }
}

/// Decide one flagged mark (audited): the answer the person reads on the crop, or `null`.
#[utoipa::path(post, path = "/api/v1/paper-sittings/{id}/flags/{flag}", tag = "paper", security(("bearer" = [])),
    params(("id" = String, Path), ("flag" = String, Path)),
    request_body(content = FlagDecision, example = json!({"answer": "B", "note": "C đã tẩy, B tô đậm"})),
    responses((status = 200, body = PaperFlagView), (status = 400), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "already decided, or the sitting is finalized")))]
pub async fn decide_flag(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath((id, flag_id)): ApiPath<(String, String)>,
    ApiJson(req): ApiJson<FlagDecision>,
) -> ApiResult<Json<PaperFlagView>> {
    user.require(BOARD, "decide flagged answer sheets")?;
    let s = store::sitting(&state.db, user.org(), &id).await?;
    if s.finalized_at.is_some() {
        return Err(ApiError::Conflict(format!("test {} is finalized: its sheets are closed", s.name)));
    }
    let note = req.note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
        return Err(ApiError::bad_request(
            "invalid_decision",
            format!("note: at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    let flags = store::flags(&state.db, &s.id).await?;
    let Some(flag) = flags.iter().find(|f| f.id == flag_id).cloned() else {
        return Err(ApiError::NotFound(format!("no flag {flag_id} in test {}", s.name)));
    };
    if flag.decided_at.is_some() {
        return Err(ApiError::Conflict(format!(
            "flag {} of this sheet was decided by {}",
            flag.key,
            flag.decided_by.clone().unwrap_or_default()
        )));
    }
    let sheets = store::sheets(&state.db, &s.id).await?;
    let sheet = sheets.iter().find(|x| x.id == flag.sheet_id).cloned();
    let form = frozen_form(&state, user.org(), &s.form_id).await?;
    // The sheet's version: as read, else as a person decided it.
    let version = sheet.as_ref().and_then(|x| x.version.clone()).or_else(|| {
        flags
            .iter()
            .find(|f| f.sheet_id == flag.sheet_id && f.key == "version")
            .and_then(|f| f.decision.as_deref().and_then(|d| serde_json::from_str::<String>(d).ok()))
    });
    let value = decided_value(&form, version.as_deref(), &flag.key, &req.answer)?;
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let proposed: Option<Value> = flag.proposed.as_deref().and_then(|p| serde_json::from_str(p).ok());
    let detail = json!({"source": "paper", "sitting": s.id, "sheet": flag.sheet_id, "key": flag.key,
        "reason": flag.reason, "proposed": proposed, "decision": value, "note": note,
        "image_sha256": sheet.as_ref().map(|x| x.image_sha256.clone())});
    let decided = store::decide_flag(&txn, flag, &value.to_string(), note, actor.username.as_str()).await?;
    audit::record(&txn, &actor, "paper_flag_decided", "paper_flag", &decided.id, detail).await?;
    txn.commit().await?;
    Ok(Json(flag_view(decided, sheet.as_ref())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SheetDiscard {
    /// Why the sheet is set aside (required; kept in the audit log).
    pub note: String,
}

/// Set a sheet aside (audited): a second scan of one candidate's sheet, a sheet of another class.
/// Finalizing leaves it out; its flags need no decision.
#[utoipa::path(post, path = "/api/v1/paper-sittings/{id}/sheets/{sheet}/discard", tag = "paper", security(("bearer" = [])),
    params(("id" = String, Path), ("sheet" = String, Path)),
    request_body(content = SheetDiscard, example = json!({"note": "quét lại: bản trước bị lệch"})),
    responses((status = 200, body = PaperSittingView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn discard_sheet(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath((id, sheet_id)): ApiPath<(String, String)>,
    ApiJson(req): ApiJson<SheetDiscard>,
) -> ApiResult<Json<PaperSittingView>> {
    user.require(BOARD, "set answer sheets aside")?;
    let s = store::sitting(&state.db, user.org(), &id).await?;
    if s.finalized_at.is_some() {
        return Err(ApiError::Conflict(format!("test {} is finalized: its sheets are closed", s.name)));
    }
    let note = req.note.trim();
    if note.is_empty() || note.chars().count() > MAX_NOTE_CHARS {
        return Err(ApiError::bad_request(
            "invalid_note",
            format!("note: say why, in 1 to {MAX_NOTE_CHARS} characters"),
        ));
    }
    let sheet = store::sheets(&state.db, &s.id)
        .await?
        .into_iter()
        .find(|x| x.id == sheet_id)
        .ok_or_else(|| ApiError::NotFound(format!("no sheet {sheet_id} in test {}", s.name)))?;
    if sheet.discarded_at.is_some() {
        return Err(ApiError::Conflict(format!("sheet {} was already set aside", sheet.image)));
    }
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let detail = json!({"source": "paper", "sitting": s.id, "image": sheet.image,
        "image_sha256": sheet.image_sha256, "number": sheet.number, "note": note});
    let sheet = store::discard_sheet(&txn, sheet, &actor.username).await?;
    audit::record(&txn, &actor, "paper_sheet_discarded", "paper_sheet", &sheet.id, detail).await?;
    txn.commit().await?;
    let form = form_view(assembly::get_form(&state.db, user.org(), &s.form_id).await?)?;
    Ok(Json(view(&state, s, codes(&form.versions)).await?))
}

/// A finalized test's results as CSV: a row per candidate, THPT scores (docs/formats.md "Results
/// CSV", with `sheet` and `image_sha256`); the same text as the `results.csv` part of its
/// signed result file.
#[utoipa::path(get, path = "/api/v1/paper-sittings/{id}/results.csv", tag = "paper", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "not finalized yet")))]
pub async fn results_csv(
    State(state): State<AppState>,
    CurrentUserOrCookie(user): CurrentUserOrCookie,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    user.require(BOARD, "download results")?;
    let s = store::sitting(&state.db, user.org(), &id).await?;
    let Some(import) = s.result_import_id.as_deref() else {
        return Err(ApiError::Conflict(format!("test {} is not finalized yet: finalize it first", s.name)));
    };
    let import = khaothi_store::results::import_by_id(&state.db, user.org(), import)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("the result file of test {} is missing", s.name)))?;
    let file = khaothi_package::ResultFile::parse(import.file.as_bytes())
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let csv = file.parts.get("results.csv").cloned().unwrap_or_default();
    let name = format!("attachment; filename=\"ket-qua-{}.csv\"", s.id);
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, name)],
        csv,
    )
        .into_response())
}
