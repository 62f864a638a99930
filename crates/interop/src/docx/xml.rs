//! A small element tree for the parts of a Word package (WordprocessingML, relationships, OMML),
//! built with quick-xml. Untrusted: a DOCTYPE is refused outright (no DTD, so no external entities
//! and no entity expansion — "billion laughs"), only the five predefined entities and character
//! references are resolved, and depth and element count are bounded.

use quick_xml::events::Event;

const MAX_DEPTH: usize = 256;
/// About 115 bytes of tree an element: 2,000,000 keep a part's tree near 230 MiB (docs/formats.md
/// §8). A generated 500-question paper has 32,000; Word's own, verbose files some ten times more.
const MAX_ELEMENTS: usize = 2_000_000;

/// An element: its qualified name as written (`w:p`, `m:oMath`), attributes and children.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Child>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Child {
    Element(Node),
    Text(String),
}

impl Node {
    /// The name without its prefix: `w:p` → `p`.
    pub fn local(&self) -> &str {
        self.name.rsplit(':').next().unwrap_or(&self.name)
    }

    /// An attribute by qualified name (`w:val`), or by local name when no prefix is given.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name || (!name.contains(':') && k.rsplit(':').next() == Some(name)))
            .map(|(_, v)| v.as_str())
    }

    pub fn elements(&self) -> impl Iterator<Item = &Node> {
        self.children.iter().filter_map(|c| match c {
            Child::Element(e) => Some(e),
            Child::Text(_) => None,
        })
    }

    /// The first child element with this qualified name.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.elements().find(|e| e.name == name)
    }

    /// The `w:val` (or `m:val`) of a property child such as `<w:u w:val="single"/>`.
    pub fn child_val(&self, name: &str) -> Option<&str> {
        self.child(name).and_then(|c| c.attr("val"))
    }

    /// All text below this element, in order.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        for c in &self.children {
            match c {
                Child::Text(t) => out.push_str(t),
                Child::Element(e) => e.collect_text(out),
            }
        }
    }

    /// Every descendant element (depth first) with this qualified name.
    pub fn descendants<'a>(&'a self, name: &'a str, out: &mut Vec<&'a Node>) {
        for e in self.elements() {
            if e.name == name {
                out.push(e);
            }
            e.descendants(name, out);
        }
    }
}

/// Parses one part. Whitespace-only text is kept only inside `w:t`/`m:t` (where it is content).
pub fn parse(bytes: &[u8], part: &str) -> Result<Node, String> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|e| format!("{part} is not UTF-8: {e}"))?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Node> = vec![Node::default()];
    let mut count = 0usize;
    let fail = |reader: &quick_xml::Reader<&[u8]>, msg: String| {
        format!("{part} is not well-formed XML at byte {}: {msg}", reader.error_position())
    };
    loop {
        let event = reader.read_event().map_err(|e| fail(&reader, e.to_string()))?;
        match event {
            Event::Start(ref s) | Event::Empty(ref s) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(format!(
                        "{part} has more than {MAX_ELEMENTS} elements; split the document into several files"
                    ));
                }
                let mut node = Node {
                    name: String::from_utf8_lossy(s.name().as_ref()).into_owned(),
                    ..Default::default()
                };
                for a in s.attributes() {
                    let a = a.map_err(|e| fail(&reader, e.to_string()))?;
                    let value = a.unescape_value().map_err(|e| fail(&reader, e.to_string()))?;
                    node.attrs
                        .push((String::from_utf8_lossy(a.key.as_ref()).into_owned(), value.into_owned()));
                }
                if matches!(event, Event::Empty(_)) {
                    push(&mut stack, Child::Element(node));
                } else if stack.len() > MAX_DEPTH {
                    return Err(format!("{part}: elements nest deeper than {MAX_DEPTH}"));
                } else {
                    stack.push(node);
                }
            }
            Event::End(_) => {
                if stack.len() < 2 {
                    return Err(fail(&reader, "unexpected end tag".into()));
                }
                let node = stack.pop().unwrap_or_default();
                push(&mut stack, Child::Element(node));
            }
            Event::Text(t) => {
                let s = t.decode().map_err(|e| fail(&reader, e.to_string()))?;
                push_text(&mut stack, &s);
            }
            Event::CData(c) => {
                let s = c.decode().map_err(|e| fail(&reader, e.to_string()))?;
                push_text(&mut stack, &s);
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| fail(&reader, e.to_string()))?.into_owned();
                let s = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(s) => s.to_string(),
                        None => {
                            return Err(fail(
                                &reader,
                                format!("unknown entity &{name}; (entities are not accepted)"),
                            ));
                        }
                    },
                    Err(e) => return Err(fail(&reader, e.to_string())),
                };
                push_text(&mut stack, &s);
            }
            Event::DocType(_) => {
                return Err(format!(
                    "{part} declares a DOCTYPE; Word never writes one, and DTDs (entities) are refused"
                ));
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if stack.len() > 1 {
        return Err(format!(
            "{part} ends before <{}> is closed",
            stack.last().map_or("", |n| n.name.as_str())
        ));
    }
    let doc = stack.pop().unwrap_or_default();
    doc.children
        .into_iter()
        .find_map(|c| match c {
            Child::Element(e) => Some(e),
            Child::Text(_) => None,
        })
        .ok_or_else(|| format!("{part} has no root element"))
}

fn push(stack: &mut [Node], child: Child) {
    if let Some(top) = stack.last_mut() {
        top.children.push(child);
    }
}

fn push_text(stack: &mut [Node], s: &str) {
    let Some(top) = stack.last_mut() else { return };
    let keeps_space = matches!(top.name.as_str(), "w:t" | "m:t" | "w:instrText");
    if s.trim().is_empty() && !keeps_space {
        return;
    }
    if let Some(Child::Text(prev)) = top.children.last_mut() {
        prev.push_str(s);
    } else {
        top.children.push(Child::Text(s.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_text_entities_and_attributes() {
        let root = parse(br#"<?xml version="1.0"?><w:p a="1 &amp; 2"><w:t xml:space="preserve"> x &lt; y &#7873;</w:t><w:u w:val="single"/></w:p>"#, "t").unwrap();
        assert_eq!(root.local(), "p");
        assert_eq!(root.attr("a"), Some("1 & 2"));
        assert_eq!(root.text(), " x < y ề");
        assert_eq!(root.child_val("w:u"), Some("single"));
    }

    #[test]
    fn doctype_entities_and_malformed_xml_are_refused() {
        let laughs = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><w:t>&lol2;</w:t>"#;
        assert!(parse(laughs, "word/document.xml").unwrap_err().contains("DOCTYPE"));
        let xxe = br#"<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><w:t>&e;</w:t>"#;
        assert!(parse(xxe, "p").unwrap_err().contains("DOCTYPE"));
        assert!(parse(b"<w:t>&e;</w:t>", "p").unwrap_err().contains("unknown entity"));
        assert!(parse(b"<a><b></a>", "p").is_err());
        assert!(parse(b"<a>", "p").unwrap_err().contains("ends before"));
        assert!(parse(b"\xff\xfe", "p").unwrap_err().contains("UTF-8"));
        let deep = "<a>".repeat(300) + &"</a>".repeat(300);
        assert!(parse(deep.as_bytes(), "p").unwrap_err().contains("deeper"));
    }
}
