//! The paper fallback: one version of a form as a printable page. The layout is rendering and
//! lives in `khaothi_render::paper_html`; the bank supplies the heading from the form's blueprint.

use std::collections::HashMap;

use khaothi_assembly::Blueprint;
use khaothi_domain::Item;
use khaothi_domain::form::{Form, Version};
use khaothi_render::{Paper, PaperHeading, RenderError, paper_html};

/// Renders version `version` of `form`; `items` holds the pinned version of every item and
/// `stimuli` the Markdown of the passages they share (printed once, above their group).
pub fn print_form(
    bp: &Blueprint,
    form: &Form,
    version: &Version,
    items: &HashMap<String, Item>,
    stimuli: &HashMap<String, String>,
    with_answers: bool,
) -> Result<String, RenderError> {
    let heading =
        PaperHeading { title: &bp.name, subject: &bp.subject, duration_minutes: bp.duration_minutes };
    paper_html(&Paper { heading, form, version, items, stimuli }, with_answers)
}
