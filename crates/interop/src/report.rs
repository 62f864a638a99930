//! The per-line import report shared by every format, and the checks every imported record goes
//! through (the domain's validation, then LaTeX). A bad line is always reported, never dropped.

use std::collections::HashMap;

use khaothi_domain::{DomainError, Item, ItemRecord};
use serde::Serialize;

/// Severity of one message, and the status of a line (its worst message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    Ok,
    Warning,
    Error,
}

/// What happened to a line once the caller chose a policy ([`ImportReport::apply`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Imported,
    Skipped,
}

/// The caller's choice when some lines are bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportPolicy {
    /// Any error skips every line: the file is fixed and uploaded again.
    #[default]
    AllOrNothing,
    /// Lines with errors are skipped; the others (warnings included) are imported.
    SkipBad,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub severity: LineStatus,
    /// JSON path of the field (`options[2]`, `irt.a`), the CSV column, or `$` for the whole line.
    pub field: String,
    pub message: String,
}

/// One non-blank line (JSON Lines) or row (CSV) of the input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineReport {
    /// 1-based line of the file where the record starts.
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub status: LineStatus,
    pub messages: Vec<Message>,
    /// Set by [`ImportReport::apply`] (or by the caller when storing fails).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The validated item, when the line has no error.
    #[serde(skip)]
    pub item: Option<Item>,
    /// The record as read, unknown fields (`extra`) included, when it could be parsed.
    #[serde(skip)]
    pub record: Option<ItemRecord>,
}

impl LineReport {
    pub(crate) fn new(line: usize) -> Self {
        LineReport {
            line,
            id: None,
            status: LineStatus::Ok,
            messages: Vec::new(),
            outcome: None,
            item: None,
            record: None,
        }
    }

    pub fn push(&mut self, severity: LineStatus, field: impl Into<String>, message: impl Into<String>) {
        self.status = self.status.max(severity);
        self.messages.push(Message { severity, field: field.into(), message: message.into() });
    }

    pub fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.push(LineStatus::Error, field, message);
        self.item = None;
    }

    /// Marks the line skipped after the fact, e.g. when the bank refuses to store it; the reason
    /// becomes an error message so the report still explains every line.
    pub fn skip(&mut self, reason: impl Into<String>) {
        self.error("$", reason);
        self.outcome = Some(Outcome::Skipped);
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ImportReport {
    /// The format read: `jsonl`, `csv`, `qti`.
    pub format: &'static str,
    /// Lines of the input, blank ones included.
    pub total_lines: usize,
    /// Blank lines: ignored, but counted so the numbers add up.
    pub blank_lines: usize,
    /// A problem with the whole file (encoding, missing CSV columns): then `lines` may be empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_error: Option<String>,
    /// Notes about the whole file that do not stop the import (unknown CSV columns).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub file_warnings: Vec<String>,
    pub lines: Vec<LineReport>,
}

/// Counts for a summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    pub ok: usize,
    pub warnings: usize,
    pub errors: usize,
    pub imported: usize,
    pub skipped: usize,
}

impl ImportReport {
    pub(crate) fn new(format: &'static str) -> Self {
        ImportReport { format, ..Default::default() }
    }

    pub fn has_errors(&self) -> bool {
        self.file_error.is_some() || self.lines.iter().any(|l| l.status == LineStatus::Error)
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for l in &self.lines {
            match l.status {
                LineStatus::Ok => s.ok += 1,
                LineStatus::Warning => s.warnings += 1,
                LineStatus::Error => s.errors += 1,
            }
            match l.outcome {
                Some(Outcome::Imported) => s.imported += 1,
                Some(Outcome::Skipped) => s.skipped += 1,
                None => {}
            }
        }
        s
    }

    /// Applies the caller's policy: sets every line's outcome and returns the items to store, with
    /// their line numbers. Under [`ImportPolicy::AllOrNothing`] one error skips everything.
    pub fn apply(&mut self, policy: ImportPolicy) -> Vec<(usize, Item)> {
        let refuse_all = policy == ImportPolicy::AllOrNothing && self.has_errors();
        let mut items = Vec::new();
        for l in &mut self.lines {
            match (&l.item, refuse_all) {
                (Some(item), false) => {
                    items.push((l.line, item.clone()));
                    l.outcome = Some(Outcome::Imported);
                }
                _ => l.outcome = Some(Outcome::Skipped),
            }
        }
        items
    }
}

/// Validates a parsed record into `report`: the domain's rules, then LaTeX and images
/// (`khaothi_render::check_item`), then duplicate ids within the file (`seen`: id → first line).
/// `field_name` maps a JSON path to the input's own name for it (CSV columns).
pub(crate) fn check_record(
    record: ItemRecord,
    report: &mut LineReport,
    seen: &mut HashMap<String, usize>,
    check_latex: bool,
    field_name: &dyn Fn(&str) -> String,
) {
    report.id = Some(record.id.trim().to_string()).filter(|id| !id.is_empty());
    report.record = Some(record.clone());
    for (field, text) in legacy_texts(&record) {
        if let Some(msg) = khaothi_domain::text::detect_legacy_encoding(text) {
            report.error(field_name(&field), msg);
        }
    }
    match record.into_item() {
        Ok((item, warnings)) => {
            for w in warnings {
                report.push(LineStatus::Warning, field_name(&w.field), w.message);
            }
            if check_latex {
                for e in khaothi_render::check_item(&item) {
                    report.error(field_name(&e.field), e.message);
                }
            }
            report.id = Some(item.id.clone());
            if report.status != LineStatus::Error {
                report.item = Some(item);
            }
        }
        Err(DomainError::Invalid { item, errors }) => {
            if let Some(id) = item.filter(|i| !i.is_empty()) {
                report.id = Some(id);
            }
            for e in errors {
                report.error(field_name(&e.field), e.message);
            }
        }
        Err(e) => report.error("$", e.to_string()),
    }
    if let Some(id) = &report.id {
        if let Some(first) = seen.get(id) {
            report.error("id", format!("duplicate id \"{id}\": already used on line {first}"));
        } else {
            seen.insert(id.clone(), report.line);
        }
    }
}

/// The texts of a record, to look for legacy-encoded Vietnamese one field at a time.
fn legacy_texts(record: &ItemRecord) -> Vec<(String, &str)> {
    let mut texts = vec![("stem".to_string(), record.stem.as_str())];
    for (i, o) in record.options.iter().flatten().enumerate() {
        texts.push((format!("options[{i}]"), o.as_str()));
    }
    for (i, s) in record.statements.iter().flatten().enumerate() {
        let text = match s {
            khaothi_domain::StatementRecord::Text(t) => t.as_str(),
            khaothi_domain::StatementRecord::Full { text, .. } => text.as_str(),
        };
        texts.push((format!("statements[{i}]"), text));
    }
    texts
}
