//! How dark each bubble is, against the sheet's own blank bubbles.
//!
//! A bubble's darkness is `1 − inside / paper`: the mean of the pixels inside its inner disk over
//! the paper around it (the median of eight spots just outside its ring), so light and shadow
//! across a photo cancel out. Darkness is then scaled between this sheet's blank bubbles (the
//! median of the lightest half: the printed ring and label) and its registration marks' black ink:
//! `fill = (darkness − blank) / (ink − blank)`. Above [`FILLED`] a bubble is filled, below [`EMPTY`]
//! it is empty, and between it is doubtful — a faint mark or an erasure, for a person to decide.

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
    raw.iter()
        .map(|&(d, texture)| {
            let fill = (d - blank) / (ink - blank);
            let state = if fill >= FILLED {
                State::Filled
            } else if fill <= EMPTY {
                State::Empty
            } else if texture > ERASURE_TEXTURE {
                State::Erased
            } else {
                State::Faint
            };
            Measured { fill, state }
        })
        .collect()
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
