//! Option letters `A.`–`D.` and statement letters `a)`–`d)` on a line — one per line, several per
//! line, or one per table cell — and the writer's marks on them (underline, colour, bold), which
//! single out the key.

use super::body::{Line, Style};

/// A piece of a line: its characters and their marks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seg {
    pub chars: Vec<char>,
    pub styles: Vec<Style>,
}

impl Seg {
    pub fn of(line: &Line, from: usize, to: usize) -> Seg {
        let to = to.min(line.chars.len());
        let from = from.min(to);
        Seg { chars: line.chars[from..to].to_vec(), styles: line.styles[from..to].to_vec() }
    }

    pub fn text(&self) -> String {
        self.chars.iter().collect::<String>().replace('\t', " ").trim().to_string()
    }

    pub fn is_blank(&self) -> bool {
        self.chars.iter().all(|c| c.is_whitespace())
    }

    /// Appends another piece after a space (a continuation line of an option).
    pub fn extend(&mut self, other: &Seg) {
        self.chars.push(' ');
        self.styles.push(Style::default());
        self.chars.extend(&other.chars);
        self.styles.extend(&other.styles);
    }
}

/// One option or statement: its letter, body, and how the writer marked it.
#[derive(Debug, Clone, PartialEq)]
pub struct Lettered {
    pub letter: char,
    pub body: Seg,
    pub marks: Style,
}

/// Which characters are inside `$…$` (an unescaped dollar toggles).
fn math_mask(chars: &[char]) -> Vec<bool> {
    let mut inside = false;
    let mut mask = Vec::with_capacity(chars.len());
    for (i, c) in chars.iter().enumerate() {
        if *c == '$' && (i == 0 || chars[i - 1] != '\\') {
            inside = !inside;
        }
        mask.push(inside);
    }
    mask
}

/// Splits a line that starts with the letter `first` (after blanks) into lettered pieces, the
/// following letters in order, each preceded by a blank. `punct` is what may follow a letter.
pub fn split_lettered(line: &Line, first: char, last: char, punct: &[char]) -> Option<Vec<Lettered>> {
    let chars = &line.chars;
    let mask = math_mask(chars);
    let start = chars.iter().take_while(|c| c.is_whitespace()).count();
    let is_marker = |i: usize, letter: char| {
        chars.get(i) == Some(&letter)
            && chars.get(i + 1).is_some_and(|p| punct.contains(p))
            && (i == start || chars[i - 1].is_whitespace())
            && !mask[i]
    };
    if !is_marker(start, first) {
        return None;
    }
    let mut positions = vec![(start, first)];
    let mut next = (first as u8 + 1) as char;
    let mut i = start + 2;
    while i < chars.len() && next <= last {
        if is_marker(i, next) {
            positions.push((i, next));
            next = (next as u8 + 1) as char;
            i += 2;
        } else {
            i += 1;
        }
    }
    let mut out = Vec::new();
    for (k, (at, letter)) in positions.iter().enumerate() {
        let end = positions.get(k + 1).map_or(chars.len(), |(p, _)| *p);
        let body = Seg::of(line, at + 2, end);
        out.push(Lettered { letter: *letter, marks: marks_of(line, *at, &body), body });
    }
    Some(out)
}

/// A letter counts as marked when the letter itself is, or every visible character of its body.
fn marks_of(line: &Line, at: usize, body: &Seg) -> Style {
    let letter = line.styles[at];
    let visible: Vec<&Style> =
        body.chars.iter().zip(&body.styles).filter(|(c, _)| !c.is_whitespace()).map(|(_, s)| s).collect();
    let all = |f: fn(&Style) -> bool| !visible.is_empty() && visible.iter().all(|s| f(s));
    Style {
        underline: letter.underline || all(|s| s.underline),
        colour: letter.colour || all(|s| s.colour),
        bold: letter.bold || all(|s| s.bold),
    }
}

/// What the marks on a set of options say about the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMark {
    /// One option singled out.
    One(usize),
    /// Marks that single out nothing (two or three marked, or underline and colour disagree).
    Ambiguous,
    /// No usable marks.
    None,
}

/// Underline and colour outrank bold; a mark counts only where it singles out exactly one option.
pub fn key_by_marks(marks: &[Style]) -> KeyMark {
    let marked = |f: fn(&Style) -> bool| {
        marks.iter().enumerate().filter(|(_, m)| f(m)).map(|(i, _)| i).collect::<Vec<_>>()
    };
    let single = |v: &[usize]| (v.len() == 1).then(|| v[0]);
    let partial = |v: &[usize]| v.len() > 1 && v.len() < marks.len();
    let (u, c, b) = (marked(|m| m.underline), marked(|m| m.colour), marked(|m| m.bold));
    match (single(&u), single(&c)) {
        (Some(x), Some(y)) if x != y => return KeyMark::Ambiguous,
        (Some(x), _) | (None, Some(x)) => return KeyMark::One(x),
        _ => {}
    }
    if partial(&u) || partial(&c) {
        return KeyMark::Ambiguous;
    }
    match single(&b) {
        Some(x) => KeyMark::One(x),
        None if partial(&b) => KeyMark::Ambiguous,
        None => KeyMark::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, marked: &[(usize, Style)]) -> Line {
        let chars: Vec<char> = text.chars().collect();
        let mut styles = vec![Style::default(); chars.len()];
        for (i, s) in marked {
            styles[*i] = *s;
        }
        Line { para: 1, chars, styles, ..Default::default() }
    }

    const U: Style = Style { underline: true, colour: false, bold: false };
    const B: Style = Style { underline: false, colour: false, bold: true };
    const C: Style = Style { underline: false, colour: true, bold: false };

    #[test]
    fn options_on_one_line_or_several() {
        let l = line("A. $x=1$\tB. 2 C) 3   D. 4", &[]);
        let opts = split_lettered(&l, 'A', 'D', &['.', ')']).unwrap();
        let bodies: Vec<String> = opts.iter().map(|o| o.body.text()).collect();
        assert_eq!(bodies, vec!["$x=1$", "2", "3", "4"]);
        let c = line("C. tam giác ABC. D. x", &[]);
        let two = split_lettered(&c, 'C', 'D', &['.', ')']).unwrap();
        assert_eq!(two.len(), 2);
        assert!(split_lettered(&line("Cho A. B", &[]), 'A', 'D', &['.']).is_none());
        let math = line("A. $B. x$ B. y", &[]);
        assert_eq!(split_lettered(&math, 'A', 'D', &['.']).unwrap()[0].body.text(), "$B. x$");
        let st = line("a) Hàm số đồng biến. (Đ)", &[]);
        assert_eq!(split_lettered(&st, 'a', 'd', &[')']).unwrap()[0].body.text(), "Hàm số đồng biến. (Đ)");
    }

    #[test]
    fn underline_and_colour_outrank_bold() {
        assert_eq!(key_by_marks(&[B, B, B, B]), KeyMark::None);
        let ub = Style { underline: true, ..B };
        assert_eq!(key_by_marks(&[B, ub, B, B]), KeyMark::One(1));
        assert_eq!(key_by_marks(&[B, Style::default(), Style::default(), Style::default()]), KeyMark::One(0));
        assert_eq!(key_by_marks(&[C, Style::default(), B, Style::default()]), KeyMark::One(0));
        assert_eq!(key_by_marks(&[U, U, Style::default(), Style::default()]), KeyMark::Ambiguous);
        assert_eq!(key_by_marks(&[U, C, Style::default(), Style::default()]), KeyMark::Ambiguous);
        assert_eq!(key_by_marks(&[Style::default(); 4]), KeyMark::None);
        let l = line("A. 1 B. 2", &[(5, U), (6, U), (8, U)]);
        let opts = split_lettered(&l, 'A', 'D', &['.']).unwrap();
        assert!(opts[1].marks.underline && !opts[0].marks.underline);
    }
}
