//! Item text (CommonMark + tables + `$…$`/`$$…$$` math) → sanitised HTML with MathML.
//!
//! pulldown-cmark finds the math (so `$` inside a code span is never math and `\$` is a literal
//! dollar); each formula goes through [`crate::math`]. Authors cannot pass HTML through: raw HTML is
//! shown as text, links keep only `http(s)` targets, images must be bank media.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

use crate::math::{escape_text, latex_to_mathml};
use crate::{Position, RenderError, RenderOptions};

/// Path prefix of media served by the bank; images pointing there need no resolver.
pub const MEDIA_PREFIX: &str = "/api/v1/media/";

/// Renders one text field. The first problem found is returned, positioned in `src`.
pub fn render_markdown(src: &str, opts: &RenderOptions<'_>) -> Result<String, RenderError> {
    let options = Options::ENABLE_MATH | Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut events: Vec<Event<'_>> = Vec::new();
    // Link ends to drop because their start was dropped (unsafe target).
    let mut dropped_links: Vec<bool> = Vec::new();
    let mut in_code_block = false;
    for (event, range) in Parser::new_ext(src, options).into_offset_iter() {
        let event = match event {
            Event::InlineMath(tex) | Event::DisplayMath(tex) => {
                let display = src[range.clone()].starts_with("$$");
                let delimiter = if display { 2 } else { 1 };
                let mathml = latex_to_mathml(&tex, display, opts.annotate).map_err(|e| {
                    let at = map_offset(src, range.start + delimiter, range.end, &tex, e.offset);
                    RenderError::Latex { at: Position::of(src, at), message: e.message }
                })?;
                Event::InlineHtml(CowStr::from(mathml))
            }
            Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
            Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
            Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code_block = true;
                Event::Start(Tag::CodeBlock(kind))
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                Event::End(TagEnd::CodeBlock)
            }
            Event::Text(text) => {
                if !in_code_block && let Some(at) = stray_dollar(src, range.clone()) {
                    return Err(RenderError::UnmatchedDollar { at: Position::of(src, at) });
                }
                Event::Text(text)
            }
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                let url = resolve_image(&dest_url, opts).ok_or_else(|| RenderError::Image {
                    at: Position::of(src, range.start),
                    src: dest_url.to_string(),
                })?;
                Event::Start(Tag::Image { link_type, dest_url: CowStr::from(url), title, id })
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                let safe = is_web_url(&dest_url);
                dropped_links.push(!safe);
                if !safe {
                    continue;
                }
                Event::Start(Tag::Link { link_type, dest_url, title, id })
            }
            Event::End(TagEnd::Link) => {
                if dropped_links.pop().unwrap_or(false) {
                    continue;
                }
                Event::End(TagEnd::Link)
            }
            other => other,
        };
        events.push(event);
    }
    let mut html = String::with_capacity(src.len() * 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Ok(html)
}

/// Renders text that is one paragraph without the `<p>` around it (options, statements); text with
/// several blocks keeps its markup.
pub fn render_inline(src: &str, opts: &RenderOptions<'_>) -> Result<String, RenderError> {
    let html = render_markdown(src, opts)?;
    let inner = html.strip_prefix("<p>").and_then(|h| h.strip_suffix("</p>\n"));
    Ok(match inner {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => html,
    })
}

/// `$` that pulldown-cmark left as text although the author did not escape it: an unclosed or
/// badly spaced formula (`$ x$`, `$\frac{1}{2$`). Silently showing the LaTeX source to candidates
/// would hide the mistake, so it is an error.
fn stray_dollar(src: &str, range: std::ops::Range<usize>) -> Option<usize> {
    let slice = src.get(range.clone())?;
    let bytes = slice.as_bytes();
    bytes.iter().enumerate().find_map(|(i, b)| {
        if *b != b'$' {
            return None;
        }
        // Preceding backslashes: an odd run escapes the dollar. Look back into `src`, since the
        // escape may sit just before this event's range.
        let before = &src.as_bytes()[..range.start + i];
        let backslashes = before.iter().rev().take_while(|c| **c == b'\\').count();
        (backslashes % 2 == 0).then_some(range.start + i)
    })
}

/// Maps an offset inside pulldown-cmark's formula text back into the source. They are equal
/// unless the formula spans lines inside a quote or list, where the source has prefixes the
/// formula does not; the formula is then a subsequence of the source and is walked greedily.
fn map_offset(src: &str, start: usize, end: usize, tex: &str, offset: usize) -> usize {
    let source = &src.as_bytes()[start.min(src.len())..end.min(src.len())];
    if source.starts_with(tex.as_bytes()) {
        return start + offset;
    }
    let mut s = 0;
    for &t in &tex.as_bytes()[..offset.min(tex.len())] {
        while s < source.len() && source[s] != t {
            s += 1;
        }
        s = (s + 1).min(source.len());
    }
    let mut at = (start + s).min(src.len());
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Image targets allowed: bank media URLs as they are, other names through the caller's resolver
/// (package building maps an item's media names to package paths). The resolver's answer is
/// trusted but must still be a same-site path or a web URL.
fn resolve_image(dest: &str, opts: &RenderOptions<'_>) -> Option<String> {
    if let Some(id) = dest.strip_prefix(MEDIA_PREFIX) {
        return is_media_id(id).then(|| dest.to_string());
    }
    if dest.contains(':') || dest.starts_with('/') || dest.contains("..") || dest.is_empty() {
        return None;
    }
    let url = (opts.media?)(dest)?;
    ((url.starts_with('/') && !url.starts_with("//")) || is_web_url(&url)).then_some(url)
}

fn is_media_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && !id.contains("..") && id.chars().all(is_media_id_char)
}

fn is_media_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// The bank media ids `text` names after [`MEDIA_PREFIX`] (item Markdown, a stored item's JSON),
/// in order, repeats included: what a package must carry for the text's images.
pub fn media_ids(text: &str) -> impl Iterator<Item = &str> {
    ids_after(text, MEDIA_PREFIX)
}

/// The bank media ids rendered HTML shows as images (`src="/api/v1/media/<id>"`).
pub fn image_media_ids(html: &str) -> impl Iterator<Item = &str> {
    ids_after(html, "src=\"/api/v1/media/")
}

fn ids_after<'a>(text: &'a str, prefix: &'static str) -> impl Iterator<Item = &'a str> {
    text.match_indices(prefix).filter_map(move |(at, _)| {
        let rest = &text[at + prefix.len()..];
        let id = &rest[..rest.find(|c: char| !is_media_id_char(c)).unwrap_or(rest.len())];
        is_media_id(id).then_some(id)
    })
}

fn is_web_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// Escapes text for HTML; used by the item fragments.
pub(crate) fn escape(s: &str) -> String {
    escape_text(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(src: &str) -> String {
        render_markdown(src, &RenderOptions::default()).unwrap()
    }

    fn error(src: &str) -> RenderError {
        render_markdown(src, &RenderOptions::default()).unwrap_err()
    }

    #[test]
    fn inline_and_display_math() {
        let h = html("Hàm số $y=x^3$ và $$\\int_0^1 f(x)\\,dx$$");
        assert!(h.contains("<math display=\"inline\">"), "{h}");
        assert!(h.contains("<math display=\"block\">"), "{h}");
        assert!(h.starts_with("<p>Hàm số <math"), "{h}");
    }

    #[test]
    fn escaped_dollar_and_code_spans_are_not_math() {
        let h = html(r"Giá \$5 và `$x$` trong mã");
        assert_eq!(h, "<p>Giá $5 và <code>$x$</code> trong mã</p>\n");
        let h = html("```\nlet s = \"$a\";\n```");
        assert!(h.contains("$a") && !h.contains("<math"), "{h}");
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let h = html("a <script>alert(1)</script> <b onclick=\"x\">b</b>");
        assert!(!h.contains("<script") && !h.contains("<b "), "{h}");
        assert!(h.contains("&lt;script&gt;"), "{h}");
        let h = html("<div>\nblock\n</div>");
        assert!(!h.contains("<div>") && h.contains("&lt;div&gt;"), "{h}");
    }

    #[test]
    fn links_and_images_are_restricted() {
        let h = html("[bad](javascript:alert(1)) [ok](https://moet.gov.vn)");
        assert!(!h.contains("javascript"), "{h}");
        assert!(h.contains("<a href=\"https://moet.gov.vn\">ok</a>"), "{h}");
        let h = html("![hình 1](/api/v1/media/abc-123.png)");
        assert_eq!(image_media_ids(&h).collect::<Vec<_>>(), ["abc-123.png"]);
        assert_eq!(
            media_ids(
                "![a](/api/v1/media/01a2-b_c.png) ![b](/api/v1/media/x9) /api/v1/media/ /api/v1/media/.."
            )
            .collect::<Vec<_>>(),
            ["01a2-b_c.png", "x9"]
        );
        assert!(h.contains("<img src=\"/api/v1/media/abc-123.png\" alt=\"hình 1\""), "{h}");
        assert!(matches!(error("![x](https://evil.example/x.png)"), RenderError::Image { .. }));
        assert!(matches!(error("![x](/api/v1/media/../secret)"), RenderError::Image { .. }));
        assert!(matches!(error("![x](hinh1.png)"), RenderError::Image { .. }));
        let resolver = |name: &str| (name == "hinh1.png").then(|| format!("{MEDIA_PREFIX}m42"));
        let opts = RenderOptions { media: Some(&resolver), ..RenderOptions::default() };
        let h = render_markdown("![x](hinh1.png)", &opts).unwrap();
        assert!(h.contains("src=\"/api/v1/media/m42\""), "{h}");
        let evil = |_: &str| Some("javascript:alert(1)".to_string());
        let opts = RenderOptions { media: Some(&evil), ..RenderOptions::default() };
        assert!(render_markdown("![x](a.png)", &opts).is_err());
    }

    #[test]
    fn latex_errors_are_positioned_in_the_field() {
        let src = "Cho hàm số $y = \\frac{1}{x} + \\foo$.";
        match error(src) {
            RenderError::Latex { at, message } => {
                let foo = src.find("\\foo").unwrap();
                assert!((foo..=foo + 4).contains(&at.offset), "{at:?} {message}");
                assert_eq!(at.character, src[..at.offset].chars().count() + 1);
                assert_eq!(at.line, 1);
                assert!(message.contains("unknown"), "{message}");
            }
            e => panic!("{e:?}"),
        }
        let multi = "Dòng một.\n\nDòng hai $x^2^3$";
        match error(multi) {
            RenderError::Latex { at, .. } => {
                assert_eq!(at.line, 3);
                assert!(at.column >= 11, "{at:?}");
            }
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn unclosed_math_is_an_error_not_silent_text() {
        assert!(matches!(error("Tính $\\frac{1}{2$ nhé"), RenderError::UnmatchedDollar { .. }));
        assert!(matches!(error("Giá là 5$"), RenderError::UnmatchedDollar { .. }));
        match error("ab $ x$") {
            RenderError::UnmatchedDollar { at } => assert_eq!(at.character, 4),
            e => panic!("{e:?}"),
        }
        assert!(render_markdown(r"\\\$", &RenderOptions::default()).is_ok());
    }

    #[test]
    fn one_paragraph_renders_inline() {
        let o = render_inline("$(-1;1)$", &RenderOptions::default()).unwrap();
        assert!(o.starts_with("<math") && !o.contains("<p>"), "{o}");
        let two = render_inline("a\n\nb", &RenderOptions::default()).unwrap();
        assert_eq!(two, "<p>a</p>\n<p>b</p>\n");
    }

    #[test]
    fn tables_render() {
        let h = html("| x | $f(x)$ |\n|---|---|\n| 1 | 2 |");
        assert!(h.contains("<table>") && h.contains("<math"), "{h}");
    }

    fn escaped(s: &str) -> String {
        s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
            let _ = render_markdown(&src, &RenderOptions::default());
        }

        #[test]
        fn arbitrary_formulas_never_panic_and_never_leak_markup(tex in "[a-z0-9{}\\\\^_&<>\"' +=()\\[\\]|,.;đồáạ-]{1,60}") {
            if let Ok(html) = render_markdown(&format!("$x{tex}x$"), &RenderOptions::default()) {
                // Only MathML tags (and the paragraph) may appear.
                for tag in html.split('<').skip(1) {
                    let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphabetic()).collect();
                    proptest::prop_assert!(name == "p" || name == "math" || name.starts_with('m')
                        || ["semantics", "annotation", "none"].contains(&name.as_str()), "{}", html);
                }
            }
        }

        #[test]
        fn text_without_dollars_round_trips_escaped(words in proptest::collection::vec("[a-zA-Z0-9àáạảãâầấậăằắđêềếệôồốộơờớợưừứự<>\"',.?!]{1,12}", 1..12)) {
            let text = words.join(" ");
            // Markdown punctuation that starts a construct at a line start is out of scope here.
            proptest::prop_assume!(!text.starts_with(|c: char| c.is_ascii_digit() || c == '>'));
            let html = render_markdown(&text, &RenderOptions::default()).unwrap();
            proptest::prop_assert_eq!(html, format!("<p>{}</p>\n", escaped(&text)));
        }
    }
}
