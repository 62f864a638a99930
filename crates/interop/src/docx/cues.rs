//! The words of a Vietnamese paper's layout, recognised on one line of text: `Câu 3.`, `PHẦN II`,
//! `Sử dụng các thông tin sau…`, `Lời giải`, `Đáp án: 2,5`, `HẾT`, and the writer's tag line.
//! Matching folds diacritics and case (`fold_for_search`), because writers type these freely.

use khaothi_domain::Level;
use khaothi_domain::text::fold_for_search;

/// `Câu 12.` / `Câu 12:` / `Câu 12)` / `Bài 3.` at the start: the number and the character offset
/// where the question's own text starts.
pub fn question_start(chars: &[char]) -> Option<(u32, usize)> {
    let mut i = chars.iter().take_while(|c| c.is_whitespace()).count();
    let word: String = chars[i..].iter().take(3).collect();
    if !matches!(fold_for_search(&word).as_str(), "cau" | "bai") {
        return None;
    }
    i += 3;
    while chars.get(i).is_some_and(|c| *c == ' ' || *c == '\u{a0}') {
        i += 1;
    }
    let digits: String = chars[i.min(chars.len())..].iter().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    i += digits.len();
    while chars.get(i).is_some_and(|c| *c == ' ') {
        i += 1;
    }
    if !chars.get(i).is_some_and(|c| matches!(c, '.' | ':' | ')')) {
        return None;
    }
    Some((digits.parse().ok()?, i + 1))
}

/// `PHẦN I`, `PHẦN II.`, `Phần 3:` → 1, 2, 3.
pub fn part_heading(text: &str) -> Option<u8> {
    let f = fold_for_search(text.trim());
    let rest = f.strip_prefix("phan")?.trim_start();
    let token: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    let after = rest[token.len()..].chars().next();
    if after.is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    match token.as_str() {
        "i" | "1" => Some(1),
        "ii" | "2" => Some(2),
        "iii" | "3" => Some(3),
        _ => None,
    }
}

/// A shared passage's introduction, with the question range it names (`câu 1 đến câu 3`).
pub fn passage_intro(text: &str) -> Option<Option<(u32, u32)>> {
    let f = fold_for_search(text.trim());
    const STARTS: &[&str] = &[
        "su dung cac thong tin sau",
        "su dung thong tin sau",
        "dung thong tin sau",
        "doc doan van sau",
        "doc doan thong tin sau",
        "doc thong tin sau",
        "doc van ban sau",
        "dua vao thong tin sau",
        "cho thong tin sau",
    ];
    if !STARTS.iter().any(|s| f.starts_with(s)) {
        return None;
    }
    Some(question_range(&f))
}

/// `câu 1 đến câu 3`, `câu 1 và câu 2`, `câu 1 - 3`, `từ câu 4 đến 6` in folded text.
fn question_range(f: &str) -> Option<(u32, u32)> {
    let at = f.find("cau ")?;
    let nums: Vec<u32> = f[at..]
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(2)
        .filter_map(|s| s.parse().ok())
        .collect();
    match nums.as_slice() {
        [a, b] if a <= b => Some((*a, *b)),
        [a] => Some((*a, *a)),
        _ => None,
    }
}

/// `HẾT`, `--- HẾT ---`, `----------HẾT----------`.
pub fn is_end(text: &str) -> bool {
    let core: String = text
        .chars()
        .filter(|c| !matches!(c, '-' | '–' | '—' | '.' | '*' | '_' | ' ' | '\t' | '\u{a0}'))
        .collect();
    core == "HẾT" || core == "HẾT\\"
}

/// `ĐÁP ÁN` / `BẢNG ĐÁP ÁN` (capitals, no value after it): the answer table follows.
pub fn is_answer_heading(text: &str) -> bool {
    let t = text.trim().trim_end_matches([':', '.']);
    let f = fold_for_search(t);
    t.chars().count() <= 40
        && t.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase)
        && (f.starts_with("dap an") || f.starts_with("bang dap an"))
}

/// `Lời giải`, `Hướng dẫn giải`, `Giải:` → the text after the label.
pub fn solution_start(text: &str) -> Option<usize> {
    let t = text.trim_start();
    let lead = text.len() - t.len();
    let f = fold_for_search(t);
    for label in ["loi giai chi tiet", "loi giai", "huong dan giai", "huong dan"] {
        if f.starts_with(label) {
            // Folding keeps one character per character, so the label's length carries over.
            let n = label.chars().count();
            let rest: String = t.chars().skip(n).collect();
            let rest = rest.trim_start_matches([' ', ':', '.', '\t']);
            return Some(lead + t.len() - rest.len());
        }
    }
    None
}

/// `Đáp án: 2,5` / `Kết quả: -3` / `Đáp số: 12` → the value.
pub fn answer_line(text: &str) -> Option<String> {
    let t = text.trim();
    let f = fold_for_search(t);
    for label in ["dap an", "ket qua", "dap so"] {
        if let Some(rest) = f.strip_prefix(label) {
            let rest = rest.trim_start();
            if !rest.starts_with(':') {
                return None;
            }
            let n = t.chars().count() - rest.chars().count() + 1;
            let value: String = t.chars().skip(n).collect();
            let value = value.trim().trim_end_matches('.').trim().to_string();
            return (!value.is_empty()).then_some(value);
        }
    }
    None
}

/// `Chọn B` / `Chọn đáp án B.` in a solution.
pub fn chosen_letter(text: &str) -> Option<char> {
    let f = fold_for_search(text.trim());
    let rest = f.strip_prefix("chon")?.trim_start();
    let rest = rest.strip_prefix("dap an").unwrap_or(rest).trim_start().trim_start_matches(':').trim_start();
    let mut it = rest.chars();
    let c = it.next()?.to_ascii_uppercase();
    let next = it.next();
    (('A'..='D').contains(&c) && next.is_none_or(|n| !n.is_alphanumeric())).then_some(c)
}

/// Metadata of one question from its tag line (docs/formats.md, Word section):
/// `[môn: toan; lớp: 12; chủ đề: 12.1.2; mức độ: TH; mã: TOAN-17]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tags {
    pub subject: Option<String>,
    pub grade: Option<u8>,
    pub topic: Option<String>,
    pub level: Option<Level>,
    pub id: Option<String>,
    /// Values the line gave that could not be read, named for the writer.
    pub problems: Vec<String>,
}

pub fn tag_line(text: &str) -> Option<Tags> {
    let t = text.trim();
    // Markdown escaping of the body turned `[` into `\[`.
    let inner = t.strip_prefix("\\[").or_else(|| t.strip_prefix('['))?;
    let inner = inner.strip_suffix("\\]").or_else(|| inner.strip_suffix(']'))?;
    let mut tags = Tags::default();
    let mut known = 0;
    for pair in inner.split([';', ',']) {
        let Some((k, v)) = pair.split_once([':', '=']) else { continue };
        let v = v.trim().replace("\\_", "_");
        match fold_for_search(k.trim()).as_str() {
            "mon" | "subject" => tags.subject = Some(v),
            "lop" | "khoi" | "grade" => match v.parse() {
                Ok(g) => tags.grade = Some(g),
                Err(_) => tags.problems.push(format!("lớp \"{v}\" is not a number")),
            },
            "chu de" | "chuyen de" | "topic" => tags.topic = Some(v),
            "muc do" | "muc" | "level" => match parse_level(&v) {
                Some(l) => tags.level = Some(l),
                None => tags.problems.push(format!(
                    "mức độ \"{v}\" is not NB, TH, VD, VDC (or biet, hieu, van_dung, van_dung_cao)"
                )),
            },
            "ma" | "id" => tags.id = Some(v),
            _ => continue,
        }
        known += 1;
    }
    (known > 0).then_some(tags)
}

fn parse_level(v: &str) -> Option<Level> {
    let f = fold_for_search(v).replace('_', " ");
    Some(match f.trim() {
        "nb" | "biet" | "nhan biet" => Level::Biet,
        "th" | "hieu" | "thong hieu" => Level::Hieu,
        "vd" | "van dung" => Level::VanDung,
        "vdc" | "van dung cao" => Level::VanDungCao,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn question_starts() {
        assert_eq!(question_start(&chars("Câu 1. Cho")), Some((1, 6)));
        assert_eq!(question_start(&chars("  Câu 12: x")), Some((12, 9)));
        assert_eq!(question_start(&chars("CÂU 3) x")), Some((3, 6)));
        assert_eq!(question_start(&chars("Bài 4. x")), Some((4, 6)));
        assert_eq!(question_start(&chars("Câu hỏi 1. x")), None);
        assert_eq!(question_start(&chars("Câu 1 x")), None);
    }

    #[test]
    fn layout_words() {
        assert_eq!(part_heading("PHẦN I. Câu trắc nghiệm nhiều phương án lựa chọn."), Some(1));
        assert_eq!(part_heading("PHẦN II. Câu trắc nghiệm đúng sai"), Some(2));
        assert_eq!(part_heading("Phần 3: trả lời ngắn"), Some(3));
        assert_eq!(part_heading("Phần in đậm"), None);
        assert_eq!(passage_intro("Sử dụng các thông tin sau cho Câu 3 và Câu 4:"), Some(Some((3, 4))));
        assert_eq!(passage_intro("Đọc đoạn văn sau và trả lời câu 1 đến câu 3."), Some(Some((1, 3))));
        assert_eq!(passage_intro("Đọc đoạn văn sau."), Some(None));
        assert!(is_end("----------- HẾT -----------") && is_end("HẾT") && !is_end("Hết giờ"));
        assert!(
            is_answer_heading("BẢNG ĐÁP ÁN")
                && is_answer_heading("ĐÁP ÁN")
                && !is_answer_heading("Đáp án: B")
        );
        let t = "Lời giải: Ta có";
        assert_eq!(&t[solution_start(t).unwrap()..], "Ta có");
        assert_eq!(answer_line("Đáp án: 2,5."), Some("2,5".into()));
        assert_eq!(answer_line("Kết quả : -3"), Some("-3".into()));
        assert_eq!(answer_line("Đáp án đúng là"), None);
        assert_eq!(chosen_letter("Chọn B."), Some('B'));
        assert_eq!(chosen_letter("Chọn đáp án C"), Some('C'));
        assert_eq!(chosen_letter("Chọn ngẫu nhiên"), None);
    }

    #[test]
    fn tag_lines() {
        let t = tag_line("[môn: toan; lớp: 12; chủ đề: 12.1.2; mức độ: TH; mã: T-1]").unwrap();
        assert_eq!(t.subject.as_deref(), Some("toan"));
        assert_eq!((t.grade, t.level, t.id.as_deref()), (Some(12), Some(Level::Hieu), Some("T-1")));
        assert_eq!(tag_line("\\[level=van\\_dung\\_cao\\]").unwrap().level, Some(Level::VanDungCao));
        assert!(tag_line("[mức độ: khó]").unwrap().problems[0].contains("khó"));
        assert_eq!(tag_line("[1; 2]"), None);
        assert_eq!(tag_line("không phải"), None);
    }
}
