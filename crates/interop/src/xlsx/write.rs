//! Spreadsheets out: the writers' template (the item columns with a note on each, lists for the
//! coded columns, and a sheet of the taxonomy's topic codes) and a filtered item list for boards.
//! Both put items in the same columns as CSV, so an exported sheet imports back.

use rust_xlsxwriter::{DataValidation, Format, Note, Workbook, Worksheet, XlsxError};

use khaothi_domain::interchange::AnswerRecord;
use khaothi_domain::{Item, ItemRecord, StatementRecord};

use crate::InteropError;
use crate::csv_format::CSV_COLUMNS;

/// The name of the items sheet (the reader reads the first sheet, whatever its name).
pub const ITEMS_SHEET: &str = "Câu hỏi";
/// The name of the topic-code sheet of the template.
pub const TOPICS_SHEET: &str = "Chủ đề";

/// One topic of the taxonomy, for the template's second sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicRow<'a> {
    pub subject: &'a str,
    pub subject_name: &'a str,
    pub code: &'a str,
    pub name: &'a str,
}

/// What each column holds, shown as a note on its header cell (Vietnamese: the writers' language).
const NOTES: &[(&str, &str)] = &[
    ("id", "Mã câu hỏi, duy nhất: chữ, số, -, _ (vd. TOAN12-0001)."),
    ("subject", "Mã môn: toan, vat_ly, hoa_hoc, …"),
    ("grade", "Lớp: 1–12."),
    ("topic", "Mã chủ đề (xem trang «Chủ đề»), vd. 12.1.2."),
    ("level", "Mức độ: biet, hieu, van_dung (hoặc van_dung_cao)."),
    ("kind", "Loại: single_choice (Phần I), true_false_group (Phần II), short_answer (Phần III)."),
    ("stem", "Đề bài: văn bản, công thức LaTeX trong $…$."),
    ("option_a", "Phần I: phương án A (không gõ «A.»)."),
    ("key", "Phần I: đáp án A, B, C hoặc D."),
    ("statement_a", "Phần II: ý a)."),
    ("keys", "Phần II: Đ/S của 4 ý, vd. Đ,S,Đ,S."),
    ("answer", "Phần III: đáp số (tối đa 4 kí tự, dấu phẩy thập phân); nhiều đáp số cách nhau bởi ;"),
    ("tolerance", "Phần III (tuỳ chọn): sai số cho phép, vd. 0,05."),
    ("stimulus", "Tuỳ chọn: mã đoạn dẫn chung."),
    ("enemies", "Tuỳ chọn: mã các câu không được cùng đề, cách nhau bởi ;"),
    ("status", "Tuỳ chọn: draft (mặc định khi nhập)."),
    ("shuffle_options", "Tuỳ chọn: false để giữ thứ tự phương án."),
    ("media", "Tuỳ chọn: tên tệp ảnh dùng trong đề, cách nhau bởi ;"),
];

/// The writers' template: the items sheet with its header row (frozen, with a note per column and
/// lists for `kind` and `level`) and the taxonomy's topics on a second sheet.
pub fn xlsx_template(topics: &[TopicRow<'_>]) -> Result<Vec<u8>, InteropError> {
    let fail = |e: XlsxError| InteropError::Serialize { item: "(template)".into(), message: e.to_string() };
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    items_sheet(sheet, &[]).map_err(fail)?;
    let last = 10_000;
    let column = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).unwrap_or(0) as u16;
    let kinds =
        DataValidation::new().allow_list_strings(&["single_choice", "true_false_group", "short_answer"]);
    let levels = DataValidation::new().allow_list_strings(&["biet", "hieu", "van_dung", "van_dung_cao"]);
    sheet
        .add_data_validation(1, column("kind"), last, column("kind"), &kinds.map_err(fail)?)
        .map_err(fail)?;
    sheet
        .add_data_validation(1, column("level"), last, column("level"), &levels.map_err(fail)?)
        .map_err(fail)?;
    for (name, text) in NOTES {
        sheet.insert_note(0, column(name), &Note::new(*text).set_author("khaothi")).map_err(fail)?;
    }
    let topics_sheet = book.add_worksheet();
    topics_sheet.set_name(TOPICS_SHEET).map_err(fail)?;
    let bold = Format::new().set_bold();
    for (c, h) in ["subject", "Môn", "topic", "Chủ đề"].iter().enumerate() {
        topics_sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(fail)?;
    }
    for (r, t) in topics.iter().enumerate() {
        let row = r as u32 + 1;
        for (c, v) in [t.subject, t.subject_name, t.code, t.name].iter().enumerate() {
            topics_sheet.write_string(row, c as u16, *v).map_err(fail)?;
        }
    }
    topics_sheet.set_column_width(3, 60).map_err(fail)?;
    topics_sheet.set_freeze_panes(1, 0).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

/// Items as a spreadsheet, in the import's columns (one row per item).
pub fn write_xlsx<'a>(items: impl IntoIterator<Item = &'a Item>) -> Result<Vec<u8>, InteropError> {
    let records: Vec<ItemRecord> = items.into_iter().map(ItemRecord::from_item).collect();
    write_xlsx_records(&records)
}

/// Interchange records as a spreadsheet: the bank's filtered list for boards, where another
/// writer's item may come without its key (a redacted view), so records rather than items.
pub fn write_xlsx_records(records: &[ItemRecord]) -> Result<Vec<u8>, InteropError> {
    let fail = |e: XlsxError| InteropError::Serialize { item: "(sheet)".into(), message: e.to_string() };
    let mut book = Workbook::new();
    items_sheet(book.add_worksheet(), records).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

/// A record's cells in the order of [`CSV_COLUMNS`], written as CSV writes them (`Đ,S,…` keys,
/// answers joined by `;`).
fn record_cells(r: &ItemRecord) -> Vec<String> {
    let four = |v: Option<Vec<String>>, i: usize| v.and_then(|v| v.get(i).cloned()).unwrap_or_default();
    let statements: Option<Vec<String>> = r.statements.as_ref().map(|s| {
        s.iter()
            .map(|s| match s {
                StatementRecord::Text(t) => t.clone(),
                StatementRecord::Full { text, .. } => text.clone(),
            })
            .collect()
    });
    let answer = match &r.answer {
        Some(AnswerRecord::One(a)) => a.clone(),
        Some(AnswerRecord::Many(a)) => a.join(";"),
        None => String::new(),
    };
    let keys =
        r.keys.as_ref().map(|k| k.iter().map(|k| if *k { "Đ" } else { "S" }).collect::<Vec<_>>().join(","));
    CSV_COLUMNS
        .iter()
        .map(|c| match *c {
            "id" => r.id.clone(),
            "subject" => r.subject.clone(),
            "grade" => r.grade.to_string(),
            "topic" => r.topic.clone(),
            "level" => r.level.as_str().to_string(),
            "kind" => r.kind.as_str().to_string(),
            "stem" => r.stem.clone(),
            "option_a" | "option_b" | "option_c" | "option_d" => four(r.options.clone(), letter(c)),
            "statement_a" | "statement_b" | "statement_c" | "statement_d" => {
                four(statements.clone(), letter(c))
            }
            "key" => r.key.clone().unwrap_or_default(),
            "keys" => keys.clone().unwrap_or_default(),
            "answer" => answer.clone(),
            "tolerance" => r.tolerance.map(|t| t.to_string()).unwrap_or_default(),
            "stimulus" => r.stimulus.clone().unwrap_or_default(),
            "enemies" => r.enemies.join(";"),
            "status" => r.status.map(|s| s.to_string()).unwrap_or_default(),
            "shuffle_options" => {
                if r.shuffle_options == Some(false) {
                    "false".into()
                } else {
                    String::new()
                }
            }
            "media" => r.media.join(";"),
            _ => String::new(),
        })
        .collect()
}

/// `option_c` → 2.
fn letter(column: &str) -> usize {
    column.bytes().last().map_or(0, |b| usize::from(b.saturating_sub(b'a')))
}

/// The header row (bold, frozen, filterable) and one row per item; every cell is text, so codes
/// like `12.1` or answers like `0,5` are never turned into numbers by the spreadsheet.
fn items_sheet(sheet: &mut Worksheet, items: &[ItemRecord]) -> Result<(), XlsxError> {
    sheet.set_name(ITEMS_SHEET)?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    for (c, name) in CSV_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &bold)?;
        let wide = matches!(*name, "stem") || name.starts_with("option_") || name.starts_with("statement_");
        sheet.set_column_width(c as u16, if wide { 40 } else { 12 })?;
        sheet.set_column_format(c as u16, &text)?;
    }
    for (r, item) in items.iter().enumerate() {
        for (c, cell) in record_cells(item).iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(r as u32 + 1, c as u16, cell)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, items.len() as u32, CSV_COLUMNS.len() as u16 - 1)?;
    Ok(())
}
