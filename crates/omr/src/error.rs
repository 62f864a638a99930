//! The crate's one error type.

/// What can go wrong laying out or reading a sheet. Problems *on* a sheet (a double mark, a faint
/// mark, an unreadable QR) are not errors: they are [`crate::Flag`]s in the reading.
#[derive(Debug, thiserror::Error)]
pub enum OmrError {
    /// The form does not fit the one-page THPT sheet (too many items in a part, an unknown kind).
    #[error("the answer sheet cannot hold this form: {0}")]
    Unsupported(String),
    /// A layout.json that cannot describe a sheet (no marks, no bubbles, an unknown meaning).
    #[error("invalid layout: {0}")]
    InvalidLayout(String),
    /// Writing the PDF or the font failed.
    #[error("PDF: {0}")]
    Pdf(String),
}
