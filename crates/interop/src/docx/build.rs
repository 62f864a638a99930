//! Question drafts → interchange records → the import report, with media and stimuli. Every
//! problem names its question (`Câu 7: 3 options found, expected 4`) and the report line is the
//! paragraph where the question starts.

use std::collections::HashMap;

use khaothi_domain::interchange::AnswerRecord;
use khaothi_domain::{ItemKind, ItemRecord, StatementRecord};

use super::answers::{AnswerKind, classify};
use super::archive::Archive;
use super::body::{PictureRef, Style, picture_index};
use super::markers::{KeyMark, Lettered, Seg, key_by_marks};
use super::paper::{Paper, QuestionDraft};
use crate::document::{
    ConvertOptions, DocumentImport, MediaFile, Rasteriser, StimulusDraft, image_extension, sniff_image,
    sniff_vector,
};
use crate::report::{ImportReport, LineReport, LineStatus, check_record};

/// Turns pictures into media files as text is written out.
struct Media<'a> {
    archive: &'a Archive,
    pictures: &'a [PictureRef],
    files: Vec<MediaFile>,
    rasterise: Option<&'a Rasteriser>,
}

/// The media names and problems of one owner (an item or a passage).
struct Owner {
    id: String,
    label: String,
    names: Vec<String>,
    warnings: Vec<String>,
}

impl Media<'_> {
    /// Markdown of one piece: pictures become `![hình k](NAME)` with NAME listed for the owner.
    fn text(&mut self, seg: &Seg, owner: &mut Owner) -> String {
        let mut out = String::new();
        for c in seg.text().chars() {
            match picture_index(c).and_then(|i| self.pictures.get(i)) {
                Some(pic) => out.push_str(&self.picture(pic, owner)),
                None => out.push(c),
            }
        }
        out.trim().to_string()
    }

    fn picture(&mut self, pic: &PictureRef, owner: &mut Owner) -> String {
        let what = pic.fallback_for.as_deref().unwrap_or("a picture");
        let Some(bytes) = self.archive.get(&pic.part) else {
            owner
                .warnings
                .push(format!("{}: {what} ({}) is missing from the package", owner.label, pic.part));
            return String::new();
        };
        let (content_type, bytes) = match (sniff_image(bytes), sniff_vector(bytes)) {
            (Some(t), _) => (t, bytes.to_vec()),
            (None, Some(kind)) => match self.rasterised(bytes, kind) {
                Ok(png) => {
                    owner.warnings.push(format!(
                        "{}: {what} ({}) is {} picture, which browsers cannot show: kept as a PNG rasterised \
                         from it — check it",
                        owner.label,
                        pic.part,
                        vector_name(kind)
                    ));
                    ("image/png", png)
                }
                Err(why) => {
                    owner.warnings.push(format!(
                        "{}: {what} ({}) is {} picture, which browsers cannot show, and could not be \
                         rasterised ({why}); it was not kept — replace it with a PNG",
                        owner.label,
                        pic.part,
                        vector_name(kind)
                    ));
                    return String::new();
                }
            },
            (None, None) => {
                owner.warnings.push(format!(
                    "{}: {what} ({}) is not a PNG, JPEG, GIF or WebP image (nor a WMF/EMF to rasterise); \
                     it was not kept — replace it with a PNG",
                    owner.label, pic.part
                ));
                return String::new();
            }
        };
        let k = owner.names.len() + 1;
        let name = format!("{}-{k}.{}", owner.id, image_extension(content_type));
        self.files.push(MediaFile { name: name.clone(), content_type: content_type.into(), bytes });
        owner.names.push(name.clone());
        format!("![hình {k}]({name})")
    }

    /// A WMF/EMF as PNG through the caller's rasteriser, checked to be a PNG.
    fn rasterised(&self, bytes: &[u8], kind: &str) -> Result<Vec<u8>, String> {
        let rasterise = self.rasterise.ok_or("no rasteriser was given to this reader")?;
        let png = (rasterise.0)(bytes, kind)?;
        match sniff_image(&png) {
            Some("image/png") => Ok(png),
            _ => Err("the rasteriser did not return a PNG".into()),
        }
    }

    /// Paragraphs joined as Markdown paragraphs; the cells of one table become a Markdown table
    /// (its first row the header), as a statistics question's data table.
    fn paragraphs(&mut self, segs: &[Seg], owner: &mut Owner) -> String {
        let mut blocks = Vec::new();
        let mut i = 0;
        while i < segs.len() {
            match segs[i].cell {
                Some((table, _, _)) => {
                    let n = segs[i..].iter().take_while(|s| s.cell.is_some_and(|c| c.0 == table)).count();
                    blocks.push(self.table(&segs[i..i + n], owner));
                    i += n;
                }
                None => {
                    blocks.push(self.text(&segs[i], owner));
                    i += 1;
                }
            }
        }
        blocks.into_iter().filter(|t| !t.is_empty()).collect::<Vec<_>>().join("\n\n")
    }

    fn table(&mut self, cells: &[Seg], owner: &mut Owner) -> String {
        let mut grid: std::collections::BTreeMap<usize, std::collections::BTreeMap<usize, String>> =
            Default::default();
        for seg in cells {
            let Some((_, row, col)) = seg.cell else { continue };
            let text = self.text(seg, owner).replace('|', "\\|");
            let cell = grid.entry(row).or_default().entry(col).or_default();
            if !cell.is_empty() {
                cell.push(' ');
            }
            cell.push_str(&text);
        }
        let cols = grid.values().filter_map(|r| r.keys().max()).max().map_or(0, |m| m + 1);
        let line = |r: &std::collections::BTreeMap<usize, String>| {
            let cells: Vec<&str> = (0..cols).map(|c| r.get(&c).map_or("", String::as_str)).collect();
            format!("| {} |", cells.join(" | "))
        };
        let mut rows: Vec<String> = grid.values().map(line).collect();
        if rows.is_empty() {
            return String::new();
        }
        rows.insert(1, format!("|{}", " --- |".repeat(cols)));
        rows.join("\n")
    }
}

/// "a WMF" / "an EMF", for the warnings.
fn vector_name(kind: &str) -> &'static str {
    if kind == "emf" { "an EMF" } else { "a WMF" }
}

/// Builds the import: one report line per question, stimuli, media.
pub fn build(
    paper: Paper,
    opts: &ConvertOptions,
    archive: &Archive,
    pictures: &[PictureRef],
    paragraphs: usize,
) -> DocumentImport {
    let mut media = Media { archive, pictures, files: Vec::new(), rasterise: opts.rasterise.as_ref() };
    let mut report = ImportReport::new("docx");
    report.total_lines = paragraphs;
    let ids: Vec<String> = paper
        .questions
        .iter()
        .enumerate()
        .map(|(k, q)| q.tags.id.clone().unwrap_or_else(|| opts.item_id(k + 1)))
        .collect();
    let stimuli = stimuli(&paper, &ids, opts, &mut media, &mut report.file_warnings);
    let mut seen = HashMap::new();
    for (q, id) in paper.questions.iter().zip(&ids) {
        let stimulus = q.passage.map(|p| stimulus_id(opts, p));
        report.lines.push(question(q, id, stimulus, &paper, opts, &mut media, &mut seen));
    }
    unmatched_answers(&paper, &mut report.file_warnings);
    if paper.questions.is_empty() {
        report.file_error = Some(
            "no question found: questions start with \"Câu 1.\", \"Câu 1:\", \"Câu 1)\" or \"Bài 1.\" at the start of a paragraph"
                .into(),
        );
    }
    DocumentImport { report, stimuli, media: media.files }
}

/// Answer-table entries that no question of that number and kind takes: a numbering slip.
fn unmatched_answers(paper: &Paper, warnings: &mut Vec<String>) {
    for e in &paper.answers.entries {
        let taken = paper.questions.iter().any(|q| {
            let kind = match kind_of(q) {
                ItemKind::SingleChoice | ItemKind::MultipleResponse => AnswerKind::Letter,
                ItemKind::TrueFalseGroup => AnswerKind::TrueFalse,
                ItemKind::ShortAnswer => AnswerKind::Number,
            };
            q.number == e.number
                && kind == e.kind
                && (e.part.is_none() || q.part.is_none() || q.part == e.part)
        });
        if !taken {
            warnings.push(format!(
                "answer table (paragraph {}): câu {} → {} matches no question",
                e.para, e.number, e.value
            ));
        }
    }
}

fn stimulus_id(opts: &ConvertOptions, index: usize) -> String {
    format!("{}-S{:02}", opts.id_prefix, index + 1)
}

fn stimuli(
    paper: &Paper,
    ids: &[String],
    opts: &ConvertOptions,
    media: &mut Media,
    warnings: &mut Vec<String>,
) -> Vec<StimulusDraft> {
    let mut out = Vec::new();
    for (p, passage) in paper.passages.iter().enumerate() {
        let id = stimulus_id(opts, p);
        let mut owner = Owner {
            id: id.clone(),
            label: format!("passage at paragraph {}", passage.para),
            names: vec![],
            warnings: vec![],
        };
        let text = media.paragraphs(&passage.lines, &mut owner);
        let item_ids: Vec<String> = paper
            .questions
            .iter()
            .zip(ids)
            .filter(|(q, _)| q.passage == Some(p))
            .map(|(_, id)| id.clone())
            .collect();
        warnings.extend(owner.warnings);
        warnings
            .extend(passage.warnings.iter().map(|w| format!("passage at paragraph {}: {w}", passage.para)));
        if item_ids.is_empty() {
            warnings.push(format!(
                "the passage at paragraph {} is followed by no question it names",
                passage.para
            ));
        }
        if text.is_empty() {
            warnings.push(format!("the passage at paragraph {} has no text", passage.para));
        }
        let listed = |name: &str| {
            owner.names.iter().any(|n| n == name).then(|| format!("{}{name}", khaothi_render::MEDIA_PREFIX))
        };
        let render = khaothi_render::RenderOptions { media: Some(&listed), annotate: false };
        if let Err(e) = khaothi_render::render_markdown(&text, &render) {
            warnings.push(format!("the passage at paragraph {}: {e}", passage.para));
        }
        out.push(StimulusDraft { id, text, item_ids, paragraph: passage.para, media: owner.names });
    }
    out
}

/// The kind a question's part sets, else what its content shows.
fn kind_of(q: &QuestionDraft) -> ItemKind {
    match q.part {
        Some(1) => ItemKind::SingleChoice,
        Some(2) => ItemKind::TrueFalseGroup,
        Some(3) => ItemKind::ShortAnswer,
        _ if !q.options.is_empty() => ItemKind::SingleChoice,
        _ if !q.statements.is_empty() => ItemKind::TrueFalseGroup,
        _ => ItemKind::ShortAnswer,
    }
}

fn question(
    q: &QuestionDraft,
    id: &str,
    stimulus: Option<String>,
    paper: &Paper,
    opts: &ConvertOptions,
    media: &mut Media,
    seen: &mut HashMap<String, usize>,
) -> LineReport {
    let label = format!("Câu {}", q.number);
    let mut lr = LineReport::new(q.para);
    let mut owner = Owner { id: id.to_string(), label: label.clone(), names: vec![], warnings: vec![] };
    let kind = kind_of(q);
    let mut rec = ItemRecord { id: id.to_string(), kind, stimulus, ..Default::default() };
    rec.stem = media.paragraphs(&q.stem, &mut owner);
    let mut problems: Vec<(&str, String)> = Vec::new();
    // Word papers have the three THPT parts only: `kind_of` never says multiple_response.
    match kind {
        ItemKind::SingleChoice | ItemKind::MultipleResponse => {
            rec.options = Some(q.options.iter().map(|o| media.text(&o.body, &mut owner)).collect());
            if q.options.len() != 4 {
                problems.push(("options", format!("{label}: {} options found, expected 4", q.options.len())));
            }
            match choice_key(q, paper, &label, &mut owner.warnings) {
                Ok(k) => rec.key = Some(k.to_string()),
                Err(e) => problems.push(("key", e)),
            }
        }
        ItemKind::TrueFalseGroup => {
            let (texts, keys) = true_false(q, paper, &label, media, &mut owner);
            if q.statements.len() != 4 {
                problems.push((
                    "statements",
                    format!("{label}: {} statements found, expected 4 (a)–d))", q.statements.len()),
                ));
            }
            rec.statements = Some(texts.into_iter().map(StatementRecord::Text).collect());
            match keys {
                Ok(k) => rec.keys = Some(k),
                Err(e) => problems.push(("keys", e)),
            }
        }
        ItemKind::ShortAnswer => {
            let listed =
                paper.answers.find(q.part.or(Some(3)), q.number, AnswerKind::Number).map(|e| e.value.clone());
            match q.answer.clone().or(listed) {
                Some(a) => rec.answer = Some(AnswerRecord::One(a)),
                None => problems
                    .push(("answer", format!("{label}: no answer (\"Đáp án: …\") and no answer table"))),
            }
        }
    }
    if !q.solution.is_empty() {
        rec.solution = Some(media.paragraphs(&q.solution, &mut owner)).filter(|s| !s.is_empty());
    }
    let missing = metadata(&mut rec, q, opts, &label, &mut problems);
    rec.media = owner.names.clone();
    for w in q.warnings.iter().map(|w| format!("{label}: {w}")).chain(owner.warnings) {
        lr.push(LineStatus::Warning, "$", w);
    }
    for (field, message) in problems {
        lr.error(field, message);
    }
    check_record(rec, &mut lr, seen, true, &|f| f.to_string());
    // The domain's own complaint about a field the file never gave repeats ours.
    lr.messages.retain(|m| !missing.contains(&m.field.as_str()) || m.message.starts_with(&label));
    lr
}

/// Fills subject, grade, topic and level from the tag line, else the options; names what is
/// missing (the fields, for [`question`] to drop the domain's duplicate complaint).
fn metadata(
    rec: &mut ItemRecord,
    q: &QuestionDraft,
    opts: &ConvertOptions,
    label: &str,
    problems: &mut Vec<(&str, String)>,
) -> Vec<&'static str> {
    let mut missing = Vec::new();
    let hint = |what: &str, flag: &str, tag: &str| {
        format!("{label}: no {what}: give {flag} (or the import form's {what}) or a tag line such as [{tag}]")
    };
    for p in &q.tags.problems {
        problems.push(("$", format!("{label}: tag line: {p}")));
    }
    match q.tags.subject.clone().or_else(|| opts.subject.clone()) {
        Some(s) => rec.subject = s,
        None => {
            problems.push(("subject", hint("subject", "--subject", "môn: toan")));
            missing.push("subject");
        }
    }
    match q.tags.grade.or(opts.grade) {
        Some(g) => rec.grade = g,
        None => {
            problems.push(("grade", hint("grade", "--grade", "lớp: 12")));
            missing.push("grade");
        }
    }
    match q.tags.topic.clone().or_else(|| opts.topic.clone()) {
        Some(t) => rec.topic = t,
        None => {
            problems.push(("topic", hint("topic", "--topic", "chủ đề: 12.1.2")));
            missing.push("topic");
        }
    }
    match q.tags.level.or(opts.level) {
        Some(l) => rec.level = l,
        None => {
            problems.push(("level", hint("level", "--level", "mức độ: TH")));
            missing.push("level");
        }
    }
    missing
}

/// The key of a single-choice question: the writer's marks, else `Chọn X` / `Đáp án: X`, else the
/// answer table; marks and table must agree.
fn choice_key(
    q: &QuestionDraft,
    paper: &Paper,
    label: &str,
    warnings: &mut Vec<String>,
) -> Result<char, String> {
    let marks: Vec<Style> = q.options.iter().map(|o| o.marks).collect();
    let letter_of = |i: usize| q.options.get(i).map_or('?', |o| o.letter);
    let stated = q
        .answer
        .as_deref()
        .and_then(classify)
        .filter(|(_, k)| *k == AnswerKind::Letter)
        .and_then(|(v, _)| v.chars().next())
        .or(q.chosen);
    let table = paper
        .answers
        .find(q.part.or(Some(1)), q.number, AnswerKind::Letter)
        .and_then(|e| e.value.chars().next());
    match key_by_marks(&marks) {
        KeyMark::One(i) => {
            let marked = letter_of(i);
            match table.or(stated) {
                Some(other) if other != marked => Err(format!(
                    "{label}: the key marked is {marked} but the answer table (or solution) says {other}"
                )),
                _ => Ok(marked),
            }
        }
        KeyMark::Ambiguous => match table.or(stated) {
            Some(k) => {
                warnings.push(format!("{label}: the marks on the options single out no option; key {k} taken from the answer table"));
                Ok(k)
            }
            None => Err(format!("{label}: ambiguous key")),
        },
        KeyMark::None => {
            stated.or(table).ok_or_else(|| format!("{label}: no key marked and no answer table"))
        }
    }
}

/// `(Đ)` / `(S)` written after a statement.
fn explicit_truth(text: &str) -> Option<(String, bool)> {
    let t = text.trim_end();
    for (suffix, truth) in [
        ("(Đ)", true),
        ("(S)", false),
        ("(Đúng)", true),
        ("(Sai)", false),
        ("\\[Đ\\]", true),
        ("\\[S\\]", false),
    ] {
        if let Some(rest) = t.strip_suffix(suffix) {
            return Some((rest.trim_end().to_string(), truth));
        }
    }
    None
}

type Keys = Result<Vec<bool>, String>;

/// Statement texts and keys of a true/false group: `(Đ)`/`(S)` after each statement, else marks
/// on the letters (underline or colour, else bold, = true), else the answer table.
fn true_false(
    q: &QuestionDraft,
    paper: &Paper,
    label: &str,
    media: &mut Media,
    owner: &mut Owner,
) -> (Vec<String>, Keys) {
    let mut texts = Vec::new();
    let mut explicit = Vec::new();
    for s in &q.statements {
        let text = media.text(&s.body, owner);
        match explicit_truth(&text) {
            Some((t, v)) => {
                texts.push(t);
                explicit.push(Some(v));
            }
            None => {
                texts.push(text);
                explicit.push(None);
            }
        }
    }
    if explicit.iter().any(Option::is_some) {
        let unmarked: Vec<String> = q
            .statements
            .iter()
            .zip(&explicit)
            .filter(|(_, e)| e.is_none())
            .map(|(s, _)| format!("{})", s.letter))
            .collect();
        if !unmarked.is_empty() {
            return (texts, Err(format!("{label}: statements {} have no (Đ)/(S) mark", unmarked.join(", "))));
        }
        return (texts, Ok(explicit.into_iter().flatten().collect()));
    }
    (texts, marked_truth(&q.statements).map(Ok).unwrap_or_else(|| table_truth(q, paper, label)))
}

fn marked_truth(statements: &[Lettered]) -> Option<Vec<bool>> {
    let strong: Vec<bool> = statements.iter().map(|s| s.marks.underline || s.marks.colour).collect();
    if strong.iter().any(|b| *b) {
        return Some(strong);
    }
    let bold: Vec<bool> = statements.iter().map(|s| s.marks.bold).collect();
    let n = bold.iter().filter(|b| **b).count();
    (n > 0 && n < statements.len()).then_some(bold)
}

fn table_truth(q: &QuestionDraft, paper: &Paper, label: &str) -> Keys {
    let stated =
        q.answer.as_deref().and_then(classify).filter(|(_, k)| *k == AnswerKind::TrueFalse).map(|(v, _)| v);
    let listed =
        paper.answers.find(q.part.or(Some(2)), q.number, AnswerKind::TrueFalse).map(|e| e.value.clone());
    match stated.or(listed) {
        Some(v) => Ok(v.chars().map(|c| c == 'Đ').collect()),
        None => Err(format!("{label}: no key marked (Đ/S) and no answer table")),
    }
}
