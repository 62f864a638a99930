//! The sheet's [`Drawing`] as a grayscale image, the way a scanner would see the printed PDF: the
//! same shapes and the same font, drawn with anti-aliased edges. The test-set generator starts
//! from this raster (faster than rasterising each PDF with an external tool, and identical in
//! geometry because both come from one drawing).

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::{GrayImage, Luma};
use unicode_normalization::UnicodeNormalization;

use crate::draw::{Anchor, Drawing, Shape};
use crate::{OmrError, fonts};

/// `drawing` at `dpi` dots per inch, white paper.
pub fn rasterize(drawing: &Drawing, dpi: f64) -> Result<GrayImage, OmrError> {
    let k = dpi / 25.4;
    let [w, h] = drawing.page_mm;
    let mut img = GrayImage::from_pixel((w * k).round() as u32, (h * k).round() as u32, Luma([255]));
    draw_onto(&mut img, drawing, dpi)?;
    Ok(img)
}

/// Draws `drawing` over `img` (a page already at `dpi`).
pub fn draw_onto(img: &mut GrayImage, drawing: &Drawing, dpi: f64) -> Result<(), OmrError> {
    let k = dpi / 25.4;
    let font_err = |e| OmrError::Unsupported(format!("font: {e}"));
    let faces = [
        FontRef::try_from_slice(fonts::REGULAR).map_err(font_err)?,
        FontRef::try_from_slice(fonts::BOLD).map_err(font_err)?,
    ];
    for shape in &drawing.shapes {
        match shape {
            Shape::Fill { x, y, w, h, gray } => fill_rect(img, x * k, y * k, (x + w) * k, (y + h) * k, *gray),
            Shape::Frame { x, y, w, h, width, gray } => {
                let (x0, y0, x1, y1, t) = (x * k, y * k, (x + w) * k, (y + h) * k, width * k / 2.0);
                fill_rect(img, x0 - t, y0 - t, x1 + t, y0 + t, *gray);
                fill_rect(img, x0 - t, y1 - t, x1 + t, y1 + t, *gray);
                fill_rect(img, x0 - t, y0 + t, x0 + t, y1 - t, *gray);
                fill_rect(img, x1 - t, y0 + t, x1 + t, y1 - t, *gray);
            }
            Shape::Ring { cx, cy, r, width, gray } => ring(img, cx * k, cy * k, r * k, width * k, *gray),
            Shape::Line { x1, y1, x2, y2, width, gray } => {
                // The sheet's lines are horizontal or vertical: a thin rectangle.
                let t = width * k / 2.0;
                let (xa, xb, ya, yb) = (x1.min(*x2) * k, x1.max(*x2) * k, y1.min(*y2) * k, y1.max(*y2) * k);
                fill_rect(img, xa - t, ya - t, xb + t, yb + t, *gray);
            }
            Shape::Text { x, y, size, text, bold, anchor, gray } => {
                let font = &faces[usize::from(*bold)];
                text_at(img, font, x * k, y * k, size * k, text, *anchor, *gray);
            }
        }
    }
    Ok(())
}

/// Darkens the pixel towards `gray` by `coverage` (0–1).
fn paint(img: &mut GrayImage, x: u32, y: u32, gray: f32, coverage: f64) {
    let p = img.get_pixel_mut(x, y);
    let ink = f64::from(gray) * 255.0;
    let v = f64::from(p.0[0]) * (1.0 - coverage) + ink.min(f64::from(p.0[0])) * coverage;
    p.0[0] = v.round().clamp(0.0, 255.0) as u8;
}

fn span(a: f64, b: f64, i: u32) -> f64 {
    let (lo, hi) = (f64::from(i), f64::from(i) + 1.0);
    (b.min(hi) - a.max(lo)).max(0.0)
}

fn fill_rect(img: &mut GrayImage, x0: f64, y0: f64, x1: f64, y1: f64, gray: f32) {
    let (w, h) = (img.width(), img.height());
    let xs = x0.floor().max(0.0) as u32..(x1.ceil().max(0.0) as u32).min(w);
    for py in y0.floor().max(0.0) as u32..(y1.ceil().max(0.0) as u32).min(h) {
        let cy = span(y0, y1, py);
        for px in xs.clone() {
            let c = cy * span(x0, x1, px);
            if c > 0.0 {
                paint(img, px, py, gray, c);
            }
        }
    }
}

fn ring(img: &mut GrayImage, cx: f64, cy: f64, r: f64, width: f64, gray: f32) {
    let reach = r + width + 1.0;
    let (w, h) = (img.width(), img.height());
    for py in (cy - reach).floor().max(0.0) as u32..((cy + reach).ceil().max(0.0) as u32).min(h) {
        for px in (cx - reach).floor().max(0.0) as u32..((cx + reach).ceil().max(0.0) as u32).min(w) {
            let d = ((f64::from(px) + 0.5 - cx).powi(2) + (f64::from(py) + 0.5 - cy).powi(2)).sqrt();
            let c = (width / 2.0 + 0.5 - (d - r).abs()).clamp(0.0, 1.0);
            if c > 0.0 {
                paint(img, px, py, gray, c);
            }
        }
    }
}

/// One line of text with its baseline at `y` px, `size` px to the em.
fn text_at(
    img: &mut GrayImage,
    font: &FontRef,
    x: f64,
    y: f64,
    size: f64,
    text: &str,
    anchor: Anchor,
    gray: f32,
) {
    let text: String = text.nfc().collect();
    let upem = f64::from(font.units_per_em().unwrap_or(2048.0));
    // ab_glyph scales to the font's ascent-to-descent height, not to the em.
    let scale = PxScale::from((size * f64::from(font.height_unscaled()) / upem) as f32);
    let scaled = font.as_scaled(scale);
    let width: f64 = text.chars().map(|c| f64::from(scaled.h_advance(font.glyph_id(c)))).sum();
    let left = match anchor {
        Anchor::Left => x,
        Anchor::Center => x - width / 2.0,
        Anchor::Right => x - width,
    };
    let top = y - f64::from(scaled.ascent());
    let ink = (f64::from(gray) * 255.0).round() as u8;
    imageproc::drawing::draw_text_mut(
        img,
        Luma([ink]),
        left.round() as i32,
        top.round() as i32,
        scale,
        font,
        &text,
    );
}
