//! Spreadsheets in: the first sheet of an `.xlsx`, a header row naming the columns (the CSV
//! columns) and one item per row, with the same per-row report as CSV (`line` = the sheet's row
//! number). The file passes [`check_zip`] first, then cells are streamed and the row count is
//! bounded, so a hostile or huge sheet costs bounded memory.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};

use super::guard::{ZipLimits, check_zip};
use crate::csv_format::{CSV_COLUMNS, REQUIRED, Row, column_name, row_to_record};
use crate::jsonl::ImportOptions;
use crate::report::{ImportReport, LineReport, check_record};

/// Data rows read from one sheet at most; more refuse the file (split it).
pub const MAX_XLSX_ROWS: u32 = 10_000;
/// Columns read at most; cells further right are ignored with a warning.
pub const MAX_XLSX_COLUMNS: u32 = 64;

/// Reads an uploaded spreadsheet.
pub fn parse_xlsx(bytes: &[u8], opts: &ImportOptions) -> ImportReport {
    let mut report = ImportReport::new("xlsx");
    if let Err(e) = check_zip(bytes, &ZipLimits::default()) {
        report.file_error = Some(format!("the spreadsheet was refused: {e}"));
        return report;
    }
    match read_rows(bytes, &mut report) {
        Ok(rows) => rows_to_report(rows, opts, &mut report),
        Err(e) => report.file_error = Some(e),
    }
    report
}

/// The first sheet's rows as text cells, with their 1-based row numbers; empty rows skipped.
fn read_rows(bytes: &[u8], report: &mut ImportReport) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| format!("not a readable .xlsx spreadsheet: {e}"))?;
    let first = book.sheet_names().first().cloned().ok_or("the spreadsheet has no sheet")?;
    let mut cells =
        book.worksheet_cells_reader(&first).map_err(|e| format!("sheet \"{first}\" is unreadable: {e}"))?;
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    let mut wide = false;
    while let Some(cell) = cells.next_cell().map_err(|e| format!("sheet \"{first}\" is unreadable: {e}"))? {
        let (r, c) = cell.get_position();
        if r > MAX_XLSX_ROWS {
            return Err(format!(
                "sheet \"{first}\" has more than {MAX_XLSX_ROWS} item rows; split it into several files"
            ));
        }
        if c >= MAX_XLSX_COLUMNS {
            wide = true;
            continue;
        }
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        let line = r as usize + 1;
        if rows.last().is_none_or(|(l, _)| *l != line) {
            rows.push((line, Vec::new()));
        }
        let row = &mut rows.last_mut().expect("pushed above").1;
        if row.len() <= c as usize {
            row.resize(c as usize + 1, String::new());
        }
        row[c as usize] = text;
    }
    if wide {
        report.file_warnings.push(format!("cells right of column {MAX_XLSX_COLUMNS} were ignored"));
    }
    report.total_lines = rows.last().map_or(0, |(l, _)| *l);
    Ok(rows)
}

/// A cell as the text a CSV cell would hold: whole numbers without `.0`, booleans as
/// `true`/`false`.
fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.trim().to_string(),
        DataRef::SharedString(s) => s.trim().to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => d.as_f64().to_string(),
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

/// The header row, then one report per item row, as CSV does.
fn rows_to_report(rows: Vec<(usize, Vec<String>)>, opts: &ImportOptions, report: &mut ImportReport) {
    let mut rows = rows.into_iter();
    let Some((_, header)) = rows.next() else {
        report.file_error = Some("the first sheet is empty: the first row names the columns".into());
        return;
    };
    let headers: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let missing: Vec<&str> = REQUIRED.iter().copied().filter(|c| !headers.iter().any(|h| h == c)).collect();
    if !missing.is_empty() {
        report.file_error = Some(format!(
            "the first row lacks the column(s) {}; the columns are {}",
            missing.join(", "),
            CSV_COLUMNS.join(",")
        ));
        return;
    }
    let mut column = HashMap::new();
    for (i, h) in headers.iter().enumerate().filter(|(_, h)| !h.is_empty()) {
        if column.insert(h.clone(), i).is_some() {
            report.file_error = Some(format!("the column \"{h}\" appears twice in the first row"));
            return;
        }
        if !CSV_COLUMNS.contains(&h.as_str()) {
            report.file_warnings.push(format!("unknown column \"{h}\" ignored"));
        }
    }
    let mut seen = HashMap::new();
    for (line, mut cells) in rows {
        cells.resize(headers.len().max(cells.len()), String::new());
        let record = csv::StringRecord::from(cells);
        let mut lr = LineReport::new(line);
        let row = Row { record: &record, column: &column };
        lr.id = Some(row.cell("id").to_string()).filter(|s| !s.is_empty());
        let bytes: usize = record.iter().map(str::len).sum();
        if bytes > opts.max_line_bytes {
            lr.error(
                "$",
                format!("the row is {bytes} bytes long; the limit is {} bytes", opts.max_line_bytes),
            );
        } else if let Some(rec) = row_to_record(&row, &mut lr) {
            check_record(rec, &mut lr, &mut seen, opts.check_latex, &column_name);
        }
        report.lines.push(lr);
    }
}
