//! Items (and a frozen form) → a QTI content package (zip).
//!
//! Layout: `imsmanifest.xml`; `items/ID.xml` per item (resource `ITEM-ID`); `media/NAME` per
//! picture (a `webcontent` resource the items depend on); with a form, `tests/ID.xml`, an
//! `assessmentTest` whose sections are the paper's parts (PHẦN I, II, III) and whose outcome
//! processing sums each item's `SCORE` (its share, 0–1) times its THPT points (the item ref's
//! weight `W`), so the test's `SCORE` is the paper's score out of 10. Shared passages the items
//! name go to `stimuli/ID.xml` ([`super::stimulus`]).

use std::collections::BTreeMap;
use std::io::{Cursor, Write};

use khaothi_domain::form::Form;
use khaothi_domain::{Item, ItemBody};
use quick_xml::escape::escape;

use super::stimulus;
use crate::InteropError;
use crate::document::{MediaFile, StimulusDraft};
use crate::qti::QtiVersion;
use crate::qti::write::{Names, StimulusRef, write_item};

/// The passages the items use, in first-use order, each with its file stem.
pub(super) struct Passages<'a> {
    list: Vec<(&'a StimulusDraft, String)>,
}

impl<'a> Passages<'a> {
    fn of(items: &[Item], stimuli: &'a [StimulusDraft]) -> Self {
        let mut list: Vec<(&StimulusDraft, String)> = Vec::new();
        for id in items.iter().filter_map(|i| i.stimulus.as_deref()) {
            if list.iter().any(|(p, _)| p.id == id) {
                continue;
            }
            if let Some(p) = stimuli.iter().find(|s| s.id == id) {
                let base = ItemFiles::clean(id);
                let mut stem = base.clone();
                let mut n = 2;
                while list.iter().any(|(_, s)| *s == stem) {
                    stem = format!("{base}_{n}");
                    n += 1;
                }
                list.push((p, stem));
            }
        }
        Passages { list }
    }

    fn of_item(&self, item: &Item) -> Option<(&'a StimulusDraft, &str)> {
        let id = item.stimulus.as_deref()?;
        self.list.iter().find(|(p, _)| p.id == id).map(|(p, stem)| (*p, stem.as_str()))
    }

    fn resource(stem: &str) -> String {
        format!("STIMULUS-{stem}")
    }
}

/// The test a package carries: its parts in order, each with its items in delivery order.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOutline {
    pub identifier: String,
    pub title: String,
    pub sections: Vec<TestSection>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TestSection {
    /// `PHẦN I`, `PHẦN II`, …
    pub title: String,
    pub item_ids: Vec<String>,
}

impl TestOutline {
    /// A form's outline: one section per blueprint section index, in form order.
    pub fn of_form(form: &Form, title: &str) -> Self {
        let mut sections: Vec<(u32, TestSection)> = Vec::new();
        for fi in &form.items {
            match sections.iter_mut().find(|(s, _)| *s == fi.section) {
                Some((_, section)) => section.item_ids.push(fi.item_id.clone()),
                None => sections.push((
                    fi.section,
                    TestSection { title: part_title(fi.section), item_ids: vec![fi.item_id.clone()] },
                )),
            }
        }
        TestOutline {
            identifier: form.id.clone(),
            title: title.to_string(),
            sections: sections.into_iter().map(|(_, s)| s).collect(),
        }
    }
}

fn part_title(section: u32) -> String {
    let roman = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"];
    let n = roman.get(section as usize).map_or_else(|| (section + 1).to_string(), |r| r.to_string());
    format!("PHẦN {n}")
}

/// The points an item is worth on a THPT paper (docs/formats.md "Results and exports"): part I
/// 0.25, part II 1, part III 0.5 in mathematics and 0.25 otherwise; a multiple-response item 1.
pub fn thpt_points(item: &Item) -> f64 {
    match &item.body {
        ItemBody::SingleChoice { .. } => 0.25,
        ItemBody::TrueFalseGroup { .. } | ItemBody::MultipleResponse { .. } => 1.0,
        ItemBody::ShortAnswer { .. } if item.subject == "toan" => 0.5,
        ItemBody::ShortAnswer { .. } => 0.25,
    }
}

/// Writes `items` (each with the pictures of `media` it lists) as a package; with `test`, the
/// assessment test too. Every item the test names must be among `items`.
pub fn write_qti_package(
    items: &[Item],
    media: &[MediaFile],
    test: Option<&TestOutline>,
    version: QtiVersion,
) -> Result<Vec<u8>, InteropError> {
    write_qti_package_with(items, media, &[], test, version)
}

/// [`write_qti_package`] with the shared passages the items name (`stimulus`): each passage the
/// items use is written once (`stimuli/ID.xml`, with its pictures) and referenced by its items;
/// passages no item names are left out, and an item naming a passage not given keeps only the
/// name (in its `KHAOTHI_STIMULUS` metadata).
pub fn write_qti_package_with(
    items: &[Item],
    media: &[MediaFile],
    stimuli: &[StimulusDraft],
    test: Option<&TestOutline>,
    version: QtiVersion,
) -> Result<Vec<u8>, InteropError> {
    let files = ItemFiles::of(items)?;
    let used = Passages::of(items, stimuli);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut put = |name: &str, data: &[u8]| -> Result<(), InteropError> {
        let options =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file(name, options).map_err(|e| package_error(name, e))?;
        zip.write_all(data).map_err(|e| package_error(name, e))
    };
    let by_name: BTreeMap<&str, &MediaFile> = media.iter().map(|m| (m.name.as_str(), m)).collect();
    let mut pictures: Vec<&MediaFile> = Vec::new();
    for item in items {
        for name in &item.media {
            let file = by_name.get(name.as_str()).ok_or_else(|| InteropError::Serialize {
                item: item.id.clone(),
                message: format!("picture {name} is not among the media given"),
            })?;
            if !safe_name(name) {
                return Err(InteropError::Serialize {
                    item: item.id.clone(),
                    message: format!("picture name {name:?} cannot be a file name in a package"),
                });
            }
            if !pictures.iter().any(|p| p.name == *name) {
                pictures.push(file);
            }
        }
        let passage = used.of_item(item);
        let (href, ident) = passage.map_or_else(Default::default, |(p, stem)| {
            (format!("../stimuli/{stem}.xml"), stimulus::identifier(&p.id))
        });
        let reference = passage.map(|(p, _)| StimulusRef { identifier: &ident, href: &href, title: &p.id });
        put(&files.href(&item.id), write_item(item, version, reference.as_ref())?.as_bytes())?;
    }
    for (passage, stem) in &used.list {
        for name in &passage.media {
            let file = by_name.get(name.as_str()).ok_or_else(|| InteropError::Serialize {
                item: passage.id.clone(),
                message: format!("picture {name} of the passage is not among the media given"),
            })?;
            if !safe_name(name) {
                return Err(InteropError::Serialize {
                    item: passage.id.clone(),
                    message: format!("picture name {name:?} cannot be a file name in a package"),
                });
            }
            if !pictures.iter().any(|p| p.name == *name) {
                pictures.push(file);
            }
        }
        put(&format!("stimuli/{stem}.xml"), stimulus::stimulus_xml(passage, version).as_bytes())?;
    }
    for p in &pictures {
        put(&format!("media/{}", p.name), &p.bytes)?;
    }
    if let Some(test) = test {
        let xml = test_xml(test, items, &files, version)?;
        put(&format!("tests/{}.xml", files.file_stem(&test.identifier)), xml.as_bytes())?;
    }
    put("imsmanifest.xml", manifest(items, &pictures, &used, test, &files, version).as_bytes())?;
    let bytes = zip.finish().map_err(|e| package_error("(zip)", e))?;
    Ok(bytes.into_inner())
}

fn package_error(name: &str, e: impl std::fmt::Display) -> InteropError {
    InteropError::Serialize { item: name.to_string(), message: format!("cannot write the package: {e}") }
}

/// A picture's name as one path segment: no separators, no `..`, printable.
fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', ':'])
        && !name.chars().any(char::is_control)
}

/// File stems and resource identifiers of the items: ASCII letters, digits, `-`, `_`, `.`
/// (other characters become `_`), made unique.
struct ItemFiles {
    stems: BTreeMap<String, String>,
}

impl ItemFiles {
    fn of(items: &[Item]) -> Result<Self, InteropError> {
        let mut stems = BTreeMap::new();
        for item in items {
            if stems.contains_key(&item.id) {
                return Err(InteropError::Serialize {
                    item: item.id.clone(),
                    message: "appears twice".into(),
                });
            }
            let base = Self::clean(&item.id);
            let mut stem = base.clone();
            let mut n = 2;
            while stems.values().any(|s| *s == stem) {
                stem = format!("{base}_{n}");
                n += 1;
            }
            stems.insert(item.id.clone(), stem);
        }
        Ok(ItemFiles { stems })
    }

    fn clean(id: &str) -> String {
        id.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
    }

    fn file_stem(&self, id: &str) -> String {
        self.stems.get(id).cloned().unwrap_or_else(|| Self::clean(id))
    }

    fn href(&self, id: &str) -> String {
        format!("items/{}.xml", self.file_stem(id))
    }

    /// A resource identifier (an XML ID: it may not start with a digit).
    fn resource(&self, id: &str) -> String {
        format!("ITEM-{}", self.file_stem(id))
    }
}

fn test_xml(
    test: &TestOutline,
    items: &[Item],
    files: &ItemFiles,
    version: QtiVersion,
) -> Result<String, InteropError> {
    let q = Names(version);
    let (el, at) = (|n| q.el(n), |n| q.at(n));
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<{} xmlns=\"{}\" {}=\"{}\" {}=\"{}\">\n",
        el("assessmentTest"),
        version.namespace(),
        at("identifier"),
        escape(ItemFiles::clean(&format!("T-{}", test.identifier))),
        at("title"),
        escape(&test.title),
    ));
    x.push_str(&format!(
        "  <{} {}=\"SCORE\" {}=\"single\" {}=\"float\"/>\n",
        el("outcomeDeclaration"),
        at("identifier"),
        at("cardinality"),
        at("baseType")
    ));
    x.push_str(&format!(
        "  <{} {}=\"PART-1\" {}=\"nonlinear\" {}=\"simultaneous\">\n",
        el("testPart"),
        at("identifier"),
        at("navigationMode"),
        at("submissionMode")
    ));
    for (s, section) in test.sections.iter().enumerate() {
        x.push_str(&format!(
            "    <{} {}=\"SECTION-{}\" {}=\"{}\" {}=\"true\">\n",
            el("assessmentSection"),
            at("identifier"),
            s + 1,
            at("title"),
            escape(&section.title),
            at("visible")
        ));
        for id in &section.item_ids {
            let item = items.iter().find(|i| i.id == *id).ok_or_else(|| InteropError::Serialize {
                item: id.clone(),
                message: format!("the test lists item {id}, which is not among the items given"),
            })?;
            x.push_str(&format!(
                "      <{0} {1}=\"{2}\" {3}=\"../{4}\"><{5} {1}=\"W\" {6}=\"{7}\"/></{0}>\n",
                el("assessmentItemRef"),
                at("identifier"),
                files.resource(id),
                at("href"),
                files.href(id),
                el("weight"),
                at("value"),
                thpt_points(item),
            ));
        }
        x.push_str(&format!("    </{}>\n", el("assessmentSection")));
    }
    x.push_str(&format!("  </{}>\n", el("testPart")));
    x.push_str(&format!(
        "  <{0}><{1} {2}=\"SCORE\"><{3}><{4} {5}=\"SCORE\" {6}=\"W\"/></{3}></{1}></{0}>\n",
        el("outcomeProcessing"),
        el("setOutcomeValue"),
        at("identifier"),
        el("sum"),
        el("testVariables"),
        at("variableIdentifier"),
        at("weightIdentifier"),
    ));
    x.push_str(&format!("</{}>\n", el("assessmentTest")));
    Ok(x)
}

/// Manifest namespaces and resource types by version.
fn manifest_names(version: QtiVersion) -> (&'static str, &'static str, &'static str, &'static str) {
    match version {
        QtiVersion::V2_1 => (
            "http://www.imsglobal.org/xsd/imscp_v1p1",
            "imsqti_item_xmlv2p1",
            "imsqti_test_xmlv2p1",
            "QTIv2.1 Package",
        ),
        QtiVersion::V3_0 => (
            "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1",
            "imsqti_item_xmlv3p0",
            "imsqti_test_xmlv3p0",
            "QTI Package",
        ),
    }
}

fn manifest(
    items: &[Item],
    pictures: &[&MediaFile],
    passages: &Passages,
    test: Option<&TestOutline>,
    files: &ItemFiles,
    version: QtiVersion,
) -> String {
    let (namespace, item_type, test_type, schema) = manifest_names(version);
    let schema_version = if version == QtiVersion::V3_0 { "3.0.0" } else { "2.1" };
    let media_id = |name: &str| format!("MEDIA-{}", ItemFiles::clean(name));
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest xmlns=\"{namespace}\" identifier=\"MANIFEST-{}\">\n  <metadata>\n    <schema>{schema}</schema>\n    <schemaversion>{schema_version}</schemaversion>\n  </metadata>\n  <organizations/>\n  <resources>\n",
        escape(ItemFiles::clean(test.map_or("items", |t| t.identifier.as_str()))),
    );
    for item in items {
        let href = files.href(&item.id);
        x.push_str(&format!(
            "    <resource identifier=\"{}\" type=\"{item_type}\" href=\"{href}\">\n      <file href=\"{href}\"/>\n",
            files.resource(&item.id)
        ));
        for name in &item.media {
            x.push_str(&format!("      <dependency identifierref=\"{}\"/>\n", media_id(name)));
        }
        if let Some((_, stem)) = passages.of_item(item) {
            x.push_str(&format!("      <dependency identifierref=\"{}\"/>\n", Passages::resource(stem)));
        }
        x.push_str("    </resource>\n");
    }
    let stimulus_type = if version == QtiVersion::V3_0 { "imsqti_stimulus_xmlv3p0" } else { "webcontent" };
    for (passage, stem) in &passages.list {
        let href = format!("stimuli/{stem}.xml");
        x.push_str(&format!(
            "    <resource identifier=\"{}\" type=\"{stimulus_type}\" href=\"{href}\">\n      <file href=\"{href}\"/>\n",
            Passages::resource(stem)
        ));
        for name in &passage.media {
            x.push_str(&format!("      <dependency identifierref=\"{}\"/>\n", media_id(name)));
        }
        x.push_str("    </resource>\n");
    }
    for p in pictures {
        let href = format!("media/{}", escape(&p.name));
        x.push_str(&format!(
            "    <resource identifier=\"{}\" type=\"webcontent\" href=\"{href}\">\n      <file href=\"{href}\"/>\n    </resource>\n",
            media_id(&p.name)
        ));
    }
    if let Some(t) = test {
        let href = format!("tests/{}.xml", files.file_stem(&t.identifier));
        x.push_str(&format!(
            "    <resource identifier=\"TEST-{}\" type=\"{test_type}\" href=\"{href}\">\n      <file href=\"{href}\"/>\n",
            files.file_stem(&t.identifier)
        ));
        for id in t.sections.iter().flat_map(|s| &s.item_ids) {
            x.push_str(&format!("      <dependency identifierref=\"{}\"/>\n", files.resource(id)));
        }
        x.push_str("    </resource>\n");
    }
    x.push_str("  </resources>\n</manifest>\n");
    x
}
