//! One LaTeX formula → MathML, with the error position pulldown-latex does not expose, and a final
//! pass that lets only MathML markup through.
//!
//! pulldown-latex (0.8) writes some author text unescaped: the name given to `\operatorname{…}`,
//! operator characters such as `<`, and the `annotation` string. A formula such as
//! `\operatorname{<img onerror=…>}` would otherwise reach a candidate's browser as HTML. We escape
//! what we can at the event level and then re-check every tag of the output against the MathML
//! vocabulary the renderer produces ([`sanitize_mathml`]); anything else becomes text.

use pulldown_latex::config::DisplayMode;
use pulldown_latex::event::{Content, Dimension, DimensionUnit, Event};
use pulldown_latex::{Parser, RenderConfig, Storage};

/// A LaTeX error inside one formula, positioned in bytes from the start of the formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LatexError {
    pub offset: usize,
    pub message: String,
}

/// Spaces put around the formula before parsing so that the parser's error context (12 bytes each
/// side of the failure) is never clipped by the start or end of the input; the clipped window is
/// what lets us recover the exact offset. Whitespace is insignificant in math mode, so the
/// padding does not change the result.
const PAD: usize = 16;
const CONTEXT: usize = 12;

/// Limits that keep one formula cheap: pulldown-latex takes time quadratic in the nesting depth
/// (20,000 nested groups take seconds), and an import must not be a way to stall the bank. Real
/// exam formulas stay far below both.
const MAX_FORMULA_BYTES: usize = 8 * 1024;
const MAX_DEPTH: usize = 64;

/// Renders `tex` as a `<math>` element, or the first LaTeX error with its byte offset in `tex`.
pub(crate) fn latex_to_mathml(tex: &str, display: bool, annotate: bool) -> Result<String, LatexError> {
    // A trailing lone `\` would become a control space once padded; refuse it as TeX does.
    let trimmed = tex.trim_end();
    if trimmed.bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 1 {
        return Err(LatexError {
            offset: trimmed.len() - 1,
            message: "a lone `\\` ends the formula (at the end of the formula)".into(),
        });
    }
    check_limits(tex)?;
    // Newlines become spaces (same meaning in math mode, same byte length) so that the error
    // context is one line and can be found again in the input.
    let flat: String = tex.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
    let padded = format!("{:PAD$}{flat}{:PAD$}", "", "");
    let storage = Storage::new();
    let mut events = Vec::new();
    // `{,}` between digits is parsed from a copy with plain commas (one number); a copy that fails
    // is located in the author's own text, which fails at the same token.
    let merged = decimal_commas(&padded);
    for event in Parser::new(&merged, &storage) {
        match event {
            Ok(e) => events.push(e),
            Err(err) if merged == padded => return Err(locate(&padded, tex, &err)),
            Err(_) => return Err(first_error(&padded, tex)),
        }
    }
    // Replace the strings pulldown-latex writes verbatim or as entity text. `owned` outlives the
    // new borrows in `events`.
    let owned: Vec<String> = events.iter().filter_map(owned_content).collect();
    let mut next_owned = owned.iter();
    let mut next = || next_owned.next().map_or("", String::as_str);
    let events = events.into_iter().map(|e| match e {
        Event::Content(Content::Text(NBSP_ENTITY)) => interword_space(),
        Event::Content(Content::Function(_)) => Event::Content(Content::Function(next())),
        Event::Content(Content::Number(_)) => Event::Content(Content::Number(next())),
        Event::Content(Content::Text(_)) => Event::Content(Content::Text(next())),
        other => other,
    });
    let annotation = escape_text(tex.trim());
    let config = RenderConfig {
        display_mode: if display { DisplayMode::Block } else { DisplayMode::Inline },
        annotation: annotate.then_some(annotation.as_str()),
        ..RenderConfig::default()
    };
    let mut raw = String::new();
    pulldown_latex::push_mathml(&mut raw, events.map(Ok::<_, std::convert::Infallible>), config)
        .map_err(|e| LatexError { offset: 0, message: format!("the MathML writer failed: {e}") })?;
    Ok(sanitize_mathml(&raw))
}

/// What pulldown-latex (0.8) emits for `\ ` and `~`: entity text that its writer then escapes,
/// so students read "27&nbsp;°C". We turn it into the space TeX means.
const NBSP_ENTITY: &str = "&nbsp;";

/// TeX's interword space (`\ `, `~`): a third of an em in Computer Modern, what a reader expects
/// between a number and its unit.
fn interword_space<'a>() -> Event<'a> {
    Event::Space { width: Some(Dimension::new(0.3333, DimensionUnit::Em)), height: None, depth: None }
}

/// The replacement string of an event whose text the writer copies verbatim (function names,
/// numbers: escaped here) or whose text keeps TeX spacing characters (`\text{27~°C}`: `~` is a
/// no-break space). `None` for every other event, in the same order the renderer asks for them.
fn owned_content(e: &Event<'_>) -> Option<String> {
    match e {
        Event::Content(Content::Text(NBSP_ENTITY)) => None,
        Event::Content(Content::Function(s) | Content::Number(s)) => Some(escape_text(s)),
        Event::Content(Content::Text(s)) => Some(s.replace('~', "\u{a0}")),
        _ => None,
    }
}

/// Vietnamese writes the decimal comma as `1{,}5` (the braces stop TeX's punctuation space); the
/// parser would make that a number, a comma and a number ("1, 5"). Between two digits the braces
/// are dropped, so the number lexer reads `1,5` as one `<mn>`.
fn decimal_commas(tex: &str) -> String {
    const BRACED: &str = "{,}";
    let mut out = String::with_capacity(tex.len());
    let mut rest = tex;
    while let Some(at) = rest.find(BRACED) {
        let after = &rest[at + BRACED.len()..];
        let digit_before = rest[..at].ends_with(|c: char| c.is_ascii_digit());
        let digit_after = after.starts_with(|c: char| c.is_ascii_digit());
        out.push_str(&rest[..at]);
        out.push_str(if digit_before && digit_after { "," } else { BRACED });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The first parse error of the author's own (padded) text, located.
fn first_error(padded: &str, tex: &str) -> LatexError {
    let storage = Storage::new();
    Parser::new(padded, &storage).find_map(Result::err).map_or_else(
        || LatexError { offset: 0, message: "the formula could not be read".into() },
        |err| locate(padded, tex, &err),
    )
}

fn check_limits(tex: &str) -> Result<(), LatexError> {
    if tex.len() > MAX_FORMULA_BYTES {
        return Err(LatexError {
            offset: 0,
            message: format!(
                "the formula is {} bytes long; at most {MAX_FORMULA_BYTES} are allowed (split it)",
                tex.len()
            ),
        });
    }
    let b = tex.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                if tex[i..].starts_with("\\left") {
                    depth += 1;
                } else if tex[i..].starts_with("\\right") {
                    depth = depth.saturating_sub(1);
                }
                i += 2; // a control symbol such as `\{` is not a group
                continue;
            }
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_DEPTH {
            return Err(LatexError {
                offset: i,
                message: format!("the formula nests more than {MAX_DEPTH} groups here"),
            });
        }
        i += 1;
    }
    Ok(())
}

/// Finds where the parser stopped. Its `ParserError` keeps the offset private but shows the input
/// from 12 bytes before to 12 bytes after it; thanks to the padding that window is never clipped,
/// so the window's start plus 12 is the offset. Inside a macro expansion the window is not in the
/// input; we then point at the start of the formula.
fn locate(padded: &str, tex: &str, err: &pulldown_latex::ParserError) -> LatexError {
    let message = std::error::Error::source(err).map_or_else(|| err.to_string(), ToString::to_string);
    let shown = err.to_string();
    let window = shown
        .lines()
        .find_map(|l| l.strip_prefix("│…").or_else(|| l.strip_prefix("│ ")))
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c == '^'));
    // A window of spaces only lies in the trailing padding: control words swallow the spaces
    // after them, so a failure on the last token reports the very end of the input.
    let at_end = window.is_some_and(|w| w.trim().is_empty());
    let offset = window
        .filter(|_| !at_end)
        .and_then(|w| padded.find(w))
        .map(|start| {
            let mut at = (start + CONTEXT).min(padded.len());
            while !padded.is_char_boundary(at) {
                at += 1;
            }
            at.saturating_sub(PAD).min(tex.len())
        })
        .unwrap_or(if at_end { tex.len() } else { 0 });
    let mut offset = offset;
    while !tex.is_char_boundary(offset) {
        offset -= 1;
    }
    let offset = back_to_token(tex, offset, &message);
    let near: String = tex[offset..].chars().take(12).collect();
    let message = if near.trim().is_empty() {
        format!("{message} (at the end of the formula)")
    } else {
        format!("{message}, near \"{}\"", near.trim_end())
    };
    LatexError { offset, message }
}

/// The parser stops just after the token it could not use (`\foo`, a stray `}` or `&`); authors
/// want to be pointed at the token itself, so step back over spaces and that token. For an
/// unknown environment, step back to its `\begin`.
fn back_to_token(tex: &str, offset: usize, message: &str) -> usize {
    let b = tex.as_bytes();
    let mut i = offset.min(b.len());
    while i > 0 && b[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    if message.contains("environment") && i > 0 && b[i - 1] == b'}' {
        if let Some(open) = b[..i - 1].iter().rposition(|c| *c == b'{') {
            i = open;
        }
    } else if i > 0 && matches!(b[i - 1], b'}' | b'&') {
        return i - 1;
    }
    let mut j = i;
    while j > 0 && b[j - 1].is_ascii_alphabetic() {
        j -= 1;
    }
    if j > 0 && b[j - 1] == b'\\' && (j < i || (j >= 2 && b[j - 2] == b'\\')) {
        // `\foo`, or the control symbol `\\`.
        return if j < i { j - 1 } else { j - 2 };
    }
    offset
}

/// Escapes the characters that would open markup in HTML text.
pub(crate) fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// The MathML Core elements pulldown-latex writes.
const MATHML_ELEMENTS: &[&str] = &[
    "math",
    "semantics",
    "annotation",
    "mrow",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "mspace",
    "msub",
    "msup",
    "msubsup",
    "munder",
    "mover",
    "munderover",
    "mfrac",
    "msqrt",
    "mroot",
    "mstyle",
    "mtable",
    "mtr",
    "mtd",
    "mpadded",
    "mphantom",
    "menclose",
    "merror",
    "mmultiscripts",
    "mprescripts",
    "none",
];

const MATHML_ATTRIBUTES: &[&str] = &[
    "display",
    "encoding",
    "class",
    "mathvariant",
    "stretchy",
    "symmetric",
    "fence",
    "separator",
    "lspace",
    "rspace",
    "minsize",
    "maxsize",
    "movablelimits",
    "largeop",
    "accent",
    "accentunder",
    "linethickness",
    "width",
    "height",
    "depth",
    "displaystyle",
    "scriptlevel",
    "columnalign",
    "rowalign",
    "notation",
    "voffset",
];

/// Entities the MathML writer and our escaping produce; any other `&` is text.
const ENTITIES: &[&str] = &["&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&#160;"];

/// Attributes pulldown-latex writes that are dropped, not refused: `style` (for `\color`,
/// `\fcolorbox`, a negative space, a row gap). The pages' Content-Security-Policy forbids inline
/// styles, so item HTML carries none (issue 16, finding 10); the math renders without them.
const DROPPED_ATTRIBUTES: &[&str] = &["style"];

/// Copies well-formed tags of the MathML vocabulary (known element, known attributes with quoted
/// values, [`DROPPED_ATTRIBUTES`] left out) and escapes every other `<`, `>` and `&`, so nothing
/// but MathML can come out.
pub(crate) fn sanitize_mathml(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => match clean_tag(rest) {
                Some((n, tag)) => {
                    out.push_str(&tag);
                    rest = &rest[n..];
                    continue;
                }
                None => out.push_str("&lt;"),
            },
            '>' => out.push_str("&gt;"),
            '&' => match ENTITIES.iter().find(|e| rest.starts_with(**e)) {
                Some(e) if *e == "&nbsp;" => {
                    // XML has no `&nbsp;`; the numeric form works in HTML and in XHTML/QTI alike.
                    out.push_str("&#160;");
                    rest = &rest[e.len()..];
                    continue;
                }
                Some(e) => {
                    out.push_str(e);
                    rest = &rest[e.len()..];
                    continue;
                }
                None => out.push_str("&amp;"),
            },
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// An allowed tag at the start of `s`: its length there and the tag as it is copied (without
/// [`DROPPED_ATTRIBUTES`]), or `None` when `<` is not one.
fn clean_tag(s: &str) -> Option<(usize, String)> {
    let b = s.as_bytes();
    let mut i = 1;
    let closing = b.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while b.get(i).is_some_and(u8::is_ascii_lowercase) {
        i += 1;
    }
    if !MATHML_ELEMENTS.contains(&&s[name_start..i]) {
        return None;
    }
    if closing {
        return (b.get(i) == Some(&b'>')).then(|| (i + 1, s[..=i].to_string()));
    }
    let mut tag = s[..i].to_string();
    loop {
        let space = i;
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        match b.get(i)? {
            b'>' => return Some((i + 1, tag + ">")),
            b'/' => return (b.get(i + 1) == Some(&b'>')).then(|| (i + 2, tag + " />")),
            _ => {}
        }
        let attr_start = i;
        while b.get(i).is_some_and(|c| c.is_ascii_lowercase() || *c == b'-') {
            i += 1;
        }
        let name = &s[attr_start..i];
        let dropped = DROPPED_ATTRIBUTES.contains(&name);
        if !(dropped || MATHML_ATTRIBUTES.contains(&name)) || b.get(i) != Some(&b'=') {
            return None;
        }
        i += 1;
        if b.get(i) != Some(&b'"') {
            return None;
        }
        i += 1;
        while let Some(c) = b.get(i) {
            match c {
                b'"' => break,
                b'<' | b'>' | b'&' => return None,
                _ => i += 1,
            }
        }
        b.get(i)?;
        i += 1;
        if !dropped {
            tag.push_str(&s[space..i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(tex: &str) -> LatexError {
        latex_to_mathml(tex, false, true).unwrap_err()
    }

    #[test]
    fn no_inline_style_reaches_the_page_and_the_math_stays() {
        for tex in [r"\color{red}{x^2} + 1", r"\int f(x)\,\!dx", r"\begin{array}{c} a \\[2em] b \end{array}"]
        {
            let ml = latex_to_mathml(tex, false, true).unwrap();
            assert!(!ml.contains("style="), "{tex}: {ml}");
            assert!(ml.starts_with("<math") && (ml.contains("<mi>") || ml.contains("<mi ")), "{tex}: {ml}");
            assert!(!ml.contains("&lt;"), "no tag was refused: {ml}");
        }
        assert_eq!(
            sanitize_mathml(
                r#"<mstyle displaystyle="true" style="color: red"><mi>x</mi></mstyle><mspace width="1em" style="margin-left: -1em" />"#
            ),
            r#"<mstyle displaystyle="true"><mi>x</mi></mstyle><mspace width="1em" />"#
        );
    }

    #[test]
    fn renders_common_exam_notation() {
        let ml =
            latex_to_mathml(r"y = \frac{x^2 - 3x}{\sqrt{x+1}}, \quad x \in \mathbb{R}", false, true).unwrap();
        assert!(ml.starts_with("<math display=\"inline\">"), "{ml}");
        assert!(ml.contains("<mfrac>") && ml.contains("<msqrt>"), "{ml}");
        assert!(ml.contains("<annotation encoding=\"application/x-tex\">"), "{ml}");
        let block = latex_to_mathml(r"\int_0^1 x\,dx", true, false).unwrap();
        assert!(block.starts_with("<math display=\"block\">") && !block.contains("annotation"), "{block}");
    }

    #[test]
    fn vietnamese_text_inside_math_is_kept() {
        let ml = latex_to_mathml(r"v = 5\ \text{m/s} \text{ (vận tốc đầu)}", false, false).unwrap();
        assert!(ml.contains("vận tốc đầu"), "{ml}");
    }

    #[test]
    fn errors_name_the_offset() {
        let e = err(r"x + \foo y");
        assert!(e.message.contains("unknown"), "{e:?}");
        assert!((4..=8).contains(&e.offset), "{e:?}");
        let e = err(r"\frac{1}{2");
        assert!(e.message.contains("unbalanced"), "{e:?}");
        let e = err("a^2^3");
        assert!(e.message.contains("superscript"), "{e:?}");
        assert!(e.offset <= 5, "{e:?}");
        // A long formula: the window is in the middle, the offset must point past the valid part.
        let long = r"\alpha + \beta + \gamma + \delta + \epsilon + \zeta + \eta + \bad + \theta";
        let e = err(long);
        let bad = long.find(r"\bad").unwrap();
        assert!((bad..=bad + 4).contains(&e.offset), "{e:?} vs {bad}");
    }

    #[test]
    fn pathological_formulas_are_refused_quickly() {
        let deep = format!("{}x{}", "{".repeat(2000), "}".repeat(2000));
        let e = err(&deep);
        assert_eq!(e.offset, MAX_DEPTH);
        let deep = format!("{}x{}", "\\left(".repeat(100), "\\right)".repeat(100));
        assert!(err(&deep).message.contains("nests"));
        assert!(err(&"x+".repeat(5000)).message.contains("bytes long"));
        let fine = format!("{}x{}", "\\sqrt{".repeat(30), "}".repeat(30));
        assert!(latex_to_mathml(&fine, false, false).is_ok());
    }

    #[test]
    fn author_markup_cannot_escape_the_formula() {
        let ml = latex_to_mathml(r"\operatorname{<img src=x onerror=alert(1)>} a<b>c", false, true).unwrap();
        assert!(!ml.contains("<img") && !ml.contains("<b>"), "{ml}");
        assert!(ml.contains("&lt;img"), "{ml}");
        let ml = latex_to_mathml(r"x</annotation><script>alert(1)</script>", false, true);
        if let Ok(ml) = ml {
            assert!(!ml.contains("<script"), "{ml}");
        }
    }

    #[test]
    fn sanitizer_keeps_mathml_and_escapes_the_rest() {
        assert_eq!(sanitize_mathml("<mo><</mo>"), "<mo>&lt;</mo>");
        assert_eq!(sanitize_mathml("<mo>></mo>"), "<mo>&gt;</mo>");
        assert_eq!(sanitize_mathml("<mi><b></mi>"), "<mi>&lt;b&gt;</mi>");
        assert_eq!(sanitize_mathml("<mi onclick=\"x\">a</mi>"), "&lt;mi onclick=\"x\"&gt;a</mi>");
        assert_eq!(
            sanitize_mathml("<mspace width=\"1em\" />&nbsp;&x"),
            "<mspace width=\"1em\" />&#160;&amp;x"
        );
    }

    #[test]
    fn spacing_commands_become_space_not_entity_text() {
        for tex in [r"27\ ^\circ\text{C}", r"27~\text{m}", r"a\,b\;c\quad d\qquad e\:f\!g", r"\text{27~°C}"]
        {
            let ml = latex_to_mathml(tex, false, false).unwrap();
            assert!(!ml.contains("&amp;"), "{tex}: {ml}");
            assert!(!ml.contains("nbsp"), "{tex}: {ml}");
        }
        let ml = latex_to_mathml(r"27\ \text{m}", false, false).unwrap();
        assert!(ml.contains("<mspace width=\"0.3333em\""), "{ml}");
        let ml = latex_to_mathml(r"\text{27~°C}", false, false).unwrap();
        assert!(ml.contains("27\u{a0}°C"), "{ml}");
    }

    #[test]
    fn braced_decimal_comma_is_one_number() {
        let ml = latex_to_mathml(r"v = 1{,}5\ \text{m/s}", false, true).unwrap();
        assert!(ml.contains("<mn>1,5</mn>"), "{ml}");
        let ml = latex_to_mathml(r"-12{,}375 + 0{,}5", false, false).unwrap();
        assert!(ml.contains("<mn>12,375</mn>") && ml.contains("<mn>0,5</mn>"), "{ml}");
        // Not between digits: the braces keep their meaning.
        let ml = latex_to_mathml(r"(a{,}b)", false, false).unwrap();
        assert!(ml.contains("<mi>a</mi>") && ml.contains("<mi>b</mi>"), "{ml}");
        // Errors after a decimal comma are still placed in the author's text.
        let tex = r"1{,}5 + \foo";
        let e = err(tex);
        assert_eq!(e.offset, tex.find(r"\foo").unwrap(), "{e:?}");
    }
}
