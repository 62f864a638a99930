//! The LaTeX source as the reader scans it: comments blanked out (byte offsets kept, so every
//! problem can still be located by line), and the small scanning steps every other part uses —
//! a command name, a brace group, an optional `[…]` argument.

use std::ops::Range;

/// A `.tex` file with its comments replaced by spaces. Offsets into [`Source::text`] are offsets
/// into the original file, so [`Source::line_of`] names the writer's line.
pub(crate) struct Source<'a> {
    /// The file as written (for the `%[…]` tags, which live in comments).
    pub raw: &'a str,
    /// The same bytes with every comment blanked.
    pub text: String,
    line_starts: Vec<usize>,
}

impl<'a> Source<'a> {
    pub fn new(raw: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(raw.match_indices('\n').map(|(i, _)| i + 1));
        Source { raw, text: blank_comments(raw), line_starts }
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset)
    }

    /// The raw text of the line holding `offset`, from `offset` to the end of the line.
    pub fn rest_of_line(&self, offset: usize) -> &'a str {
        let rest = &self.raw[offset.min(self.raw.len())..];
        rest.split('\n').next().unwrap_or("")
    }

    /// The raw text of line `line` (1-based), without its newline; `None` past the end.
    pub fn line(&self, line: usize) -> Option<&'a str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let rest = &self.raw[start..];
        Some(rest.split('\n').next().unwrap_or("").trim_end_matches('\r'))
    }
}

/// Replaces every `%` comment (not `\%`) by spaces up to the end of its line, byte for byte.
fn blank_comments(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    let mut in_comment = false;
    while let Some(c) = chars.next() {
        if in_comment {
            if c == '\n' {
                in_comment = false;
                out.push(c);
            } else {
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
            }
            continue;
        }
        match c {
            '\\' => {
                out.push(c);
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            '%' => {
                in_comment = true;
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    out
}

/// The command starting at `at` (which holds `\`): its name (letters, or one other character) and
/// the offset after it. `\\` is the command named `\`.
pub(crate) fn command_at(text: &str, at: usize) -> Option<(&str, usize)> {
    let rest = text.get(at..)?.strip_prefix('\\')?;
    let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters > 0 {
        return Some((&rest[..letters], at + 1 + letters));
    }
    let c = rest.chars().next()?;
    Some((&rest[..c.len_utf8()], at + 1 + c.len_utf8()))
}

/// The first offset at or after `at` that is not whitespace.
pub(crate) fn skip_ws(text: &str, at: usize) -> usize {
    let rest = &text[at.min(text.len())..];
    at + (rest.len() - rest.trim_start().len())
}

/// The brace group opening at `at` (`{`): the range of its content, without the braces. `None`
/// when `at` holds no `{` or the group never closes. `\{` and `\}` do not count.
pub(crate) fn group(text: &str, at: usize) -> Option<Range<usize>> {
    delimited(text, at, b'{', b'}')
}

/// The optional argument opening at `at` (`[`), like [`group`]; braces inside it nest.
pub(crate) fn optional(text: &str, at: usize) -> Option<Range<usize>> {
    delimited(text, at, b'[', b']')
}

fn delimited(text: &str, at: usize, open: u8, close: u8) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    if bytes.get(at) != Some(&open) {
        return None;
    }
    let (mut depth, mut braces, mut i) = (0usize, 0usize, at + 1);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'{' if open != b'{' => braces += 1,
            b'}' if open != b'{' => braces = braces.saturating_sub(1),
            b if b == open => depth += 1,
            b if b == close && braces == 0 => {
                if depth == 0 {
                    return Some(at + 1..i);
                }
                depth -= 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Skips any optional arguments (`[…]`) and a star after a command; the offset after them.
pub(crate) fn skip_optionals(text: &str, mut at: usize) -> usize {
    if text[at.min(text.len())..].starts_with('*') {
        at += 1;
    }
    loop {
        let next = skip_ws(text, at);
        match optional(text, next) {
            Some(r) => at = r.end + 1,
            None => return at,
        }
    }
}

/// The offset of `needle` at or after `from`, skipping escaped occurrences is the caller's job.
pub(crate) fn find_from(text: &str, from: usize, needle: &str) -> Option<usize> {
    text.get(from..)?.find(needle).map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_blanked_in_place() {
        let s = Source::new("a % chú thích\n\\% b %[2D1Y1-1]\nc");
        assert_eq!(s.text.len(), s.raw.len());
        assert!(s.text.starts_with("a  "));
        assert!(s.text.contains("\\% b "));
        assert!(!s.text.contains("2D1Y1"));
        assert_eq!(s.line_of(0), 1);
        assert_eq!(s.line_of(s.raw.rfind('c').unwrap()), 3);
        assert_eq!(s.line(2), Some("\\% b %[2D1Y1-1]"));
    }

    #[test]
    fn groups_nest_and_skip_escapes() {
        let t = r"{a{b}\}c} rest";
        assert_eq!(&t[group(t, 0).unwrap()], r"a{b}\}c");
        assert_eq!(group("{open", 0), None);
        let t = "[width=0.3\\textwidth]{h}";
        assert_eq!(skip_optionals(t, 0), t.find('{').unwrap());
        assert_eq!(command_at(r"\choiceTF{", 0), Some(("choiceTF", 9)));
        assert_eq!(command_at(r"\\ x", 0), Some(("\\", 2)));
    }
}
