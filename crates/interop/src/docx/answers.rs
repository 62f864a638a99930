//! The answer table at the end of a paper (`ĐÁP ÁN`, `BẢNG ĐÁP ÁN`): text such as `1-A 2.B 3C`
//! or `1-ĐSSĐ`, or a Word table — numbers in one row and answers in the next, or one question a
//! row. Numbering restarts in each part, so an entry remembers the part it was listed under.

use std::collections::BTreeMap;

use khaothi_domain::text::fold_for_search;

use super::body::Line;

/// What kind of answer a value is, to match it with a question of that kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    Letter,
    TrueFalse,
    Number,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub part: Option<u8>,
    pub number: u32,
    pub value: String,
    pub kind: AnswerKind,
    /// Paragraph where it was read.
    pub para: usize,
}

#[derive(Debug, Default)]
pub struct AnswerTable {
    pub entries: Vec<Entry>,
    /// Cells of tables met in the answer section: table → (part, row → [(column, text, paragraph)]).
    cells: BTreeMap<usize, (Option<u8>, BTreeMap<usize, Vec<(usize, String, usize)>>)>,
}

pub fn classify(value: &str) -> Option<(String, AnswerKind)> {
    let v = value.trim().trim_end_matches('.').trim();
    let upper = v.to_uppercase();
    if upper.len() == 1 && ('A'..='D').contains(&upper.chars().next()?) {
        return Some((upper, AnswerKind::Letter));
    }
    let tf: String = upper.chars().filter(|c| !matches!(c, ' ' | '-' | ',' | ';' | '/')).collect();
    if tf.chars().count() == 4 && tf.chars().all(|c| c == 'Đ' || c == 'S') {
        return Some((tf, AnswerKind::TrueFalse));
    }
    let number = v.replace('.', ",");
    let body = number.strip_prefix('-').unwrap_or(&number);
    if !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == ',')
        && body.chars().next()?.is_ascii_digit()
    {
        return Some((number, AnswerKind::Number));
    }
    None
}

impl AnswerTable {
    /// Reads one line of the answer section.
    pub fn line(&mut self, line: &Line, part: Option<u8>) {
        let text = line.text().replace("\\", "");
        match line.cell {
            Some((table, row, col)) => {
                let entry = self.cells.entry(table).or_insert_with(|| (part, BTreeMap::new()));
                entry.1.entry(row).or_default().push((col, text.trim().to_string(), line.para));
            }
            None => self.scan_text(&text, part, line.para),
        }
    }

    /// `1-A 2.B 3C 4-ĐSSĐ`: a number, an optional `-`, `.`, `:` or `)`, then a letter A–D or
    /// four Đ/S marks.
    fn scan_text(&mut self, text: &str, part: Option<u8>, para: usize) {
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_alphanumeric()) {
                i += 1;
                continue;
            }
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let Ok(number) = chars[start..i].iter().collect::<String>().parse::<u32>() else { continue };
            let mut j = i;
            while j < chars.len() && matches!(chars[j], ' ' | '-' | '.' | ':' | ')' | '–') {
                j += 1;
            }
            let word: String = chars[j..].iter().take_while(|c| c.is_alphabetic()).collect();
            if let Some((value, kind)) = classify(&word).filter(|(_, k)| *k != AnswerKind::Number) {
                self.entries.push(Entry { part, number, value, kind, para });
                i = j + word.chars().count();
            }
        }
    }

    /// Turns the collected table cells into entries (call once, after the last line).
    pub fn finish(&mut self) {
        for (_table, (part, rows)) in std::mem::take(&mut self.cells) {
            let rows: Vec<Vec<(usize, String, usize)>> = rows.into_values().collect();
            let before = self.entries.len();
            self.horizontal(&rows, part);
            if self.entries.len() == before {
                self.vertical(&rows, part);
            }
            if self.entries.len() == before {
                for row in &rows {
                    for (_, text, para) in row {
                        self.scan_text(text, part, *para);
                    }
                }
            }
        }
    }

    /// A row of question numbers (`Câu | 1 | 2 | 3`) over a row of answers (`Đáp án | A | C | B`).
    fn horizontal(&mut self, rows: &[Vec<(usize, String, usize)>], part: Option<u8>) {
        for pair in rows.windows(2) {
            let (head, vals) = (&pair[0], &pair[1]);
            // The number row starts with its label (`Câu`); a row of plain numbers is one question
            // per row instead (see `vertical`).
            if head.first().is_none_or(|(_, t, _)| !fold_for_search(t).starts_with("cau")) {
                continue;
            }
            let numbers: Vec<Option<u32>> = head.iter().skip(1).map(|(_, t, _)| number_of(t)).collect();
            if numbers.is_empty() || numbers.iter().any(Option::is_none) || vals.len() != head.len() {
                continue;
            }
            for (n, (_, v, para)) in numbers.iter().flatten().zip(vals.iter().skip(1)) {
                if let Some((value, kind)) = classify(v) {
                    self.entries.push(Entry { part, number: *n, value, kind, para: *para });
                }
            }
        }
    }

    /// One question a row: `1 | A` or `Câu 1 | 2,5`.
    fn vertical(&mut self, rows: &[Vec<(usize, String, usize)>], part: Option<u8>) {
        for row in rows {
            if let [(_, n, _), (_, v, para), ..] = row.as_slice()
                && let Some(n) = number_of(n)
                && let Some((value, kind)) = classify(v)
            {
                self.entries.push(Entry { part, number: n, value, kind, para: *para });
            }
        }
    }

    /// The answer listed for question `number` of `part`, of the kind the question needs: an entry
    /// listed under that part first, then one listed under no part.
    pub fn find(&self, part: Option<u8>, number: u32, kind: AnswerKind) -> Option<&Entry> {
        let fits = |e: &&Entry| e.number == number && e.kind == kind;
        self.entries
            .iter()
            .filter(fits)
            .find(|e| e.part == part && part.is_some())
            .or_else(|| self.entries.iter().filter(fits).find(|e| e.part.is_none()))
    }
}

/// `12` or `Câu 12` → 12.
fn number_of(cell: &str) -> Option<u32> {
    let f = fold_for_search(cell);
    f.trim().strip_prefix("cau").unwrap_or(f.trim()).trim().trim_end_matches(['.', ':']).parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_line(t: &str) -> Line {
        Line {
            para: 9,
            chars: t.chars().collect(),
            styles: vec![Default::default(); t.chars().count()],
            ..Default::default()
        }
    }

    fn cell(t: &str, row: usize, col: usize) -> Line {
        Line { cell: Some((1, row, col)), ..text_line(t) }
    }

    #[test]
    fn text_entries() {
        let mut a = AnswerTable::default();
        a.line(&text_line("1-A  2.B 3C 4 - D 10-ĐSSĐ"), Some(1));
        a.finish();
        let got: Vec<(u32, &str)> = a.entries.iter().map(|e| (e.number, e.value.as_str())).collect();
        assert_eq!(got, vec![(1, "A"), (2, "B"), (3, "C"), (4, "D"), (10, "ĐSSĐ")]);
        assert_eq!(a.find(Some(1), 2, AnswerKind::Letter).unwrap().value, "B");
        assert!(a.find(Some(2), 2, AnswerKind::Letter).is_none());
    }

    #[test]
    fn table_entries() {
        let mut a = AnswerTable::default();
        for (c, t) in ["Câu", "1", "2", "3"].iter().enumerate() {
            a.line(&cell(t, 0, c), None);
        }
        for (c, t) in ["Đáp án", "A", "D", "2,5"].iter().enumerate() {
            a.line(&cell(t, 1, c), None);
        }
        a.finish();
        assert_eq!(a.find(Some(1), 2, AnswerKind::Letter).unwrap().value, "D");
        assert_eq!(a.find(Some(3), 3, AnswerKind::Number).unwrap().value, "2,5");
        let mut v = AnswerTable::default();
        for (r, row) in [["Câu", "Đáp án"], ["1", "2,5"], ["2", "4"], ["3", "14"]].iter().enumerate() {
            for (c, t) in row.iter().enumerate() {
                v.line(&cell(t, r, c), Some(3));
            }
        }
        v.finish();
        let got: Vec<(u32, &str)> = v.entries.iter().map(|e| (e.number, e.value.as_str())).collect();
        assert_eq!(got, vec![(1, "2,5"), (2, "4"), (3, "14")]);
        assert_eq!(classify("Đ S S Đ"), Some(("ĐSSĐ".into(), AnswerKind::TrueFalse)));
        assert_eq!(classify("-1.5"), Some(("-1,5".into(), AnswerKind::Number)));
        assert_eq!(classify("hello"), None);
    }
}
