//! Layout cases on small packages assembled here (the realistic papers are python-docx fixtures,
//! tested in tests/docx.rs): every way a key is given, every problem reported with its question.

use std::io::Write;

use super::*;
use crate::report::LineStatus;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\x01\x01\x01\0\x18\xdd\x8d\xb0\0\0\0\0IEND\xaeB`\x82";

fn p(runs: &str) -> String {
    format!("<w:p>{runs}</w:p>")
}

fn t(text: &str) -> String {
    format!("<w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r>")
}

fn styled(style: &str, text: &str) -> String {
    format!("<w:r><w:rPr>{style}</w:rPr><w:t xml:space=\"preserve\">{text}</w:t></w:r>")
}

const U: &str = "<w:u w:val=\"single\"/>";
const B: &str = "<w:b/>";
const RED: &str = "<w:color w:val=\"FF0000\"/>";

fn docx(body: &str, media: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    let o = zip::write::SimpleFileOptions::default();
    w.start_file("word/document.xml", o).unwrap();
    write!(w, "<?xml version=\"1.0\"?><w:document><w:body>{body}</w:body></w:document>").unwrap();
    w.start_file("word/_rels/document.xml.rels", o).unwrap();
    let rels: String = media
        .iter()
        .enumerate()
        .map(|(i, (name, _))| format!("<Relationship Id=\"rId{}\" Target=\"media/{name}\"/>", i + 1))
        .collect();
    write!(w, "<Relationships>{rels}</Relationships>").unwrap();
    for (name, bytes) in media {
        w.start_file(format!("word/media/{name}"), o).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap();
    out.into_inner()
}

fn opts() -> ConvertOptions {
    ConvertOptions {
        subject: Some("toan".into()),
        grade: Some(12),
        topic: Some("12.1".into()),
        level: Some(khaothi_domain::Level::Hieu),
        id_prefix: "P".into(),
        ..Default::default()
    }
}

fn choice(n: u32, marks: [&str; 4]) -> String {
    let letters = ['A', 'B', 'C', 'D'];
    let opts: String = (0..4)
        .map(|i| {
            p(&format!("{}{}", styled(marks[i], &format!("{}.", letters[i])), t(&format!(" {}", i + 1))))
        })
        .collect();
    format!("{}{opts}", p(&t(&format!("Câu {n}. Tính giá trị."))))
}

fn messages(import: &DocumentImport) -> Vec<String> {
    import.report.lines.iter().flat_map(|l| l.messages.iter().map(|m| m.message.clone())).collect()
}

#[test]
fn keys_by_underline_colour_bold_and_answer_table() {
    let body = [
        choice(1, [B, &format!("{B}{U}"), B, B]),
        choice(2, ["", "", RED, ""]),
        choice(3, ["", "", "", B]),
        choice(4, ["", "", "", ""]),
        p(&t("BẢNG ĐÁP ÁN")),
        p(&t("1-B 2.C 3D 4.A 9-C")),
    ]
    .concat();
    let import = read_docx(&docx(&body, &[]), &opts());
    let r = &import.report;
    assert!(!r.has_errors(), "{r:#?}");
    let keys: Vec<String> = r.lines.iter().map(|l| l.record.as_ref().unwrap().key.clone().unwrap()).collect();
    assert_eq!(keys, vec!["B", "C", "D", "A"]);
    assert_eq!(
        r.lines.iter().map(|l| l.id.clone().unwrap()).collect::<Vec<_>>(),
        vec!["P-0001", "P-0002", "P-0003", "P-0004"]
    );
    assert_eq!(r.lines[1].line, 6, "the report line is the paragraph of Câu 2");
    assert_eq!(r.file_warnings, vec!["answer table (paragraph 22): câu 9 → C matches no question"]);
}

#[test]
fn every_problem_names_its_question() {
    let three = format!("{}{}{}", p(&t("Câu 7: Chọn khẳng định đúng.")), p(&t("A. 1\tB. 2")), p(&t("C. 3")));
    let body =
        [choice(1, [U, U, "", ""]), choice(2, ["", "", "", ""]), three, choice(8, ["", "", "", B])].concat();
    let import = read_docx(&docx(&body, &[]), &opts());
    let all = messages(&import);
    assert!(all.contains(&"Câu 1: ambiguous key".to_string()), "{all:?}");
    assert!(all.contains(&"Câu 2: no key marked and no answer table".to_string()), "{all:?}");
    assert!(all.contains(&"Câu 7: 3 options found, expected 4".to_string()), "{all:?}");
    assert_eq!(import.report.lines[3].status, LineStatus::Ok);
    assert_eq!(import.report.lines[2].line, 11);
}

#[test]
fn parts_statements_short_answers_solutions_and_tags() {
    let body = [
        p(&t("PHẦN II. Câu trắc nghiệm đúng sai.")),
        p(&t("Câu 1. Cho hàm số y = x².")),
        p(&t("[mức độ: VD; chủ đề: 12.1.3]")),
        p(&t("a) Hàm số chẵn. (Đ)")),
        p(&t("b) Đồng biến trên R. (S)")),
        p(&format!("{}{}", t("c) Có cực tiểu. (Đ)"), t("\td) Có tiệm cận. (S)"))),
        p(&t("PHẦN III. Câu trả lời ngắn.")),
        p(&t("Câu 1. Tính 1 + 1,5.")),
        p(&t("Lời giải")),
        p(&t("Ta có 1 + 1,5 = 2,5.")),
        p(&t("Đáp án: 2,5")),
        p(&t("----- HẾT -----")),
    ]
    .concat();
    let import = read_docx(&docx(&body, &[]), &opts());
    let r = &import.report;
    assert!(!r.has_errors(), "{r:#?}");
    let tf = r.lines[0].record.as_ref().unwrap();
    assert_eq!(tf.keys, Some(vec![true, false, true, false]));
    assert_eq!(tf.level, khaothi_domain::Level::VanDung);
    assert_eq!(tf.topic, "12.1.3");
    let sa = r.lines[1].item.as_ref().unwrap();
    assert_eq!(sa.solution.as_deref(), Some("Ta có 1 + 1,5 = 2,5."));
    let khaothi_domain::ItemBody::ShortAnswer { answer } = &sa.body else { panic!() };
    assert_eq!(answer.accepted, vec!["2,5"]);
}

#[test]
fn a_data_table_in_a_stem_stays_a_table() {
    let row = |a: &str, b: &str| format!("<w:tr><w:tc>{}</w:tc><w:tc>{}</w:tc></w:tr>", p(&t(a)), p(&t(b)));
    let table =
        format!("<w:tbl>{}{}{}</w:tbl>", row("Nhóm", "Tần số"), row("[0; 10)", "5"), row("[10; 20)", "7"));
    let body =
        [p(&t("Câu 1. Cho mẫu số liệu ghép nhóm:")), table, p(&t("Tính cỡ mẫu.")), p(&t("Đáp án: 12"))]
            .concat();
    let import = read_docx(&docx(&body, &[]), &opts());
    assert!(!import.report.has_errors(), "{:#?}", import.report);
    let stem = &import.report.lines[0].record.as_ref().unwrap().stem;
    assert_eq!(
        stem,
        "Cho mẫu số liệu ghép nhóm:\n\n| Nhóm | Tần số |\n| --- | --- |\n| \\[0; 10) | 5 |\n| \\[10; 20) | 7 |\n\nTính cỡ mẫu."
    );
    let html = khaothi_render::render_markdown(stem, &khaothi_render::RenderOptions::default()).unwrap();
    assert!(html.contains("<table>") && html.contains("<td>7</td>"), "{html}");
}

#[test]
fn statements_in_a_table_with_a_true_false_column() {
    let row = |a: &str, b: &str| format!("<w:tr><w:tc>{}</w:tc><w:tc>{}</w:tc></w:tr>", p(&t(a)), p(&t(b)));
    let table = format!(
        "<w:tbl>{}{}{}{}</w:tbl>",
        row("a) Mệnh đề một.", "Đ"),
        row("b) Mệnh đề hai.", "S"),
        row("c) Mệnh đề ba.", "Sai"),
        row("d) Mệnh đề bốn.", "Đúng")
    );
    let body = [p(&t("PHẦN II")), p(&t("Câu 1. Xét các mệnh đề sau.")), table].concat();
    let import = read_docx(&docx(&body, &[]), &opts());
    assert!(!import.report.has_errors(), "{:#?}", import.report);
    let rec = import.report.lines[0].record.as_ref().unwrap();
    assert_eq!(rec.keys, Some(vec![true, false, false, true]));
}

proptest::proptest! {
    #[test]
    fn mangled_packages_never_panic(flips in proptest::collection::vec((0usize..4000, proptest::num::u8::ANY), 1..20)) {
        let mut bytes = docx(&[choice(1, [U, "", "", ""]), p(&t("HẾT"))].concat(), &[("a.png", PNG)]);
        for (at, b) in flips {
            let n = bytes.len();
            bytes[at % n] ^= b;
        }
        let import = read_docx(&bytes, &opts());
        proptest::prop_assert!(import.report.file_error.is_some() || import.report.lines.len() <= 1);
    }
}

#[test]
fn passages_pictures_and_missing_metadata() {
    let body = [
        p(&t("Sử dụng các thông tin sau cho Câu 1 và Câu 2:")),
        p(&t("Một vật dao động điều hoà.")),
        p("<w:r><w:drawing><a:blip r:embed=\"rId1\"/></w:drawing></w:r>"),
        choice(1, [U, "", "", ""]),
        choice(2, ["", U, "", ""]),
        format!(
            "{}{}",
            choice(3, ["", "", U, ""]),
            p("<w:r><w:drawing><a:blip r:embed=\"rId2\"/></w:drawing></w:r>")
        ),
    ]
    .concat();
    let wmf: &[u8] = &[0xD7, 0xCD, 0xC6, 0x9A, 0, 0];
    let import = read_docx(&docx(&body, &[("image1.png", PNG), ("image2.wmf", wmf)]), &opts());
    assert_eq!(import.stimuli.len(), 1);
    let s = &import.stimuli[0];
    assert_eq!(
        (s.id.as_str(), s.item_ids.clone()),
        ("P-S01", vec!["P-0001".to_string(), "P-0002".to_string()])
    );
    assert!(s.text.contains("![hình 1](P-S01-1.png)"), "{}", s.text);
    assert_eq!(import.media.len(), 1);
    assert_eq!(import.media[0].content_type, "image/png");
    assert_eq!(import.report.lines[0].record.as_ref().unwrap().stimulus.as_deref(), Some("P-S01"));
    assert!(import.report.lines[2].record.as_ref().unwrap().stimulus.is_none());
    let w = &import.report.lines[2].messages;
    assert!(
        w.iter().any(|m| m.message.starts_with("Câu 3: a picture") && m.message.contains("WMF")),
        "{w:?}"
    );

    let bare = read_docx(
        &docx(&choice(1, [U, "", "", ""]), &[]),
        &ConvertOptions { id_prefix: "X".into(), ..Default::default() },
    );
    let all = messages(&bare);
    assert!(all.iter().any(|m| m.starts_with("Câu 1: no subject: give --subject")), "{all:?}");
    assert!(!all.iter().any(|m| m.contains("is not a subject code")), "{all:?}");
}

#[test]
fn hostile_and_broken_files_are_refused_whole() {
    let not_zip = read_docx(b"hello", &opts());
    assert!(not_zip.report.file_error.as_deref().unwrap().contains("not a Word"));
    let doctype = {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut out);
        w.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(b"<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><w:document>&x;</w:document>")
            .unwrap();
        w.finish().unwrap();
        out.into_inner()
    };
    assert!(read_docx(&doctype, &opts()).report.file_error.unwrap().contains("DOCTYPE"));
    let empty = read_docx(&docx(&p(&t("Không có câu hỏi nào.")), &[]), &opts());
    assert!(empty.report.file_error.unwrap().contains("no question found"));
}
