//! Bulk import and export of items: JSON Lines (the interchange format), CSV for tabular authoring,
//! and QTI for other testing systems. Pure: text in, reports and text out.
//!
//! Every import produces an [`ImportReport`] with one entry per non-blank line or row — status,
//! item id, messages naming the field — so a bad line never disappears silently; the caller then
//! chooses all-or-nothing or skip-bad with [`ImportReport::apply`]. Every record goes through the
//! domain's validation and `khaothi_render::check_item` (LaTeX), whatever the format.

mod csv_format;
mod document;
mod docx;
mod docx_out;
mod formats;
#[doc(hidden)]
pub mod fuzzing;
mod jsonl;
mod mtef;
mod omml;
mod omml_out;
mod qti;
mod report;
mod tex;
mod xlsx;

pub use csv_format::{CSV_COLUMNS, parse_csv, parse_csv_bytes, write_csv};
pub use document::{
    ConvertOptions, DocumentImport, MediaFile, RasteriseFn, Rasteriser, StimulusDraft,
    id_prefix_from_file_name, image_extension, sniff_image, sniff_vector,
};
pub use docx::{ArchiveLimits, read_docx, read_docx_with};
pub use docx_out::{answer_key_docx, paper_docx};
pub use formats::{SourceFormat, read_items};
pub use jsonl::{ImportOptions, is_ok, parse_jsonl, parse_jsonl_bytes, parse_jsonl_with, write_jsonl};
pub use qti::markdown_pictures;
pub use qti::{
    QtiVersion, TestOutline, TestSection, parse_qti, read_qti, read_qti_package, read_qti_package_with,
    thpt_points, write_qti, write_qti_package, write_qti_package_with,
};
pub use report::{ImportPolicy, ImportReport, LineReport, LineStatus, Message, Outcome, Summary};
pub use tex::{MAX_TEX_BYTES, graphics_files, parse_tex, parse_tex_bytes};
pub use xlsx::{
    ITEMS_SHEET, MAX_XLSX_COLUMNS, MAX_XLSX_ROWS, TOPICS_SHEET, TopicRow, ZipLimits, check_zip, parse_xlsx,
    write_xlsx, write_xlsx_records, xlsx_template,
};

#[derive(Debug, thiserror::Error)]
pub enum InteropError {
    #[error("cannot write item {item}: {message}")]
    Serialize { item: String, message: String },
    /// QTI that is not well-formed XML, positioned for the author.
    #[error("malformed XML at line {line}, column {column}{}: {message}", .element.as_deref().map(|e| format!(" (in <{e}>)")).unwrap_or_default())]
    Xml { line: usize, column: usize, element: Option<String>, message: String },
    /// A paper that cannot be written as `.docx` (a picture that is missing or not an image, a
    /// formula that does not parse), naming the question.
    #[error("cannot print{}: {message}", .item.as_deref().map(|i| format!(" item {i}")).unwrap_or_default())]
    Paper { item: Option<String>, message: String },
    /// Well-formed QTI that khaothi cannot map to an item kind.
    #[error("unsupported QTI{}: {message}", .element.as_deref().map(|e| format!(" <{e}>")).unwrap_or_default())]
    UnsupportedQti { element: Option<String>, message: String },
}
