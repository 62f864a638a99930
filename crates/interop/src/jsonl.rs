//! JSON Lines: the bank's interchange format (docs/formats.md), one item a line.

use std::collections::HashMap;

use khaothi_domain::{Item, ItemRecord};

use crate::InteropError;
use crate::report::{ImportReport, LineReport, LineStatus, check_record};

/// Limits and checks of an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    /// Longer lines are refused unread: an item is a few kilobytes; a megabyte line is a mistake
    /// (or an attack) and should not cost the bank a large allocation per line.
    pub max_line_bytes: usize,
    /// Render every text field to find LaTeX and image errors (on by default; off only for tests
    /// of the format itself).
    pub check_latex: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { max_line_bytes: 256 * 1024, check_latex: true }
    }
}

/// Reads JSON Lines with the default options.
pub fn parse_jsonl(input: &str) -> ImportReport {
    parse_jsonl_with(input, &ImportOptions::default())
}

/// Reads an uploaded file: UTF-8 only. Non-UTF-8 or legacy TCVN3/VNI text refuses the whole file
/// with the domain's explanation (byte, line, how to convert).
pub fn parse_jsonl_bytes(bytes: &[u8], opts: &ImportOptions) -> ImportReport {
    match khaothi_domain::text::decode_text(bytes) {
        Ok(text) => parse_jsonl_with(&text, opts),
        Err(msg) => {
            let mut report = ImportReport::new("jsonl");
            report.total_lines = count_lines(bytes);
            report.file_error = Some(msg);
            report
        }
    }
}

/// Reads JSON Lines: one report per non-blank line, in file order.
pub fn parse_jsonl_with(input: &str, opts: &ImportOptions) -> ImportReport {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut report = ImportReport::new("jsonl");
    let mut seen = HashMap::new();
    // The newline ending the last line does not start another line.
    let body = input.strip_suffix('\n').unwrap_or(input);
    let pieces = if input.is_empty() { None } else { Some(body.split('\n')) };
    for (index, raw) in pieces.into_iter().flatten().enumerate() {
        let line_no = index + 1;
        report.total_lines += 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            report.blank_lines += 1;
            continue;
        }
        let mut lr = LineReport::new(line_no);
        if line.len() > opts.max_line_bytes {
            lr.id = sniff_id(&line[..floor_boundary(line, 512)]);
            lr.error(
                "$",
                format!(
                    "the line is {} bytes long; the limit is {} bytes (one item per line?)",
                    line.len(),
                    opts.max_line_bytes
                ),
            );
            report.lines.push(lr);
            continue;
        }
        match ItemRecord::from_json_line(line) {
            Ok(record) => check_record(record, &mut lr, &mut seen, opts.check_latex, &|f| f.to_string()),
            Err(e) => {
                lr.id = sniff_id(line);
                // serde_path_to_error says `?` when the line is not JSON at all.
                let field = if e.field == "?" { "$".to_string() } else { e.field };
                lr.error(field, e.message);
            }
        }
        report.lines.push(lr);
    }
    report
}

/// The id of a line that did not parse as an item, when it is at least a JSON object with a
/// string `id`, so the report can name it.
fn sniff_id(line: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    value.get("id")?.as_str().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn floor_boundary(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn count_lines(bytes: &[u8]) -> usize {
    let newlines = bytes.iter().filter(|b| **b == b'\n').count();
    newlines + usize::from(!bytes.is_empty() && bytes.last() != Some(&b'\n'))
}

/// Writes items as JSON Lines (one record a line, each ending in `\n`), via the same
/// [`ItemRecord`] the import reads, so an export imports back to equal items.
pub fn write_jsonl<'a>(items: impl IntoIterator<Item = &'a Item>) -> Result<String, InteropError> {
    let mut out = String::new();
    for item in items {
        let record = ItemRecord::from_item(item);
        let line = serde_json::to_string(&record)
            .map_err(|e| InteropError::Serialize { item: item.id.clone(), message: e.to_string() })?;
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

/// Whether a report's line is usable: a shorthand for tests and callers.
pub fn is_ok(line: &LineReport) -> bool {
    line.status != LineStatus::Error
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ImportPolicy, Outcome};

    pub(crate) const SC: &str = r#"{"id":"TOAN12-0001","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Hàm số $y=x^3-3x$ đồng biến trên khoảng nào?","options":["$(-1;1)$","$(1;+\\infty)$","$(-\\infty;1)$","$(-2;2)$"],"key":"B","irt":{"model":"2pl","a":1.2,"b":-0.3}}"#;
    const TF: &str = r#"{"id":"LY12-0001","subject":"vat_ly","grade":12,"topic":"12.2","level":"hieu","kind":"true_false_group","stem":"Xét một lượng khí lý tưởng.","statements":["Áp suất tỉ lệ nghịch với thể tích khi $T$ không đổi.","b",{"text":"c","level":"van_dung"},"d"],"keys":[true,false,true,false]}"#;
    const SA: &str = r#"{"id":"HOA12-0001","subject":"hoa_hoc","grade":12,"topic":"12.3","level":"van_dung","kind":"short_answer","stem":"Tính pH của dung dịch $\\mathrm{HCl}$ 0,01 M.","answer":"2"}"#;

    fn file(lines: &[&str]) -> String {
        lines.iter().map(|l| format!("{l}\n")).collect()
    }

    #[test]
    fn good_file_imports_every_kind() {
        let mut report = parse_jsonl(&file(&[SC, "", TF, "   ", SA]));
        assert_eq!(report.total_lines, 5);
        assert_eq!(report.blank_lines, 2);
        assert_eq!(report.lines.iter().map(|l| l.line).collect::<Vec<_>>(), vec![1, 3, 5]);
        assert!(report.lines.iter().all(|l| l.status == LineStatus::Ok), "{report:#?}");
        let items = report.apply(ImportPolicy::AllOrNothing);
        assert_eq!(items.len(), 3);
        assert_eq!(report.summary().imported, 3);
    }

    #[test]
    fn every_bad_line_is_reported_with_its_field() {
        let bad_grade = SC.replace("\"grade\":12", "\"grade\":\"12\"").replace("0001", "0002");
        let bad_latex = SC.replace(r"$(-2;2)$", r"$(-2;2) \\nope$").replace("0001", "0003");
        let unknown = SC.replace("\"key\":\"B\"", "\"key\":\"B\",\"nguon\":\"SGK\"").replace("0001", "0004");
        let input = file(&[SC, &bad_grade, "{not json", &bad_latex, SC, &unknown]);
        let report = parse_jsonl(&input);
        let statuses: Vec<_> = report.lines.iter().map(|l| l.status).collect();
        use LineStatus::*;
        assert_eq!(statuses, vec![Ok, Error, Error, Error, Error, Warning]);
        let l2 = &report.lines[1];
        assert_eq!((l2.line, l2.id.as_deref()), (2, Some("TOAN12-0002")));
        assert_eq!(l2.messages[0].field, "grade");
        assert_eq!(report.lines[2].messages[0].field, "$");
        let l4 = &report.lines[3];
        assert_eq!(l4.messages[0].field, "options[3]");
        assert!(l4.messages[0].message.starts_with("invalid LaTeX at character"), "{:?}", l4.messages);
        let dup = &report.lines[4];
        assert!(dup.messages[0].message.contains("already used on line 1"), "{:?}", dup.messages);
        let unk = &report.lines[5];
        assert_eq!(unk.messages[0].field, "nguon");
        assert!(unk.record.as_ref().unwrap().extra.contains_key("nguon"));
    }

    #[test]
    fn a_typed_option_letter_is_stripped_and_reported() {
        let typed = SC.replace(r#""$(-1;1)$""#, r#""A. $(-1;1)$""#);
        let mut report = parse_jsonl(&file(&[&typed]));
        let line = &report.lines[0];
        assert_eq!(line.status, LineStatus::Warning, "{line:?}");
        assert_eq!(line.messages[0].field, "options[0]");
        assert!(line.messages[0].message.contains("leading option letter \"A.\" removed"), "{line:?}");
        let items = report.apply(ImportPolicy::AllOrNothing);
        let khaothi_domain::ItemBody::SingleChoice { options, .. } = &items[0].1.body else { panic!() };
        assert_eq!(options[0], "$(-1;1)$");
    }

    #[test]
    fn policies_decide_what_is_imported() {
        let input = file(&[SC, "[]", TF]);
        let mut all = parse_jsonl(&input);
        assert!(all.apply(ImportPolicy::AllOrNothing).is_empty());
        assert!(all.lines.iter().all(|l| l.outcome == Some(Outcome::Skipped)));
        let mut some = parse_jsonl(&input);
        let items = some.apply(ImportPolicy::SkipBad);
        assert_eq!(items.iter().map(|(l, _)| *l).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(some.lines[1].outcome, Some(Outcome::Skipped));
        let s = some.summary();
        assert_eq!((s.imported, s.skipped, s.errors), (2, 1, 1));
    }

    #[test]
    fn long_lines_and_legacy_text_are_refused() {
        let opts = ImportOptions { max_line_bytes: 100, ..Default::default() };
        let report = parse_jsonl_with(&file(&[SC]), &opts);
        assert!(report.lines[0].messages[0].message.contains("limit is 100 bytes"));
        let tcvn3 = SC.replace("Hàm số", "Cho hµm sè").replace("khoảng nào", "t×m ®¹o hµm");
        let report = parse_jsonl(&file(&[&tcvn3]));
        assert_eq!(report.lines[0].status, LineStatus::Error);
        assert!(report.lines[0].messages[0].message.contains("TCVN3"), "{:?}", report.lines[0]);
        let report = parse_jsonl_bytes(b"{\"id\":\"H\xe0m\"}\n", &ImportOptions::default());
        assert!(report.file_error.as_deref().unwrap().contains("not UTF-8"));
        assert!(report.has_errors());
    }

    #[test]
    fn export_imports_back_to_equal_items() {
        let mut report = parse_jsonl(&file(&[SC, TF, SA]));
        let items: Vec<Item> = report.apply(ImportPolicy::AllOrNothing).into_iter().map(|(_, i)| i).collect();
        let out = write_jsonl(&items).unwrap();
        assert_eq!(out.lines().count(), 3);
        let mut again = parse_jsonl(&out);
        let back: Vec<Item> = again.apply(ImportPolicy::AllOrNothing).into_iter().map(|(_, i)| i).collect();
        assert_eq!(items, back);
    }

    #[test]
    fn crlf_and_bom_are_accepted() {
        let input = format!("\u{feff}{SC}\r\n\r\n{TF}\r\n");
        let report = parse_jsonl(&input);
        assert_eq!(report.lines.len(), 2);
        assert_eq!(report.blank_lines, 1);
        assert!(!report.has_errors(), "{report:#?}");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let report = parse_jsonl_bytes(&bytes, &ImportOptions::default());
            if report.file_error.is_none() {
                proptest::prop_assert_eq!(report.lines.len() + report.blank_lines, report.total_lines);
            }
        }

        #[test]
        fn every_line_is_accounted_for(lines in proptest::collection::vec("[ {}\\[\\]\":a-z0-9,$\\\\]{0,30}", 0..12)) {
            let input = lines.join("\n");
            let report = parse_jsonl(&input);
            proptest::prop_assert_eq!(report.lines.len() + report.blank_lines, report.total_lines);
            for l in &report.lines {
                proptest::prop_assert!(l.status != LineStatus::Error || !l.messages.is_empty());
                proptest::prop_assert!(l.line >= 1 && l.line <= report.total_lines);
            }
        }
    }
}
