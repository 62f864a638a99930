//! Scans read by the server (issue 22 §4, "upload of a folder of scans"): the board sends the
//! images themselves (PNG, JPEG, TIFF; `multipart/form-data`, one part per file), the server reads
//! them with crates/omr against the layout of the sheets it printed (the event's package, never a
//! layout from the uploader), and feeds the readings into the same ingest as the reader's JSON —
//! each sheet's SHA-256 computed here, its sheet id from the QR code, its flags with their crops in
//! the review queue.
//!
//! Bounded: at most [`MAX_SCANS`] files and the route's body limit per request, [`MAX_SCAN_BYTES`]
//! per file, [`MAX_SCAN_PIXELS`] per image. The request is checked whole before anything is
//! written: a file that is not a PNG/JPEG/TIFF image, is too large, or is a sheet printed for
//! another event refuses the request with a 4xx naming the file. Reading runs on the blocking pool,
//! one request at a time, so a room's folder does not take the cores from the candidates' sockets.

use std::io::Cursor;

use axum::extract::Multipart;
use image::{GrayImage, ImageFormat, ImageReader, Limits};
use khaothi_omr::read::{ReadOptions, read_sheet};
use khaothi_omr::{Layout, SheetReading, SheetSpec};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::read::ReadSheet;
use crate::error::{ApiError, ApiResult};
use crate::store::entity::event;

/// Most files in one request (the console sends a folder in batches of this many).
pub const MAX_SCANS: usize = 50;
/// Largest file: a 600 dpi grey A4 PNG is about 10 MB.
pub const MAX_SCAN_BYTES: usize = 25 * 1024 * 1024;
/// Most pixels in one image: an A4 page at 600 dpi is 35 megapixels.
pub const MAX_SCAN_PIXELS: u64 = 60_000_000;
/// Longest side of an image, pixels.
const MAX_SCAN_SIDE: u32 = 16_000;
/// Longest file name kept (a folder's relative path).
const MAX_NAME_CHARS: usize = 200;

/// One request's scans are read at a time.
static READERS: Semaphore = Semaphore::const_new(1);

/// One uploaded file.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The files of a `multipart/form-data` body, within the limits.
pub async fn collect(mut form: Multipart) -> ApiResult<Vec<Upload>> {
    let mut out: Vec<Upload> = Vec::new();
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        let Some(raw) = field.file_name().map(str::to_string) else {
            continue; // a plain form field: nothing to read
        };
        if out.len() == MAX_SCANS {
            return Err(ApiError::bad_request(
                "too_many_scans",
                format!("send at most {MAX_SCANS} scans per request (the console sends a folder in batches)"),
            ));
        }
        let name = file_name(&raw, out.len());
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            if bytes.len() + chunk.len() > MAX_SCAN_BYTES {
                return Err(ApiError::TooLarge(format!(
                    "{name}: larger than {} MB; scan at 300 dpi in grey (a sheet is about 1–3 MB)",
                    MAX_SCAN_BYTES / (1024 * 1024)
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        if out.iter().any(|u| u.name == name) {
            return Err(ApiError::bad_request(
                "duplicate_name",
                format!("{name}: sent twice in one request"),
            ));
        }
        out.push(Upload { name, bytes });
    }
    if out.is_empty() {
        return Err(ApiError::bad_request(
            "no_scans",
            "send the scans as multipart/form-data files (PNG, JPEG or TIFF)".to_string(),
        ));
    }
    Ok(out)
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge(format!(
            "the scans are larger than this route takes in one request: {}",
            e.body_text()
        ))
    } else {
        ApiError::bad_request(
            "invalid_multipart",
            format!("the multipart body cannot be read: {}", e.body_text()),
        )
    }
}

/// A file name as shown to people: printable, at most [`MAX_NAME_CHARS`], never empty.
fn file_name(raw: &str, index: usize) -> String {
    let name: String = raw.chars().filter(|c| !c.is_control()).take(MAX_NAME_CHARS).collect();
    let name = name.trim();
    if name.is_empty() { format!("scan-{}", index + 1) } else { name.to_string() }
}

/// The image of a file, grey, or a 4xx naming it: not a PNG/JPEG/TIFF, too many pixels, corrupt.
pub fn decode(name: &str, bytes: &[u8]) -> ApiResult<GrayImage> {
    let not_image = |why: String| {
        ApiError::bad_request("not_an_image", format!("{name}: not a PNG, JPEG or TIFF image ({why})"))
    };
    let reader =
        || ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| not_image(e.to_string()));
    match reader()?.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Tiff) => {}
        Some(other) => return Err(not_image(format!("{other:?}"))),
        None => return Err(not_image("unknown format".into())),
    }
    let (w, h) = reader()?.into_dimensions().map_err(|e| not_image(e.to_string()))?;
    if u64::from(w) * u64::from(h) > MAX_SCAN_PIXELS || w.max(h) > MAX_SCAN_SIDE {
        return Err(ApiError::bad_request(
            "image_too_large",
            format!(
                "{name}: {w}×{h} pixels; at most {MAX_SCAN_PIXELS} pixels and {MAX_SCAN_SIDE} a side (an A4 page at 600 dpi is 35 million)"
            ),
        ));
    }
    let mut limits = Limits::default();
    (limits.max_image_width, limits.max_image_height) = (Some(MAX_SCAN_SIDE), Some(MAX_SCAN_SIDE));
    limits.max_alloc = Some(MAX_SCAN_PIXELS * 8);
    let mut r = reader()?;
    r.limits(limits);
    Ok(r.decode().map_err(|e| not_image(e.to_string()))?.to_luma8())
}

/// Reads every upload against the event's sheets: with the first version's layout, then again
/// with the layout of the version the sheet names when that one differs (versions of one form
/// usually share theirs).
pub fn read_all(uploads: &[Upload], sheets: &[(SheetSpec, Layout)]) -> ApiResult<Vec<ReadSheet>> {
    let Some((_, first)) = sheets.first() else {
        return Err(ApiError::Conflict("the event's package has no version to read sheets against".into()));
    };
    let opts = ReadOptions { dpi: None, crops: true };
    let images = uploads.iter().map(|u| decode(&u.name, &u.bytes)).collect::<ApiResult<Vec<_>>>()?;
    let mut out = Vec::with_capacity(uploads.len());
    for (u, img) in uploads.iter().zip(&images) {
        let mut reading = read_sheet(img, first, &opts);
        let named = reading.version.clone().or_else(|| proposed_version(&reading));
        if let Some((_, layout)) = sheets.iter().find(|(spec, _)| Some(&spec.version) == named.as_ref())
            && layout != first
        {
            reading = read_sheet(img, layout, &opts);
        }
        reading.image = u.name.clone();
        reading.image_sha256 = Some(hex::encode(Sha256::digest(&u.bytes)));
        out.push(as_ingested(reading)?);
    }
    Ok(out)
}

/// The version a flagged mã đề proposes, to pick the layout with.
fn proposed_version(reading: &SheetReading) -> Option<String> {
    reading.flags.iter().find(|f| f.key == "version").and_then(|f| match &f.proposed {
        Some(khaothi_omr::AnswerValue::Text(t)) => Some(t.clone()),
        _ => None,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_printable_and_bounded() {
        assert_eq!(file_name("P1/0001.png", 0), "P1/0001.png");
        assert_eq!(file_name(" \u{7}\n ", 4), "scan-5");
        assert_eq!(file_name(&"a".repeat(500), 0).len(), MAX_NAME_CHARS);
    }

    #[test]
    fn only_images_within_the_limits_decode() {
        let err = |r: ApiResult<GrayImage>| r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err(decode("a.txt", b"hello")).starts_with("a.txt: not a PNG"));
        let mut png = Vec::new();
        GrayImage::new(20, 10).write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        assert_eq!(decode("ok.png", &png).unwrap().dimensions(), (20, 10));
        assert!(err(decode("cut.png", &png[..png.len() / 2])).starts_with("cut.png: not a PNG"));
        assert!(err(decode("x.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00")).contains("Gif"));
        // A side past the limit is refused from the header, before any pixel is decoded.
        let mut wide = Vec::new();
        GrayImage::new(MAX_SCAN_SIDE + 1, 1).write_to(&mut Cursor::new(&mut wide), ImageFormat::Png).unwrap();
        assert!(
            err(decode("wide.png", &wide)).starts_with(&format!("wide.png: {}×1 pixels", MAX_SCAN_SIDE + 1))
        );
    }
}
