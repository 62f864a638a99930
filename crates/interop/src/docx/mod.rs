//! Word (`.docx`) papers → items, in the layout Vietnamese teachers already use (docs/formats.md,
//! "Word papers"): `Câu n.` questions, options `A.`–`D.` with the key underlined or coloured (or
//! bold, or in an answer table), `PHẦN I/II/III`, true/false statements `a)`–`d)`, short answers
//! (`Đáp án: …`), `Lời giải` solutions, shared passages, equations (Word's own and MathType) as
//! LaTeX, and pictures as media. Pure: the bytes of the file in, a [`DocumentImport`] out.

mod answers;
pub(crate) mod archive;
mod body;
mod build;
mod cues;
mod markers;
mod paper;
pub(crate) mod xml;

use std::collections::HashMap;

use crate::document::{ConvertOptions, DocumentImport};
use crate::report::ImportReport;
pub use archive::ArchiveLimits;

/// Reads a Word file with the default limits.
pub fn read_docx(bytes: &[u8], opts: &ConvertOptions) -> DocumentImport {
    read_docx_with(bytes, opts, &ArchiveLimits::default())
}

/// Reads a Word file. A file that cannot be read at all (not a zip, a zip bomb, malformed XML, a
/// DOCTYPE) gives a report with `file_error` and no lines.
pub fn read_docx_with(bytes: &[u8], opts: &ConvertOptions, limits: &ArchiveLimits) -> DocumentImport {
    match read(bytes, opts, limits) {
        Ok(import) => import,
        Err(message) => {
            let mut report = ImportReport::new("docx");
            report.file_error = Some(message);
            DocumentImport { report, ..Default::default() }
        }
    }
}

fn wanted(part: &str) -> bool {
    part == "word/document.xml"
        || part == "word/_rels/document.xml.rels"
        || part.starts_with("word/media/")
        || part.starts_with("word/embeddings/")
}

fn read(bytes: &[u8], opts: &ConvertOptions, limits: &ArchiveLimits) -> Result<DocumentImport, String> {
    let archive = archive::Archive::read(bytes, limits, &wanted)?;
    let document = archive
        .get("word/document.xml")
        .ok_or("the package has no word/document.xml: it is not a Word document")?;
    let document = xml::parse(document, "word/document.xml")?;
    let rels = match archive.get("word/_rels/document.xml.rels") {
        Some(r) => relationships(&xml::parse(r, "word/_rels/document.xml.rels")?),
        None => HashMap::new(),
    };
    let body = document.child("w:body").ok_or("word/document.xml has no body")?;
    let convert = |part: &str| -> Result<String, String> {
        archive.get(part).ok_or_else(|| format!("{part} is missing")).and_then(crate::mtef::from_ole)
    };
    let mut walker = body::Walker::new(&rels, &convert);
    walker.blocks(body);
    let paragraphs = walker.lines.last().map_or(0, |l| l.para);
    let paper = paper::read(&walker.lines);
    Ok(build::build(paper, opts, &archive, &walker.pictures, paragraphs))
}

/// Relationship id → package part (internal targets only).
fn relationships(root: &xml::Node) -> HashMap<String, String> {
    root.elements()
        .filter(|r| r.local() == "Relationship" && r.attr("TargetMode") != Some("External"))
        .filter_map(|r| {
            Some((r.attr("Id")?.to_string(), archive::resolve_target("word", r.attr("Target")?)?))
        })
        .collect()
}

#[cfg(test)]
mod tests;
