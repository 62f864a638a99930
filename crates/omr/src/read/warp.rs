//! Cutting a straightened region out of the image: the QR code for decoding, and the crops a person
//! sees next to a flag.

use base64::Engine;
use image::GrayImage;

use super::homography::Homography;

/// The sheet's region `[x, y, w, h]` (mm) at `k` px/mm, straightened through `h` (bilinear).
pub fn warp(img: &GrayImage, h: &Homography, region: [f64; 4], k: f64) -> GrayImage {
    let [x0, y0, w, hgt] = region;
    let (cols, rows) = ((w * k).round().max(1.0) as u32, (hgt * k).round().max(1.0) as u32);
    GrayImage::from_fn(cols, rows, |c, r| {
        let (u, v) = h.apply(x0 + (f64::from(c) + 0.5) / k, y0 + (f64::from(r) + 0.5) / k);
        image::Luma([bilinear(img, u - 0.5, v - 0.5)])
    })
}

/// The pixel value at a fractional position; white outside the image.
pub fn bilinear(img: &GrayImage, x: f64, y: f64) -> u8 {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (fx, fy) = (x.floor(), y.floor());
    let (ax, ay) = (x - fx, y - fy);
    let (ix, iy) = (fx as i64, fy as i64);
    let at = |px: i64, py: i64| -> f64 {
        if (0..w).contains(&px) && (0..h).contains(&py) {
            f64::from(img.as_raw()[(py * w + px) as usize])
        } else {
            255.0
        }
    };
    let top = at(ix, iy) * (1.0 - ax) + at(ix + 1, iy) * ax;
    let bottom = at(ix, iy + 1) * (1.0 - ax) + at(ix + 1, iy + 1) * ax;
    (top * (1.0 - ay) + bottom * ay).round().clamp(0.0, 255.0) as u8
}

/// `img` as a PNG, base64 (standard alphabet).
pub fn png_base64(img: &GrayImage) -> Option<String> {
    let mut bytes = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).ok()?;
    Some(base64::engine::general_purpose::STANDARD.encode(bytes))
}
