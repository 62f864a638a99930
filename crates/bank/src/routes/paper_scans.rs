//! Scans of a test on paper uploaded to the bank (issue 22 §3–4): images (PNG, JPEG, TIFF; one
//! `multipart/form-data` part per file), read with crates/omr against the layouts the bank printed
//! for the sitting's form — the same `SheetSpec::from_version` + `sheet::layout` as
//! routes/answer_sheets.rs, never a layout from the uploader.
//!
//! Bounded and checked as the delivery server's paper scans are (khaothi_http::uploads,
//! khaothi_omr::scan): at most [`MAX_SCANS`] files and the import body limit per request,
//! 25 MB per file, 60 megapixels per image. The request is checked whole before anything is
//! written: a file that is not an image, too large, or a sheet printed for another test or another
//! form refuses the request with a 4xx naming the file. Then each sheet is stored with its
//! answers and flags (one transaction), or reported as a duplicate (the same scan's hash) or
//! unreadable (its corner marks not found: scan it again).

use std::collections::HashSet;

use axum::Json;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use khaothi_auth::CurrentUser;
use khaothi_omr::qr::QrPayload;
use khaothi_omr::read::ReadOptions;
use khaothi_omr::scan::{MAX_SCAN_BYTES, decode, read_scan};
use khaothi_omr::{Layout, SheetReading, SheetSpec, sheet};
use khaothi_store::paper::{self as store, PaperFlag, PaperSheet, PaperSitting};
use khaothi_store::{audit, begin_write};
use serde::Serialize;
use serde_json::json;
use tokio::sync::Semaphore;
use utoipa::ToSchema;

use super::assembly::FormView;
use super::items::actor;
use super::paper::{BOARD, frozen_form};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiPath;
use crate::state::AppState;

/// Most files in one request (the page sends a folder in batches).
pub const MAX_SCANS: usize = 50;

/// One request's scans are read at a time, on the blocking pool.
static READERS: Semaphore = Semaphore::const_new(1);

/// What became of one scan.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaperScanOutcome {
    pub image: String,
    /// `read` (stored, its flags in the queue), `duplicate` (this scan was read before: nothing
    /// written) or `unreadable` (the corner marks were not found: nothing written; scan again).
    pub status: &'static str,
    /// The stored sheet (for a duplicate: the earlier one).
    pub sheet: Option<String>,
    pub number: Option<String>,
    pub version: Option<String>,
    /// Answers read without a flag.
    pub answers: usize,
    /// Marks sent to the review queue.
    pub flags: usize,
    pub message: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PaperScans {
    pub sheets: Vec<PaperScanOutcome>,
}

/// Every version's sheet as the bank prints it for this sitting.
fn layouts(form: &FormView, digits: u32) -> ApiResult<Vec<(SheetSpec, Layout)>> {
    form.versions
        .iter()
        .map(|v| {
            let spec = SheetSpec::from_version(v, digits).map_err(|e| {
                ApiError::Conflict(format!("version {} cannot be printed on the answer sheet: {e}", v.code))
            })?;
            let layout = sheet::layout(&spec).map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok((spec, layout))
        })
        .collect()
}

/// Decodes every file (refusing the request on the first that is not an image), then reads each.
async fn read_all(
    uploads: Vec<khaothi_http::uploads::Upload>,
    sheets: Vec<(SheetSpec, Layout)>,
) -> ApiResult<Vec<SheetReading>> {
    let _turn = READERS.acquire().await.map_err(|e| ApiError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let images = uploads
            .iter()
            .map(|u| decode(&u.name, &u.bytes).map_err(|r| ApiError::bad_request(r.code, r.message)))
            .collect::<ApiResult<Vec<_>>>()?;
        let opts = ReadOptions { dpi: None, crops: true };
        Ok(uploads
            .iter()
            .zip(&images)
            .map(|(u, img)| read_scan(&u.name, &u.bytes, img, &sheets, &opts))
            .collect())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("reading scans: {e}")))?
}

/// Refuses the request when a sheet was printed for another test or another form, naming the file.
pub(crate) fn check_printed_for(s: &PaperSitting, form: &FormView, r: &SheetReading) -> ApiResult<()> {
    let wrong = |code: &'static str, why: String| {
        Err(ApiError::bad_request(code, format!("{}: {why}; nothing was read in", r.image)))
    };
    let event = r.event.as_deref().map(str::trim).unwrap_or("");
    if !event.is_empty() && event != s.name.trim() {
        return wrong("wrong_test", format!("the sheet was printed for test “{event}”, not “{}”", s.name));
    }
    let Some(code) = r.version.as_deref() else { return Ok(()) };
    let Some(version) = form.versions.iter().find(|v| v.code == code) else {
        let codes: Vec<&str> = form.versions.iter().map(|v| v.code.as_str()).collect();
        return wrong(
            "wrong_form",
            format!("a sheet of version {code}, which form {} does not have ({})", form.id, codes.join(", ")),
        );
    };
    // The QR's sheet id is a hash of the test, the form, the version and the candidate printed:
    // a sheet of another form of the same name and code does not match it.
    // (A number the reader flagged — bubbles that disagree with the QR — is left to the person.)
    if let (Some(qr), Some(number)) = (r.sheet.as_deref(), r.candidate.as_deref()) {
        let candidates = [number, ""];
        if !candidates.iter().any(|c| QrPayload::new(event, &version.form_id, code, c).sheet == qr) {
            return wrong("wrong_form", format!("the sheet's QR code was not printed for form {}", form.id));
        }
    }
    Ok(())
}

/// Upload scans of a test on paper (board): read against the bank's printed layouts; flagged
/// marks go to the review queue with their crop.
#[utoipa::path(post, path = "/api/v1/paper-sittings/{id}/scans", tag = "paper", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body(content = String, content_type = "multipart/form-data",
        description = "one part per scan (PNG, JPEG or TIFF), with its file name",
        example = json!("--scans\r\nContent-Disposition: form-data; name=\"scans\"; filename=\"12A1/0001.png\"\r\nContent-Type: image/png\r\n\r\n(the PNG file's bytes)\r\n--scans--\r\n")),
    responses((status = 200, body = PaperScans),
        (status = 400, description = "not an image, too many pixels or files, a sheet of another test or form (named)"),
        (status = 401), (status = 403), (status = 404), (status = 409, description = "the sitting is finalized"),
        (status = 413, description = "a file or the request is too large"), (status = 415, description = "not multipart/form-data")))]
pub async fn upload_scans(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<String>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<PaperScans>> {
    user.require(BOARD, "read answer sheets into the bank")?;
    let s = store::sitting(&state.db, user.org(), &id).await?;
    if s.finalized_at.is_some() {
        return Err(ApiError::Conflict(format!("test {} is finalized: no more sheets are read in", s.name)));
    }
    let multipart = form.map_err(|e| {
        ApiError::UnsupportedMedia(format!("send the scans as multipart/form-data files: {}", e.body_text()))
    })?;
    let form = frozen_form(&state, user.org(), &s.form_id).await?;
    let sheets = layouts(&form, s.candidate_digits as u32)?;
    let uploads = khaothi_http::uploads::collect(multipart, MAX_SCANS, MAX_SCAN_BYTES).await?;
    let readings = read_all(uploads, sheets).await?;
    for r in &readings {
        check_printed_for(&s, &form, r)?;
    }
    let actor = actor(&user);
    let txn = begin_write(&state.db).await?;
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(readings.len());
    for r in readings {
        let sha = r.image_sha256.clone().unwrap_or_default();
        if let Some(earlier) = store::sheet_by_hash(&txn, &s.id, &sha).await? {
            out.push(outcome(
                &r,
                "duplicate",
                Some(earlier.id),
                Some(format!("this scan was read in as {}", earlier.image)),
            ));
            continue;
        }
        if !seen.insert(sha.clone()) {
            out.push(outcome(&r, "duplicate", None, Some("the same scan twice in this request".into())));
            continue;
        }
        if r.flags.iter().any(|f| f.key == "sheet") {
            let why = "the sheet's corner marks were not found: scan the sheet again, whole and flat";
            out.push(outcome(&r, "unreadable", None, Some(why.into())));
            continue;
        }
        let id = store_sheet(&txn, &actor, &s, &r, &sha).await?;
        out.push(outcome(&r, "read", Some(id), None));
    }
    txn.commit().await?;
    Ok(Json(PaperScans { sheets: out }))
}

fn outcome(
    r: &SheetReading,
    status: &'static str,
    sheet: Option<String>,
    message: Option<String>,
) -> PaperScanOutcome {
    let stored = status == "read";
    PaperScanOutcome {
        image: r.image.clone(),
        status,
        sheet,
        number: r.candidate.clone(),
        version: r.version.clone(),
        answers: if stored { r.answers.len() } else { 0 },
        flags: if stored { r.flags.len() } else { 0 },
        message,
    }
}

/// Stores one read sheet, its flags and its audit row (answers with their provenance: the scan's
/// hash and the QR's sheet id).
async fn store_sheet(
    txn: &impl khaothi_store::ConnectionTrait,
    actor: &khaothi_store::audit::Actor,
    s: &PaperSitting,
    r: &SheetReading,
    sha: &str,
) -> ApiResult<String> {
    let id = format!("PSH-{}", uuid::Uuid::now_v7().simple());
    let now = chrono::Utc::now();
    let mut kept = r.clone();
    for f in &mut kept.flags {
        f.crop = None;
    }
    let answers = serde_json::to_string(&r.answers).map_err(|e| ApiError::Internal(e.to_string()))?;
    let reading = serde_json::to_string(&kept).map_err(|e| ApiError::Internal(e.to_string()))?;
    store::insert_sheet(
        txn,
        PaperSheet {
            id: id.clone(),
            sitting_id: s.id.clone(),
            image: r.image.clone(),
            image_sha256: sha.to_string(),
            sheet_qr: r.sheet.clone(),
            number: r.candidate.clone(),
            version: r.version.clone(),
            answers,
            reading,
            uploaded_by: actor.username.clone(),
            uploaded_at: now,
            discarded_by: None,
            discarded_at: None,
        },
    )
    .await?;
    for f in &r.flags {
        let proposed = f.proposed.as_ref().and_then(|p| serde_json::to_string(p).ok());
        let reason = serde_json::to_value(f.reason).ok().and_then(|v| v.as_str().map(String::from));
        let flag = PaperFlag {
            id: format!("PF-{}", uuid::Uuid::now_v7().simple()),
            sitting_id: s.id.clone(),
            sheet_id: id.clone(),
            key: f.key.clone(),
            reason: reason.unwrap_or_default(),
            detail: f.detail.clone(),
            proposed,
            crop: f.crop.clone(),
            decision: None,
            note: None,
            decided_by: None,
            decided_at: None,
        };
        store::insert_flag(txn, flag).await?;
    }
    let flags: Vec<&str> = r.flags.iter().map(|f| f.key.as_str()).collect();
    let detail = json!({"source": "paper", "sitting": s.id, "image": r.image, "image_sha256": sha,
        "sheet_id": r.sheet, "number": r.candidate, "version": r.version,
        "answers": r.answers.keys().collect::<Vec<_>>(), "flags": flags});
    audit::record(txn, actor, "paper_sheet_read", "paper_sheet", &id, detail).await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use khaothi_domain::form::{Form, Version};

    use super::*;

    fn sitting() -> PaperSitting {
        PaperSitting {
            id: "PS-1".into(),
            org_id: "default".into(),
            form_id: "FORM-1".into(),
            name: "KT 12A1".into(),
            candidate_digits: 6,
            created_by: "board".into(),
            created_at: chrono::Utc::now(),
            finalized_by: None,
            finalized_at: None,
            response_set_id: None,
            result_import_id: None,
        }
    }

    fn form() -> FormView {
        let version = Version {
            code: "0101".into(),
            form_id: "F1".into(),
            items: vec![],
            options: BTreeMap::new(),
            keys: BTreeMap::new(),
        };
        FormView {
            id: "FORM-1".into(),
            job_id: "J".into(),
            blueprint_id: "B".into(),
            form: Form { id: "F1".into(), number: 1, items: vec![] },
            versions: vec![version],
            information: serde_json::Value::Null,
            report: serde_json::Value::Null,
            frozen_by: None,
            frozen_at: None,
        }
    }

    fn reading(event: &str, version: &str, candidate: Option<&str>, form_printed: &str) -> SheetReading {
        let qr = QrPayload::new(event, form_printed, version, candidate.unwrap_or("")).sheet;
        SheetReading {
            image: "a.png".into(),
            event: Some(event.into()),
            version: Some(version.into()),
            candidate: candidate.map(String::from),
            sheet: Some(qr),
            ..SheetReading::default()
        }
    }

    #[test]
    fn sheets_of_another_test_or_form_are_refused_by_name() {
        let (s, f) = (sitting(), form());
        let code = |r: &SheetReading| check_printed_for(&s, &f, r).err().map(|e| e.to_string());
        assert_eq!(code(&reading("KT 12A1", "0101", Some("120001"), "F1")), None);
        // A blank sheet whose number the candidate bubbled.
        let mut blank = reading("KT 12A1", "0101", None, "F1");
        blank.candidate = Some("120001".into());
        assert_eq!(code(&blank), None);
        let other_test = code(&reading("KT 12A2", "0101", Some("120001"), "F1")).unwrap();
        assert!(other_test.starts_with("a.png: the sheet was printed for test “KT 12A2”"), "{other_test}");
        let other_version = code(&reading("KT 12A1", "0201", Some("120001"), "F2")).unwrap();
        assert!(other_version.contains("version 0201"), "{other_version}");
        // A sheet of form F2 with the same code: its QR code's sheet id gives it away.
        let other_form = code(&reading("KT 12A1", "0101", Some("120001"), "F2")).unwrap();
        assert!(other_form.contains("QR code was not printed for form FORM-1"), "{other_form}");
        // A number the reader could not agree with the QR is left to the person.
        let mut unclear = reading("KT 12A1", "0101", Some("120001"), "F2");
        unclear.candidate = None;
        assert_eq!(code(&unclear), None);
    }
}
