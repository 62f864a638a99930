//! Đối sánh: a subject's exam scores against the candidates' transcript grades (học bạ), by
//! school, district or province — where a unit's grading runs away from the exam more than chance
//! and the country's usual spread explain.
//!
//! For each unit: the number of candidates joined by số báo danh, both means, the gap
//! transcript − exam with the standard error of paired differences, Pearson's r with a Fisher-z
//! interval, and the unit's place on a funnel plot whose control limits (2 and 3 SE around the
//! national mean gap) are widened for over-dispersion estimated from winsorised z-scores
//! (Spiegelhalter 2005; [`funnel`]). The report says "outside the control limits" — a statistical
//! statement, not a verdict on a school. Pure: CSV bytes in, a report and an SVG out.

pub mod funnel;
pub mod input;
pub mod report;
pub mod stats;
pub mod svg;

pub use input::{ExamScore, RowError, TranscriptGrade, Transcripts, read_results, read_transcripts};
pub use report::{Comparison, Level, Options, ResultsFile, UnitRow, compare};
pub use svg::funnel_svg;

/// Why a comparison cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("results: {0}")]
    Results(String),
    #[error("transcripts: {0}")]
    Transcripts(String),
    #[error("years: {0}")]
    Years(String),
    #[error("nothing to compare: {0}")]
    NoData(String),
}
