//! The sheet's [`Drawing`] as an A4 PDF page (one sheet, or a room's sheets a page each): vector shapes in DeviceGray and the text in DejaVu
//! Sans (embedded as a subset of the glyphs used, as a CID-keyed TrueType font with a ToUnicode map
//! so the text can be searched and copied).
//!
//! Written with typst's `pdf-writer` (maintained, no dependencies, writes exactly the objects asked
//! for) and `subsetter`; `printpdf` was the alternative, with a far larger dependency tree.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;
use unicode_normalization::UnicodeNormalization;

use crate::draw::{Anchor, Drawing, Shape};
use crate::{OmrError, fonts};

const PT_PER_MM: f64 = 72.0 / 25.4;
/// A circle drawn with four cubic Béziers: the control points' distance as a fraction of r.
const KAPPA: f64 = 0.552_284_75;

/// The PDF bytes of `drawing`.
pub fn to_pdf(drawing: &Drawing) -> Result<Vec<u8>, OmrError> {
    to_pdf_pages(std::slice::from_ref(drawing))
}

/// One PDF of many sheets, a page each (a room's sheets printed at once), the fonts shared.
pub fn to_pdf_pages(drawings: &[Drawing]) -> Result<Vec<u8>, OmrError> {
    if drawings.is_empty() {
        return Err(OmrError::Pdf("a PDF needs at least one page".into()));
    }
    let mut faces = [FontUse::new(false)?, FontUse::new(true)?];
    let contents: Vec<Vec<u8>> = drawings.iter().map(|d| content_stream(d, &mut faces)).collect();
    let (catalog, tree) = (Ref::new(1), Ref::new(2));
    // Fonts at 3–12 (five objects a face), then each page and its content stream.
    let page_ref = |i: usize| Ref::new(13 + 2 * i as i32);
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids((0..drawings.len()).map(page_ref)).count(drawings.len() as i32);
    let mut font_refs = Vec::new();
    for (i, face) in faces.iter().enumerate() {
        if face.used.is_empty() {
            continue;
        }
        let type0 = Ref::new(3 + 5 * i as i32);
        face.write(&mut pdf, type0)?;
        font_refs.push((face.resource_name(), type0));
    }
    for (i, (drawing, content)) in drawings.iter().zip(&contents).enumerate() {
        let [w, h] = drawing.page_mm;
        let (page, stream) = (page_ref(i), Ref::new(page_ref(i).get() + 1));
        {
            let mut p = pdf.page(page);
            p.media_box(Rect::new(0.0, 0.0, (w * PT_PER_MM) as f32, (h * PT_PER_MM) as f32));
            p.parent(tree);
            p.contents(stream);
            let mut resources = p.resources();
            let mut fonts = resources.fonts();
            for (name, r) in &font_refs {
                fonts.pair(Name(name.as_bytes()), *r);
            }
        }
        pdf.stream(stream, &deflate(content)).filter(Filter::FlateDecode);
    }
    Ok(pdf.finish())
}

fn content_stream(drawing: &Drawing, faces: &mut [FontUse; 2]) -> Vec<u8> {
    let mut c = Content::new();
    let page_h = drawing.page_mm[1];
    let pt = |v: f64| (v * PT_PER_MM) as f32;
    let y_pt = |y: f64| ((page_h - y) * PT_PER_MM) as f32;
    for shape in &drawing.shapes {
        match shape {
            Shape::Fill { x, y, w, h, gray } => {
                c.set_fill_gray(*gray);
                c.rect(pt(*x), y_pt(y + h), pt(*w), pt(*h));
                c.fill_nonzero();
            }
            Shape::Frame { x, y, w, h, width, gray } => {
                c.set_stroke_gray(*gray).set_line_width(pt(*width));
                c.rect(pt(*x), y_pt(y + h), pt(*w), pt(*h));
                c.stroke();
            }
            Shape::Ring { cx, cy, r, width, gray } => {
                c.set_stroke_gray(*gray).set_line_width(pt(*width));
                circle(&mut c, pt(*cx), y_pt(*cy), pt(*r));
                c.stroke();
            }
            Shape::Line { x1, y1, x2, y2, width, gray } => {
                c.set_stroke_gray(*gray).set_line_width(pt(*width));
                c.move_to(pt(*x1), y_pt(*y1)).line_to(pt(*x2), y_pt(*y2));
                c.stroke();
            }
            Shape::Text { x, y, size, text, bold, anchor, gray } => {
                let face = &mut faces[usize::from(*bold)];
                let (glyphs, advance_em) = face.encode(text);
                let width = advance_em * size;
                let left = match anchor {
                    Anchor::Left => *x,
                    Anchor::Center => x - width / 2.0,
                    Anchor::Right => x - width,
                };
                c.set_fill_gray(*gray);
                c.begin_text();
                c.set_font(Name(face.resource_name().as_bytes()), pt(*size));
                c.next_line(pt(left), y_pt(*y));
                c.show(Str(&glyphs));
                c.end_text();
            }
        }
    }
    c.finish().to_vec()
}

/// Zlib-compressed stream data (the content stream shrinks to a fifth).
fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

fn circle(c: &mut Content, x: f32, y: f32, r: f32) {
    let k = (KAPPA as f32) * r;
    c.move_to(x + r, y);
    c.cubic_to(x + r, y + k, x + k, y + r, x, y + r);
    c.cubic_to(x - k, y + r, x - r, y + k, x - r, y);
    c.cubic_to(x - r, y - k, x - k, y - r, x, y - r);
    c.cubic_to(x + k, y - r, x + r, y - k, x + r, y);
    c.close_path();
}

/// One font's glyphs used on the page: old glyph id → new (subset) id, and the characters.
struct FontUse {
    bold: bool,
    face: ttf_parser::Face<'static>,
    remapper: GlyphRemapper,
    /// New glyph id → (old glyph id, the character it shows).
    used: BTreeMap<u16, (u16, char)>,
}

impl FontUse {
    fn new(bold: bool) -> Result<Self, OmrError> {
        let face =
            ttf_parser::Face::parse(fonts::data(bold), 0).map_err(|e| OmrError::Pdf(format!("font: {e}")))?;
        Ok(FontUse { bold, face, remapper: GlyphRemapper::new(), used: BTreeMap::new() })
    }

    fn resource_name(&self) -> &'static str {
        if self.bold { "F2" } else { "F1" }
    }

    fn base_name(&self) -> &'static str {
        if self.bold { "KTOMRB+DejaVuSans-Bold" } else { "KTOMRA+DejaVuSans" }
    }

    /// `text` as two-byte subset glyph ids, and its advance in ems.
    fn encode(&mut self, text: &str) -> (Vec<u8>, f64) {
        let upem = f64::from(self.face.units_per_em());
        let mut bytes = Vec::new();
        let mut advance = 0.0;
        for ch in text.nfc() {
            let old = self.face.glyph_index(ch).map_or(0, |g| g.0);
            let new = self.remapper.remap(old);
            self.used.insert(new, (old, ch));
            bytes.extend_from_slice(&new.to_be_bytes());
            advance += f64::from(self.face.glyph_hor_advance(ttf_parser::GlyphId(old)).unwrap_or(0)) / upem;
        }
        (bytes, advance)
    }

    /// Writes the Type0 font at `type0` and its four companions at the next ids.
    fn write(&self, pdf: &mut Pdf, type0: Ref) -> Result<(), OmrError> {
        let [cid, descriptor, file, cmap] = [1, 2, 3, 4].map(|i| Ref::new(type0.get() + i));
        let name = Name(self.base_name().as_bytes());
        let info = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
        let subset = subsetter::subset(fonts::data(self.bold), 0, &self.remapper)
            .map_err(|e| OmrError::Pdf(format!("font subset: {e}")))?;
        let upem = f32::from(self.face.units_per_em());
        let to_1000 = |v: i16| f32::from(v) * 1000.0 / upem;

        pdf.type0_font(type0)
            .base_font(name)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);
        let count = self.remapper.num_gids();
        let widths: Vec<f32> = (0..count)
            .map(|new| {
                let old = self.used.get(&new).map_or(0, |u| u.0);
                let adv = self.face.glyph_hor_advance(ttf_parser::GlyphId(old)).unwrap_or(0);
                f32::from(adv) * 1000.0 / upem
            })
            .collect();
        let mut font = pdf.cid_font(cid);
        font.subtype(CidFontType::Type2).base_font(name).system_info(info).font_descriptor(descriptor);
        font.cid_to_gid_map_predefined(Name(b"Identity"));
        font.widths().consecutive(0, widths);
        font.finish();
        let bb = self.face.global_bounding_box();
        pdf.font_descriptor(descriptor)
            .name(name)
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(to_1000(bb.x_min), to_1000(bb.y_min), to_1000(bb.x_max), to_1000(bb.y_max)))
            .italic_angle(0.0)
            .ascent(to_1000(self.face.ascender()))
            .descent(to_1000(self.face.descender()))
            .cap_height(to_1000(self.face.capital_height().unwrap_or(self.face.ascender())))
            .stem_v(if self.bold { 140.0 } else { 80.0 })
            .font_file2(file);
        pdf.stream(file, &deflate(&subset)).filter(Filter::FlateDecode);
        let mut unicode = UnicodeCmap::new(Name(b"Custom"), info);
        for (&new, &(_, ch)) in &self.used {
            unicode.pair(new, ch);
        }
        pdf.cmap(cmap, &unicode.finish());
        Ok(())
    }
}
