//! Shared types of the document readers (Word `.docx`, LaTeX `ex_test`): what a writer's file
//! yields besides its items — the passages several items share and the pictures they show — and
//! the metadata a document does not carry.
//!
//! How an item refers to a picture: its text holds `![hình](NAME)` where `NAME` is a
//! [`MediaFile::name`] listed in the item's `media` — the relative-name form the bank already
//! renders (docs/formats.md §4.4). The caller stores each [`MediaFile`] as bank media (or writes it
//! beside its output) and maps the name, so the reader itself stays pure.

use std::sync::Arc;

use khaothi_domain::Level;
use serde::Serialize;

use crate::report::ImportReport;

/// Turns a picture browsers cannot show (a WMF or EMF: the preview of an equation that could not
/// be converted, or an old clip-art) into a PNG. The reader is pure, so the caller supplies it
/// (the bank's and the command's use LibreOffice); the argument is the picture's kind, `"wmf"` or
/// `"emf"`.
#[derive(Clone)]
pub struct Rasteriser(pub Arc<RasteriseFn>);

pub type RasteriseFn = dyn Fn(&[u8], &str) -> Result<Vec<u8>, String> + Send + Sync;

impl std::fmt::Debug for Rasteriser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rasteriser")
    }
}

impl PartialEq for Rasteriser {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Rasteriser {}

/// Metadata a Word or LaTeX file lacks, given by the command's options or the import form. A tag
/// line under a question overrides these for that question.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConvertOptions {
    /// Subject code (`toan`, `vat_ly`).
    pub subject: Option<String>,
    pub grade: Option<u8>,
    /// Curriculum code (`12.1.2`).
    pub topic: Option<String>,
    pub level: Option<Level>,
    /// Ids are `{id_prefix}-0001`, `{id_prefix}-0002`, … in document order; the caller derives a
    /// default from the file name ([`id_prefix_from_file_name`]).
    pub id_prefix: String,
    /// How WMF/EMF pictures become PNG; without one they are not kept (a warning says so).
    pub rasterise: Option<Rasteriser>,
}

impl ConvertOptions {
    /// The id of the `n`-th question (1-based) of the document.
    pub fn item_id(&self, n: usize) -> String {
        format!("{}-{n:04}", self.id_prefix)
    }
}

/// A default id prefix from a file name: the stem, upper-cased, keeping ASCII letters, digits,
/// `_` and `-` (Vietnamese letters lose their marks: `đề thi thử.docx` → `DE-THI-THU`).
pub fn id_prefix_from_file_name(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    let mut out = String::new();
    for c in khaothi_domain::text::fold_for_search(stem).chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            out.push(c.to_ascii_uppercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "DOC".to_string() } else { out }
}

/// A shared passage (`Đọc đoạn văn sau…`) found in the document: the caller creates it as a draft
/// stimulus with this id; the items in `item_ids` already name it in their `stimulus` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StimulusDraft {
    /// `{id_prefix}-S01`, `{id_prefix}-S02`, … in document order.
    pub id: String,
    /// Markdown with `$…$` LaTeX, as item text.
    pub text: String,
    pub item_ids: Vec<String>,
    /// Paragraph where the passage starts, to locate it for the writer.
    pub paragraph: usize,
    /// Names of the [`MediaFile`]s its text shows (`![hình](NAME)`), as an item's `media`.
    pub media: Vec<String>,
}

/// A picture taken from the document, referenced by name from the items' text and `media`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediaFile {
    /// Unique within the document: `{id_prefix}-0003-1.png` (item, then picture number).
    pub name: String,
    /// Decided by the bytes' magic numbers, never by the document's claim: `image/png`,
    /// `image/jpeg`, `image/gif`, `image/webp`. Other pictures are not kept (a warning says so).
    pub content_type: String,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// Everything read from one document. `report.lines` has one entry per question, its `line` the
/// paragraph number (1-based, tables' paragraphs counted in order) where the question starts.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct DocumentImport {
    pub report: ImportReport,
    pub stimuli: Vec<StimulusDraft>,
    pub media: Vec<MediaFile>,
}

/// The content type of a picture, from its first bytes; `None` for anything the bank refuses
/// (WMF, EMF, SVG, or not a picture at all).
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// The kind of a vector picture browsers cannot show, from its first bytes: `"wmf"` (placeable
/// or plain header) or `"emf"` (an EMR_HEADER record with the " EMF" signature).
pub fn sniff_vector(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xD7, 0xCD, 0xC6, 0x9A])
        || bytes.starts_with(&[1, 0, 9, 0])
        || bytes.starts_with(&[2, 0, 9, 0])
    {
        Some("wmf")
    } else if bytes.starts_with(&[1, 0, 0, 0]) && bytes.get(40..44) == Some(b" EMF") {
        Some("emf")
    } else {
        None
    }
}

/// The usual file extension of a content type from [`sniff_image`].
pub fn image_extension(content_type: &str) -> &'static str {
    match content_type {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        _ => "webp",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_come_from_file_names() {
        assert_eq!(id_prefix_from_file_name("/tmp/đề thi thử 2025.docx"), "DE-THI-THU-2025");
        assert_eq!(id_prefix_from_file_name("toan_12.tex"), "TOAN_12");
        assert_eq!(id_prefix_from_file_name("???.docx"), "DOC");
        let opts = ConvertOptions { id_prefix: "P".into(), ..Default::default() };
        assert_eq!(opts.item_id(7), "P-0007");
    }

    #[test]
    fn pictures_are_judged_by_their_bytes() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_image(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        // WMF placeable header and EMF record: pictures browsers cannot show.
        assert_eq!(sniff_image(&[0xD7, 0xCD, 0xC6, 0x9A, 0, 0]), None);
        assert_eq!(sniff_image(&[1, 0, 0, 0, 0x6C, 0, 0, 0]), None);
        assert_eq!(sniff_image(b"<svg"), None);
        assert_eq!(sniff_vector(&[0xD7, 0xCD, 0xC6, 0x9A, 0, 0]), Some("wmf"));
        assert_eq!(sniff_vector(&[1, 0, 9, 0, 0, 3]), Some("wmf"));
        let mut emf = vec![1, 0, 0, 0, 0x6C, 0, 0, 0];
        emf.resize(40, 0);
        emf.extend(b" EMF");
        assert_eq!(sniff_vector(&emf), Some("emf"));
        assert_eq!(sniff_vector(b"\x89PNG\r\n\x1a\n"), None);
    }
}
