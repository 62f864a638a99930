//! The paper as HTML for the bank's print view: the layout model ([`crate::paper_layout`]) written
//! out with print CSS (A4, "Trang x/y – Mã đề" in the page footer), laid out like a THPT paper.
//! The answer key is its own document ([`answer_key_html`]), printed only when asked.
//!
//! Images point at the bank's media route ([`crate::MEDIA_PREFIX`]); nothing here reads a database.

use std::fmt::Write;

use crate::RenderError;
use crate::markdown::escape as esc;
use crate::paper_layout::{
    AnswerKey, Arrangement, Block, Masthead, Paper, PaperLayout, Question, answer_key, paper_layout,
};

const CSS: &str = r#"
body { font-family: "Times New Roman", "Liberation Serif", "Noto Serif", serif; font-size: 12.5pt; line-height: 1.35; color: #000; max-width: 180mm; margin: auto; }
.masthead { display: grid; grid-template-columns: auto 1fr; column-gap: 1.2em; text-align: center; margin-bottom: .6em; font-size: 12pt; }
.masthead p { margin: 0; }
.authority, .exam { font-weight: bold; text-transform: uppercase; }
.official { display: inline-block; border: 1px solid #000; padding: .1em .6em; margin: .35em 0 .1em !important; font-weight: bold; }
.pages, .time { font-style: italic; }
.time { font-size: 11pt; }
.authority, .exam { font-size: 11.5pt; }
.authority { white-space: nowrap; padding: 0 .5em; }
.subject { font-weight: bold; }
.candidate { display: grid; grid-template-columns: 1fr auto; align-items: center; margin: .4em 0 .8em; }
.candidate p { margin: .15em 0; }
.code { border: 1px solid #000; padding: .25em .8em; font-weight: bold; }
h2 { font-size: 12.5pt; margin: .8em 0 .3em; font-weight: normal; }
h2 b { font-weight: bold; }
.question { margin: .25em 0; }
.question > p:first-child, .question > .stem > p:first-child { margin-top: 0; }
.stem p { margin: .15em 0; }
.no { font-weight: bold; }
.options { list-style: none; padding: 0 0 0 1.2em; margin: .1em 0; display: grid; gap: .05em 1em; }
.options.row { grid-template-columns: repeat(4, 1fr); }
.options.row li { white-space: nowrap; }
.options.grid { grid-template-columns: 1fr 1fr; }
.options.column { grid-template-columns: 1fr; }
.options b, .statements b { font-weight: bold; }
.statements { list-style: none; padding: 0 0 0 1.2em; margin: .1em 0; }
.stimulus { border: 1px solid #000; padding: .3em .7em; margin: .5em 0; }
.stimulus .lead { font-style: italic; margin: 0 0 .2em; }
.end { text-align: center; margin: 1.2em 0 .3em; font-weight: bold; }
.notes { font-style: italic; font-size: 11pt; }
.notes p { margin: 0; }
table { border-collapse: collapse; margin: .3em 0 .8em; }
td, th { border: 1px solid #000; padding: .1em .6em; text-align: center; }
math { font-size: 1em; }
@media print { .question, .stimulus { break-inside: avoid; } }
@media screen { body { padding: 1em; } }
"#;

/// The candidate's paper of `paper`'s version as a printable HTML document; never the key.
pub fn paper_html(paper: &Paper<'_>) -> Result<String, RenderError> {
    Ok(layout_html(&paper_layout(paper)?))
}

/// The HTML of a laid-out paper (the print view; a page's preview can embed the same markup).
pub fn layout_html(layout: &PaperLayout) -> String {
    let m = &layout.masthead;
    let mut out = String::new();
    document_head(&mut out, &format!("{} – mã đề {}", m.subject_name, m.version_code), &m.version_code);
    write_masthead(&mut out, m, layout.pages);
    for part in &layout.parts {
        let _ = write!(out, "<h2><b>PHẦN {}.</b> {}</h2>", part.roman, esc(&part.instruction));
        for block in &part.blocks {
            match block {
                Block::Passage { lead, html, .. } => {
                    let _ = write!(
                        out,
                        "<div class=\"stimulus\"><p class=\"lead\">{}</p>{html}</div>",
                        esc(lead)
                    );
                }
                Block::Question(q) => write_question(&mut out, q),
            }
        }
    }
    out.push_str(
        "<p class=\"end\">------ HẾT ------</p><div class=\"notes\"><p>- Thí sinh không được sử dụng tài liệu;</p>\
         <p>- Cán bộ coi thi không giải thích gì thêm.</p></div></body></html>",
    );
    out
}

/// The answer key (đáp án) of `paper`'s version as its own printable document, with the count of
/// each letter among the part I keys.
pub fn answer_key_html(paper: &Paper<'_>) -> String {
    key_html(&answer_key(paper), &paper.heading)
}

fn key_html(key: &AnswerKey, heading: &crate::paper_layout::PaperHeading<'_>) -> String {
    let mut out = String::new();
    document_head(&mut out, &format!("Đáp án – mã đề {}", key.version_code), &key.version_code);
    let subject = crate::paper_layout::subject_name(heading.subject).unwrap_or(heading.subject);
    let _ = write!(
        out,
        "<header class=\"masthead\"><div><p class=\"authority\">{}</p></div><div><p class=\"exam\">{}</p>\
         <p class=\"subject\">ĐÁP ÁN MÔN {} – MÃ ĐỀ {}</p></div></header>",
        esc(heading.authority),
        esc(heading.exam),
        esc(&subject.to_uppercase()),
        esc(&key.version_code)
    );
    for part in &key.parts {
        let _ =
            write!(out, "<h2><b>PHẦN {}.</b></h2><table><tr><th>Câu</th><th>Đáp án</th></tr>", part.roman);
        for (q, k) in &part.rows {
            let _ = write!(out, "<tr><td>{q}</td><td>{}</td></tr>", esc(k));
        }
        out.push_str("</table>");
    }
    let counts: Vec<String> = key.key_counts.iter().map(|(c, n)| format!("{c}: {n}")).collect();
    let _ = write!(
        out,
        "<p class=\"key-counts\">Số đáp án phần I theo phương án – {}</p></body></html>",
        counts.join(", ")
    );
    out
}

/// `<head>` with the print CSS; the page footer "Trang x/y – Mã đề NNNN" is a page margin box.
fn document_head(out: &mut String, title: &str, code: &str) {
    let code_css: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{}</title><style>{CSS}\
         @page {{ size: A4; margin: 14mm 15mm 16mm; @bottom-center {{ content: \"Trang \" counter(page) \"/\" counter(pages) \" – Mã đề {code_css}\"; font: italic 10.5pt \"Times New Roman\", serif; }} }}\
         </style></head><body>",
        esc(title)
    );
}

fn write_masthead(out: &mut String, m: &Masthead, pages: u32) {
    let minutes = m.duration_minutes.map_or_else(|| "…".to_string(), |d| d.to_string());
    let _ = write!(
        out,
        "<header class=\"masthead\"><div><p class=\"authority\">{}</p><p class=\"official\">{}</p>\
         <p class=\"pages\">(Đề thi có {pages:02} trang)</p></div>\
         <div><p class=\"exam\">{}</p><p class=\"subject\">Môn thi: {}</p>\
         <p class=\"time\">Thời gian làm bài: {minutes} phút, không kể thời gian phát đề</p></div></header>\
         <div class=\"candidate\"><div><p>Họ, tên thí sinh: ..........................................................</p>\
         <p>Số báo danh: ..............................................................</p></div>\
         <div class=\"code\">Mã đề thi {}</div></div>",
        esc(&m.authority),
        esc(&m.label),
        esc(&m.exam),
        esc(&m.subject_name.to_uppercase()),
        esc(&m.version_code)
    );
}

/// "Câu n." runs into the stem's first paragraph, as on the printed paper.
fn write_question(out: &mut String, q: &Question) {
    let label = format!("<b class=\"no\">Câu {}.</b> ", q.number);
    let stem = match q.stem_html.strip_prefix("<p>") {
        Some(rest) => format!("<p>{label}{rest}"),
        None => format!("<p>{label}</p>{}", q.stem_html),
    };
    let _ = write!(out, "<div class=\"question\"><div class=\"stem\">{stem}</div>");
    let class = match q.arrangement {
        Arrangement::Row => "row",
        Arrangement::Grid => "grid",
        Arrangement::Column | Arrangement::None => "column",
    };
    if !q.options_html.is_empty() {
        let _ = write!(out, "<ol class=\"options {class}\">");
        for (i, o) in q.options_html.iter().enumerate() {
            let _ = write!(out, "<li><b>{}.</b> {o}</li>", (b'A' + i as u8) as char);
        }
        out.push_str("</ol>");
    }
    if !q.statements_html.is_empty() {
        out.push_str("<ol class=\"statements\">");
        for (i, s) in q.statements_html.iter().enumerate() {
            let _ = write!(out, "<li><b>{})</b> {s}</li>", (b'a' + i as u8) as char);
        }
        out.push_str("</ol>");
    }
    out.push_str("</div>");
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use khaothi_domain::form::{Form, FormItem, Version, VersionKey};
    use khaothi_domain::{Choice, Item, ItemRecord};

    use super::*;
    use crate::paper_layout::PaperHeading;

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

    const HEADING: PaperHeading<'static> = PaperHeading {
        authority: "BỘ GIÁO DỤC VÀ ĐÀO TẠO",
        exam: "KỲ THI TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG NĂM 2025",
        label: "ĐỀ THI CHÍNH THỨC",
        subject: "toan",
        duration_minutes: Some(90),
    };

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

        fn paper(&self) -> Paper<'_> {
            Paper {
                heading: HEADING,
                form: &self.form,
                version: &self.version,
                items: &self.items,
                stimuli: &self.stimuli,
            }
        }

        fn html(&self) -> String {
            paper_html(&self.paper()).unwrap()
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
        let html = f.html();
        assert_eq!(html.matches("class=\"stimulus\"").count(), 1, "{html}");
        assert!(html.contains("cho câu 2 và câu 3."), "{html}");
        assert!(html.contains("<em>Vợ nhặt</em>"), "{html}");
        let passage_at = html.find("class=\"stimulus\"").unwrap();
        assert!(
            html.find("Câu hỏi Q1").unwrap() < passage_at && passage_at < html.find("Câu hỏi Q2").unwrap()
        );
    }

    #[test]
    fn a_missing_passage_is_named_not_dropped() {
        let f = Fixture::new(vec![(single_choice("Q1", Some("S9")), 0, key_c())], &[]);
        let html = f.html();
        assert!(html.contains("(thiếu đoạn dữ liệu S9)"), "{html}");
        assert!(html.contains("Sử dụng các thông tin sau cho câu 1."), "{html}");
    }

    #[test]
    fn the_paper_carries_no_key_and_looks_like_a_thpt_paper() {
        let f = Fixture::new(
            vec![
                (single_choice("Q1", None), 0, key_c()),
                (true_false("T1"), 1, VersionKey::TrueFalseGroup(vec![true, false, true, true])),
            ],
            &[],
        );
        let html = f.html();
        assert!(!html.contains("ĐÁP ÁN") && !html.contains("a) Đ") && !html.contains("<td>C</td>"), "{html}");
        for line in [
            "<p class=\"authority\">BỘ GIÁO DỤC VÀ ĐÀO TẠO</p>",
            "<p class=\"official\">ĐỀ THI CHÍNH THỨC</p>",
            "<p class=\"pages\">(Đề thi có 01 trang)</p>",
            "<p class=\"exam\">KỲ THI TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG NĂM 2025</p>",
            "<p class=\"subject\">Môn thi: TOÁN</p>",
            "<div class=\"code\">Mã đề thi 0101</div>",
            "Họ, tên thí sinh:",
            "Số báo danh:",
            "content: \"Trang \" counter(page) \"/\" counter(pages) \" – Mã đề 0101\"",
            // "Câu n." runs into the stem; options short enough sit in one row.
            "<p><b class=\"no\">Câu 1.</b> Câu hỏi Q1</p>",
            "<ol class=\"options row\"><li><b>A.</b> o1</li>",
            "<li><b>d)</b> s4</li>",
            "<h2><b>PHẦN I.</b> Thí sinh trả lời câu 1. Mỗi câu hỏi thí sinh chỉ chọn một phương án.</h2>",
            "<h2><b>PHẦN II.</b> Thí sinh trả lời câu 1. Trong mỗi ý a), b), c), d) ở mỗi câu",
            "------ HẾT ------",
        ] {
            assert!(html.contains(line), "{line} missing in {html}");
        }
        assert!(!html.contains("Môn thi: toan"), "the subject's code is not its name");
    }

    #[test]
    fn the_answer_key_is_its_own_document_with_one_part_per_section_and_letter_counts() {
        let f = Fixture::new(
            vec![
                (single_choice("Q1", None), 0, key_c()),
                (single_choice("Q2", None), 0, VersionKey::SingleChoice(Choice::A)),
                (true_false("T1"), 1, VersionKey::TrueFalseGroup(vec![true, false, true, true])),
            ],
            &[],
        );
        let sheet = answer_key_html(&f.paper());
        assert!(sheet.contains("ĐÁP ÁN MÔN TOÁN – MÃ ĐỀ 0101"), "{sheet}");
        assert!(!sheet.contains("Câu hỏi Q1"), "the key sheet carries no questions: {sheet}");
        assert_eq!(sheet.matches("<table>").count(), 2, "{sheet}");
        assert!(
            sheet.contains("<tr><td>1</td><td>C</td></tr><tr><td>2</td><td>A</td></tr></table>"),
            "{sheet}"
        );
        // Numbering restarts in each part, as on a THPT paper.
        assert!(sheet.contains("<tr><td>1</td><td>a) Đ b) S c) Đ d) Đ</td></tr></table>"), "{sheet}");
        assert!(sheet.contains("A: 1, B: 0, C: 1, D: 0"), "{sheet}");
    }

    #[test]
    fn the_heading_escapes_what_it_prints() {
        let f = Fixture::new(vec![(single_choice("Q1", None), 0, key_c())], &[]);
        let heading =
            PaperHeading { exam: "KỲ THI <12>", subject: "xyz", duration_minutes: None, ..HEADING };
        let paper = Paper { heading, ..f.paper() };
        let html = paper_html(&paper).unwrap();
        assert!(html.contains("<p class=\"exam\">KỲ THI &lt;12&gt;</p>"), "{html}");
        assert!(html.contains("Môn thi: XYZ"), "{html}");
        assert!(html.contains("Thời gian làm bài: … phút"), "{html}");
    }
}
