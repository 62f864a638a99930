//! Scans as the servers take them (issue 22 §4): a file checked to be a PNG, JPEG or TIFF image
//! within bounds and decoded to grey, then read against the layouts of the sheets the server
//! printed — the first version's, and again the version's own when the sheet names another whose
//! layout differs. The delivery server (paper rooms) and the bank (school tests on paper) share
//! this, so both refuse the same files with the same codes.
//!
//! Pure: bytes in, an image or a refusal out; no files, no network.

use std::io::Cursor;

use image::{GrayImage, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use crate::read::{ReadOptions, read_sheet};
use crate::{AnswerValue, Layout, SheetReading, SheetSpec};

/// Largest file: a 600 dpi grey A4 PNG is about 10 MB.
pub const MAX_SCAN_BYTES: usize = 25 * 1024 * 1024;
/// Most pixels in one image: an A4 page at 600 dpi is 35 megapixels.
pub const MAX_SCAN_PIXELS: u64 = 60_000_000;
/// Longest side of an image, pixels.
pub const MAX_SCAN_SIDE: u32 = 16_000;

/// Why a file was not taken: a code for machines (`not_an_image`, `image_too_large`) and a
/// sentence naming the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRefusal {
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for ScanRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The image of a file, grey, or why not: not a PNG/JPEG/TIFF, too many pixels, corrupt. The
/// size is checked from the header before any pixel is decoded.
pub fn decode(name: &str, bytes: &[u8]) -> Result<GrayImage, ScanRefusal> {
    let not_image = |why: String| ScanRefusal {
        code: "not_an_image",
        message: format!("{name}: not a PNG, JPEG or TIFF image ({why})"),
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
        return Err(ScanRefusal {
            code: "image_too_large",
            message: format!(
                "{name}: {w}×{h} pixels; at most {MAX_SCAN_PIXELS} pixels and {MAX_SCAN_SIDE} a side (an A4 page at 600 dpi is 35 million)"
            ),
        });
    }
    let mut limits = Limits::default();
    (limits.max_image_width, limits.max_image_height) = (Some(MAX_SCAN_SIDE), Some(MAX_SCAN_SIDE));
    limits.max_alloc = Some(MAX_SCAN_PIXELS * 8);
    let mut r = reader()?;
    r.limits(limits);
    Ok(r.decode().map_err(|e| not_image(e.to_string()))?.to_luma8())
}

/// One decoded scan read against the printed sheets (`sheets` non-empty): with the first
/// version's layout, then again with the layout of the version the sheet names (read, or
/// proposed by a flag) when that one differs. The reading carries the file's name and the
/// SHA-256 of its bytes.
pub fn read_scan(
    name: &str,
    bytes: &[u8],
    img: &GrayImage,
    sheets: &[(SheetSpec, Layout)],
    opts: &ReadOptions,
) -> SheetReading {
    let mut reading = SheetReading::default();
    if let Some((_, first)) = sheets.first() {
        reading = read_sheet(img, first, opts);
        let named = reading.version.clone().or_else(|| proposed_version(&reading));
        if let Some((_, layout)) = sheets.iter().find(|(spec, _)| Some(&spec.version) == named.as_ref())
            && layout != first
        {
            reading = read_sheet(img, layout, opts);
        }
    }
    reading.image = name.to_string();
    reading.image_sha256 = Some(hex::encode(Sha256::digest(bytes)));
    reading
}

/// The version a flagged mã đề proposes, to pick the layout with.
fn proposed_version(reading: &SheetReading) -> Option<String> {
    reading.flags.iter().find(|f| f.key == "version").and_then(|f| match &f.proposed {
        Some(AnswerValue::Text(t)) => Some(t.clone()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_images_within_the_limits_decode() {
        let err = |r: Result<GrayImage, ScanRefusal>| r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err(decode("a.txt", b"hello")).starts_with("a.txt: not a PNG"));
        assert_eq!(decode("a.txt", b"hello").unwrap_err().code, "not_an_image");
        let mut png = Vec::new();
        GrayImage::new(20, 10).write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        assert_eq!(decode("ok.png", &png).unwrap().dimensions(), (20, 10));
        assert!(err(decode("cut.png", &png[..png.len() / 2])).starts_with("cut.png: not a PNG"));
        assert!(err(decode("x.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00")).contains("Gif"));
        // A side past the limit is refused from the header, before any pixel is decoded.
        let mut wide = Vec::new();
        GrayImage::new(MAX_SCAN_SIDE + 1, 1).write_to(&mut Cursor::new(&mut wide), ImageFormat::Png).unwrap();
        let refusal = decode("wide.png", &wide).unwrap_err();
        assert_eq!(refusal.code, "image_too_large");
        assert!(refusal.message.starts_with(&format!("wide.png: {}×1 pixels", MAX_SCAN_SIDE + 1)));
    }

    #[test]
    fn a_blank_image_reads_as_a_sheet_without_marks_and_keeps_its_hash() {
        let spec = SheetSpec {
            form: "F".into(),
            version: "0101".into(),
            part_i: 2,
            part_ii: vec![],
            part_iii: 0,
            candidate_digits: 6,
            version_digits: 4,
        };
        let layout = crate::sheet::layout(&spec).unwrap();
        let img = GrayImage::from_pixel(200, 280, image::Luma([255]));
        let r = read_scan("x.png", b"abc", &img, &[(spec, layout)], &ReadOptions::default());
        assert_eq!(r.image, "x.png");
        assert_eq!(r.image_sha256.as_deref(), Some(hex::encode(Sha256::digest(b"abc")).as_str()));
        assert_eq!(r.flags[0].key, "sheet");
    }
}
