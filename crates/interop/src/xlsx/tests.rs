use khaothi_domain::Item;
use rust_xlsxwriter::Workbook;

use super::*;
use crate::jsonl::{ImportOptions, parse_jsonl};
use crate::report::{ImportPolicy, LineStatus};

const ITEMS: &str = concat!(
    r#"{"id":"TOAN12-0001","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Hàm số $y=x^3-3x$ đồng biến trên khoảng nào?","options":["$(-1;1)$","$(1;+\\infty)$","$(-\\infty;1)$","$(-2;2)$"],"key":"B"}"#,
    "\n",
    r#"{"id":"LY12-0001","subject":"vat_ly","grade":12,"topic":"12.2","level":"hieu","kind":"true_false_group","stem":"Xét khí lý tưởng.","statements":["a","b","c","d"],"keys":[true,false,true,false]}"#,
    "\n",
    r#"{"id":"HOA12-0001","subject":"hoa_hoc","grade":12,"topic":"12.3","level":"van_dung","kind":"short_answer","stem":"Tính pH.","answer":["0,5","2"]}"#,
    "\n"
);

fn items() -> Vec<Item> {
    parse_jsonl(ITEMS).apply(ImportPolicy::AllOrNothing).into_iter().map(|(_, i)| i).collect()
}

/// A sheet written cell by cell, as a writer would fill one.
fn sheet(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if let Ok(n) = v.parse::<f64>() {
                s.write_number(r as u32, c as u16, n).unwrap();
            } else if !v.is_empty() {
                s.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn an_exported_sheet_imports_back_to_equal_items() {
    let items = items();
    assert_eq!(items.len(), 3);
    let bytes = write_xlsx(&items).unwrap();
    let mut report = parse_xlsx(&bytes, &ImportOptions::default());
    assert!(!report.has_errors(), "{report:#?}");
    assert_eq!(report.format, "xlsx");
    assert_eq!(report.lines.iter().map(|l| l.line).collect::<Vec<_>>(), vec![2, 3, 4]);
    let back: Vec<Item> = report.apply(ImportPolicy::AllOrNothing).into_iter().map(|(_, i)| i).collect();
    assert_eq!(items, back);
}

#[test]
fn numbers_typed_as_numbers_are_read_as_text_and_errors_name_the_column() {
    let bytes = sheet(&[
        vec!["id", "subject", "grade", "topic", "level", "kind", "stem", "answer", "ghi_chu"],
        vec!["A-1", "toan", "12", "12.1", "biet", "short_answer", "Tính $1/2$.", "0.5", "x"],
        vec![],
        vec!["A-2", "toan", "mười hai", "12.1", "biet", "short_answer", "Tính.", "1"],
        vec!["A-3", "toan", "12", "12.1", "kho", "short_answer", "Tính.", "1"],
    ]);
    let report = parse_xlsx(&bytes, &ImportOptions::default());
    assert_eq!(report.file_warnings, vec!["unknown column \"ghi_chu\" ignored"]);
    let lines: Vec<(usize, LineStatus)> = report.lines.iter().map(|l| (l.line, l.status)).collect();
    assert_eq!(
        lines,
        vec![(2, LineStatus::Ok), (4, LineStatus::Error), (5, LineStatus::Error)],
        "{report:#?}"
    );
    assert_eq!(report.lines[1].messages[0].field, "grade");
    assert_eq!(report.lines[2].messages[0].field, "level");
    let item = report.lines[0].item.as_ref().unwrap();
    let khaothi_domain::ItemBody::ShortAnswer { answer } = &item.body else { panic!() };
    assert_eq!(answer.accepted, vec!["0,5"]);
}

#[test]
fn the_template_has_the_columns_notes_and_topics() {
    let topics = [
        TopicRow { subject: "toan", subject_name: "Toán", code: "12.1", name: "Ứng dụng đạo hàm" },
        TopicRow { subject: "toan", subject_name: "Toán", code: "12.1.1", name: "Tính đơn điệu" },
    ];
    let bytes = xlsx_template(&topics).unwrap();
    let report = parse_xlsx(&bytes, &ImportOptions::default());
    assert!(report.file_error.is_none() && report.lines.is_empty(), "{report:#?}");
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), vec![ITEMS_SHEET.to_string(), TOPICS_SHEET.to_string()]);
    let header = book.worksheet_range(ITEMS_SHEET).unwrap();
    assert_eq!(header.get_value((0, 6)), Some(&Data::String("stem".into())));
    let t = book.worksheet_range(TOPICS_SHEET).unwrap();
    assert_eq!(t.get_value((2, 2)), Some(&Data::String("12.1.1".into())));
    assert_eq!(t.height(), 3);
}

#[test]
fn bad_files_are_refused_with_the_reason() {
    let report = parse_xlsx(b"id,subject\n", &ImportOptions::default());
    assert!(report.file_error.as_deref().unwrap().contains("not a zip"), "{report:?}");
    let report = parse_xlsx(&sheet(&[vec!["id", "stem"], vec!["A", "x"]]), &ImportOptions::default());
    assert!(
        report.file_error.as_deref().unwrap().contains("subject, grade, topic, level, kind"),
        "{report:?}"
    );
    let report = parse_xlsx(&sheet(&[]), &ImportOptions::default());
    assert!(report.file_error.as_deref().unwrap().contains("empty"), "{report:?}");
    let bomb = guard::tests::zip_of(&[("xl/worksheets/sheet1.xml", &vec![b' '; 16 * 1024 * 1024])]);
    let report = parse_xlsx(&bomb, &ImportOptions::default());
    assert!(report.file_error.as_deref().unwrap().contains("zip bomb"), "{report:?}");
}

#[test]
fn a_100000_row_sheet_is_refused_early() {
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    s.write_string(0, 0, "id").unwrap();
    for r in 1..=100_000u32 {
        s.write_number(r, 0, r as f64).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let started = std::time::Instant::now();
    let report = parse_xlsx(&bytes, &ImportOptions::default());
    let err = report.file_error.as_deref().unwrap();
    assert!(err.contains("more than 10000 item rows"), "{err}");
    assert!(started.elapsed().as_secs() < 30);
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
        let _ = parse_xlsx(&bytes, &ImportOptions::default());
    }

    #[test]
    fn mangled_sheets_never_panic(cut in 0usize..4000, byte in proptest::num::u8::ANY) {
        let mut bytes = write_xlsx(&items()).unwrap();
        let at = cut % bytes.len();
        bytes[at] = byte;
        let _ = parse_xlsx(&bytes, &ImportOptions::default());
    }
}
