//! Text as near-duplicate search sees it: what an item says, not how it is typed or which numbers
//! a template filled in.

use khaothi_domain::text::fold_for_search;

/// Diacritics and case folded (`Hàm số` → `ham so`), every run of digits one token `0` (so one
/// template with other numbers is one text), LaTeX commands kept as words (`\frac` → `frac`),
/// every other mark a space, spaces collapsed.
pub fn normalise(text: &str) -> String {
    let folded = fold_for_search(text);
    let mut out = String::with_capacity(folded.len());
    let mut last_digit = false;
    for c in folded.chars() {
        if c.is_ascii_digit() {
            if !last_digit {
                push_token_char(&mut out, '0', true);
            }
            last_digit = true;
            continue;
        }
        last_digit = false;
        if c.is_alphanumeric() {
            push_token_char(&mut out, c, false);
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    }
    out.trim_end().to_string()
}

/// Numbers are tokens of their own: `x2` reads `x 0`.
fn push_token_char(out: &mut String, c: char, number: bool) {
    let prev_alpha = out.chars().last().is_some_and(|p| p.is_alphanumeric() && p != '0');
    if number && prev_alpha || !number && out.ends_with('0') {
        out.push(' ');
    }
    out.push(c);
}

/// Word 3-shingles of a normalised text; a text of fewer words is one shingle.
pub fn shingles(normalised: &str) -> Vec<String> {
    let words: Vec<&str> = normalised.split(' ').filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return Vec::new();
    }
    if words.len() < 3 {
        return vec![words.join(" ")];
    }
    words.windows(3).map(|w| w.join(" ")).collect()
}
