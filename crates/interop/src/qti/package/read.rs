//! IMS content package (zip) → items, their pictures and a per-item report.

use std::collections::{BTreeMap, HashMap};

use khaothi_domain::ItemRecord;

use super::manifest::{Resource, read_manifest};
use super::media::{MediaSet, collect, listed_files};
use super::stimulus;
use crate::document::{ConvertOptions, DocumentImport, StimulusDraft};
use crate::docx::ArchiveLimits;
use crate::docx::archive::Archive;
use crate::qti::read::read_with_meta;
use crate::report::{ImportReport, LineReport, check_record};

/// Reads a QTI 2.1 or 3.0 content package within the default bounds (docs/formats.md §8).
pub fn read_qti_package(bytes: &[u8], opts: &ConvertOptions) -> DocumentImport {
    read_qti_package_with(bytes, opts, &ArchiveLimits::default())
}

/// Reads a content package: every item resource of its manifest, in manifest order, is one entry
/// of the report (`line` = its position among the items), with the pictures it shows. Metadata the
/// items lack (subject, grade, topic, level) come from `opts`.
pub fn read_qti_package_with(bytes: &[u8], opts: &ConvertOptions, limits: &ArchiveLimits) -> DocumentImport {
    let mut report = ImportReport::new("qti");
    let fail = |mut report: ImportReport, message: String| {
        report.file_error = Some(message);
        DocumentImport { report, ..Default::default() }
    };
    // The archive reader speaks of Word files; the bounds are the same for packages.
    let archive = match Archive::read(bytes, limits, &|_| true) {
        Ok(a) => a,
        Err(e) => {
            return fail(
                report,
                e.replace("a Word .docx (zip) package", "a zip package").replace("Word files", "packages"),
            );
        }
    };
    let Some(manifest) = archive.get("imsmanifest.xml") else {
        return fail(report, "no imsmanifest.xml at the root of the zip: not an IMS content package".into());
    };
    let resources = match decode(manifest)
        .map_err(|e| e.to_string())
        .and_then(|x| read_manifest(x).map_err(|e| e.to_string()))
    {
        Ok(r) => r,
        Err(e) => return fail(report, format!("imsmanifest.xml: {e}")),
    };
    let by_id: BTreeMap<&str, &Resource> = resources.iter().map(|r| (r.identifier.as_str(), r)).collect();
    let items: Vec<&Resource> = resources.iter().filter(|r| r.is_item()).collect();
    if items.is_empty() {
        return fail(report, "the manifest lists no QTI items (resources of type imsqti_item_…)".into());
    }
    report.total_lines = items.len();
    let mut media = MediaSet::default();
    let mut passages = Passages::default();
    // A passage's pictures may be listed by its own resource, which items only depend on.
    let every: Vec<&str> =
        resources.iter().flat_map(|r| r.files.iter().map(String::as_str).chain(r.href.as_deref())).collect();
    let mut seen = HashMap::new();
    for (n, resource) in items.iter().enumerate() {
        let mut lr = LineReport::new(n + 1);
        lr.id = Some(resource.identifier.clone()).filter(|i| !i.is_empty());
        match item_record(resource, &archive) {
            Err(message) => lr.error("$", message),
            Ok((mut rec, carried, path, refs, note)) => {
                fill_metadata(&mut rec, &carried, opts);
                let listed = listed_files(resource, &by_id);
                let mut warnings = collect(&mut rec, &path, &listed, &archive, &mut media);
                warnings.extend(note.map(|n| ("responseProcessing".to_string(), n)));
                if let Some(href) = refs.first() {
                    let package = Package { archive: &archive, files: &every };
                    let found = passages.read(href, &path, n + 1, &rec, &package, &mut media);
                    match found {
                        Ok(draft) => {
                            rec.stimulus = Some(draft.id.clone());
                            draft.item_ids.push(rec.id.clone());
                        }
                        Err(message) => warnings.push(("stimulus".into(), message)),
                    }
                }
                check_record(rec, &mut lr, &mut seen, true, &|f| f.to_string());
                for (field, message) in warnings {
                    lr.push(crate::LineStatus::Warning, field, message);
                }
            }
        }
        report.lines.push(lr);
    }
    DocumentImport { report, stimuli: passages.drafts, media: media.files }
}

/// The package's files, where a passage's pictures are looked for.
struct Package<'a> {
    archive: &'a Archive,
    files: &'a [&'a str],
}

/// The passages read so far, by their file in the package.
#[derive(Default)]
struct Passages {
    paths: Vec<String>,
    drafts: Vec<StimulusDraft>,
}

impl Passages {
    /// The passage an item refers to (`href`, relative to the item file), read once per file. Its
    /// id is the one the first item carries (`KHAOTHI_STIMULUS`), else the file's identifier.
    fn read(
        &mut self,
        href: &str,
        item_path: &str,
        line: usize,
        rec: &ItemRecord,
        package: &Package,
        media: &mut MediaSet,
    ) -> Result<&mut StimulusDraft, String> {
        let archive = package.archive;
        let dir = item_path.rsplit_once('/').map_or("", |(d, _)| d);
        let path = crate::docx::archive::resolve_target(dir, href)
            .ok_or_else(|| format!("the passage {href} points outside the package"))?;
        if let Some(k) = self.paths.iter().position(|p| *p == path) {
            return Ok(&mut self.drafts[k]);
        }
        let bytes = archive.get(&path).ok_or_else(|| format!("the passage {path} is not in the package"))?;
        let xml = decode(bytes).map_err(|e| format!("{path}: {e}"))?;
        let (identifier, text) = stimulus::read_stimulus(xml).map_err(|e| format!("{path}: {e}"))?;
        let stem = path.rsplit('/').next().unwrap_or(&path).trim_end_matches(".xml");
        let id = rec.stimulus.clone().or(identifier).unwrap_or_else(|| stem.to_string());
        // The passage's pictures, found and named as an item's are.
        let mut holder = ItemRecord { id: id.clone(), stem: text, ..Default::default() };
        let warnings = collect(&mut holder, &path, package.files, archive, media);
        if let Some((_, w)) = warnings.first() {
            return Err(format!("the passage {path}: {w}"));
        }
        self.paths.push(path);
        self.drafts.push(StimulusDraft {
            id,
            text: holder.stem,
            item_ids: Vec::new(),
            paragraph: line,
            media: holder.media,
        });
        Ok(self.drafts.last_mut().expect("just pushed"))
    }
}

/// The record of one item resource, the `KHAOTHI_*` metadata it carried, its file's path and the
/// passages it refers to.
/// The record, the metadata it carried, its file, the passages it refers to and a note on how it
/// was read.
type ItemRead = (ItemRecord, Vec<String>, String, Vec<String>, Option<String>);

fn item_record(resource: &Resource, archive: &Archive) -> Result<ItemRead, String> {
    let label = if resource.identifier.is_empty() {
        "an item resource".to_string()
    } else {
        format!("item {}", resource.identifier)
    };
    let path = resource.href.clone().ok_or_else(|| format!("{label}: the manifest gives no href"))?;
    let path = crate::docx::archive::resolve_target("", &path).unwrap_or(path);
    let bytes = archive
        .get(&path)
        .ok_or_else(|| format!("{label}: {path} is listed in the manifest but not in the zip"))?;
    let xml = decode(bytes).map_err(|e| format!("{path}: {e}"))?;
    let read = read_with_meta(xml).map_err(|e| format!("{path}: {e}"))?;
    Ok((read.record, read.carried, path, stimulus::stimulus_refs(xml), read.note))
}

fn decode(bytes: &[u8]) -> Result<&str, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Subject, grade, topic and level from the import's options where the item did not carry them.
fn fill_metadata(rec: &mut ItemRecord, carried: &[String], opts: &ConvertOptions) {
    let has = |k: &str| carried.iter().any(|c| c == k);
    if !has("SUBJECT")
        && let Some(s) = &opts.subject
    {
        rec.subject = s.clone();
    }
    if !has("GRADE")
        && let Some(g) = opts.grade
    {
        rec.grade = g;
    }
    if !has("TOPIC")
        && let Some(t) = &opts.topic
    {
        rec.topic = t.clone();
    }
    if !has("LEVEL") {
        rec.level = opts.level.unwrap_or_default();
    }
}
