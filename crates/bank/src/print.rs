//! The paper fallback: one version of a form as a printable page, or its answer key as its own
//! document. The layout is rendering and lives in `khaothi_render` (one model for every medium);
//! the bank supplies the masthead from the form's blueprint (`paper` key) and these defaults.

use std::collections::HashMap;

use khaothi_assembly::Blueprint;
use khaothi_domain::Item;
use khaothi_domain::form::{Form, Version};
use khaothi_render::{Paper, PaperHeading, RenderError, answer_key_html, paper_html};

/// The issuing body printed when the blueprint names none.
pub const DEFAULT_AUTHORITY: &str = "BỘ GIÁO DỤC VÀ ĐÀO TẠO";
/// The paper's label printed when the blueprint names none.
pub const DEFAULT_LABEL: &str = "ĐỀ THI CHÍNH THỨC";

/// The masthead's texts from the blueprint's `paper` key, with the defaults above (shared by the
/// HTML print view, the `.docx` route and `khaothi convert --to docx`).
pub fn paper_heading(bp: &Blueprint) -> PaperHeading<'_> {
    let text = bp.paper.as_ref();
    PaperHeading {
        authority: text.and_then(|t| t.authority.as_deref()).unwrap_or(DEFAULT_AUTHORITY),
        exam: text.and_then(|t| t.exam.as_deref()).unwrap_or(&bp.name),
        label: text.and_then(|t| t.label.as_deref()).unwrap_or(DEFAULT_LABEL),
        subject: &bp.subject,
        duration_minutes: bp.duration_minutes,
    }
}

/// Which document of a version to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    /// The candidate's paper: never a key.
    Paper,
    /// The answer key (đáp án), with each version's part I letter counts.
    AnswerKey,
}

/// Renders `document` of version `version` of `form`; `items` holds the pinned version of every
/// item and `stimuli` the Markdown of the passages they share (printed once, above their group).
pub fn print_form(
    bp: &Blueprint,
    form: &Form,
    version: &Version,
    items: &HashMap<String, Item>,
    stimuli: &HashMap<String, String>,
    document: Document,
) -> Result<String, RenderError> {
    let paper = Paper { heading: paper_heading(bp), form, version, items, stimuli };
    match document {
        Document::Paper => paper_html(&paper),
        Document::AnswerKey => Ok(answer_key_html(&paper)),
    }
}
