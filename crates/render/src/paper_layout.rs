//! The printed paper as data: one layout model of a THPT paper (masthead, parts with their
//! instructions, passages, numbered questions with their option arrangement) and of its answer key,
//! built once from a form's version and written out by any medium — the HTML print view
//! ([`crate::paper_html`]), the Word writer (`khaothi_interop::paper_docx`, from the Markdown each
//! block keeps beside its HTML), a page's print preview. Deciding what goes where (the
//! part ranges, "Câu n.", one row of four options or 2×2 or one per line, the page count) lives
//! here so that every writer prints the same paper; the writers only choose markup.

use std::collections::{BTreeMap, HashMap};

use khaothi_domain::form::{Form, Version, VersionKey};
use khaothi_domain::{Item, ItemBody, ItemKind};
use serde::Serialize;

use crate::{MEDIA_PREFIX, RenderError, RenderOptions, render_item, render_markdown};

/// What the masthead says. `authority` and `exam` come from the blueprint's `paper` key (or the
/// bank's defaults); `subject` is the subject code, printed by its name.
#[derive(Debug, Clone, Copy)]
pub struct PaperHeading<'a> {
    /// The issuing body, e.g. "BỘ GIÁO DỤC VÀ ĐÀO TẠO".
    pub authority: &'a str,
    /// The examination, e.g. "KỲ THI TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG NĂM 2025".
    pub exam: &'a str,
    /// "ĐỀ THI CHÍNH THỨC", "ĐỀ THI THAM KHẢO", …
    pub label: &'a str,
    pub subject: &'a str,
    pub duration_minutes: Option<u32>,
}

/// One version of a form with everything it prints: `items` holds the pinned version of every
/// item and `stimuli` the Markdown of the passages they share (printed once, above their group).
#[derive(Debug, Clone, Copy)]
pub struct Paper<'a> {
    pub heading: PaperHeading<'a>,
    pub form: &'a Form,
    pub version: &'a Version,
    pub items: &'a HashMap<String, Item>,
    pub stimuli: &'a HashMap<String, String>,
}

/// The candidate's paper, laid out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaperLayout {
    pub masthead: Masthead,
    pub parts: Vec<Part>,
    /// A4 pages the paper takes, estimated from its text (the masthead's "(Đề thi có N trang)").
    pub pages: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Masthead {
    pub authority: String,
    pub exam: String,
    pub label: String,
    /// "Toán", not `toan`; the code itself when the subject is not a THPT subject.
    pub subject_name: String,
    pub duration_minutes: Option<u32>,
    pub version_code: String,
}

/// One part (phần) of the paper; questions are numbered from 1 in every part, as on THPT papers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    /// "I", "II", …
    pub roman: String,
    pub kind: ItemKind,
    /// "Thí sinh trả lời từ câu 1 đến câu 12. Mỗi câu hỏi thí sinh chỉ chọn một phương án."
    pub instruction: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// A shared passage, printed once above the questions it serves.
    Passage {
        lead: String,
        html: String,
        /// The passage's Markdown, for writers that do not print HTML (the `.docx`).
        text: String,
    },
    Question(Question),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    /// Number within its part; printed "Câu n." run into the stem.
    pub number: usize,
    /// The item printed here (for a writer's error messages; never printed).
    pub item_id: String,
    pub stem_html: String,
    /// Options in this version's order, lettered A, B, C, D by position.
    pub options_html: Vec<String>,
    pub arrangement: Arrangement,
    /// Statements a)–d) of a true/false group.
    pub statements_html: Vec<String>,
    /// The same texts as Markdown with `$…$` LaTeX (options in this version's order), for writers
    /// that do not print HTML: the `.docx` writes its own runs and native equations from them.
    pub source: QuestionSource,
}

/// A question's texts as the bank stores them, in the order the paper prints them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionSource {
    pub stem: String,
    pub options: Vec<String>,
    pub statements: Vec<String>,
}

/// How a question's options sit on the page, as THPT papers set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrangement {
    /// All four on one line: every option is short.
    Row,
    /// Two lines of two.
    Grid,
    /// One option a line.
    Column,
    /// No options (true/false groups, short answers).
    None,
}

/// The answer key (đáp án) of one version: its own document, printed only when asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerKey {
    pub version_code: String,
    pub parts: Vec<KeyPart>,
    /// How many part I questions have each letter as key (A–D), for the board's balance check.
    pub key_counts: BTreeMap<char, u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyPart {
    pub roman: String,
    pub kind: ItemKind,
    /// `(question number, key as printed)`: `B`, `a) Đ b) S c) Đ d) Đ`, or the accepted answers.
    pub rows: Vec<(usize, String)>,
}

/// Characters of visible text on one printed line (A4, 180 mm, Times 12.5 pt), and lines on a page
/// below the running footer. Measured on the demo paper printed by Chromium.
const LINE_CHARS: usize = 92;
const PAGE_LINES: usize = 41;
/// Lines the masthead and candidate lines take on the first page.
const MASTHEAD_LINES: usize = 9;

/// The subject's name as the masthead prints it ("Môn thi: TOÁN"), for the THPT subjects' codes.
pub fn subject_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "toan" => "Toán",
        "vat_ly" | "vat_li" => "Vật lí",
        "hoa_hoc" => "Hóa học",
        "sinh_hoc" => "Sinh học",
        "dia_ly" | "dia_li" => "Địa lí",
        "lich_su" => "Lịch sử",
        "gdktpl" | "giao_duc_kinh_te_phap_luat" => "Giáo dục kinh tế và pháp luật",
        "tin_hoc" => "Tin học",
        "cong_nghe" => "Công nghệ",
        "ngu_van" => "Ngữ văn",
        "tieng_anh" => "Tiếng Anh",
        "tieng_phap" => "Tiếng Pháp",
        "tieng_nga" => "Tiếng Nga",
        "tieng_trung" => "Tiếng Trung Quốc",
        "tieng_nhat" => "Tiếng Nhật",
        "tieng_duc" => "Tiếng Đức",
        "tieng_han" => "Tiếng Hàn",
        _ => return None,
    })
}

/// Lays out `paper`: the masthead, each section of the form as a part, each shared passage once
/// above its group, and the option arrangement of every question.
pub fn paper_layout(paper: &Paper<'_>) -> Result<PaperLayout, RenderError> {
    let h = &paper.heading;
    let masthead = Masthead {
        authority: h.authority.to_string(),
        exam: h.exam.to_string(),
        label: h.label.to_string(),
        subject_name: subject_name(h.subject).map_or_else(|| h.subject.to_string(), str::to_string),
        duration_minutes: h.duration_minutes,
        version_code: paper.version.code.clone(),
    };
    let mut parts = Vec::new();
    for (n, ids) in sections(paper.form, paper.version).iter().enumerate() {
        parts.push(part(paper, n, ids)?);
    }
    let pages = estimate_pages(&parts);
    Ok(PaperLayout { masthead, parts, pages })
}

/// The answer key of `paper`'s version, part by part, with its part I letter counts.
pub fn answer_key(paper: &Paper<'_>) -> AnswerKey {
    let mut key_counts: BTreeMap<char, u32> = ['A', 'B', 'C', 'D'].into_iter().map(|c| (c, 0)).collect();
    let parts = sections(paper.form, paper.version)
        .iter()
        .enumerate()
        .map(|(n, ids)| {
            let rows = ids
                .iter()
                .enumerate()
                .map(|(q, id)| {
                    let key = paper.version.keys.get(*id);
                    if let Some(VersionKey::SingleChoice(c)) = key {
                        *key_counts.entry(c.letter()).or_default() += 1;
                    }
                    (q + 1, key_text(key))
                })
                .collect();
            KeyPart { roman: roman(n), kind: section_kind(paper, ids), rows }
        })
        .collect();
    AnswerKey { version_code: paper.version.code.clone(), parts, key_counts }
}

/// The version's items in order, cut into runs that share a section of the form.
fn sections<'v>(form: &Form, version: &'v Version) -> Vec<Vec<&'v str>> {
    let section_of: HashMap<&str, u32> = form.items.iter().map(|i| (i.item_id.as_str(), i.section)).collect();
    let mut sections: Vec<(u32, Vec<&str>)> = Vec::new();
    for id in &version.items {
        let s = section_of.get(id.as_str()).copied().unwrap_or(0);
        match sections.last_mut() {
            Some((cur, ids)) if *cur == s => ids.push(id),
            _ => sections.push((s, vec![id])),
        }
    }
    sections.into_iter().map(|(_, ids)| ids).collect()
}

fn roman(n: usize) -> String {
    ["I", "II", "III", "IV", "V", "VI"].get(n).copied().unwrap_or("…").to_string()
}

/// A section's kind is its first item's.
fn section_kind(paper: &Paper<'_>, ids: &[&str]) -> ItemKind {
    ids.first().and_then(|id| paper.items.get(*id)).map(Item::kind).unwrap_or(ItemKind::SingleChoice)
}

/// The THPT 2025 wording of a part's instruction, with its question range.
pub fn part_instruction(kind: ItemKind, count: usize) -> String {
    let range = if count == 1 {
        "Thí sinh trả lời câu 1.".to_string()
    } else {
        format!("Thí sinh trả lời từ câu 1 đến câu {count}.")
    };
    match kind {
        ItemKind::SingleChoice => format!("{range} Mỗi câu hỏi thí sinh chỉ chọn một phương án."),
        ItemKind::TrueFalseGroup => {
            format!("{range} Trong mỗi ý a), b), c), d) ở mỗi câu, thí sinh chọn đúng hoặc sai.")
        }
        ItemKind::ShortAnswer => range,
        ItemKind::MultipleResponse => format!("{range} Mỗi câu hỏi có thể có nhiều phương án đúng."),
    }
}

/// The line above a passage: which questions it serves ("cho câu 3", "cho câu 3 và câu 4",
/// "cho các câu từ 3 đến 5").
pub fn passage_lead(first: usize, last: usize) -> String {
    match last.saturating_sub(first) {
        0 => format!("Sử dụng các thông tin sau cho câu {first}."),
        1 => format!("Sử dụng các thông tin sau cho câu {first} và câu {last}."),
        _ => format!("Sử dụng các thông tin sau cho các câu từ {first} đến {last}."),
    }
}

fn part(paper: &Paper<'_>, n: usize, ids: &[&str]) -> Result<Part, RenderError> {
    let kind = section_kind(paper, ids);
    let stimulus_of =
        |i: usize| ids.get(i).and_then(|x| paper.items.get(*x)).and_then(|it| it.stimulus.as_ref());
    let mut blocks = Vec::new();
    for (q, id) in ids.iter().enumerate() {
        let Some(item) = paper.items.get(*id) else { continue };
        if let Some(sid) = &item.stimulus
            && (q == 0 || stimulus_of(q - 1) != Some(sid))
        {
            let last = (q..ids.len()).take_while(|&i| stimulus_of(i) == Some(sid)).last().unwrap_or(q);
            blocks.push(passage(paper.stimuli.get(sid), sid, q + 1, last + 1)?);
        }
        let order: Option<Vec<usize>> =
            paper.version.options.get(*id).map(|p| p.iter().map(|&x| x as usize).collect());
        let r = render_item(item, order.as_deref(), &bank_media)?;
        blocks.push(Block::Question(Question {
            number: q + 1,
            item_id: item.id.clone(),
            source: question_source(item, order.as_deref()),
            arrangement: arrangement(&r.options_html),
            stem_html: r.stem_html,
            options_html: r.options_html,
            statements_html: r.statements_html,
        }));
    }
    Ok(Part { roman: roman(n), kind, instruction: part_instruction(kind, ids.len()), blocks })
}

/// The item's texts in the paper's order; `render_item` has already checked that `order` is a
/// permutation of the options.
fn question_source(item: &Item, order: Option<&[usize]>) -> QuestionSource {
    let (options, statements) = match &item.body {
        ItemBody::SingleChoice { options, .. } | ItemBody::MultipleResponse { options, .. } => {
            let shown = match order {
                Some(order) => order.iter().filter_map(|&i| options.get(i).cloned()).collect(),
                None => options.clone(),
            };
            (shown, Vec::new())
        }
        ItemBody::TrueFalseGroup { statements, .. } => {
            (Vec::new(), statements.iter().map(|s| s.text.clone()).collect())
        }
        ItemBody::ShortAnswer { .. } => (Vec::new(), Vec::new()),
    };
    QuestionSource { stem: item.stem.clone(), options, statements }
}

fn passage(text: Option<&String>, id: &str, first: usize, last: usize) -> Result<Block, RenderError> {
    let opts = RenderOptions { media: Some(&bank_media), annotate: false };
    let (html, text) = match text {
        Some(text) => (render_markdown(text, &opts)?, text.clone()),
        None => (
            format!("<p><i>(thiếu đoạn dữ liệu {})</i></p>", crate::markdown::escape(id)),
            format!("*(thiếu đoạn dữ liệu {id})*"),
        ),
    };
    Ok(Block::Passage { lead: passage_lead(first, last), html, text })
}

/// One row of four when every option fits a quarter line, 2×2 when each fits half a line, else
/// one a line. An option with a picture takes half a line at least.
pub fn arrangement(options_html: &[String]) -> Arrangement {
    if options_html.is_empty() {
        return Arrangement::None;
    }
    let widest = options_html.iter().map(|o| visible_chars(o)).max().unwrap_or(0);
    let pictures = options_html.iter().any(|o| o.contains("<img"));
    // "A. " and the gap between columns take about four characters.
    if !pictures && widest + 4 <= LINE_CHARS / 4 {
        Arrangement::Row
    } else if widest + 4 <= LINE_CHARS / 2 {
        Arrangement::Grid
    } else {
        Arrangement::Column
    }
}

/// Characters a reader sees in rendered HTML, in widths of a text character: tags and formula
/// annotations (the LaTeX source kept for copy and screen readers) do not print, an entity is one
/// character, and a character of a formula counts 1.6 (operators are spaced, letters italic).
pub fn visible_chars(html: &str) -> usize {
    let (mut text, mut math) = (0usize, 0usize);
    let mut in_math = 0usize;
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("<annotation") {
            let end = rest.find("</annotation>").map_or(rest.len(), |e| e + "</annotation>".len());
            rest = &rest[end..];
            continue;
        }
        let counter = if in_math > 0 { &mut math } else { &mut text };
        if c == '<' {
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            let tag = &rest[..end];
            if tag.starts_with("<math") {
                in_math += 1;
            } else if tag.starts_with("</math") {
                in_math = in_math.saturating_sub(1);
            }
            rest = &rest[end..];
        } else if c == '&' {
            *counter += 1;
            rest = &rest[rest.find(';').map_or(1, |e| e + 1)..];
        } else {
            if !c.is_whitespace() || !rest[c.len_utf8()..].starts_with(char::is_whitespace) {
                *counter += 1;
            }
            rest = &rest[c.len_utf8()..];
        }
    }
    text + (math * 8).div_ceil(5)
}

/// Printed lines of text of `html` across the given width in characters (at least one).
fn lines(html: &str, width: usize) -> usize {
    let paragraphs = html.matches("<p").count().max(1);
    let display = html.matches("display=\"block\"").count() * 2;
    let pictures = html.matches("<img").count() * 8;
    visible_chars(html).div_ceil(width).max(paragraphs) + display + pictures
}

/// Pages of A4 the parts take below the masthead: a line count over the questions, with each
/// option arrangement's own lines.
fn estimate_pages(parts: &[Part]) -> u32 {
    let mut total = MASTHEAD_LINES + 2; // and the closing "HẾT" lines
    for part in parts {
        total += lines(&part.instruction, LINE_CHARS) + 1;
        for block in &part.blocks {
            total += match block {
                Block::Passage { lead, html, .. } => {
                    1 + lines(lead, LINE_CHARS) + lines(html, LINE_CHARS - 4)
                }
                Block::Question(q) => question_lines(q),
            };
        }
    }
    total.div_ceil(PAGE_LINES).max(1) as u32
}

fn question_lines(q: &Question) -> usize {
    let options: usize = match q.arrangement {
        Arrangement::Row => 1,
        Arrangement::Grid => q
            .options_html
            .chunks(2)
            .map(|p| p.iter().map(|o| lines(o, LINE_CHARS / 2)).max().unwrap_or(1))
            .sum(),
        Arrangement::Column => q.options_html.iter().map(|o| lines(o, LINE_CHARS - 4)).sum(),
        Arrangement::None => 0,
    };
    let statements: usize = q.statements_html.iter().map(|s| lines(s, LINE_CHARS - 4)).sum();
    lines(&q.stem_html, LINE_CHARS) + options + statements
}

/// A question's key as the answer sheet writes it: `B`, `a) Đ b) S …`, or the accepted answers.
fn key_text(key: Option<&VersionKey>) -> String {
    match key {
        Some(VersionKey::SingleChoice(c)) => c.letter().to_string(),
        Some(VersionKey::TrueFalseGroup(k)) => k
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{}) {}", (b'a' + i as u8) as char, if *t { "Đ" } else { "S" }))
            .collect::<Vec<_>>()
            .join(" "),
        Some(VersionKey::ShortAnswer(a)) => a.accepted.join(" / "),
        None => "?".into(),
    }
}

/// Media names resolve to the bank's media route, where the printing browser fetches them.
fn bank_media(name: &str) -> Option<String> {
    Some(format!("{MEDIA_PREFIX}{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_options_sit_in_one_row_longer_ones_in_two_or_one_per_line() {
        let short: Vec<String> = ["<math><mn>1</mn></math>", "2", "3", "4"].map(String::from).to_vec();
        assert_eq!(arrangement(&short), Arrangement::Row);
        let mid: Vec<String> =
            vec!["Đồng biến trên khoảng (0; 2) và (3; 4)".into(), "b".into(), "c".into(), "d".into()];
        assert_eq!(arrangement(&mid), Arrangement::Grid);
        let long = vec![
            "Hàm số đồng biến trên khoảng (−1; 1) và nghịch biến trên các khoảng còn lại của tập xác định"
                .to_string(),
            "b".into(),
        ];
        assert_eq!(arrangement(&long), Arrangement::Column);
        assert_eq!(arrangement(&[]), Arrangement::None);
    }

    #[test]
    fn annotations_tags_and_entities_are_not_printed() {
        let html = "<b>x</b> &amp; y<annotation encoding=\"application/x-tex\">x^{2}+1</annotation>";
        assert_eq!(visible_chars(html), "x & y".chars().count());
        // Formulas are wider than text: five characters of MathML take eight.
        let math = "<math><mi>x</mi><mo>=</mo><mn>123</mn><annotation>x=123</annotation></math>";
        assert_eq!(visible_chars(math), 8);
    }

    #[test]
    fn ranges_read_as_vietnamese_not_from_1_to_1() {
        assert_eq!(passage_lead(3, 3), "Sử dụng các thông tin sau cho câu 3.");
        assert_eq!(passage_lead(3, 4), "Sử dụng các thông tin sau cho câu 3 và câu 4.");
        assert_eq!(passage_lead(2, 5), "Sử dụng các thông tin sau cho các câu từ 2 đến 5.");
        assert_eq!(part_instruction(ItemKind::ShortAnswer, 1), "Thí sinh trả lời câu 1.");
        assert!(
            part_instruction(ItemKind::SingleChoice, 12).starts_with("Thí sinh trả lời từ câu 1 đến câu 12.")
        );
    }

    #[test]
    fn subjects_print_by_name() {
        assert_eq!(subject_name("toan"), Some("Toán"));
        assert_eq!(subject_name("vat_ly"), Some("Vật lí"));
        assert_eq!(subject_name("xyz"), None);
    }
}
