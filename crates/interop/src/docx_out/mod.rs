//! The printed paper as a Word document (`.docx`): a form's version in the THPT layout and the
//! answer key of all its versions, written from the layout model in `khaothi_render` that the HTML
//! print view uses too, so the two print the same paper.
//!
//! Pure: the pictures come through the caller's resolver (the bank's media store, or files beside
//! the command's input), the result is the package's bytes. The WordprocessingML parts are written
//! here ([`package`]); equations are native Word equations ([`crate::omml_out`]). docx-rs was
//! considered and not used: it has no way to put OMML into a paragraph, and the parts the paper
//! needs are few.

mod key;
mod markdown;
mod package;
mod paper;
mod picture;

use khaothi_render::{AnswerKey, Masthead, PaperLayout};

use crate::InteropError;
use markdown::Pictures;
use package::{Package, write_package};

/// A version's paper as `.docx` bytes. `pictures` gives the bytes of a media name used by the
/// items (PNG, JPEG or GIF); a missing or unprintable picture is an error naming the question.
pub fn paper_docx(
    layout: &PaperLayout,
    pictures: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Result<Vec<u8>, InteropError> {
    let mut media = Pictures::new(pictures);
    let body = paper::paper_body(layout, &mut media)?;
    let m = &layout.masthead;
    let title = format!("{} – mã đề {}", m.subject_name, m.version_code);
    let footer = paper::page_footer(&format!("Mã đề {}", m.version_code));
    write_package(&Package { title: &title, body: &body, footer: &footer, media: &media.parts })
}

/// The answer key of every version in `keys` as one `.docx`, headed by `masthead`'s issuing body,
/// examination and subject.
pub fn answer_key_docx(masthead: &Masthead, keys: &[AnswerKey]) -> Result<Vec<u8>, InteropError> {
    let body = key::key_body(masthead, keys);
    let title = format!("Đáp án – {}", masthead.subject_name);
    let footer = paper::page_footer("Đáp án");
    write_package(&Package { title: &title, body: &body, footer: &footer, media: &[] })
}

#[cfg(test)]
mod tests;
