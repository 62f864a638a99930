//! The small XML tree QTI documents and manifests are read into: element and attribute names made
//! version-independent ([`canonical`]), text kept verbatim, depth bounded, positions in errors.

use std::collections::HashMap;

use quick_xml::events::Event;

use super::canonical;
use crate::InteropError;

/// Deeper documents are refused: the tree is walked recursively.
const MAX_DEPTH: usize = 128;
/// Larger documents are refused before their tree outgrows memory (docs/formats.md §8): a tree
/// node takes about a hundred bytes, so a 64 MiB part of `<p/>` would otherwise grow to a
/// gigabyte. Real items have hundreds of nodes; a manifest of 5,000 items some 150,000.
const MAX_NODES: usize = 500_000;

#[derive(Debug, Default)]
pub(super) struct Element {
    pub name: String,
    pub attrs: HashMap<String, String>,
    pub children: Vec<Node>,
}

#[derive(Debug)]
pub(super) enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }

    pub(super) fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    pub(super) fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// The element's own text nodes, without its children's.
    pub(super) fn own_text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }

    /// Every descendant with this name, in document order.
    pub(super) fn find_all<'a>(&'a self, name: &str, out: &mut Vec<&'a Element>) {
        for e in self.elements() {
            if e.name == name {
                out.push(e);
            }
            e.find_all(name, out);
        }
    }

    /// Text content, verbatim (khaothi writes Markdown source as text).
    pub(super) fn text(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            match n {
                Node::Text(t) => s.push_str(t),
                Node::Element(e) => s.push_str(&e.text()),
            }
        }
        s
    }

    /// Content as khaothi Markdown: text as is, MathML as `$tex$` from its TeX annotation, images
    /// as `![alt](src)`, paragraphs separated by blank lines. Interactions are skipped; a `prompt`
    /// is kept (it belongs to the stem).
    pub(super) fn markdown(&self, out: &mut String) {
        for n in &self.children {
            match n {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => match e.name.as_str() {
                    "math" => {
                        let mut ann = Vec::new();
                        e.find_all("annotation", &mut ann);
                        let tex = ann
                            .iter()
                            .find(|a| a.attr("encoding").is_some_and(|enc| enc.contains("tex")))
                            .map(|a| a.text())
                            .unwrap_or_else(|| e.text());
                        let delim = if e.attr("display") == Some("block") { "$$" } else { "$" };
                        out.push_str(&format!("{delim}{}{delim}", tex.trim()));
                    }
                    "img" => out.push_str(&format!(
                        "![{}]({})",
                        e.attr("alt").unwrap_or(""),
                        e.attr("src").unwrap_or("")
                    )),
                    // QTI 2.1 systems often show pictures as `<object data type="image/…">`.
                    "object" if e.attr("type").is_some_and(|t| t.starts_with("image/")) => {
                        out.push_str(&format!("![{}]({})", e.text().trim(), e.attr("data").unwrap_or("")))
                    }
                    "br" => out.push_str("  \n"),
                    name if name.ends_with("interaction") => {
                        if let Some(p) = e.child("prompt") {
                            push_block(out, p);
                        }
                    }
                    "p" | "div" | "li" | "blockquote" | "table" | "tr" | "h1" | "h2" | "h3" => {
                        push_block(out, e)
                    }
                    _ => e.markdown(out),
                },
            }
        }
    }
}

fn push_block(out: &mut String, e: &Element) {
    let mut inner = String::new();
    e.markdown(&mut inner);
    let inner = inner.trim();
    if inner.is_empty() {
        return;
    }
    if !out.trim().is_empty() {
        out.truncate(out.trim_end().len());
        out.push_str("\n\n");
    } else {
        out.clear();
    }
    out.push_str(inner);
}

/// Byte offset → 1-based (line, column in characters).
fn line_col(xml: &str, offset: usize) -> (usize, usize) {
    let mut at = offset.min(xml.len());
    while !xml.is_char_boundary(at) {
        at -= 1;
    }
    let before = &xml[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
}

/// Parses the whole document into a tree; errors carry line, column and the open element.
pub(super) fn parse_tree(xml: &str) -> Result<(Element, usize), InteropError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<(Element, String)> = vec![(Element::default(), String::new())];
    let mut root_line = 1;
    let mut nodes = 0usize;
    let fail = |reader: &quick_xml::Reader<&[u8]>, stack: &[(Element, String)], message: String| {
        let (line, column) = line_col(xml, reader.error_position() as usize);
        let element = stack.last().map(|(_, raw)| raw.clone()).filter(|r| !r.is_empty());
        InteropError::Xml { line, column, element, message }
    };
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => return Err(fail(&reader, &stack, e.to_string())),
        };
        if matches!(
            event,
            Event::Start(_) | Event::Empty(_) | Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)
        ) {
            nodes += 1;
            if nodes > MAX_NODES {
                let message = format!("the document has more than {MAX_NODES} elements and texts");
                return Err(fail(&reader, &stack, message));
            }
        }
        match event {
            Event::Start(ref s) | Event::Empty(ref s) => {
                let raw = String::from_utf8_lossy(s.name().as_ref()).into_owned();
                let mut el = Element { name: canonical(&raw), ..Default::default() };
                for a in s.attributes() {
                    let a = a.map_err(|e| fail(&reader, &stack, e.to_string()))?;
                    let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                    let value = a.unescape_value().map_err(|e| fail(&reader, &stack, e.to_string()))?;
                    el.attrs.insert(canonical(&key), value.into_owned());
                }
                if stack.len() == 1 {
                    root_line = line_col(xml, reader.buffer_position() as usize).0;
                }
                if matches!(event, Event::Empty(_)) {
                    push_child(&mut stack, Node::Element(el));
                } else if stack.len() > MAX_DEPTH {
                    return Err(fail(&reader, &stack, format!("elements nest deeper than {MAX_DEPTH}")));
                } else {
                    stack.push((el, raw));
                }
            }
            Event::End(_) => {
                let (el, _) = stack.pop().ok_or_else(|| fail(&reader, &[], "unexpected end tag".into()))?;
                push_child(&mut stack, Node::Element(el));
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|e| fail(&reader, &stack, e.to_string()))?;
                push_child(&mut stack, Node::Text(text.into_owned()));
            }
            Event::CData(c) => {
                let text = c.decode().map_err(|e| fail(&reader, &stack, e.to_string()))?;
                push_child(&mut stack, Node::Text(text.into_owned()));
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| fail(&reader, &stack, e.to_string()))?.into_owned();
                let text = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(s) => s.to_string(),
                        None if name == "nbsp" => "\u{a0}".to_string(),
                        None => return Err(fail(&reader, &stack, format!("unknown entity &{name};"))),
                    },
                    Err(e) => return Err(fail(&reader, &stack, e.to_string())),
                };
                push_child(&mut stack, Node::Text(text));
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if stack.len() > 1 {
        let open = stack.last().map(|(_, raw)| raw.clone());
        let (line, column) = line_col(xml, xml.len());
        return Err(InteropError::Xml {
            line,
            column,
            element: open,
            message: "the document ends before this element is closed".into(),
        });
    }
    let (document, _) = stack.pop().unwrap_or_default();
    let root = document.children.into_iter().find_map(|n| match n {
        Node::Element(e) => Some(e),
        Node::Text(_) => None,
    });
    root.map(|r| (r, root_line)).ok_or_else(|| InteropError::Xml {
        line: 1,
        column: 1,
        element: None,
        message: "no root element".into(),
    })
}

fn push_child(stack: &mut [(Element, String)], node: Node) {
    if let Some((parent, _)) = stack.last_mut() {
        parent.children.push(node);
    }
}
