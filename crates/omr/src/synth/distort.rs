//! Making a clean sheet look scanned or photographed: rotation (±5°), perspective, a desk around
//! it, blur, sensor noise, a darker or lighter exposure and uneven light.

use image::GrayImage;
use rand::Rng;

use crate::read::Homography;

/// One image's distortion, drawn at random by [`Distortion::random`].
#[derive(Debug, Clone, PartialEq)]
pub struct Distortion {
    pub rotation_deg: f64,
    /// Largest corner displacement for the perspective, as a fraction of the page width.
    pub perspective: f64,
    /// Scale of the sheet in the image (≤ 1: a margin of desk around it).
    pub scale: f64,
    /// Box-blur passes (radius 1 px each).
    pub blur: u32,
    /// Noise amplitude, gray levels.
    pub noise: f64,
    /// Exposure: `v · gain + offset`.
    pub gain: f64,
    pub offset: f64,
    /// Light falling off across the image, 0–1.
    pub gradient: f64,
    /// The desk's gray outside the sheet.
    pub background: u8,
}

impl Distortion {
    pub fn random(rng: &mut impl Rng) -> Self {
        let (gain, offset) = match rng.random_range(0..3) {
            0 => (rng.random_range(0.55..0.8), rng.random_range(0.0..10.0)),
            1 => {
                let g = rng.random_range(0.65..0.9);
                (g, 255.0 * (1.0 - g))
            }
            _ => (rng.random_range(0.9..1.0), 0.0),
        };
        Distortion {
            rotation_deg: rng.random_range(-5.0..5.0),
            perspective: rng.random_range(0.0..0.03),
            scale: rng.random_range(0.88..0.98),
            blur: rng.random_range(0..3),
            noise: rng.random_range(0.0..12.0),
            gain,
            offset,
            gradient: rng.random_range(0.0..0.2),
            background: rng.random_range(40..220),
        }
    }
}

/// `sheet` distorted by `d` into an image of the same size.
pub fn distort(sheet: &GrayImage, d: &Distortion, rng: &mut impl Rng) -> GrayImage {
    let (w, h) = (f64::from(sheet.width()), f64::from(sheet.height()));
    let (cx, cy) = (w / 2.0, h / 2.0);
    let (sin, cos) = d.rotation_deg.to_radians().sin_cos();
    // The whole sheet stays in the picture (a cut-off mark is a sheet the reader must refuse, not
    // a test of reading): shrink it to fit its rotated and jittered outline.
    let fit = (w / (w * cos.abs() + h * sin.abs())).min(h / (w * sin.abs() + h * cos.abs()))
        * (1.0 - 2.0 * d.perspective);
    let d = &Distortion { scale: d.scale.min(fit * 0.99), ..d.clone() };
    let corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    let mut placed = [(0.0, 0.0); 4];
    for (i, &(x, y)) in corners.iter().enumerate() {
        let (dx, dy) = ((x - cx) * d.scale, (y - cy) * d.scale);
        let jitter = |rng: &mut dyn rand::RngCore| {
            (f64::from(rng.next_u32()) / f64::from(u32::MAX) * 2.0 - 1.0) * d.perspective * w
        };
        placed[i] = (cx + dx * cos - dy * sin + jitter(rng), cy + dx * sin + dy * cos + jitter(rng));
    }
    // Sampling goes backwards: image pixel → sheet pixel.
    let back = Homography::from_points(&placed, &corners)
        .unwrap_or_else(|| Homography::from_points(&corners, &corners).expect("identity"));
    let bg = f64::from(d.background);
    let mut seed = rng.next_u64() | 1;
    let mut out = GrayImage::new(sheet.width(), sheet.height());
    let raw = sheet.as_raw();
    let stride = sheet.width() as usize;
    for (x, y, p) in out.enumerate_pixels_mut() {
        let (u, v) = back.apply(f64::from(x) + 0.5, f64::from(y) + 0.5);
        let value = if u < 0.5 || v < 0.5 || u >= w - 1.5 || v >= h - 1.5 {
            bg
        } else {
            let (fu, fv) = (u - 0.5, v - 0.5);
            let (iu, iv) = (fu as usize, fv as usize);
            let (au, av) = (fu - iu as f64, fv - iv as f64);
            let at = |i: usize, j: usize| f64::from(raw[j * stride + i]);
            let top = at(iu, iv) * (1.0 - au) + at(iu + 1, iv) * au;
            let bottom = at(iu, iv + 1) * (1.0 - au) + at(iu + 1, iv + 1) * au;
            top * (1.0 - av) + bottom * av
        };
        p.0[0] = value.clamp(0.0, 255.0) as u8;
    }
    for _ in 0..d.blur {
        box_blur(&mut out);
    }
    let light = |x: u32| 1.0 - d.gradient * f64::from(x) / w;
    for (x, _, p) in out.enumerate_pixels_mut() {
        // xorshift64: fast noise for millions of pixels.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let n = ((seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * d.noise;
        let v = (f64::from(p.0[0]) * d.gain + d.offset) * light(x) + n;
        p.0[0] = v.round().clamp(0.0, 255.0) as u8;
    }
    out
}

/// A 3×3 box blur (separable), in place.
fn box_blur(img: &mut GrayImage) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let src = img.as_raw().clone();
    let mut tmp = vec![0u16; w * h];
    for y in 0..h {
        for x in 0..w {
            let (a, b) = (x.saturating_sub(1), (x + 1).min(w - 1));
            tmp[y * w + x] =
                u16::from(src[y * w + a]) + u16::from(src[y * w + x]) + u16::from(src[y * w + b]);
        }
    }
    let out: &mut [u8] = img;
    for y in 0..h {
        let (a, b) = (y.saturating_sub(1), (y + 1).min(h - 1));
        for x in 0..w {
            out[y * w + x] = ((tmp[a * w + x] + tmp[y * w + x] + tmp[b * w + x] + 4) / 9) as u8;
        }
    }
}
