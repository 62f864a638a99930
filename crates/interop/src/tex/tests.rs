use std::collections::BTreeMap;

use khaothi_domain::{ItemBody, Level};

use super::*;
use crate::report::ImportPolicy;

const PAPER: &str = include_str!("../../tests/fixtures/tex/de-thi-thu-toan-12.tex");
/// A 1×1 PNG: the picture given beside the paper.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";

fn opts() -> ConvertOptions {
    ConvertOptions { subject: Some("toan".into()), id_prefix: "TT".into(), ..Default::default() }
}

fn with_picture() -> BTreeMap<String, Vec<u8>> {
    BTreeMap::from([("hinh/mat-phang.png".to_string(), PNG.to_vec())])
}

#[test]
fn the_paper_converts_to_valid_items_of_every_part() {
    let mut doc = parse_tex(PAPER, &with_picture(), &opts());
    let report = &doc.report;
    assert!(report.file_error.is_none(), "{report:#?}");
    assert_eq!(report.lines.len(), 10);
    let errors: Vec<_> = report.lines.iter().filter(|l| l.status == LineStatus::Error).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let items: Vec<_> = doc.report.apply(ImportPolicy::AllOrNothing).into_iter().map(|(_, i)| i).collect();
    assert_eq!(items.len(), 10);
    let kinds: Vec<&str> = items.iter().map(|i| i.kind().as_str()).collect();
    assert_eq!(kinds[..6], ["single_choice"; 6]);
    assert_eq!(kinds[6..8], ["true_false_group"; 2]);
    assert_eq!(kinds[8..], ["short_answer"; 2]);
    let first = &items[0];
    assert_eq!(
        (first.id.as_str(), first.grade, first.topic.as_str(), first.level),
        ("TT-0001", 12, "12.1.1", Level::Biet)
    );
    assert_eq!(first.stem, "Hàm số $y=x^3-3x+2$ đồng biến trên khoảng nào dưới đây?");
    let ItemBody::SingleChoice { options, key } = &first.body else { panic!() };
    assert_eq!((options[1].as_str(), key.letter()), ("$(1;+\\infty)$", 'B'));
    let ItemBody::TrueFalseGroup { keys, .. } = &items[7].body else { panic!() };
    assert_eq!(keys, &vec![true, true, false, true]);
    // `%[level=van_dung]` overrides the code's K (also van_dung) and is read beside it.
    assert_eq!(items[7].level, Level::VanDung);
    let ItemBody::ShortAnswer { answer } = &items[9].body else { panic!() };
    assert_eq!(answer.accepted, vec!["3,5"]);
}

#[test]
fn lines_locate_every_question() {
    let doc = parse_tex(PAPER, &with_picture(), &opts());
    let first_line = PAPER.lines().position(|l| l.starts_with("\\begin{ex}")).unwrap() + 1;
    assert_eq!(doc.report.lines[0].line, first_line);
    for l in &doc.report.lines {
        assert!(PAPER.lines().nth(l.line - 1).unwrap().starts_with("\\begin{ex}"), "{l:?}");
    }
}

#[test]
fn a_given_picture_becomes_media_and_tikz_warns() {
    let doc = parse_tex(PAPER, &with_picture(), &opts());
    assert_eq!(doc.media.len(), 1);
    assert_eq!(
        (doc.media[0].name.as_str(), doc.media[0].content_type.as_str()),
        ("TT-0004-1.png", "image/png")
    );
    let plane = doc.report.lines[3].record.as_ref().unwrap();
    assert!(plane.stem.ends_with("![hình](TT-0004-1.png)"), "{}", plane.stem);
    assert_eq!(plane.media, vec!["TT-0004-1.png"]);
    let cube = &doc.report.lines[5];
    assert_eq!(cube.status, LineStatus::Warning);
    assert!(cube.messages[0].message.contains("tikzpicture"), "{cube:?}");
    // Without the file, the picture is left out with a warning naming it.
    let doc = parse_tex(PAPER, &BTreeMap::new(), &opts());
    let plane = &doc.report.lines[3];
    assert_eq!(plane.status, LineStatus::Warning);
    assert!(plane.messages[0].message.contains("\"hinh/mat-phang\" was not given"), "{plane:?}");
    // A file that is not a picture is refused by its bytes.
    let fake = BTreeMap::from([("hinh/mat-phang".to_string(), b"<svg/>".to_vec())]);
    let doc = parse_tex(PAPER, &fake, &opts());
    assert!(doc.report.lines[3].messages[0].message.contains("not a PNG"), "{:?}", doc.report.lines[3]);
    assert!(doc.media.is_empty());
    assert_eq!(graphics_files(PAPER), vec!["hinh/mat-phang"]);
}

#[test]
fn the_solution_is_kept() {
    let doc = parse_tex(PAPER, &with_picture(), &opts());
    let record = doc.report.lines[0].record.as_ref().unwrap();
    let json = serde_json::to_value(record).unwrap();
    let solution = json["solution"].as_str().unwrap();
    assert!(solution.starts_with("Ta có $y'=3x^2-3$"), "{solution}");
    assert!(solution.contains(r"\left[\begin{aligned}&x>1\\&x<-1\end{aligned}\right."), "{solution}");
}

#[test]
fn every_problem_is_located_and_explained() {
    let tex = r"\begin{ex}%[2D1Y1-1]
Câu thiếu phương án.
\choice{a}{\True b}{c}
\end{ex}
\begin{ex}%[2D1Y1-1]
Không có đáp án.
\choice{a}{b}{c}{d}
\end{ex}
\begin{ex}%[2D1Y1-1]
Hai đáp án.
\choice{\True a}{\True b}{c}{d}
\end{ex}
\begin{ex}
Câu tự luận: chứng minh.
\end{ex}
\begin{ex}%[level=kho]
$x$ \shortans{1}
\end{ex}
\begin{ex}%[2D1Y1-1]
Không đóng.
";
    let doc = parse_tex(tex, &BTreeMap::new(), &opts());
    let messages: Vec<String> = doc.report.lines.iter().map(|l| l.messages[0].message.clone()).collect();
    assert_eq!(doc.report.lines.len(), 6, "{messages:#?}");
    assert!(doc.report.lines.iter().all(|l| l.status == LineStatus::Error));
    assert_eq!(messages[0], "line 3: 3 options found, expected 4");
    assert_eq!(messages[1], "line 7: no option is marked \\True");
    assert!(messages[2].starts_with("line 11: 2 options are marked"), "{messages:?}");
    assert!(messages[3].starts_with("line 13: no \\choice"), "{messages:?}");
    assert!(messages[4].contains("tag level=\"kho\""), "{messages:?}");
    assert!(messages[5].contains("never closed"), "{messages:?}");
    let lines: Vec<usize> = doc.report.lines.iter().map(|l| l.line).collect();
    assert_eq!(lines, vec![1, 5, 9, 13, 16, 19]);
}

#[test]
fn missing_metadata_names_the_option_and_the_tag() {
    let tex = "\\begin{ex}\nCâu hỏi.\\shortans{2}\n\\end{ex}\n";
    let doc =
        parse_tex(tex, &BTreeMap::new(), &ConvertOptions { id_prefix: "Q".into(), ..Default::default() });
    let fields: Vec<&str> = doc.report.lines[0].messages.iter().map(|m| m.field.as_str()).collect();
    assert_eq!(fields, vec!["subject", "grade", "topic", "level"]);
    assert!(doc.report.lines[0].messages[0].message.contains("--subject"));
    let full = ConvertOptions {
        subject: Some("vat_ly".into()),
        grade: Some(12),
        topic: Some("12.2".into()),
        level: Some(Level::Hieu),
        id_prefix: "Q".into(),
        ..Default::default()
    };
    let doc = parse_tex(tex, &BTreeMap::new(), &full);
    assert_eq!(doc.report.lines[0].status, LineStatus::Ok, "{:?}", doc.report.lines[0]);
    assert_eq!(doc.report.lines[0].id.as_deref(), Some("Q-0001"));
}

#[test]
fn files_that_are_not_ex_test_are_refused() {
    let doc = parse_tex("\\documentclass{article}\nHello", &BTreeMap::new(), &opts());
    assert!(doc.report.file_error.as_deref().unwrap().contains("no \\begin{ex}"));
    let doc = parse_tex_bytes(b"\\begin{ex}\xff\\end{ex}", &BTreeMap::new(), &opts());
    assert!(doc.report.file_error.as_deref().unwrap().contains("not UTF-8"), "{:?}", doc.report.file_error);
}

proptest::proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in "[\\\\{}\\[\\]$%a-z \\n]{0,200}") {
        let wrapped = format!("\\begin{{ex}}{s}\\end{{ex}}");
        let _ = parse_tex(&wrapped, &BTreeMap::new(), &opts());
        let _ = parse_tex(&s, &BTreeMap::new(), &opts());
        let _ = graphics_files(&s);
    }
}
