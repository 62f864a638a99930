//! Scans read by the server (issue 22 §4, "upload of a folder of scans"): the board sends the
//! images themselves (PNG, JPEG, TIFF; `multipart/form-data`, one part per file), the server reads
//! them with crates/omr against the layout of the sheets it printed (the event's package, never a
//! layout from the uploader), and feeds the readings into the same ingest as the reader's JSON —
//! each sheet's SHA-256 computed here, its sheet id from the QR code, its flags with their crops in
//! the review queue.
//!
//! Bounded: at most [`MAX_SCANS`] files and the route's body limit per request, [`MAX_SCAN_BYTES`]
//! per file, [`MAX_SCAN_PIXELS`] per image (the bounds, the multipart collection and the decoding
//! live in khaothi_http::uploads and khaothi_omr::scan, which the bank shares). The request is checked whole before anything is
//! written: a file that is not a PNG/JPEG/TIFF image, is too large, or is a sheet printed for
//! another event refuses the request with a 4xx naming the file. Reading runs on the blocking pool,
//! one request at a time, so a room's folder does not take the cores from the candidates' sockets.

use axum::extract::Multipart;
use image::GrayImage;
pub use khaothi_http::uploads::Upload;
use khaothi_omr::read::ReadOptions;
pub use khaothi_omr::scan::{MAX_SCAN_BYTES, MAX_SCAN_PIXELS};
use khaothi_omr::{Layout, SheetReading, SheetSpec};
use tokio::sync::Semaphore;

use super::read::ReadSheet;
use crate::error::{ApiError, ApiResult};
use crate::store::entity::event;

/// Most files in one request (the console sends a folder in batches of this many).
pub const MAX_SCANS: usize = 50;

/// One request's scans are read at a time.
static READERS: Semaphore = Semaphore::const_new(1);

/// The files of a `multipart/form-data` body, within the limits (khaothi_http::uploads, which
/// the bank's school tests on paper share).
pub async fn collect(form: Multipart) -> ApiResult<Vec<Upload>> {
    khaothi_http::uploads::collect(form, MAX_SCANS, MAX_SCAN_BYTES).await
}

/// The image of a file, grey, or a 4xx naming it (khaothi_omr::scan, shared with the bank).
pub fn decode(name: &str, bytes: &[u8]) -> ApiResult<GrayImage> {
    khaothi_omr::scan::decode(name, bytes).map_err(|r| ApiError::bad_request(r.code, r.message))
}

/// Reads every upload against the event's sheets (khaothi_omr::scan::read_scan: the first
/// version's layout, then the named version's when it differs). Every file is decoded first, so
/// one that is not an image refuses the request before anything is read.
pub fn read_all(uploads: &[Upload], sheets: &[(SheetSpec, Layout)]) -> ApiResult<Vec<ReadSheet>> {
    if sheets.is_empty() {
        return Err(ApiError::Conflict("the event's package has no version to read sheets against".into()));
    }
    let opts = ReadOptions { dpi: None, crops: true };
    let images = uploads.iter().map(|u| decode(&u.name, &u.bytes)).collect::<ApiResult<Vec<_>>>()?;
    uploads
        .iter()
        .zip(&images)
        .map(|(u, img)| as_ingested(khaothi_omr::scan::read_scan(&u.name, &u.bytes, img, sheets, &opts)))
        .collect()
}

/// The reader's sheet as the ingest takes it (the JSON `khaothi omr read` prints).
fn as_ingested(reading: SheetReading) -> ApiResult<ReadSheet> {
    let v = serde_json::to_value(&reading).map_err(|e| ApiError::Internal(e.to_string()))?;
    serde_json::from_value(v).map_err(|e| ApiError::Internal(format!("the reader's sheet: {e}")))
}

/// Reads the uploads on the blocking pool, one request at a time.
pub async fn read(uploads: Vec<Upload>, sheets: Vec<(SheetSpec, Layout)>) -> ApiResult<Vec<ReadSheet>> {
    let _turn = READERS.acquire().await.map_err(|e| ApiError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(move || read_all(&uploads, &sheets))
        .await
        .map_err(|e| ApiError::Internal(format!("reading scans: {e}")))?
}

/// Refuses the request when a sheet was printed for another event, naming the file.
pub fn check_event(event: &event::Model, sheets: &[ReadSheet]) -> ApiResult<()> {
    for s in sheets {
        if let Some(other) = super::ingest::printed_for_other(event, s) {
            return Err(ApiError::bad_request(
                "wrong_event",
                format!(
                    "{}: the sheet was printed for event {other}, not {}; nothing was read in",
                    s.image, event.id
                ),
            ));
        }
    }
    Ok(())
}
