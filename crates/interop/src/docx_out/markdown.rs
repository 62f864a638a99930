//! Item text (Markdown with `$…$` LaTeX, as the bank stores it) → WordprocessingML: paragraphs of
//! runs with bold, italic and code, native equations ([`crate::omml_out`]), inline pictures of the
//! bank's media, lists, block quotes and tables. pulldown-cmark reads the text with the options the
//! bank's renderer uses, so a `$` in a code span is never math and `\$` is a dollar sign, exactly
//! as on the HTML print view. Raw HTML is printed as text, as the renderer shows it.

use std::collections::HashMap;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::package::{FIRST_MEDIA_REL, MediaPart};
use super::picture::{extent, inline_drawing, picture_extension, picture_size};
use crate::omml_out::{escape, latex_to_omml};

/// Twentieths of a point a list or quote level is indented by.
const INDENT_STEP: u32 = 360;

/// One block of a text field as Word paragraphs: a paragraph's runs with its left indent, or a
/// finished table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Piece {
    Para { indent: u32, runs: String, display_math: bool },
    Table(String),
}

/// The pictures a document references, gathered while its text is written: each media name gets
/// one part and one relationship however often it is printed.
pub(crate) struct Pictures<'r> {
    resolve: &'r dyn Fn(&str) -> Option<Vec<u8>>,
    pub parts: Vec<MediaPart>,
    known: HashMap<String, (String, (u32, u32))>,
    drawings: usize,
}

impl<'r> Pictures<'r> {
    pub fn new(resolve: &'r dyn Fn(&str) -> Option<Vec<u8>>) -> Self {
        Pictures { resolve, parts: Vec::new(), known: HashMap::new(), drawings: 0 }
    }

    /// The run that shows media `dest` (a bank media URL or a name the item lists) at most
    /// `max_width` twips wide, or why it cannot be printed.
    fn drawing(&mut self, dest: &str, max_width: u32) -> Result<String, String> {
        let name = dest.strip_prefix(khaothi_render::MEDIA_PREFIX).unwrap_or(dest).to_string();
        if !self.known.contains_key(&name) {
            let bytes =
                (self.resolve)(&name).ok_or_else(|| format!("picture {name} is not in the bank's media"))?;
            let (Some(ext), Some(size)) = (picture_extension(&bytes), picture_size(&bytes)) else {
                return Err(format!("picture {name} is not a PNG, JPEG or GIF image; Word cannot print it"));
            };
            let rel_id = format!("rId{}", FIRST_MEDIA_REL + self.parts.len());
            let file_name = format!("image{}.{ext}", self.parts.len() + 1);
            self.parts.push(MediaPart { rel_id: rel_id.clone(), file_name, bytes });
            self.known.insert(name.clone(), (rel_id, size));
        }
        let (rel_id, size) = self.known[&name].clone();
        self.drawings += 1;
        Ok(inline_drawing(&rel_id, self.drawings, &name, extent(size, max_width)))
    }
}

/// A text run with bold/italic/strike/monospace as set.
#[derive(Debug, Clone, Copy, Default)]
struct Format {
    bold: bool,
    italic: bool,
    strike: bool,
    code: bool,
}

pub(crate) fn text_run(text: &str, bold: bool, italic: bool) -> String {
    run(text, Format { bold, italic, ..Format::default() })
}

fn run(text: &str, f: Format) -> String {
    if text.is_empty() {
        return String::new();
    }
    let mut pr = String::new();
    if f.code {
        pr.push_str("<w:rFonts w:ascii=\"Courier New\" w:hAnsi=\"Courier New\"/>");
    }
    if f.bold {
        pr.push_str("<w:b/>");
    }
    if f.italic {
        pr.push_str("<w:i/>");
    }
    if f.strike {
        pr.push_str("<w:strike/>");
    }
    let pr = if pr.is_empty() { pr } else { format!("<w:rPr>{pr}</w:rPr>") };
    format!("<w:r>{pr}<w:t xml:space=\"preserve\">{}</w:t></w:r>", escape(text))
}

/// A table being read: rows of cells, each cell its runs.
#[derive(Default)]
struct TableRows {
    rows: Vec<(bool, Vec<String>)>,
    head: bool,
}

struct Builder<'p, 'r> {
    pictures: &'p mut Pictures<'r>,
    max_width: u32,
    out: Vec<Piece>,
    runs: String,
    format: Format,
    /// Numbering of the lists the text is in (`None`: bullets).
    lists: Vec<Option<u64>>,
    quotes: u32,
    in_image: u32,
    table: Option<TableRows>,
    /// The runs hold only a list item's number so far.
    marker_open: bool,
}

/// The blocks of `md`; pictures are at most `max_width` twips wide. The error names the formula
/// or picture that cannot be printed.
pub(crate) fn pieces(md: &str, pictures: &mut Pictures<'_>, max_width: u32) -> Result<Vec<Piece>, String> {
    let options = Options::ENABLE_MATH | Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut b = Builder {
        pictures,
        max_width,
        out: Vec::new(),
        runs: String::new(),
        format: Format::default(),
        lists: Vec::new(),
        quotes: 0,
        in_image: 0,
        table: None,
        marker_open: false,
    };
    for event in Parser::new_ext(md, options) {
        b.event(event)?;
    }
    b.flush();
    Ok(b.out)
}

/// `md` as the runs of one paragraph (options and statements): its paragraphs joined by line
/// breaks; a table inside is printed as its cells' text.
pub(crate) fn inline_runs(md: &str, pictures: &mut Pictures<'_>, max_width: u32) -> Result<String, String> {
    let mut runs = Vec::new();
    for p in pieces(md, pictures, max_width)? {
        match p {
            Piece::Para { runs: r, .. } => runs.push(r),
            Piece::Table(xml) => runs.push(run(&table_text(&xml), Format::default())),
        }
    }
    Ok(runs.join("<w:r><w:br/></w:r>"))
}

/// The text of a table's cells, separated by spaces (a table does not fit on an option's line).
fn table_text(xml: &str) -> String {
    let mut text = String::new();
    for chunk in xml.split("<w:t xml:space=\"preserve\">").skip(1) {
        if let Some((t, _)) = chunk.split_once("</w:t>") {
            text.push_str(t);
            text.push(' ');
        }
    }
    text.trim_end().replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}

impl Builder<'_, '_> {
    fn indent(&self) -> u32 {
        INDENT_STEP * (self.lists.len() as u32 + self.quotes)
    }

    /// Ends the paragraph being written (a cell's runs stay for the cell).
    fn flush(&mut self) {
        self.marker_open = false;
        if self.table.is_some() || self.runs.is_empty() {
            return;
        }
        let runs = std::mem::take(&mut self.runs);
        self.out.push(Piece::Para { indent: self.indent(), runs, display_math: false });
    }

    fn text(&mut self, t: &str) {
        if self.in_image == 0 {
            self.runs.push_str(&run(t, self.format));
        }
    }

    fn event(&mut self, event: Event<'_>) -> Result<(), String> {
        match event {
            Event::Start(tag) => self.start(tag)?,
            Event::End(tag) => self.end(tag),
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => self.text(&t),
            Event::Code(t) => {
                let f = self.format;
                self.format.code = true;
                self.text(&t);
                self.format = f;
            }
            Event::InlineMath(tex) => {
                let omml = latex_to_omml(&tex, false).map_err(|e| format!("formula ${tex}$: {e}"))?;
                self.runs.push_str(&omml);
            }
            Event::DisplayMath(tex) => {
                let omml = latex_to_omml(&tex, true).map_err(|e| format!("formula $${tex}$$: {e}"))?;
                if self.table.is_some() {
                    self.runs.push_str(&latex_to_omml(&tex, false).unwrap_or(omml));
                } else {
                    self.flush();
                    self.out.push(Piece::Para { indent: self.indent(), runs: omml, display_math: true });
                }
            }
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.runs.push_str("<w:r><w:br/></w:r>"),
            Event::Rule => {
                self.flush();
                self.out.push(Piece::Para {
                    indent: 0,
                    runs: run("――――――――――", Format::default()),
                    display_math: false,
                });
            }
            Event::TaskListMarker(done) => self.text(if done { "☒ " } else { "☐ " }),
            Event::FootnoteReference(_) => {}
        }
        Ok(())
    }

    fn start(&mut self, tag: Tag<'_>) -> Result<(), String> {
        match tag {
            Tag::Paragraph | Tag::Heading { .. } | Tag::CodeBlock(_) | Tag::HtmlBlock => {
                // A loose list item's first paragraph continues the item's number.
                if !std::mem::take(&mut self.marker_open) {
                    self.flush();
                }
                if matches!(tag, Tag::Heading { .. }) {
                    self.format.bold = true;
                }
                if matches!(tag, Tag::CodeBlock(_)) {
                    self.format.code = true;
                }
            }
            Tag::BlockQuote(_) => {
                self.flush();
                self.quotes += 1;
            }
            Tag::List(start) => {
                self.flush();
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => "• ".to_string(),
                };
                self.runs.push_str(&run(&marker, Format::default()));
                self.marker_open = true;
            }
            Tag::Emphasis => self.format.italic = true,
            Tag::Strong => self.format.bold = true,
            Tag::Strikethrough => self.format.strike = true,
            Tag::Image { dest_url, .. } => {
                let drawing = self.pictures.drawing(&dest_url, self.max_width)?;
                self.runs.push_str(&drawing);
                self.in_image += 1;
            }
            Tag::Table(_) => {
                self.flush();
                self.table = Some(TableRows::default());
            }
            Tag::TableHead => {
                if let Some(t) = &mut self.table {
                    t.head = true;
                    t.rows.push((true, Vec::new()));
                }
            }
            Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.rows.push((false, Vec::new()));
                }
            }
            Tag::TableCell => self.runs.clear(),
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::Item | TagEnd::HtmlBlock => self.flush(),
            TagEnd::Heading(_) => {
                self.flush();
                self.format.bold = false;
            }
            TagEnd::CodeBlock => {
                self.flush();
                self.format.code = false;
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.quotes = self.quotes.saturating_sub(1);
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
            }
            TagEnd::Emphasis => self.format.italic = false,
            TagEnd::Strong => self.format.bold = false,
            TagEnd::Strikethrough => self.format.strike = false,
            TagEnd::Image => self.in_image = self.in_image.saturating_sub(1),
            TagEnd::TableCell => {
                let runs = std::mem::take(&mut self.runs);
                if let Some((_, cells)) = self.table.as_mut().and_then(|t| t.rows.last_mut()) {
                    cells.push(runs);
                }
            }
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.head = false;
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    self.out.push(Piece::Table(grid_table(&t.rows, self.max_width)));
                }
            }
            _ => {}
        }
    }
}

/// A bordered table across `width` twips; header cells bold.
pub(crate) fn grid_table(rows: &[(bool, Vec<String>)], width: u32) -> String {
    let columns = rows.iter().map(|(_, c)| c.len()).max().unwrap_or(1).max(1);
    let col = width / columns as u32;
    let mut out = format!(
        "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr><w:tblGrid>{}</w:tblGrid>",
        format!("<w:gridCol w:w=\"{col}\"/>").repeat(columns)
    );
    for (head, cells) in rows {
        out.push_str("<w:tr>");
        for i in 0..columns {
            let runs = cells.get(i).map_or("", String::as_str);
            let runs = if *head {
                runs.replace("<w:r><w:t", "<w:r><w:rPr><w:b/></w:rPr><w:t")
            } else {
                runs.to_string()
            };
            out.push_str(&format!(
                "<w:tc><w:tcPr><w:tcW w:w=\"{col}\" w:type=\"dxa\"/></w:tcPr><w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr>{runs}</w:p></w:tc>"
            ));
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
    out
}
