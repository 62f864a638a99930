//! Shared passages (stimuli) in packages: the text several items show, kept once.
//!
//! - QTI 3.0: `stimuli/ID.xml` is a `qti-assessment-stimulus` (resource type
//!   `imsqti_stimulus_xmlv3p0`); each item names it with `qti-assessment-stimulus-ref`.
//! - QTI 2.1 has no stimulus element: `stimuli/ID.xml` is a fragment (a `div` in the QTI 2.1
//!   namespace, a `webcontent` resource) that each item includes with `xi:include` at the top of
//!   its body — the XInclude sharing QTI 2.1 allows (and TAO's shared stimuli use).
//!
//! khaothi writes the passage's Markdown source (escaped) in a `div class="khaothi-stimulus"`,
//! so a round trip is exact; another system's stimulus body is read as Markdown (MathML as its
//! TeX annotation, images as `![alt](src)`).

use quick_xml::escape::escape;

use crate::InteropError;
use crate::document::StimulusDraft;
use crate::qti::QtiVersion;
use crate::qti::tree::{Element, parse_tree};

/// The class of khaothi's own passage `div`.
const CLASS: &str = "khaothi-stimulus";

/// An XML identifier (NCName) for a stimulus id: ASCII letters, digits, `-`, `_`, `.`, starting
/// with a letter or `_`.
pub(super) fn identifier(id: &str) -> String {
    let clean: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    match clean.chars().next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => clean,
        _ => format!("S_{clean}"),
    }
}

/// The file of one passage.
pub(super) fn stimulus_xml(s: &StimulusDraft, version: QtiVersion) -> String {
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    let body = format!("<div class=\"{CLASS}\">{}</div>", escape(&s.text));
    match version {
        QtiVersion::V3_0 => format!(
            "{head}<qti-assessment-stimulus xmlns=\"{}\" identifier=\"{}\" title=\"{}\" xml:lang=\"vi\">\n  <qti-stimulus-body>\n    {body}\n  </qti-stimulus-body>\n</qti-assessment-stimulus>\n",
            version.namespace(),
            identifier(&s.id),
            escape(&s.id),
        ),
        QtiVersion::V2_1 => format!(
            "{head}<div xmlns=\"{}\" id=\"{}\" title=\"{}\" class=\"{CLASS}-file\">\n  {body}\n</div>\n",
            version.namespace(),
            identifier(&s.id),
            escape(&s.id),
        ),
    }
}

/// The passage references of an item file: `qti-assessment-stimulus-ref` and `xi:include` hrefs,
/// in document order.
pub(super) fn stimulus_refs(item_xml: &str) -> Vec<String> {
    let Ok((root, _)) = parse_tree(item_xml) else { return Vec::new() };
    let mut found = Vec::new();
    root.find_all("assessmentstimulusref", &mut found);
    root.find_all("include", &mut found);
    found.iter().filter_map(|e| e.attr("href")).map(|h| h.trim().to_string()).collect()
}

/// A passage file read back: its identifier (3.0's `identifier`, a 2.1 fragment's `id`) and its
/// text as Markdown.
pub(super) fn read_stimulus(xml: &str) -> Result<(Option<String>, String), InteropError> {
    let (root, _) = parse_tree(xml)?;
    let identifier = root.attr("identifier").or_else(|| root.attr("id")).map(str::to_string);
    let body = if root.name == "assessmentstimulus" {
        root.child("stimulusbody").ok_or_else(|| InteropError::UnsupportedQti {
            element: Some("qti-assessment-stimulus".into()),
            message: "a stimulus without its qti-stimulus-body".into(),
        })?
    } else {
        &root
    };
    Ok((identifier, text_of(body)))
}

fn text_of(body: &Element) -> String {
    let mut own = Vec::new();
    body.find_all("div", &mut own);
    if body.attr("class") == Some(CLASS) {
        return body.text();
    }
    match own.iter().find(|d| d.attr("class") == Some(CLASS)) {
        Some(div) => div.text(),
        None => {
            let mut s = String::new();
            body.markdown(&mut s);
            s.trim().to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passage() -> StimulusDraft {
        StimulusDraft {
            id: "1-S01".into(),
            text: "Đọc đoạn sau: $x<1$ & *đậm*".into(),
            item_ids: vec![],
            paragraph: 0,
            media: vec![],
        }
    }

    #[test]
    fn passages_are_written_and_read_back_exactly() {
        assert_eq!(identifier("1-S01"), "S_1-S01");
        assert_eq!(identifier("TOAN-S1"), "TOAN-S1");
        for version in [QtiVersion::V3_0, QtiVersion::V2_1] {
            let xml = stimulus_xml(&passage(), version);
            let (id, text) = read_stimulus(&xml).unwrap();
            assert_eq!(id.as_deref(), Some("S_1-S01"), "{version:?}");
            assert_eq!(text, passage().text, "{version:?}");
        }
    }

    #[test]
    fn another_systems_stimulus_is_read_as_markdown() {
        let xml = r#"<qti-assessment-stimulus xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="st1" title="Bài đọc"><qti-stimulus-body><p>Một đoạn văn.</p><img src="a.png" alt="hình"/></qti-stimulus-body></qti-assessment-stimulus>"#;
        let (id, text) = read_stimulus(xml).unwrap();
        assert_eq!(id.as_deref(), Some("st1"));
        assert!(text.contains("Một đoạn văn.") && text.contains("![hình](a.png)"), "{text}");
        let item = r#"<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"><qti-assessment-stimulus-ref identifier="st1" href="../stimuli/st1.xml"/></qti-assessment-item>"#;
        assert_eq!(stimulus_refs(item), ["../stimuli/st1.xml"]);
        let v21 = r#"<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" xmlns:xi="http://www.w3.org/2001/XInclude"><itemBody><xi:include href="s.xml"/></itemBody></assessmentItem>"#;
        assert_eq!(stimulus_refs(v21), ["s.xml"]);
        let bad = r#"<qti-assessment-stimulus identifier="x"/>"#;
        assert!(read_stimulus(bad).is_err());
    }
}
