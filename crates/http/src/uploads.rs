//! Files uploaded as `multipart/form-data`, one part per file (a folder of scans): collected
//! within a count and a per-file size, each named as shown to people, or refused with the shared
//! error body naming what is wrong. The delivery server's paper scans and the bank's school tests
//! on paper take their scans through here, so both bound and refuse uploads the same way.

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;

use crate::{ApiError, ApiResult};

/// Longest file name kept (a folder's relative path).
pub const MAX_NAME_CHARS: usize = 200;

/// One uploaded file.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The files of a `multipart/form-data` body: at most `max_files` (400 `too_many_scans`), each
/// at most `max_bytes` (413), no name twice (400 `duplicate_name`), at least one (400
/// `no_scans`). Plain form fields are skipped.
pub async fn collect(mut form: Multipart, max_files: usize, max_bytes: usize) -> ApiResult<Vec<Upload>> {
    let mut out: Vec<Upload> = Vec::new();
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        let Some(raw) = field.file_name().map(str::to_string) else {
            continue; // a plain form field: nothing to read
        };
        if out.len() == max_files {
            return Err(ApiError::bad_request(
                "too_many_scans",
                format!("send at most {max_files} scans per request (the pages send a folder in batches)"),
            ));
        }
        let name = file_name(&raw, out.len());
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            if bytes.len() + chunk.len() > max_bytes {
                return Err(ApiError::TooLarge(format!(
                    "{name}: larger than {} MB; scan at 300 dpi in grey (a sheet is about 1–3 MB)",
                    max_bytes / (1024 * 1024)
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

fn multipart_error(e: MultipartError) -> ApiError {
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
pub fn file_name(raw: &str, index: usize) -> String {
    let name: String = raw.chars().filter(|c| !c.is_control()).take(MAX_NAME_CHARS).collect();
    let name = name.trim();
    if name.is_empty() { format!("scan-{}", index + 1) } else { name.to_string() }
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
}
