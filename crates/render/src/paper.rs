//! The paper fallback: one version of a form as a printable HTML page (A4, print CSS), laid out
//! like a THPT paper, with the answer sheet (đáp án) on its own page.
//!
//! It lives beside the item rendering because it is the same job for another medium: the caller
//! (the bank's print route) loads the form, the pinned items and the passages and hands them in;
//! nothing here reads a database. Images point at the bank's media route ([`MEDIA_PREFIX`]).

use std::collections::HashMap;
use std::fmt::Write;

use khaothi_domain::form::{Form, Version, VersionKey};
use khaothi_domain::{Item, ItemKind};

use crate::{MEDIA_PREFIX, RenderError, RenderOptions, render_item, render_markdown};

const CSS: &str = r#"
@page { size: A4; margin: 18mm 16mm; }
.stimulus { border: 1px solid #000; padding: 0.4em 0.8em; margin: 0.8em 0; break-inside: avoid; }
.stimulus .lead { font-style: italic; margin-top: 0; }
body { font-family: "Times New Roman", "Noto Serif", serif; font-size: 12.5pt; line-height: 1.45; color: #000; max-width: 190mm; margin: auto; }
header { text-align: center; border-bottom: 1px solid #000; margin-bottom: 1em; }
header h1 { font-size: 14pt; margin: .2em 0; text-transform: uppercase; }
.meta { display: flex; justify-content: space-between; font-weight: bold; }
.candidate { margin: .6em 0 1em; }
h2 { font-size: 12.5pt; margin: 1.2em 0 .4em; }
.question { break-inside: avoid; margin: .5em 0; }
.question .no { font-weight: bold; }
ol.options { list-style: none; padding-left: 1.5em; display: grid; grid-template-columns: 1fr 1fr; gap: .1em 1em; margin: .2em 0; }
ol.statements { list-style: none; padding-left: 1.5em; margin: .2em 0; }
.answers { break-before: page; }
table { border-collapse: collapse; }
td, th { border: 1px solid #000; padding: .15em .6em; text-align: center; }
footer { text-align: center; margin-top: 2em; font-style: italic; }
@media screen { body { padding: 1em; } }
"#;

/// What the paper's heading says: the test's name, subject and length (from its blueprint).
#[derive(Debug, Clone, Copy)]
pub struct PaperHeading<'a> {
    pub title: &'a str,
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

/// One part (phần) of the answer sheet: its title and the key of every question in it.
type AnswerPart = (String, Vec<(usize, String)>);

/// The printable page of `paper`; with `with_answers`, the answer sheet follows on its own page.
pub fn paper_html(paper: &Paper<'_>, with_answers: bool) -> Result<String, RenderError> {
    let mut out = String::new();
    write_heading(&mut out, &paper.heading, &paper.version.code);
    let mut answers: Vec<AnswerPart> = Vec::new();
    for (n, ids) in sections(paper.form, paper.version).iter().enumerate() {
        answers.push(write_section(&mut out, paper, n, ids)?);
    }
    out.push_str("<footer>— HẾT —</footer>");
    if with_answers {
        write_answer_sheet(&mut out, &paper.version.code, &answers);
    }
    out.push_str("</body></html>");
    Ok(out)
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

fn write_heading(out: &mut String, heading: &PaperHeading<'_>, code: &str) {
    let _ = write!(
        out,
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{} – mã đề {}</title><style>{CSS}</style></head><body>",
        esc(heading.title),
        esc(code)
    );
    let _ = write!(
        out,
        "<header><h1>{}</h1><div class=\"meta\"><span>Môn: {}</span><span>Thời gian làm bài: {} phút</span><span>Mã đề {}</span></div></header>\
         <div class=\"candidate\">Họ và tên thí sinh: ........................................ Số báo danh: ....................</div>",
        esc(heading.title),
        esc(heading.subject),
        heading.duration_minutes.map(|m| m.to_string()).unwrap_or_else(|| "…".into()),
        esc(code)
    );
}

/// Section `n` (its title, each shared passage once, the questions) and its part of the answer
/// sheet. The section's kind is its first item's.
fn write_section(
    out: &mut String,
    paper: &Paper<'_>,
    n: usize,
    ids: &[&str],
) -> Result<AnswerPart, RenderError> {
    let kind = paper.items.get(ids[0]).map(Item::kind).unwrap_or(ItemKind::SingleChoice);
    let title = section_title(kind, n);
    let _ = write!(out, "<h2>{}</h2>", esc(&title));
    let stimulus_of =
        |i: usize| ids.get(i).and_then(|x| paper.items.get(*x)).and_then(|it| it.stimulus.as_ref());
    let mut keys = Vec::new();
    for (q, id) in ids.iter().enumerate() {
        let Some(item) = paper.items.get(*id) else { continue };
        if let Some(sid) = &item.stimulus
            && (q == 0 || stimulus_of(q - 1) != Some(sid))
        {
            let last = (q..ids.len()).take_while(|&i| stimulus_of(i) == Some(sid)).last().unwrap_or(q);
            write_passage(out, paper.stimuli.get(sid), sid, q + 1, last + 1)?;
        }
        let order: Option<Vec<usize>> =
            paper.version.options.get(*id).map(|p| p.iter().map(|&x| x as usize).collect());
        write_question(out, item, order.as_deref(), q + 1)?;
        keys.push((q + 1, answer_key(paper.version.keys.get(*id))));
    }
    Ok((title, keys))
}

fn section_title(kind: ItemKind, n: usize) -> String {
    let roman = ["I", "II", "III", "IV", "V"].get(n).copied().unwrap_or("…");
    let what = match kind {
        ItemKind::SingleChoice => "Câu trắc nghiệm nhiều phương án lựa chọn. Thí sinh chọn một phương án.",
        ItemKind::TrueFalseGroup => {
            "Câu trắc nghiệm đúng sai. Ở mỗi ý a), b), c), d), thí sinh chọn đúng hoặc sai."
        }
        ItemKind::ShortAnswer => "Câu trắc nghiệm trả lời ngắn.",
    };
    format!("PHẦN {roman}. {what}")
}

/// A shared passage, boxed, with the questions `first` to `last` it serves.
fn write_passage(
    out: &mut String,
    text: Option<&String>,
    id: &str,
    first: usize,
    last: usize,
) -> Result<(), RenderError> {
    let opts = RenderOptions { media: Some(&bank_media), annotate: false };
    let passage = match text {
        Some(text) => render_markdown(text, &opts)?,
        None => format!("<p><i>(thiếu đoạn dữ liệu {})</i></p>", esc(id)),
    };
    let _ = write!(
        out,
        "<div class=\"stimulus\"><p class=\"lead\">Sử dụng các thông tin sau để trả lời các câu từ {first} đến {last}.</p>{passage}</div>"
    );
    Ok(())
}

/// Question `number` as a candidate sees it: options lettered A–D, statements a)–d); never the key.
fn write_question(
    out: &mut String,
    item: &Item,
    option_order: Option<&[usize]>,
    number: usize,
) -> Result<(), RenderError> {
    let r = render_item(item, option_order, &bank_media)?;
    let _ = write!(out, "<div class=\"question\"><span class=\"no\">Câu {number}.</span> {}", r.stem_html);
    if !r.options_html.is_empty() {
        out.push_str("<ol class=\"options\">");
        for (i, o) in r.options_html.iter().enumerate() {
            let _ = write!(out, "<li><b>{}.</b> {o}</li>", (b'A' + i as u8) as char);
        }
        out.push_str("</ol>");
    }
    if !r.statements_html.is_empty() {
        out.push_str("<ol class=\"statements\">");
        for (i, s) in r.statements_html.iter().enumerate() {
            let _ = write!(out, "<li><b>{})</b> {s}</li>", (b'a' + i as u8) as char);
        }
        out.push_str("</ol>");
    }
    out.push_str("</div>");
    Ok(())
}

/// A question's key as the answer sheet writes it: `B`, `a) Đ b) S …`, or the accepted answers.
fn answer_key(key: Option<&VersionKey>) -> String {
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

fn write_answer_sheet(out: &mut String, code: &str, parts: &[AnswerPart]) {
    let _ = write!(out, "<section class=\"answers\"><h1>ĐÁP ÁN – mã đề {}</h1>", esc(code));
    for (title, keys) in parts {
        let _ = write!(out, "<h2>{}</h2><table><tr><th>Câu</th><th>Đáp án</th></tr>", esc(title));
        for (q, k) in keys {
            let _ = write!(out, "<tr><td>{q}</td><td>{}</td></tr>", esc(k));
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");
}

/// Media names resolve to the bank's media route, where the printing browser fetches them.
fn bank_media(name: &str) -> Option<String> {
    Some(format!("{MEDIA_PREFIX}{name}"))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use khaothi_domain::form::FormItem;
    use khaothi_domain::{Choice, ItemRecord};

    use super::*;

    fn item(line: serde_json::Value) -> Item {
        ItemRecord::from_json_line(&line.to_string()).unwrap().into_item().unwrap().0
    }

    fn single_choice(id: &str, stimulus: Option<&str>) -> Item {
        let mut rec = serde_json::json!({"id": id, "subject": "van", "grade": 12, "topic": "12.1", "level": "hieu",
            "kind": "single_choice", "stem": format!("Câu hỏi {id}"), "options": ["o1", "o2", "o3", "o4"], "key": "C"});
        if let Some(s) = stimulus {
            rec["stimulus"] = serde_json::json!(s);
        }
        item(rec)
    }

    fn true_false(id: &str) -> Item {
        item(serde_json::json!({"id": id, "subject": "van", "grade": 12, "topic": "12.1", "level": "hieu",
            "kind": "true_false_group", "stem": format!("Xét {id}"), "statements": ["s1", "s2", "s3", "s4"],
            "keys": [true, false, true, true]}))
    }

    /// A form whose items are `(id, section)`, printed as one version with the given keys.
    struct Fixture {
        form: Form,
        version: Version,
        items: HashMap<String, Item>,
        stimuli: HashMap<String, String>,
    }

    impl Fixture {
        fn new(items: Vec<(Item, u32, VersionKey)>, stimuli: &[(&str, &str)]) -> Self {
            let form = Form {
                id: "F".into(),
                number: 1,
                items: items
                    .iter()
                    .map(|(i, s, _)| FormItem { item_id: i.id.clone(), version: Some(1), section: *s })
                    .collect(),
            };
            let version = Version {
                code: "0101".into(),
                form_id: "F".into(),
                items: items.iter().map(|(i, _, _)| i.id.clone()).collect(),
                options: BTreeMap::new(),
                keys: items.iter().map(|(i, _, k)| (i.id.clone(), k.clone())).collect(),
            };
            let stimuli = stimuli.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let items = items.into_iter().map(|(i, _, _)| (i.id.clone(), i)).collect();
            Fixture { form, version, items, stimuli }
        }

        fn html(&self, with_answers: bool) -> String {
            let heading = PaperHeading { title: "Đọc hiểu", subject: "van", duration_minutes: Some(50) };
            let paper = Paper {
                heading,
                form: &self.form,
                version: &self.version,
                items: &self.items,
                stimuli: &self.stimuli,
            };
            paper_html(&paper, with_answers).unwrap()
        }
    }

    fn key_c() -> VersionKey {
        VersionKey::SingleChoice(Choice::C)
    }

    #[test]
    fn a_shared_passage_is_printed_once_above_its_group() {
        let f = Fixture::new(
            vec![
                (single_choice("Q1", None), 0, key_c()),
                (single_choice("Q2", Some("S1")), 0, key_c()),
                (single_choice("Q3", Some("S1")), 0, key_c()),
            ],
            &[("S1", "Đoạn trích *Vợ nhặt* của Kim Lân.")],
        );
        let html = f.html(false);
        assert_eq!(html.matches("class=\"stimulus\"").count(), 1, "{html}");
        assert!(html.contains("từ 2 đến 3"), "{html}");
        assert!(html.contains("<em>Vợ nhặt</em>"), "{html}");
        let passage_at = html.find("class=\"stimulus\"").unwrap();
        assert!(
            html.find("Câu hỏi Q1").unwrap() < passage_at && passage_at < html.find("Câu hỏi Q2").unwrap()
        );
    }

    #[test]
    fn a_missing_passage_is_named_not_dropped() {
        let f = Fixture::new(vec![(single_choice("Q1", Some("S9")), 0, key_c())], &[]);
        assert!(f.html(false).contains("(thiếu đoạn dữ liệu S9)"));
    }

    #[test]
    fn the_paper_without_answers_carries_no_key() {
        let f = Fixture::new(
            vec![
                (single_choice("Q1", None), 0, key_c()),
                (true_false("T1"), 1, VersionKey::TrueFalseGroup(vec![true, false, true, true])),
            ],
            &[],
        );
        let html = f.html(false);
        assert!(!html.contains("ĐÁP ÁN"), "{html}");
        assert!(!html.contains("class=\"answers\""), "{html}");
        assert!(!html.contains("a) Đ"), "{html}");
        assert!(!html.contains("<td>C</td>"), "{html}");
        // The questions are all there, lettered as candidates see them.
        assert!(html.contains("<li><b>C.</b> o3</li>"), "{html}");
        assert!(html.contains("<li><b>d)</b> s4</li>"), "{html}");
        assert!(html.contains("<footer>— HẾT —</footer></body></html>"), "{html}");
    }

    #[test]
    fn the_answer_sheet_has_one_part_per_section_with_every_key() {
        let f = Fixture::new(
            vec![
                (single_choice("Q1", None), 0, key_c()),
                (single_choice("Q2", None), 0, VersionKey::SingleChoice(Choice::A)),
                (true_false("T1"), 1, VersionKey::TrueFalseGroup(vec![true, false, true, true])),
            ],
            &[],
        );
        let html = f.html(true);
        let sheet = &html[html.find("<section class=\"answers\">").expect("an answer sheet")..];
        assert!(sheet.starts_with("<section class=\"answers\"><h1>ĐÁP ÁN – mã đề 0101</h1>"), "{sheet}");
        assert!(sheet.contains("<h2>PHẦN I. Câu trắc nghiệm nhiều phương án lựa chọn."), "{sheet}");
        assert!(sheet.contains("<h2>PHẦN II. Câu trắc nghiệm đúng sai."), "{sheet}");
        assert_eq!(sheet.matches("<table>").count(), 2, "{sheet}");
        assert!(
            sheet.contains("<tr><td>1</td><td>C</td></tr><tr><td>2</td><td>A</td></tr></table>"),
            "{sheet}"
        );
        // Numbering restarts in each part, as on a THPT paper.
        assert!(sheet.contains("<tr><td>1</td><td>a) Đ b) S c) Đ d) Đ</td></tr></table>"), "{sheet}");
    }

    #[test]
    fn the_heading_names_the_test_and_escapes_it() {
        let f = Fixture::new(vec![(single_choice("Q1", None), 0, key_c())], &[]);
        let heading = PaperHeading { title: "Toán <12>", subject: "toan", duration_minutes: None };
        let paper =
            Paper { heading, form: &f.form, version: &f.version, items: &f.items, stimuli: &f.stimuli };
        let html = paper_html(&paper, false).unwrap();
        assert!(html.contains("<title>Toán &lt;12&gt; – mã đề 0101</title>"), "{html}");
        assert!(html.contains("Thời gian làm bài: … phút"), "{html}");
    }
}
