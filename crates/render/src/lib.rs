//! Server-side rendering of item text: Markdown with `$…$` / `$$…$$` LaTeX → sanitised HTML with
//! MathML (browsers render MathML natively, so candidates' machines need no script).
//!
//! The bank keeps the Markdown source and calls [`check_item`] on every save and import, so invalid
//! LaTeX is refused with the field and the character where it fails; packages and the preview
//! endpoint call [`render_item`], which produces exactly what a candidate sees and never the key.
//! The paper fallback: [`paper_layout`] lays one version of a form out as a THPT paper (one model
//! for every medium), [`paper_html`] writes it as a printable page, [`answer_key_html`] its key.
//! Pure: no I/O; media names are resolved by a function the caller passes in.

mod item;
mod markdown;
mod math;
mod paper;
mod paper_layout;

pub use item::{RenderedItem, check_item, preview_html, render_item};
pub use markdown::{MEDIA_PREFIX, image_media_ids, media_ids, render_inline, render_markdown};
pub use paper::{answer_key_html, layout_html, paper_html};
pub use paper_layout::{
    AnswerKey, Arrangement, Block, KeyPart, Masthead, Paper, PaperHeading, PaperLayout, Part, Question,
    QuestionSource, answer_key, paper_layout, subject_name,
};

/// Where a problem is in one text field, in every unit a caller may need: `offset` for code (bytes),
/// `character` for authors (1-based, counting characters, not bytes, since Vietnamese letters take
/// several bytes), and `line`/`column` (1-based) for multi-line text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub offset: usize,
    pub character: usize,
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `src` (clamped to a character boundary).
    pub fn of(src: &str, offset: usize) -> Self {
        let mut offset = offset.min(src.len());
        while !src.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &src[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position {
            offset,
            character: before.chars().count() + 1,
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "character {}", self.character)?;
        if self.line > 1 {
            write!(f, " (line {}, column {})", self.line, self.column)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    #[error("invalid LaTeX at {at}: {message}")]
    Latex { at: Position, message: String },
    #[error(
        "unmatched `$` at {at}: math is written `$…$` with no space just inside the dollars and \
         balanced braces; write `\\$` for a dollar sign"
    )]
    UnmatchedDollar { at: Position },
    #[error(
        "image \"{src}\" at {at} is not bank media: upload it and use /api/v1/media/<id>, or list \
         the file name in the item's media"
    )]
    Image { at: Position, src: String },
    #[error("option order {order:?} is not a permutation of the {count} options")]
    OptionOrder { order: Vec<usize>, count: usize },
    /// A field of an item failed; names both so that a package build points at the content.
    #[error("item {item}, {field}: {error}")]
    InItem { item: String, field: String, error: Box<RenderError> },
}

impl RenderError {
    /// Where in its text field the problem is, when it has a place.
    pub fn position(&self) -> Option<Position> {
        match self {
            Self::Latex { at, .. } | Self::UnmatchedDollar { at } | Self::Image { at, .. } => Some(*at),
            Self::OptionOrder { .. } => None,
            Self::InItem { error, .. } => error.position(),
        }
    }
}

/// How to render. `media` maps a relative image name (as listed in an item's `media`) to a URL;
/// without it only `/api/v1/media/<id>` images are accepted.
#[derive(Clone, Copy)]
pub struct RenderOptions<'a> {
    pub media: Option<&'a dyn Fn(&str) -> Option<String>>,
    /// Keep each formula's LaTeX source in the MathML (`<annotation encoding="application/x-tex">`),
    /// so copy, screen readers and later re-editing see what the author wrote.
    pub annotate: bool,
}

impl Default for RenderOptions<'_> {
    fn default() -> Self {
        Self { media: None, annotate: true }
    }
}

impl std::fmt::Debug for RenderOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderOptions")
            .field("media", &self.media.map(|_| "<resolver>"))
            .field("annotate", &self.annotate)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let src = "Hàm số\nđồng $x";
        let at = Position::of(src, src.find('$').unwrap());
        assert_eq!((at.line, at.column, at.character), (2, 6, 13));
        assert_eq!(at.to_string(), "character 13 (line 2, column 6)");
        assert_eq!(Position::of("ab", 1).to_string(), "character 2");
    }
}
