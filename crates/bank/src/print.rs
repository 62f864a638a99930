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
    let text = bp.paper.clone().unwrap_or_default();
    let heading = PaperHeading {
        authority: text.authority.as_deref().unwrap_or(DEFAULT_AUTHORITY),
        exam: text.exam.as_deref().unwrap_or(&bp.name),
        label: text.label.as_deref().unwrap_or(DEFAULT_LABEL),
        subject: &bp.subject,
        duration_minutes: bp.duration_minutes,
    };
    let paper = Paper { heading, form, version, items, stimuli };
    match document {
        Document::Paper => paper_html(&paper),
        Document::AnswerKey => Ok(answer_key_html(&paper)),
    }
}
