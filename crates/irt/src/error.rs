//! The crate's one error type.

/// Everything that can go wrong in `khaothi-irt`. Messages name the row, column or item involved so a
/// user can find the problem in their file without reading code.
#[derive(Debug, thiserror::Error)]
pub enum IrtError {
    /// A responses CSV that does not follow the contract (ragged row, non-integer cell, …).
    #[error("responses CSV, row {row}, column {column}: {message}")]
    Csv { row: u64, column: String, message: String },
    /// A CSV problem that is not tied to one cell (empty file, unreadable header, I/O).
    #[error("responses CSV: {0}")]
    CsvFile(String),
    /// An item that no person answered: it cannot be analysed or calibrated.
    #[error("item '{0}' was answered by nobody (every cell is empty or NA)")]
    NoResponses(String),
    /// Inconsistent shapes or identifiers when building a matrix or pairing items with data.
    #[error("invalid data: {0}")]
    Invalid(String),
    /// Invalid item parameters (negative slope, unordered GRM thresholds, …).
    #[error("item '{item}': invalid parameters: {message}")]
    Parameters { item: String, message: String },
    /// A numerical procedure that could not produce an answer.
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// Reading or writing through the `Read`/`Write` passed in.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl IrtError {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Self::Invalid(msg.into())
    }
}
