//! LaTeX `ex_test` files in: every `\begin{ex} … \end{ex}` becomes one item, located by the line
//! of its `\begin{ex}` (docs/formats.md, LaTeX section).
//!
//! - `\choice{…}{\True …}{…}{…}` → `single_choice` (the option holding `\True` is the key);
//! - `\choiceTF{…}{…}{…}{…}` → `true_false_group` (`\True` marks the true statements);
//! - `\shortans{…}` → `short_answer`;
//! - `\loigiai{…}` → the item's `solution`;
//! - `%[…]` tags after `\begin{ex}` → metadata ([`tags`]); the command's options fill the rest;
//! - `\includegraphics{f}` (in the text or in `\immini`'s picture) → a picture, when the file `f`
//!   was given alongside the `.tex` (the caller reads it; see [`graphics_files`]); otherwise, and
//!   for TikZ pictures, a warning.
//!
//! Pure: the file's text and the pictures' bytes in, a [`DocumentImport`] out.

mod markdown;
mod question;
mod source;
mod tags;

use std::collections::{BTreeMap, HashMap};

use khaothi_domain::{ItemKind, ItemRecord};
use serde_json::{Map, Value, json};

use crate::document::{ConvertOptions, DocumentImport, MediaFile, image_extension, sniff_image};
use crate::report::{ImportReport, LineReport, LineStatus, check_record};
use question::{Answer, Parts};
use source::{Source, find_from};

/// A `.tex` file larger than this is refused unread: a question bank of ten thousand questions
/// is a few megabytes.
pub const MAX_TEX_BYTES: usize = 16 * 1024 * 1024;

/// Reads an uploaded `.tex` file (UTF-8, as every text format); `files` are the pictures given
/// alongside it, by the name `\includegraphics` uses.
pub fn parse_tex_bytes(
    bytes: &[u8],
    files: &BTreeMap<String, Vec<u8>>,
    opts: &ConvertOptions,
) -> DocumentImport {
    let mut doc = DocumentImport { report: ImportReport::new("tex"), ..Default::default() };
    if bytes.len() > MAX_TEX_BYTES {
        doc.report.file_error = Some(format!(
            "the file has {} bytes; a .tex file is limited to {MAX_TEX_BYTES} bytes",
            bytes.len()
        ));
        return doc;
    }
    match khaothi_domain::text::decode_text(bytes) {
        Ok(text) => parse_tex(&text, files, opts),
        Err(msg) => {
            doc.report.file_error = Some(msg);
            doc
        }
    }
}

/// Reads the questions of an `ex_test` file.
pub fn parse_tex(input: &str, files: &BTreeMap<String, Vec<u8>>, opts: &ConvertOptions) -> DocumentImport {
    let src = Source::new(input);
    let mut doc = DocumentImport { report: ImportReport::new("tex"), ..Default::default() };
    doc.report.total_lines = input.lines().count();
    let mut seen = HashMap::new();
    let mut at = 0;
    let mut number = 0;
    while let Some(begin) = find_from(&src.text, at, "\\begin{ex}") {
        let body_start = begin + "\\begin{ex}".len();
        number += 1;
        let mut lr = LineReport::new(src.line_of(begin));
        let Some(end) = find_from(&src.text, body_start, "\\end{ex}") else {
            lr.id = Some(opts.item_id(number));
            lr.error("$", format!("line {}: \\begin{{ex}} is never closed by \\end{{ex}}", lr.line));
            doc.report.lines.push(lr);
            break;
        };
        if let Some(nested) = find_from(&src.text[..end], body_start, "\\begin{ex}") {
            lr.error(
                "$",
                format!("line {}: a new \\begin{{ex}} starts before this one ends", src.line_of(nested)),
            );
        }
        let groups = tag_groups(&src, begin);
        let parts = question::split(&src.text, body_start..end);
        if let Some(value) =
            question_record(&src, &parts, &groups, number, opts, files, &mut lr, &mut doc.media)
        {
            match ItemRecord::from_json_line(&value.to_string()) {
                Ok(record) => check_record(record, &mut lr, &mut seen, true, &|f| f.to_string()),
                Err(e) => lr.error(e.field, e.message),
            }
        }
        doc.report.lines.push(lr);
        at = end + "\\end{ex}".len();
    }
    if doc.report.lines.is_empty() {
        doc.report.file_error =
            Some("no \\begin{ex} … \\end{ex} question found (an ex_test file was expected)".into());
    }
    doc
}

/// The names of every picture the file includes, as written (`hinh/h1`, `h2.png`), without
/// duplicates: the caller reads those files from beside the `.tex`.
pub fn graphics_files(input: &str) -> Vec<String> {
    let src = Source::new(input);
    let mut names = Vec::new();
    let mut at = 0;
    while let Some(found) = find_from(&src.text, at, "\\includegraphics") {
        let after = source::skip_optionals(&src.text, found + "\\includegraphics".len());
        at = after;
        if let Some(g) = source::group(&src.text, source::skip_ws(&src.text, after)) {
            let name = src.text[g].trim().to_string();
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// The tag brackets of the question beginning at `begin`: on the `\begin{ex}` line and on the
/// comment lines right after it.
fn tag_groups<'a>(src: &Source<'a>, begin: usize) -> Vec<&'a str> {
    let mut groups = tags::brackets(src.rest_of_line(begin));
    let mut line = src.line_of(begin) + 1;
    while let Some(text) = src.line(line).filter(|l| l.trim_start().starts_with("%[")) {
        groups.extend(tags::brackets(text));
        line += 1;
    }
    groups
}

/// Builds the interchange record of one question; problems go to `lr`. `None` when the question
/// cannot become an item (no answer command, missing metadata).
#[allow(clippy::too_many_arguments)]
fn question_record(
    src: &Source<'_>,
    parts: &Parts,
    groups: &[&str],
    number: usize,
    opts: &ConvertOptions,
    files: &BTreeMap<String, Vec<u8>>,
    lr: &mut LineReport,
    media: &mut Vec<MediaFile>,
) -> Option<Value> {
    let line = lr.line;
    let (tags, tag_problems) = tags::read(groups);
    let id = tags.id.clone().unwrap_or_else(|| opts.item_id(number));
    lr.id = Some(id.clone());
    for (field, message) in tag_problems {
        lr.error(field, format!("line {line}: {message}"));
    }
    for (offset, problem) in &parts.problems {
        lr.error("$", format!("line {}: {problem}", src.line_of(*offset)));
    }
    let mut pictures = Pictures::new(files, &id);
    let text = |pictures: &mut Pictures<'_>, r: &std::ops::Range<usize>| {
        markdown::to_markdown(&src.text[r.clone()], pictures)
    };
    let mut stem: String =
        parts.stem.iter().map(|r| src.text[r.clone()].to_string()).collect::<Vec<_>>().join(" ");
    for f in &parts.figures {
        stem.push_str("\n\n");
        stem.push_str(&src.text[f.clone()]);
    }
    let mut record = Map::new();
    record.insert("stem".into(), json!(markdown::to_markdown(&stem, &mut pictures)));
    let Some((answer, answer_at)) = &parts.answer else {
        lr.error("kind", format!("line {line}: no \\choice, \\choiceTF or \\shortans: an essay question (tự luận) cannot be scored by khaothi"));
        return None;
    };
    let answer_line = src.line_of(*answer_at);
    match answer {
        Answer::Choice(options) | Answer::TrueFalse(options) => {
            let single = matches!(answer, Answer::Choice(_));
            let what = if single { "options" } else { "statements" };
            if options.len() != 4 {
                lr.error(what, format!("line {answer_line}: {} {what} found, expected 4", options.len()));
            }
            let texts: Vec<String> = options.iter().map(|(r, _)| text(&mut pictures, r)).collect();
            let marks: Vec<bool> = options.iter().map(|(_, t)| *t).collect();
            if single {
                record.insert("kind".into(), json!(ItemKind::SingleChoice.as_str()));
                record.insert("options".into(), json!(texts));
                match marks.iter().filter(|m| **m).count() {
                    1 => {
                        let i = marks.iter().position(|m| *m).unwrap_or(0);
                        record.insert("key".into(), json!(char::from(b'A' + i as u8).to_string()));
                    }
                    0 => lr.error("key", format!("line {answer_line}: no option is marked \\True")),
                    n => lr.error("key", format!("line {answer_line}: {n} options are marked \\True; a single-choice question has one key")),
                }
            } else {
                record.insert("kind".into(), json!(ItemKind::TrueFalseGroup.as_str()));
                record.insert("statements".into(), json!(texts));
                record.insert("keys".into(), json!(marks));
            }
        }
        Answer::Short(r) => {
            record.insert("kind".into(), json!(ItemKind::ShortAnswer.as_str()));
            let answer: String =
                src.text[r.clone()].chars().filter(|c| !matches!(c, '$' | ' ' | '{' | '}' | '~')).collect();
            record.insert("answer".into(), json!(answer));
        }
    }
    if let Some(s) = &parts.solution {
        record.insert("solution".into(), json!(text(&mut pictures, s)));
    }
    for w in pictures.warnings.drain(..) {
        lr.push(LineStatus::Warning, "$", format!("line {line}: {w}"));
    }
    if !pictures.names.is_empty() {
        record.insert("media".into(), json!(pictures.names));
    }
    media.append(&mut pictures.taken);
    metadata(&mut record, id, &tags, opts, lr)?;
    if lr.status == LineStatus::Error {
        return None;
    }
    Some(Value::Object(record))
}

/// Fills id, subject, grade, topic, level and stimulus from the tags, then the options; a field
/// neither gives is an error naming both ways to give it.
fn metadata(
    record: &mut Map<String, Value>,
    id: String,
    tags: &tags::Tags,
    opts: &ConvertOptions,
    lr: &mut LineReport,
) -> Option<()> {
    let line = lr.line;
    record.insert("id".into(), json!(id));
    let subject = tags.subject.clone().or_else(|| opts.subject.clone());
    let grade = tags.grade.or(opts.grade);
    let topic = tags.topic.clone().or_else(|| opts.topic.clone());
    let level = tags.level.or(opts.level);
    let mut missing = |field: &str| {
        lr.error(
            field,
            format!(
                "line {line}: no {field}: give --{field} (the import form's {field}) or a %[{field}=…] tag"
            ),
        );
    };
    if subject.is_none() {
        missing("subject");
    }
    if grade.is_none() {
        missing("grade");
    }
    if topic.is_none() {
        missing("topic");
    }
    if level.is_none() {
        missing("level");
    }
    record.insert("subject".into(), json!(subject?));
    record.insert("grade".into(), json!(grade?));
    record.insert("topic".into(), json!(topic?));
    record.insert("level".into(), json!(level?.as_str()));
    if let Some(s) = &tags.stimulus {
        record.insert("stimulus".into(), json!(s));
    }
    Some(())
}

/// Where a question's pictures go: the files given alongside the `.tex`, the media taken from
/// them (named `{item}-{n}.{ext}`), and the warnings for pictures that cannot be shown.
pub(crate) struct Pictures<'a> {
    given: &'a BTreeMap<String, Vec<u8>>,
    item: String,
    /// Names of the media taken, as the item's `media` lists them.
    pub names: Vec<String>,
    pub taken: Vec<MediaFile>,
    pub warnings: Vec<String>,
}

impl<'a> Pictures<'a> {
    pub fn new(files: &'a BTreeMap<String, Vec<u8>>, item: &str) -> Self {
        Pictures {
            given: files,
            item: item.to_string(),
            names: Vec::new(),
            taken: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub fn warn(&mut self, message: String) {
        if !self.warnings.contains(&message) {
            self.warnings.push(message);
        }
    }

    /// The Markdown for `\includegraphics{name}`: an image of the given file when it is a picture
    /// the bank shows (PNG, JPEG, GIF, WebP by its bytes), else nothing and a warning.
    pub fn picture(&mut self, name: &str) -> String {
        let found = [name.to_string(), format!("{name}.png"), format!("{name}.jpg"), format!("{name}.jpeg")]
            .into_iter()
            .find_map(|n| self.given.get(&n));
        let Some(bytes) = found else {
            self.warn(format!("picture \"{name}\" was not given with the .tex file: it was left out"));
            return String::new();
        };
        let Some(content_type) = sniff_image(bytes) else {
            self.warn(format!("picture \"{name}\" is not a PNG, JPEG, GIF or WebP image: it was left out"));
            return String::new();
        };
        let file_name = format!("{}-{}.{}", self.item, self.names.len() + 1, image_extension(content_type));
        self.names.push(file_name.clone());
        self.taken.push(MediaFile {
            name: file_name.clone(),
            content_type: content_type.to_string(),
            bytes: bytes.clone(),
        });
        format!("\n\n![hình]({file_name})\n\n")
    }
}

#[cfg(test)]
mod tests;
