//! WordprocessingML body → lines of styled characters. A paragraph is one or more lines (a soft
//! break `w:br` starts another line with the same paragraph number); table cells are paragraphs
//! too, in reading order, remembering their cell. Equations become `$…$` LaTeX in the text;
//! pictures become one placeholder character each, resolved when the item is built.

use std::collections::HashMap;

use super::xml::Node;
use crate::omml;
use crate::omml::symbols::symbol_font_char;

/// How a character was marked by the writer: what the key detection looks at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub underline: bool,
    /// A font colour other than automatic/black, or a highlight.
    pub colour: bool,
    pub bold: bool,
}

/// Where a table cell's paragraph sits: (table number in the document, row, column).
pub type CellRef = (usize, usize, usize);

#[derive(Debug, Clone, Default)]
pub struct Line {
    /// 1-based paragraph number (table cells' paragraphs counted in reading order).
    pub para: usize,
    pub chars: Vec<char>,
    pub styles: Vec<Style>,
    pub cell: Option<CellRef>,
    /// Problems met while reading it (an equation that could not be converted…).
    pub warnings: Vec<String>,
}

impl Line {
    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }
}

/// A picture the text refers to by placeholder: the package part holding its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureRef {
    pub part: String,
    /// Why it is there: an image, or a MathType equation whose data could not be converted.
    pub fallback_for: Option<String>,
}

/// First placeholder code point; picture `i` is `PICTURE_BASE + i` (Unicode private use area).
pub const PICTURE_BASE: u32 = 0xF0000;

pub fn picture_index(c: char) -> Option<usize> {
    (c as u32).checked_sub(PICTURE_BASE).map(|i| i as usize).filter(|_| (c as u32) <= 0xFFFFD)
}

/// Converts an embedded object's part (`word/embeddings/oleObject1.bin`) to LaTeX, or says why not.
pub type ObjectConverter<'a> = &'a dyn Fn(&str) -> Result<String, String>;

pub struct Walker<'a> {
    pub rels: &'a HashMap<String, String>,
    pub convert_object: ObjectConverter<'a>,
    pub lines: Vec<Line>,
    pub pictures: Vec<PictureRef>,
    para: usize,
    tables: usize,
    cell: Option<CellRef>,
}

impl<'a> Walker<'a> {
    pub fn new(rels: &'a HashMap<String, String>, convert_object: ObjectConverter<'a>) -> Self {
        Walker {
            rels,
            convert_object,
            lines: Vec::new(),
            pictures: Vec::new(),
            para: 0,
            tables: 0,
            cell: None,
        }
    }

    /// Walks block content: paragraphs, tables, content controls.
    pub fn blocks(&mut self, n: &Node) {
        for e in n.elements() {
            match e.name.as_str() {
                "w:p" => self.paragraph(e),
                "w:tbl" => self.table(e),
                "w:sdt" => {
                    if let Some(c) = e.child("w:sdtContent") {
                        self.blocks(c);
                    }
                }
                "w:body" | "w:customXml" | "w:ins" => self.blocks(e),
                _ => {}
            }
        }
    }

    fn table(&mut self, t: &Node) {
        self.tables += 1;
        let table = self.tables;
        let outer = self.cell;
        for (r, row) in t.elements().filter(|e| e.name == "w:tr").enumerate() {
            for (c, cell) in row.elements().filter(|e| e.name == "w:tc").enumerate() {
                self.cell = Some((table, r, c));
                self.blocks(cell);
            }
        }
        self.cell = outer;
    }

    fn paragraph(&mut self, p: &Node) {
        self.para += 1;
        self.lines.push(Line { para: self.para, cell: self.cell, ..Default::default() });
        self.inline(p);
    }

    fn line(&mut self) -> &mut Line {
        if self.lines.is_empty() {
            self.lines.push(Line::default());
        }
        let last = self.lines.len() - 1;
        &mut self.lines[last]
    }

    fn push(&mut self, s: &str, style: Style) {
        let line = self.line();
        for c in s.chars() {
            line.chars.push(c);
            line.styles.push(style);
        }
    }

    fn soft_break(&mut self) {
        let (para, cell) = (self.para, self.cell);
        self.lines.push(Line { para, cell, ..Default::default() });
    }

    /// Paragraph-level and run-level content.
    fn inline(&mut self, n: &Node) {
        for e in n.elements() {
            match e.name.as_str() {
                "w:r" => self.run(e),
                "w:hyperlink" | "w:ins" | "w:smartTag" | "w:fldSimple" | "w:customXml" | "w:dir"
                | "w:bdo" => self.inline(e),
                "w:sdt" => {
                    if let Some(c) = e.child("w:sdtContent") {
                        self.inline(c);
                    }
                }
                "m:oMath" | "m:oMathPara" => self.equation(e),
                "mc:AlternateContent" => {
                    if let Some(choice) = e.child("mc:Choice") {
                        self.inline(choice);
                    }
                }
                _ => {}
            }
        }
    }

    fn equation(&mut self, e: &Node) {
        let (latex, warnings) = omml::to_latex(e);
        if !latex.trim().is_empty() {
            self.push(&format!("${latex}$"), Style::default());
        }
        let line = self.line();
        line.warnings.extend(warnings);
    }

    fn run(&mut self, r: &Node) {
        let style = run_style(r.child("w:rPr"));
        for e in r.elements() {
            match e.name.as_str() {
                "w:t" => self.push(&escape_markdown(&khaothi_domain::text::normalize(&e.text())), style),
                "w:tab" | "w:ptab" => self.push("\t", style),
                "w:br" | "w:cr" if e.attr("w:type").is_none_or(|t| t == "textWrapping") => self.soft_break(),
                "w:noBreakHyphen" => self.push("-", style),
                "w:sym" => {
                    let c = e
                        .attr("w:char")
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(symbol_font_char);
                    if let Some(c) = c {
                        self.push(&c.to_string(), style);
                    }
                }
                "w:drawing" | "w:pict" => self.pictures_in(e),
                "w:object" => self.object(e),
                "mc:AlternateContent" => {
                    if let Some(choice) = e.child("mc:Choice") {
                        for inner in choice.elements() {
                            match inner.name.as_str() {
                                "w:drawing" | "w:pict" => self.pictures_in(inner),
                                "w:object" => self.object(inner),
                                _ => {}
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Inline and anchored (floating) pictures: `a:blip r:embed` (DrawingML) or `v:imagedata r:id`
    /// (VML).
    fn pictures_in(&mut self, n: &Node) {
        let mut found = Vec::new();
        n.descendants("a:blip", &mut found);
        n.descendants("v:imagedata", &mut found);
        for b in found {
            let rid = b.attr("r:embed").or_else(|| b.attr("r:id"));
            if let Some(part) = rid.and_then(|id| self.rels.get(id)) {
                self.picture(part.clone(), None);
            }
        }
    }

    fn picture(&mut self, part: String, fallback_for: Option<String>) {
        let index = self.pictures.len();
        self.pictures.push(PictureRef { part, fallback_for });
        if let Some(c) = char::from_u32(PICTURE_BASE + index as u32) {
            self.push(&c.to_string(), Style::default());
        }
    }

    /// An OLE object: a MathType / Equation 3.0 equation is converted from its native data; its
    /// preview picture is used only when that fails.
    fn object(&mut self, o: &Node) {
        let mut ole = Vec::new();
        o.descendants("o:OLEObject", &mut ole);
        let Some(ole) = ole.first() else {
            return self.pictures_in(o);
        };
        let prog = ole.attr("ProgID").unwrap_or_default().to_string();
        let part = ole.attr("r:id").and_then(|id| self.rels.get(id)).cloned();
        let mut preview = Vec::new();
        o.descendants("v:imagedata", &mut preview);
        let preview = preview.first().and_then(|p| p.attr("r:id")).and_then(|id| self.rels.get(id)).cloned();
        // Word names MathType "Equation.DSMT4" and Equation Editor "Equation.3"; a file re-saved
        // by LibreOffice names none: its data decides.
        if !prog.starts_with("Equation.") && !prog.is_empty() {
            self.line().warnings.push(format!("embedded {prog} object kept as its picture only"));
            if let Some(p) = preview {
                self.picture(p, Some(format!("a {prog} object")));
            }
            return;
        }
        let converted = match &part {
            Some(part) => (self.convert_object)(part),
            None => Err("the object's data is missing from the package".into()),
        };
        let what = if prog.is_empty() { "an embedded object" } else { "a MathType equation" };
        match converted {
            Ok(latex) if !latex.trim().is_empty() => self.push(&format!("${latex}$"), Style::default()),
            Ok(_) => {}
            Err(why) => {
                let fallback = if preview.is_some() {
                    "its preview picture is used"
                } else {
                    "it has no preview picture"
                };
                self.line().warnings.push(format!("{what} could not be converted ({why}); {fallback}"));
                if let Some(p) = preview {
                    self.picture(p, Some(what.into()));
                }
            }
        }
    }
}

fn on(pr: &Node, name: &str) -> bool {
    pr.child(name).is_some_and(|n| !matches!(n.attr("w:val"), Some("0" | "false" | "off" | "none")))
}

fn run_style(pr: Option<&Node>) -> Style {
    let Some(pr) = pr else { return Style::default() };
    let colour = pr
        .child_val("w:color")
        .is_some_and(|c| !matches!(c.to_ascii_lowercase().as_str(), "auto" | "000000"))
        || pr.child("w:highlight").is_some_and(|h| h.attr("w:val") != Some("none"))
        || pr
            .child("w:shd")
            .and_then(|s| s.attr("w:fill"))
            .is_some_and(|f| !matches!(f, "auto" | "FFFFFF" | "ffffff"));
    Style { underline: on(pr, "w:u"), colour, bold: on(pr, "w:b") }
}

/// Word text is literal; item text is Markdown with `$` math. Characters that would change its
/// meaning are escaped.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '$' | '*' | '_' | '`' | '<' | '>' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docx::xml::parse;

    #[test]
    fn runs_keep_marks_breaks_and_equations() {
        let xml = r#"<w:body><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>A.</w:t></w:r><w:r><w:t xml:space="preserve"> 1 $</w:t></w:r><w:r><w:br/><w:rPr/><w:t>B.</w:t></w:r></w:p>
            <w:p><w:r><w:rPr><w:u w:val="single"/><w:color w:val="FF0000"/></w:rPr><w:t>C.</w:t></w:r><m:oMath><m:r><m:t>x²</m:t></m:r></m:oMath><w:r><w:sym w:font="Symbol" w:char="F0DE"/></w:r></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>D. 4</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body>"#;
        let rels = HashMap::new();
        let none: ObjectConverter = &|_| Err("none".into());
        let mut w = Walker::new(&rels, none);
        w.blocks(&parse(xml.as_bytes(), "t").unwrap());
        let texts: Vec<String> = w.lines.iter().map(Line::text).collect();
        assert_eq!(texts, vec!["A. 1 \\$", "B.", "C.$x^{2}$⇒", "D. 4"]);
        assert_eq!(w.lines.iter().map(|l| l.para).collect::<Vec<_>>(), vec![1, 1, 2, 3]);
        assert!(w.lines[0].styles[0].bold && !w.lines[0].styles[0].underline);
        assert!(w.lines[2].styles[0].underline && w.lines[2].styles[0].colour);
        assert_eq!(w.lines[3].cell, Some((1, 0, 0)));
    }
}
