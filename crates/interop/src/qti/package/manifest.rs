//! `imsmanifest.xml`: the table of contents of an IMS content package. Only what an import needs
//! is read — each resource's identifier, type, entry file, files and dependencies — in document
//! order, which is the order other systems list their items in.

use crate::InteropError;
use crate::qti::tree::{Element, parse_tree};

/// One `<resource>` of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resource {
    pub identifier: String,
    /// `imsqti_item_xmlv2p1`, `imsqti_item_xmlv3p0`, `imsqti_test_xmlv3p0`, `webcontent`, …
    pub kind: String,
    /// The entry file, relative to the package root (with the resource's `xml:base` applied).
    pub href: Option<String>,
    /// Every `<file href>` of the resource, relative to the package root.
    pub files: Vec<String>,
    /// The identifiers of the resources this one depends on (media, shared passages).
    pub dependencies: Vec<String>,
}

impl Resource {
    /// A QTI assessment item (2.x or 3.0).
    pub fn is_item(&self) -> bool {
        self.kind.starts_with("imsqti_item")
    }
}

/// The resources of a manifest, or why it cannot be read.
pub(crate) fn read_manifest(xml: &str) -> Result<Vec<Resource>, InteropError> {
    let (root, _) = parse_tree(xml)?;
    if root.name != "manifest" {
        return Err(InteropError::UnsupportedQti {
            element: Some(root.name.clone()),
            message: "imsmanifest.xml must have a <manifest> root".into(),
        });
    }
    let mut resources = Vec::new();
    for list in root.elements().filter(|e| e.name == "resources") {
        let base = base_of(list, "");
        for r in list.elements().filter(|e| e.name == "resource") {
            resources.push(resource(r, &base));
        }
    }
    Ok(resources)
}

fn resource(r: &Element, base: &str) -> Resource {
    let base = base_of(r, base);
    let join = |href: &str| format!("{base}{}", href.trim());
    Resource {
        identifier: r.attr("identifier").unwrap_or_default().trim().to_string(),
        kind: r.attr("type").unwrap_or_default().trim().to_string(),
        href: r.attr("href").filter(|h| !h.trim().is_empty()).map(join),
        files: r.elements().filter(|e| e.name == "file").filter_map(|f| f.attr("href")).map(join).collect(),
        dependencies: r
            .elements()
            .filter(|e| e.name == "dependency")
            .filter_map(|d| d.attr("identifierref"))
            .map(|d| d.trim().to_string())
            .collect(),
    }
}

/// `xml:base` of an element (ending in `/`), relative to its parent's.
fn base_of(e: &Element, parent: &str) -> String {
    match e.attr("base").map(str::trim).filter(|b| !b.is_empty()) {
        Some(b) if b.ends_with('/') => format!("{parent}{b}"),
        Some(b) => format!("{parent}{b}/"),
        None => parent.to_string(),
    }
}
