//! CSV for tabular authoring (one item a row, a header row naming the columns; docs/formats.md).
//! Rows become the same [`ItemRecord`] as JSON Lines and get the same checks; messages name the
//! CSV column (`option_c`) rather than the JSON path (`options[2]`).

use std::collections::HashMap;

use khaothi_domain::interchange::AnswerRecord;
use khaothi_domain::{
    Item, ItemBody, ItemKind, ItemRecord, Level, ResponseScoring, ReviewStatus, StatementRecord,
};

use crate::InteropError;
use crate::jsonl::ImportOptions;
use crate::report::{ImportReport, LineReport, check_record};

/// Every column khaothi reads or writes, in the order [`write_csv`] writes them.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "subject",
    "grade",
    "topic",
    "level",
    "kind",
    "stem",
    "option_a",
    "option_b",
    "option_c",
    "option_d",
    "key",
    "statement_a",
    "statement_b",
    "statement_c",
    "statement_d",
    "keys",
    "answer",
    "tolerance",
    "stimulus",
    "enemies",
    "status",
    "shuffle_options",
    "media",
    "scoring",
];

pub(crate) const REQUIRED: &[&str] = &["id", "subject", "grade", "topic", "level", "kind", "stem"];
const LETTERS: [char; 4] = ['a', 'b', 'c', 'd'];

/// Reads an uploaded CSV file (UTF-8 only, as for JSON Lines).
pub fn parse_csv_bytes(bytes: &[u8], opts: &ImportOptions) -> ImportReport {
    match khaothi_domain::text::decode_text(bytes) {
        Ok(text) => parse_csv(&text, opts),
        Err(msg) => {
            let mut report = ImportReport::new("csv");
            report.file_error = Some(msg);
            report
        }
    }
}

/// Reads CSV: one report per data row, `line` being the row's first line in the file.
/// `total_lines` counts physical lines (header included); `blank_lines` the empty ones.
pub fn parse_csv(input: &str, opts: &ImportOptions) -> ImportReport {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut report = ImportReport::new("csv");
    let (total, blank) = count_physical_lines(input);
    report.total_lines = total;
    report.blank_lines = blank;
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::Headers).from_reader(input.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
        Err(e) => {
            report.file_error = Some(format!("cannot read the header row: {e}"));
            return report;
        }
    };
    let missing: Vec<&str> = REQUIRED.iter().copied().filter(|c| !headers.iter().any(|h| h == c)).collect();
    if !missing.is_empty() {
        report.file_error = Some(format!(
            "the header row lacks the column(s) {}; the columns are {}",
            missing.join(", "),
            CSV_COLUMNS.join(",")
        ));
        return report;
    }
    let mut column = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if column.insert(h.clone(), i).is_some() {
            report.file_error = Some(format!("the column \"{h}\" appears twice in the header row"));
            return report;
        }
        if !CSV_COLUMNS.contains(&h.as_str()) {
            report.file_warnings.push(format!("unknown column \"{h}\" ignored"));
        }
    }
    let mut seen = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() as usize;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let mut lr = LineReport::new(e.position().map_or(line, |p| p.line() as usize));
                lr.error("$", format!("unreadable CSV row: {e}"));
                report.lines.push(lr);
                continue;
            }
        }
        // The record's position may be a skipped blank line before it: find its first character.
        let line = record.position().map_or(line, |p| {
            let start = p.byte() as usize;
            let skip =
                input.get(start..).map_or(0, |rest| rest.len() - rest.trim_start_matches(['\r', '\n']).len());
            input.as_bytes()[..(start + skip).min(input.len())].iter().filter(|b| **b == b'\n').count() + 1
        });
        if record.iter().all(|f| f.trim().is_empty()) {
            report.blank_lines += 1;
            continue;
        }
        let mut lr = LineReport::new(line);
        let row = Row { record: &record, column: &column };
        let cell = |name: &str| row.cell(name);
        lr.id = Some(cell("id").to_string()).filter(|s| !s.is_empty());
        if record.len() != headers.len() {
            lr.error(
                "$",
                format!("the row has {} fields; the header row has {}", record.len(), headers.len()),
            );
        }
        let bytes: usize = record.iter().map(str::len).sum();
        if bytes > opts.max_line_bytes {
            lr.error(
                "$",
                format!("the row is {bytes} bytes long; the limit is {} bytes", opts.max_line_bytes),
            );
        }
        if lr.messages.is_empty()
            && let Some(rec) = row_to_record(&row, &mut lr)
        {
            check_record(rec, &mut lr, &mut seen, opts.check_latex, &column_name);
        }
        report.lines.push(lr);
    }
    report
}

/// One data row, cells looked up by column name (columns may come in any order).
pub(crate) struct Row<'r> {
    pub record: &'r csv::StringRecord,
    pub column: &'r HashMap<String, usize>,
}

impl<'r> Row<'r> {
    pub(crate) fn cell(&self, name: &str) -> &'r str {
        self.column.get(name).and_then(|i| self.record.get(*i)).map(str::trim).unwrap_or("")
    }
}

/// Builds the interchange record of a row; cell-level problems go to `lr` and give `None`.
pub(crate) fn row_to_record(row: &Row<'_>, lr: &mut LineReport) -> Option<ItemRecord> {
    let cell = |name: &str| row.cell(name);
    let grade = cell("grade").parse::<u8>().map_err(|_| {
        lr.error("grade", format!("\"{}\" is not a grade (1–12)", cell("grade")));
    });
    let level = Level::parse(&cell("level").to_lowercase()).ok_or_else(|| {
        lr.error(
            "level",
            format!("\"{}\" is not a level (biet, hieu, van_dung, van_dung_cao)", cell("level")),
        );
    });
    let kind = ItemKind::parse(&cell("kind").to_lowercase()).ok_or_else(|| {
        lr.error(
            "kind",
            format!(
                "\"{}\" is not a kind (single_choice, true_false_group, short_answer, multiple_response)",
                cell("kind")
            ),
        );
    });
    let keys = non_empty(cell("keys")).map(|k| {
        parse_tf_keys(k).map_err(|bad| {
            lr.error("keys", format!("\"{bad}\" is not Đ/S (or T/F, true/false, 1/0)"));
        })
    });
    let tolerance = non_empty(cell("tolerance")).map(|t| {
        t.replace(',', ".").parse::<f64>().map_err(|_| {
            lr.error("tolerance", format!("\"{t}\" is not a number"));
        })
    });
    let status = non_empty(cell("status")).map(|s| {
        ReviewStatus::parse(&s.to_lowercase()).ok_or_else(|| {
            lr.error("status", format!("\"{s}\" is not a status (draft, in_review, approved, retired)"));
        })
    });
    let shuffle = non_empty(cell("shuffle_options")).map(|s| match s.to_lowercase().as_str() {
        "true" | "1" | "yes" | "có" => Ok(true),
        "false" | "0" | "no" | "không" => Ok(false),
        _ => {
            lr.error("shuffle_options", format!("\"{s}\" is not true or false"));
            Err(())
        }
    });
    let scoring = non_empty(cell("scoring")).map(|s| {
        ResponseScoring::parse(&s.to_lowercase()).ok_or_else(|| {
            lr.error("scoring", format!("\"{s}\" is not a scoring rule (all_or_nothing, partial)"));
        })
    });
    let (Ok(grade), Ok(level), Ok(kind)) = (grade, level, kind) else { return None };
    let scoring = scoring.transpose().ok()?;
    let keys = keys.transpose().ok()?;
    let tolerance = tolerance.transpose().ok()?;
    let status = status.transpose().ok()?;
    let shuffle_options = shuffle.transpose().ok()?;
    let four = |prefix: &str| -> Option<Vec<String>> {
        let mut cells: Vec<String> =
            LETTERS.iter().map(|l| cell(&format!("{prefix}_{l}")).to_string()).collect();
        // A multiple-response item may have 2–4 options here: empty trailing cells are no options.
        while kind == ItemKind::MultipleResponse && cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        cells.iter().any(|c| !c.is_empty()).then_some(cells)
    };
    let answer = non_empty(cell("answer")).map(|a| {
        let many: Vec<String> =
            a.split(';').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        if many.len() == 1 { AnswerRecord::One(many[0].clone()) } else { AnswerRecord::Many(many) }
    });
    Some(ItemRecord {
        id: cell("id").to_string(),
        subject: cell("subject").to_string(),
        grade,
        topic: cell("topic").to_string(),
        level,
        kind,
        stem: cell("stem").to_string(),
        options: four("option"),
        key: non_empty(cell("key")).map(str::to_string),
        statements: four("statement").map(|s| s.into_iter().map(StatementRecord::Text).collect()),
        keys,
        answer,
        tolerance,
        scoring,
        stimulus: non_empty(cell("stimulus")).map(str::to_string),
        enemies: split_list(cell("enemies")),
        status,
        irt: None,
        shuffle_options,
        media: split_list(cell("media")),
        uses: None,
        solution: None,
        extra: Default::default(),
    })
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn split_list(s: &str) -> Vec<String> {
    s.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// `Đ,S,Đ,S`, `T,F,T,F`, `true;false;…`, `1 0 1 0` or the compact `ĐSĐS`; the offending token on
/// failure.
fn parse_tf_keys(s: &str) -> Result<Vec<bool>, String> {
    let tokens: Vec<String> = if s.contains([',', ';', ' ']) {
        s.split([',', ';', ' ']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
    } else {
        s.chars().map(String::from).collect()
    };
    tokens
        .iter()
        .map(|t| match t.to_lowercase().as_str() {
            "đ" | "đúng" | "d" | "t" | "true" | "1" => Ok(true),
            "s" | "sai" | "f" | "false" | "0" => Ok(false),
            _ => Err(t.clone()),
        })
        .collect()
}

/// The CSV column for a JSON path of the interchange record.
pub(crate) fn column_name(field: &str) -> String {
    let indexed = |prefix: &str, column: &str| -> Option<String> {
        let i: usize = field.strip_prefix(prefix)?.strip_suffix(']')?.parse().ok()?;
        LETTERS.get(i).map(|l| format!("{column}_{l}"))
    };
    indexed("options[", "option").or_else(|| indexed("statements[", "statement")).unwrap_or_else(|| {
        match field.split('[').next().unwrap_or(field) {
            "options" => "option_a..option_d".to_string(),
            "statements" => "statement_a..statement_d".to_string(),
            other => other.to_string(),
        }
    })
}

/// Physical lines and the empty ones among them, not counting empty lines inside a quoted field.
fn count_physical_lines(input: &str) -> (usize, usize) {
    if input.is_empty() {
        return (0, 0);
    }
    let body = input.strip_suffix('\n').unwrap_or(input);
    let (mut total, mut blank, mut in_quotes) = (0, 0, false);
    for line in body.split('\n') {
        total += 1;
        if !in_quotes && line.trim_end_matches('\r').is_empty() {
            blank += 1;
        }
        in_quotes ^= line.matches('"').count() % 2 == 1;
    }
    (total, blank)
}

/// Writes items as CSV with every column of [`CSV_COLUMNS`]. CSV has no place for IRT parameters
/// or statement levels; export JSON Lines to keep those.
pub fn write_csv<'a>(items: impl IntoIterator<Item = &'a Item>) -> Result<String, InteropError> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let fail = |id: &str, e: &dyn std::fmt::Display| InteropError::Serialize {
        item: id.to_string(),
        message: e.to_string(),
    };
    w.write_record(CSV_COLUMNS).map_err(|e| fail("(header)", &e))?;
    for item in items {
        let cells = item_cells(item);
        w.write_record(&cells).map_err(|e| fail(&item.id, &e))?;
    }
    let bytes = w.into_inner().map_err(|e| fail("(file)", &e))?;
    String::from_utf8(bytes).map_err(|e| fail("(file)", &e))
}

/// The cells of an item's row, in the order of [`CSV_COLUMNS`] (the spreadsheet writer uses the
/// same row).
pub(crate) fn item_cells(item: &Item) -> Vec<String> {
    let mut row: HashMap<&str, String> = HashMap::new();
    row.insert("id", item.id.clone());
    row.insert("subject", item.subject.clone());
    row.insert("grade", item.grade.to_string());
    row.insert("topic", item.topic.clone());
    row.insert("level", item.level.to_string());
    row.insert("kind", item.kind().to_string());
    row.insert("stem", item.stem.clone());
    match &item.body {
        ItemBody::SingleChoice { options, key } => {
            for (o, name) in options.iter().zip(["option_a", "option_b", "option_c", "option_d"]) {
                row.insert(name, o.clone());
            }
            row.insert("key", key.letter().to_string());
        }
        ItemBody::TrueFalseGroup { statements, keys } => {
            for (s, name) in
                statements.iter().zip(["statement_a", "statement_b", "statement_c", "statement_d"])
            {
                row.insert(name, s.text.clone());
            }
            let keys: Vec<&str> = keys.iter().map(|k| if *k { "Đ" } else { "S" }).collect();
            row.insert("keys", keys.join(","));
        }
        ItemBody::ShortAnswer { answer } => {
            row.insert("answer", answer.accepted.join(";"));
            if let Some(t) = answer.tolerance {
                row.insert("tolerance", t.to_string());
            }
        }
        // The four option columns hold up to 4 options; JSON Lines and QTI hold up to 10.
        ItemBody::MultipleResponse { options, keys, scoring } => {
            for (o, name) in options.iter().zip(["option_a", "option_b", "option_c", "option_d"]) {
                row.insert(name, o.clone());
            }
            let keys: Vec<&str> = keys.iter().map(|k| if *k { "Đ" } else { "S" }).collect();
            row.insert("keys", keys.join(","));
            row.insert("scoring", scoring.as_str().to_string());
        }
    }
    if let Some(s) = &item.stimulus {
        row.insert("stimulus", s.clone());
    }
    row.insert("enemies", item.enemies.join(";"));
    row.insert("status", item.status.to_string());
    if !item.shuffle_options {
        row.insert("shuffle_options", "false".to_string());
    }
    row.insert("media", item.media.join(";"));
    CSV_COLUMNS.iter().map(|c| row.remove(c).unwrap_or_default()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ImportPolicy, LineStatus};

    const HEADER: &str = "id,subject,grade,topic,level,kind,stem,option_a,option_b,option_c,option_d,key,statement_a,statement_b,statement_c,statement_d,keys,answer,stimulus,enemies";

    fn csv(rows: &[&str]) -> String {
        std::iter::once(HEADER).chain(rows.iter().copied()).map(|r| format!("{r}\n")).collect()
    }

    const SC: &str = "TOAN-1,toan,12,12.1.2,hieu,single_choice,\"Hàm số $y=x^3-3x$ đồng biến trên khoảng nào?\",$(-1;1)$,$(1;+\\infty)$,$(-\\infty;1)$,$(-2;2)$,B,,,,,,,,TOAN-2";
    const TF: &str = "LY-1,vat_ly,12,12.2,hieu,true_false_group,Xét khí lý tưởng.,,,,,,a,b,\"c, có dấu phẩy\",d,\"Đ,S,Đ,S\",,,";
    const SA: &str = "HOA-1,hoa_hoc,12,12.3,van_dung,short_answer,Tính pH.,,,,,,,,,,,\"2,5;2.6\",,";

    #[test]
    fn rows_of_every_kind_import() {
        let mut report = parse_csv(&csv(&[SC, "", TF, SA]), &ImportOptions::default());
        assert!(report.file_error.is_none(), "{report:?}");
        assert_eq!(report.lines.iter().map(|l| l.line).collect::<Vec<_>>(), vec![2, 4, 5]);
        assert!(report.lines.iter().all(|l| l.status == LineStatus::Ok), "{report:#?}");
        assert_eq!(report.blank_lines, 1);
        let items = report.apply(ImportPolicy::AllOrNothing);
        match &items[1].1.body {
            ItemBody::TrueFalseGroup { keys, statements } => {
                assert_eq!(keys, &vec![true, false, true, false]);
                assert_eq!(statements[2].text, "c, có dấu phẩy");
            }
            b => panic!("{b:?}"),
        }
        match &items[2].1.body {
            ItemBody::ShortAnswer { answer } => assert_eq!(answer.accepted, vec!["2,5", "2,6"]),
            b => panic!("{b:?}"),
        }
        assert_eq!(items[0].1.enemies, vec!["TOAN-2"]);
    }

    #[test]
    fn multiple_response_rows() {
        let header = format!("{HEADER},scoring");
        let row = "TA-1,tieng_anh,12,12.1,biet,multiple_response,Chọn các từ đúng.,go,went,gone,,,,,,,\"Đ,S,Đ\",,,,partial";
        let report = parse_csv(&format!("{header}\n{row}\n"), &ImportOptions::default());
        assert!(!report.has_errors(), "{report:#?}");
        let item = report.lines[0].item.clone().unwrap();
        let ItemBody::MultipleResponse { options, keys, scoring } = &item.body else { panic!() };
        assert_eq!(
            (options.len(), keys.as_slice(), *scoring),
            (3, &[true, false, true][..], ResponseScoring::Partial)
        );
        let written = write_csv([&item]).unwrap();
        let again = parse_csv(&written, &ImportOptions::default());
        assert_eq!(again.lines[0].item.as_ref(), Some(&item), "{written}");
        let bad =
            parse_csv(&format!("{header}\n{}\n", row.replace("partial", "half")), &ImportOptions::default());
        assert_eq!(bad.lines[0].messages[0].field, "scoring");
    }

    #[test]
    fn errors_name_the_csv_column() {
        let bad = SC.replace(r"$(-\infty;1)$", r"$(-\infty;1) \nope$").replace("TOAN-1", "TOAN-3");
        let three = SC.replace(",B,", ",E,").replace("TOAN-1", "TOAN-4");
        let keys = TF.replace("\"Đ,S,Đ,S\"", "\"Đ,X,Đ,S\"");
        let grade = SA.replace(",12,", ",mười hai,");
        let short = "X-1,toan,12";
        let report = parse_csv(&csv(&[&bad, &three, &keys, &grade, short]), &ImportOptions::default());
        let fields: Vec<&str> = report.lines.iter().map(|l| l.messages[0].field.as_str()).collect();
        assert_eq!(fields, vec!["option_c", "key", "keys", "grade", "$"]);
        assert!(report.lines.iter().all(|l| l.status == LineStatus::Error));
        assert_eq!(report.lines[4].id.as_deref(), Some("X-1"));
    }

    #[test]
    fn key_spellings() {
        assert_eq!(parse_tf_keys("T,F,T,F").unwrap(), vec![true, false, true, false]);
        assert_eq!(parse_tf_keys("ĐSSĐ").unwrap(), vec![true, false, false, true]);
        assert_eq!(parse_tf_keys("đúng; sai; Đúng; Sai").unwrap(), vec![true, false, true, false]);
        assert_eq!(parse_tf_keys("1 0 0 0").unwrap(), vec![true, false, false, false]);
        assert_eq!(parse_tf_keys("Đ,?").unwrap_err(), "?");
    }

    #[test]
    fn header_problems_refuse_the_file() {
        let report = parse_csv("id,subject,grade\nA,toan,12\n", &ImportOptions::default());
        assert!(report.file_error.as_deref().unwrap().contains("topic, level, kind, stem"));
        let extra = format!("{HEADER},ghi_chu\n{SC},x\n");
        let report = parse_csv(&extra, &ImportOptions::default());
        assert_eq!(report.file_warnings, vec!["unknown column \"ghi_chu\" ignored"]);
        assert_eq!(report.lines[0].status, LineStatus::Ok, "{report:#?}");
    }

    #[test]
    fn export_imports_back() {
        let mut report = parse_csv(&csv(&[SC, TF, SA]), &ImportOptions::default());
        let items: Vec<Item> = report.apply(ImportPolicy::AllOrNothing).into_iter().map(|(_, i)| i).collect();
        let out = write_csv(&items).unwrap();
        let mut again = parse_csv(&out, &ImportOptions::default());
        assert!(!again.has_errors(), "{again:#?}");
        let back: Vec<Item> = again.apply(ImportPolicy::AllOrNothing).into_iter().map(|(_, i)| i).collect();
        assert_eq!(items, back);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = parse_csv_bytes(&bytes, &ImportOptions::default());
        }

        #[test]
        fn arbitrary_rows_are_each_reported(rows in proptest::collection::vec("[a-z0-9,\" $\\\\]{0,40}", 0..8)) {
            let input = csv(&rows.iter().map(String::as_str).collect::<Vec<_>>());
            let report = parse_csv(&input, &ImportOptions::default());
            for l in &report.lines {
                proptest::prop_assert!(l.status != LineStatus::Error || !l.messages.is_empty());
            }
        }
    }
}
