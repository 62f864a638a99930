//! How dark each bubble is, against the sheet's own blank bubbles.
//!
//! A bubble's darkness is `1 − inside / paper`: the mean of the pixels inside its inner disk over
//! the paper around it (the median of eight spots just outside its ring), so light and shadow
//! across a photo cancel out. Darkness is then scaled between this sheet's blank bubbles (the
//! median of the lightest half: the printed ring and label) and its registration marks' black ink:
//! `fill = (darkness − blank) / (ink − blank)`. At most [`EMPTY`] a bubble is empty. It is filled
//! at [`FILLED`] and at [`OF_TYPICAL`] of the sheet's typical mark (one candidate fills the whole
//! sheet with one pencil, and a rubbed-out mark keeps well under its darkness: an erasure of a dark
//! pencil can be as dark as a light pencil's mark on another sheet, never as this candidate's own
//! marks). Between, it is doubtful — a faint mark or an erasure, for a person to decide.

use image::GrayImage;

use super::homography::Homography;
use crate::layout::{Bubble, Mark};

/// A fill at or above this is a mark.
pub const FILLED: f64 = 0.40;
/// A fill at or below this is a blank bubble.
pub const EMPTY: f64 = 0.10;
/// Inside a doubtful bubble, a spread of pixel values (relative to the paper) above this is an
/// erasure's rubbed texture rather than a light, even pencil mark.
const ERASURE_TEXTURE: f64 = 0.075;
/// A mark's threshold is this share of the sheet's typical (median) mark …
const OF_TYPICAL: f64 = 0.70;
/// … never above this (a sheet of very dark marks still reads a normal pencil mark) …
const FILLED_CAP: f64 = 0.55;
/// … and only when the sheet has this many marks to take the typical one from.
const MIN_MARKS_FOR_TYPICAL: usize = 8;
/// The inner disk measured, as a fraction of the radius (clear of the printed ring).
const INNER: f64 = 0.62;

/// What one bubble holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Empty,
    Filled,
    Faint,
    Erased,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// 0 = as light as a blank bubble, 1 = as dark as the marks' ink.
    pub fill: f64,
    /// The spread of the pixel values inside the bubble, relative to the paper around it.
    pub texture: f64,
    pub state: State,
}

/// Every bubble of `bubbles` measured on `img` through `h` (sheet mm → image px).
pub fn measure(img: &GrayImage, h: &Homography, bubbles: &[Bubble], marks: &[Mark]) -> Vec<Measured> {
    let raw: Vec<(f64, f64)> = bubbles.iter().map(|b| darkness(img, h, b.x, b.y, b.r, INNER, 1.32)).collect();
    let mut sorted: Vec<f64> = raw.iter().map(|r| r.0).collect();
    sorted.sort_by(f64::total_cmp);
    let blank = sorted.get(sorted.len() / 4).copied().unwrap_or(0.0);
    let mut ink: Vec<f64> =
        marks.iter().map(|m| darkness(img, h, m.x, m.y, m.size / 2.0, 0.6, 1.6).0).collect();
    ink.sort_by(f64::total_cmp);
    let ink = ink.get(ink.len() / 2).copied().unwrap_or(1.0).max(blank + 0.2);
    let fills: Vec<f64> = raw.iter().map(|&(d, _)| (d - blank) / (ink - blank)).collect();
    let filled_at = filled_threshold(&fills);
    fills
        .iter()
        .zip(&raw)
        .map(|(&fill, &(_, texture))| Measured { fill, texture, state: classify(fill, texture, filled_at) })
        .collect()
}

/// The fill a mark must reach on this sheet: [`FILLED`], or [`OF_TYPICAL`] of the sheet's typical
/// mark when the candidate's pencil is darker — one candidate fills every bubble with the same
/// pencil, and a rubbed-out mark keeps well under its darkness.
pub fn filled_threshold(fills: &[f64]) -> f64 {
    let mut marks: Vec<f64> = fills.iter().copied().filter(|&f| f >= FILLED).collect();
    if marks.len() < MIN_MARKS_FOR_TYPICAL {
        return FILLED;
    }
    marks.sort_by(f64::total_cmp);
    let typical = marks[marks.len() / 2];
    (OF_TYPICAL * typical).clamp(FILLED, FILLED_CAP)
}

/// A bubble's state from its fill and texture, against the sheet's threshold for a mark.
pub fn classify(fill: f64, texture: f64, filled_at: f64) -> State {
    if fill <= EMPTY {
        State::Empty
    } else if fill >= filled_at {
        State::Filled
    } else if texture > ERASURE_TEXTURE {
        State::Erased
    } else {
        State::Faint
    }
}

/// `(darkness, texture)` of the disk of `inner · r` around (x, y) mm against the paper sampled on
/// the circle of `outer · r`.
fn darkness(img: &GrayImage, h: &Homography, x: f64, y: f64, r: f64, inner: f64, outer: f64) -> (f64, f64) {
    let (cx, cy) = h.apply(x, y);
    let k = h.scale_at(x, y);
    let ri = inner * r * k;
    let (w, hgt) = (img.width() as i64, img.height() as i64);
    let raw = img.as_raw();
    let (mut n, mut sum, mut sq) = (0u64, 0u64, 0u64);
    let (y0, y1) = ((cy - ri).floor() as i64, (cy + ri).ceil() as i64);
    let (x0, x1) = ((cx - ri).floor() as i64, (cx + ri).ceil() as i64);
    for py in y0.max(0)..=y1.min(hgt - 1) {
        let dy = py as f64 + 0.5 - cy;
        for px in x0.max(0)..=x1.min(w - 1) {
            let dx = px as f64 + 0.5 - cx;
            if dx * dx + dy * dy <= ri * ri {
                let v = u64::from(raw[(py * w + px) as usize]);
                (n, sum, sq) = (n + 1, sum + v, sq + v * v);
            }
        }
    }
    let mut paper: Vec<f64> = (0..8)
        .map(|i| {
            let a = i as f64 * std::f64::consts::FRAC_PI_4 + 0.39;
            let (px, py) = h.apply(x + outer * r * a.cos(), y + outer * r * a.sin());
            spot(img, px, py)
        })
        .collect();
    paper.sort_by(f64::total_cmp);
    // The lighter middle of the eight: a neighbour's mark or a printed label may darken a few.
    let paper = ((paper[4] + paper[5] + paper[6]) / 3.0).max(1.0);
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = sum as f64 / n as f64;
    let var = (sq as f64 / n as f64 - mean * mean).max(0.0);
    ((1.0 - mean / paper).max(0.0), var.sqrt() / paper)
}

/// The mean of the 3×3 pixels around (x, y) px (the paper's value where the image ends).
fn spot(img: &GrayImage, x: f64, y: f64) -> f64 {
    let (cx, cy) = (x.floor() as i64, y.floor() as i64);
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (mut n, mut sum) = (0.0, 0.0);
    for py in cy - 1..=cy + 1 {
        for px in cx - 1..=cx + 1 {
            if (0..w).contains(&px) && (0..h).contains(&py) {
                sum += f64::from(img.as_raw()[(py * w + px) as usize]);
                n += 1.0;
            }
        }
    }
    if n > 0.0 { sum / n } else { 255.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_is_measured_against_the_sheets_own_marks() {
        // Too few marks to know the pencil: the fixed threshold.
        assert_eq!(filled_threshold(&[0.9, 0.8, 0.0, 0.05]), FILLED);
        // A dark pencil: 70 % of its median mark, capped.
        let dark: Vec<f64> = (0..20).map(|i| 0.85 + f64::from(i) * 0.005).chain([0.0; 40]).collect();
        assert_eq!(filled_threshold(&dark), FILLED_CAP);
        let usual: Vec<f64> = (0..20).map(|i| 0.50 + f64::from(i) * 0.02).chain([0.02; 40]).collect();
        let t = filled_threshold(&usual);
        assert!((t - 0.70 * 0.70).abs() < 1e-9, "{t}");
        // A light pencil: never below the fixed threshold.
        let light: Vec<f64> = (0..20).map(|_| 0.45).chain([0.0; 40]).collect();
        assert_eq!(filled_threshold(&light), FILLED);
        // An erasure as dark as a light pencil's mark is doubtful on a dark pencil's sheet.
        assert_eq!(classify(0.45, 0.02, FILLED), State::Filled);
        assert_eq!(classify(0.47, 0.02, t), State::Faint);
        assert_eq!(classify(0.47, 0.12, t), State::Erased);
        assert_eq!(classify(0.62, 0.12, t), State::Filled);
        assert_eq!(classify(0.05, 0.3, t), State::Empty);
    }
}
