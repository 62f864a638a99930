//! QTI 2.1 / 3.0 `assessmentItem` → interchange record. The document is read into a small tree
//! with names made version-independent ([`canonical`]), then mapped by interaction.

use std::collections::HashMap;

use super::META_PREFIX;
use super::tree::{Element, parse_tree};
use crate::InteropError;
use crate::jsonl::ImportOptions;
use crate::report::{ImportReport, LineReport, check_record};
use khaothi_domain::interchange::AnswerRecord;
use khaothi_domain::{ItemKind, ItemRecord, Level, ReviewStatus, StatementRecord};

/// Reads one QTI 2.1 or 3.0 `assessmentItem` into an interchange record (not yet validated).
pub fn read_qti(xml: &str) -> Result<ItemRecord, InteropError> {
    read_with_line(xml).map(|(rec, _, _)| rec)
}

fn unsupported(element: Option<&str>, message: impl Into<String>) -> InteropError {
    InteropError::UnsupportedQti { element: element.map(str::to_string), message: message.into() }
}

fn read_with_line(xml: &str) -> Result<(ItemRecord, usize, Option<String>), InteropError> {
    read_with_meta(xml).map(|read| (read.record, read.line, read.note))
}

/// One item document as read.
pub(super) struct ItemDocument {
    pub record: ItemRecord,
    /// The line of its root element.
    pub line: usize,
    /// The names of the `KHAOTHI_*` metadata the item carried (a package import fills the others
    /// from the import's options).
    pub carried: Vec<String>,
    /// What the writer should know about how it was read (a warning of the import report).
    pub note: Option<String>,
}

pub(super) fn read_with_meta(xml: &str) -> Result<ItemDocument, InteropError> {
    let (root, line) = parse_tree(xml)?;
    if root.name != "assessmentitem" {
        return Err(unsupported(Some(&root.name), "the root element must be an assessmentItem"));
    }
    let meta = metadata(&root);
    let body = root.child("itembody").ok_or_else(|| unsupported(None, "the item has no itemBody"))?;
    let interaction = the_interaction(body)?;
    let response_id = interaction.attr("responseidentifier").unwrap_or("RESPONSE");
    let declaration = root
        .elements()
        .find(|e| e.name == "responsedeclaration" && e.attr("identifier") == Some(response_id));
    let correct: Vec<String> = declaration
        .and_then(|d| d.child("correctresponse"))
        .map(|c| c.elements().filter(|v| v.name == "value").map(|v| v.text().trim().to_string()).collect())
        .unwrap_or_default();
    let mut rec = ItemRecord {
        id: root.attr("identifier").unwrap_or_default().to_string(),
        subject: meta.get("SUBJECT").cloned().unwrap_or_default(),
        grade: meta.get("GRADE").and_then(|g| g.trim().parse().ok()).unwrap_or(0),
        topic: meta.get("TOPIC").cloned().unwrap_or_default(),
        level: meta.get("LEVEL").and_then(|l| Level::parse(l.trim())).unwrap_or_default(),
        stem: stem_of(body),
        status: meta.get("STATUS").and_then(|s| ReviewStatus::parse(s.trim())),
        stimulus: meta.get("STIMULUS").cloned(),
        enemies: meta.get("ENEMIES").map(|e| split(e)).unwrap_or_default(),
        media: meta.get("MEDIA").map(|e| split(e)).unwrap_or_default(),
        ..Default::default()
    };
    match interaction.name.as_str() {
        "choiceinteraction" => read_choice(interaction, declaration, &correct, &mut rec),
        "matchinteraction" => read_true_false(interaction, &correct, &meta, &mut rec)?,
        _ => read_text_entry(declaration, correct, &meta, &mut rec),
    }
    let note = super::processing::check_processing(&root, declaration, &mut rec)?;
    Ok(ItemDocument { record: rec, line, carried: meta.into_keys().collect(), note })
}

/// The `KHAOTHI_*` outcome declarations (prefix stripped) and their default values.
fn metadata(root: &Element) -> HashMap<String, String> {
    root.elements()
        .filter(|e| e.name == "outcomedeclaration")
        .filter_map(|e| {
            let key = e.attr("identifier")?.strip_prefix(META_PREFIX)?.to_string();
            let value = e.child("defaultvalue")?.child("value")?.text();
            Some((key, value))
        })
        .collect()
}

/// The item's one interaction: choice, match or text entry.
fn the_interaction(body: &Element) -> Result<&Element, InteropError> {
    let mut interactions = Vec::new();
    for name in ["choiceinteraction", "matchinteraction", "textentryinteraction"] {
        body.find_all(name, &mut interactions);
    }
    match interactions.as_slice() {
        [one] => Ok(*one),
        [] => Err(unsupported(None, "no choice, match or text entry interaction")),
        _ => Err(unsupported(None, "items with several interactions are not supported")),
    }
}

/// khaothi's own stem `div`, or else the whole item body as Markdown.
fn stem_of(body: &Element) -> String {
    match body.elements().find(|e| e.attr("class") == Some("khaothi-stem")) {
        Some(div) => div.text(),
        None => {
            let mut s = String::new();
            body.markdown(&mut s);
            s.trim().to_string()
        }
    }
}

fn choice_text(e: &Element) -> String {
    let mut s = String::new();
    e.markdown(&mut s);
    s.trim().to_string()
}

/// A `choiceInteraction`: a single-choice item keyed by letter when one choice may be ticked and
/// one is correct, otherwise a multiple-response item keyed by one flag per choice (its scoring
/// rule comes from the response processing).
fn read_choice(
    interaction: &Element,
    declaration: Option<&Element>,
    correct: &[String],
    rec: &mut ItemRecord,
) {
    let choices: Vec<&Element> = interaction.elements().filter(|e| e.name == "simplechoice").collect();
    rec.options = Some(choices.iter().map(|c| choice_text(c)).collect());
    let fixed = choices.iter().any(|c| c.attr("fixed") == Some("true"));
    rec.shuffle_options = (interaction.attr("shuffle") == Some("false") || fixed).then_some(false);
    let several = interaction.attr("maxchoices").is_some_and(|m| m.trim() != "1")
        || declaration.and_then(|d| d.attr("cardinality")).is_some_and(|c| c != "single")
        || correct.len() > 1;
    if several {
        rec.kind = ItemKind::MultipleResponse;
        rec.keys = Some(
            choices
                .iter()
                .map(|c| c.attr("identifier").is_some_and(|id| correct.iter().any(|k| k == id)))
                .collect(),
        );
        return;
    }
    rec.kind = ItemKind::SingleChoice;
    let position =
        correct.first().and_then(|k| choices.iter().position(|c| c.attr("identifier") == Some(k.as_str())));
    rec.key = Some(match position {
        Some(i) if i < 26 => char::from(b'A' + i as u8).to_string(),
        _ => correct.first().cloned().unwrap_or_default(),
    });
}

/// A `matchInteraction` of statements against Đúng/Sai: a true/false group.
fn read_true_false(
    interaction: &Element,
    correct: &[String],
    meta: &HashMap<String, String>,
    rec: &mut ItemRecord,
) -> Result<(), InteropError> {
    rec.kind = ItemKind::TrueFalseGroup;
    let sets: Vec<&Element> = interaction.elements().filter(|e| e.name == "simplematchset").collect();
    let [statements, answers] = sets.as_slice() else {
        return Err(unsupported(
            Some("matchInteraction"),
            "expected two simpleMatchSets (statements, Đúng/Sai)",
        ));
    };
    let ids = |set: &Element| -> Vec<(String, String)> {
        set.elements()
            .filter(|e| e.name == "simpleassociablechoice")
            .map(|e| (e.attr("identifier").unwrap_or_default().to_string(), choice_text(e)))
            .collect()
    };
    let statements = ids(statements);
    let true_id = ids(answers)
        .into_iter()
        .find(|(id, text)| is_true_label(id) || is_true_label(text))
        .map(|(id, _)| id)
        .ok_or_else(|| unsupported(Some("simpleMatchSet"), "no choice meaning true (T, Đúng, True)"))?;
    let levels: Vec<Option<Level>> = meta
        .get("STATEMENT_LEVELS")
        .map(|l| l.split(';').map(|x| Level::parse(x.trim())).collect())
        .unwrap_or_default();
    rec.statements = Some(
        statements
            .iter()
            .enumerate()
            .map(|(i, (_, text))| match levels.get(i).copied().flatten() {
                Some(level) => StatementRecord::Full { text: text.clone(), level: Some(level) },
                None => StatementRecord::Text(text.clone()),
            })
            .collect(),
    );
    rec.keys = Some(
        statements
            .iter()
            .map(|(sid, _)| {
                correct.iter().any(|pair| {
                    let mut p = pair.split_whitespace();
                    p.next() == Some(sid.as_str()) && p.next() == Some(true_id.as_str())
                })
            })
            .collect(),
    );
    Ok(())
}

/// A `textEntryInteraction`: a short answer accepting the correct value and every positively
/// mapped key, without repeats.
fn read_text_entry(
    declaration: Option<&Element>,
    mut accepted: Vec<String>,
    meta: &HashMap<String, String>,
    rec: &mut ItemRecord,
) {
    rec.kind = ItemKind::ShortAnswer;
    if let Some(mapping) = declaration.and_then(|d| d.child("mapping")) {
        for entry in mapping.elements().filter(|e| e.name == "mapentry") {
            let positive =
                entry.attr("mappedvalue").and_then(|v| v.trim().parse::<f64>().ok()).unwrap_or(0.0) > 0.0;
            if let (true, Some(k)) = (positive, entry.attr("mapkey")) {
                accepted.push(k.trim().to_string());
            }
        }
    }
    // `2.5` and `2,5` are one answer once normalised (docs/formats.md): keep the first.
    let mut seen = Vec::new();
    accepted.retain(|a| {
        let normal = khaothi_domain::item::normalise_short_answer(a);
        !a.is_empty() && !seen.contains(&normal) && {
            seen.push(normal);
            true
        }
    });
    rec.answer = Some(if accepted.len() == 1 {
        AnswerRecord::One(accepted.remove(0))
    } else {
        AnswerRecord::Many(accepted)
    });
    rec.tolerance = meta.get("TOLERANCE").and_then(|t| t.trim().parse().ok());
}

fn split(s: &str) -> Vec<String> {
    s.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

fn is_true_label(s: &str) -> bool {
    matches!(s.trim().to_lowercase().as_str(), "t" | "true" | "đ" | "đúng" | "d" | "dung")
}

/// Imports one QTI item document as a one-line report (the line of its root element), through the
/// same checks as JSON Lines. Malformed XML or an unsupported interaction is the file's error.
pub fn parse_qti(xml: &str, opts: &ImportOptions) -> ImportReport {
    let mut report = ImportReport::new("qti");
    report.total_lines = xml.lines().count();
    match read_with_line(xml) {
        Ok((rec, line, note)) => {
            let mut lr = LineReport::new(line);
            check_record(rec, &mut lr, &mut HashMap::new(), opts.check_latex, &|f| f.to_string());
            if let Some(note) = note {
                lr.push(crate::LineStatus::Warning, "responseProcessing", note);
            }
            report.lines.push(lr);
        }
        Err(e) => report.file_error = Some(e.to_string()),
    }
    report
}
