//! Reading a filled sheet from a decoded image: find the marks, straighten the sheet (a
//! homography, so rotation, skew and a phone's perspective are one correction), read the QR code,
//! measure every bubble against the sheet's own blanks, and turn marks into answers — flagging,
//! never guessing, whatever a person must decide.

mod decide;
mod homography;
mod marks;
mod measure;
mod warp;

use image::GrayImage;

use crate::OmrError;
use crate::layout::{Layout, Meaning};
use crate::qr::QrPayload;
use crate::reading::{AnswerValue, Flag, FlagReason, SheetReading};
pub use decide::is_short_answer;
use decide::{KeyReading, read_keys};
pub use homography::Homography;
pub use measure::{Measured, State, filled_threshold};

/// Resolution of the crops attached to flags, px/mm.
const CROP_PX_PER_MM: f64 = 8.0;

/// How to read.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// The scan's resolution when known (`--dpi`): narrows the search for the marks.
    pub dpi: Option<f64>,
    /// Attach a PNG crop to each flag (on by default in the CLI; the benchmark turns it off).
    pub crops: bool,
}

/// Checks that `layout` can be read: four marks on page 1 forming a rectangle, bubbles on page 1.
pub fn check_layout(layout: &Layout) -> Result<(), OmrError> {
    if layout.marks.len() != 4 || layout.marks.iter().any(|m| m.page != 1 || m.size <= 0.0) {
        return Err(OmrError::InvalidLayout("the reader needs four registration marks on page 1".into()));
    }
    if layout.bubbles.is_empty() || layout.bubbles.iter().any(|b| b.page != 1 || b.r <= 0.0) {
        return Err(OmrError::InvalidLayout("the bubbles must be on page 1 with a positive radius".into()));
    }
    Ok(())
}

/// The layout's marks clockwise from the top-left, their height/width ratio, and a mark's side
/// over the shorter edge.
fn sheet_marks(layout: &Layout) -> ([(f64, f64); 4], f64, f64) {
    let mut m: Vec<(f64, f64)> = layout.marks.iter().map(|m| (m.x, m.y)).collect();
    m.sort_by(|a, b| (a.1, a.0).partial_cmp(&(b.1, b.0)).unwrap_or(std::cmp::Ordering::Equal));
    let (top, bottom) = m.split_at(2);
    let (tl, tr) = if top[0].0 <= top[1].0 { (top[0], top[1]) } else { (top[1], top[0]) };
    let (bl, br) = if bottom[0].0 <= bottom[1].0 { (bottom[0], bottom[1]) } else { (bottom[1], bottom[0]) };
    let wide = (tr.0 - tl.0).abs().max(1e-9);
    let tall = (bl.1 - tl.1).abs().max(1e-9);
    let side = layout.marks[0].size / wide.min(tall);
    ([tl, tr, br, bl], tall.max(wide) / tall.min(wide), side)
}

/// Reads one sheet. Never fails: what cannot be read becomes a flag.
pub fn read_sheet(img: &GrayImage, layout: &Layout, opts: &ReadOptions) -> SheetReading {
    let mut reading = SheetReading::default();
    let Some((h, qr)) = locate(img, layout, opts) else {
        let k = 400.0 / f64::from(img.width().max(1));
        let small = image::imageops::thumbnail(img, 400, (f64::from(img.height()) * k) as u32);
        reading.flags.push(Flag {
            key: "sheet".into(),
            reason: FlagReason::MarksNotFound,
            proposed: None,
            region: None,
            crop: if opts.crops { warp::png_base64(&small) } else { None },
            detail: "the four corner marks were not found".into(),
        });
        return reading;
    };
    let measured = measure::measure(img, &h, &layout.bubbles, &layout.marks);
    let keys = read_keys(&layout.bubbles, &measured);
    let crop = |key: &str| {
        region_of(layout, key).map(|r| {
            (r, opts.crops.then(|| warp::png_base64(&warp::warp(img, &h, r, CROP_PX_PER_MM))).flatten())
        })
    };
    let mut flag = |key: &str, reason: FlagReason, proposed: Option<AnswerValue>, detail: String| {
        let (region, crop) = crop(key).map_or((None, None), |(r, c)| (Some(r), c));
        reading.flags.push(Flag { key: key.into(), reason, proposed, region, crop, detail });
    };
    if layout.qr.is_some() && qr.is_none() {
        flag("qr", FlagReason::UnreadableQr, None, "the QR code could not be decoded".into());
    }
    let mut numbers: [Option<String>; 2] = [None, None];
    for (key, value) in &keys {
        let from_qr =
            qr.as_ref().map(|p| if key == "candidate" { p.candidate.clone() } else { p.version.clone() });
        match (key.as_str(), value) {
            ("candidate" | "version", _) => {
                let slot = usize::from(key == "version");
                match number(value, from_qr.filter(|s| !s.is_empty())) {
                    Ok((n, conf)) => {
                        reading.confidence.insert(key.clone(), conf);
                        numbers[slot] = Some(n);
                    }
                    Err((reason, proposed, detail)) => flag(key, reason, proposed, detail),
                }
            }
            (_, KeyReading::Blank) => {}
            (_, KeyReading::Value(v, conf)) => {
                reading.answers.insert(key.clone(), v.clone());
                reading.confidence.insert(key.clone(), *conf);
            }
            (_, KeyReading::Flagged { reason, proposed }) => {
                flag(key, *reason, proposed.clone(), String::new())
            }
        }
    }
    let [candidate, version] = numbers;
    (reading.candidate, reading.version) = (candidate, version);
    if let Some(p) = qr {
        (reading.sheet, reading.event) = (Some(p.sheet), Some(p.event));
    }
    reading
}

/// The sheet in the image (sheet mm → image px) and its QR payload, or `None` when the four marks
/// are not there.
fn locate(img: &GrayImage, layout: &Layout, opts: &ReadOptions) -> Option<(Homography, Option<QrPayload>)> {
    let (sheet, aspect, side) = sheet_marks(layout);
    let px_per_mm = opts.dpi.map(|d| (layout.marks[0].size, d / 25.4));
    let candidates = marks::find_marks(img, aspect, side, px_per_mm);
    candidates.iter().find_map(|found| {
        let (h, qr) = orient(img, layout, &sheet, found);
        marks_are_there(img, &h, layout).then_some((h, qr))
    })
}

/// Every bubble's measurement (the layout's order), for the benchmark's diagnostics: what the
/// reader's thresholds see. `None` when the marks are not found.
pub fn measure_bubbles(img: &GrayImage, layout: &Layout, opts: &ReadOptions) -> Option<Vec<Measured>> {
    let (h, _) = locate(img, layout, opts)?;
    Some(measure::measure(img, &h, &layout.bubbles, &layout.marks))
}

/// Whether the straightened sheet shows solid marks where the layout has them: each mark's inner
/// square dark, and a ring of paper just outside it light. A filled bubble is too small to pass;
/// a QR finder pattern fails on the modules around it.
fn marks_are_there(img: &GrayImage, h: &Homography, layout: &Layout) -> bool {
    layout.marks.iter().all(|m| {
        let at = |dx: f64, dy: f64| {
            let (u, v) = h.apply(m.x + dx * m.size, m.y + dy * m.size);
            f64::from(warp::bilinear(img, u - 0.5, v - 0.5))
        };
        let ring: Vec<f64> = [
            (0.8, 0.0),
            (-0.8, 0.0),
            (0.0, 0.8),
            (0.0, -0.8),
            (0.75, 0.75),
            (-0.75, 0.75),
            (0.75, -0.75),
            (-0.75, -0.75),
        ]
        .iter()
        .map(|&(dx, dy)| at(dx, dy))
        .collect();
        let light = ring.iter().copied().fold(0.0, f64::max);
        let inside = [(-0.3, -0.3), (0.3, -0.3), (-0.3, 0.3), (0.3, 0.3), (0.0, 0.0)];
        ring.iter().all(|&v| v >= 0.7 * light) && inside.iter().all(|&(dx, dy)| at(dx, dy) < 0.5 * light)
    })
}

/// A number field from its bubbles and the QR: agreeing, or the QR's alone when nothing was
/// bubbled, or the bubbles' alone without a QR; anything else is for a person.
fn number(
    value: &KeyReading,
    qr: Option<String>,
) -> Result<(String, f64), (FlagReason, Option<AnswerValue>, String)> {
    match (value, qr) {
        (KeyReading::Value(AnswerValue::Text(s), conf), Some(q)) if *s == q => Ok((q, *conf)),
        (KeyReading::Value(AnswerValue::Text(s), _), Some(q)) => {
            Err((FlagReason::QrMismatch, Some(AnswerValue::Text(s.clone())), format!("the QR code says {q}")))
        }
        (KeyReading::Value(AnswerValue::Text(s), conf), None) => Ok((s.clone(), *conf)),
        (KeyReading::Blank, Some(q)) => Ok((q, 1.0)),
        (KeyReading::Blank, None) => {
            Err((FlagReason::IncompleteNumber, None, "nothing bubbled and no QR code".into()))
        }
        (KeyReading::Flagged { reason, proposed }, q) => {
            Err((*reason, proposed.clone(), q.map(|q| format!("the QR code says {q}")).unwrap_or_default()))
        }
        (KeyReading::Value(..), _) => Err((FlagReason::IncompleteNumber, None, String::new())),
    }
}

/// The homography and the QR payload: of the orientations in which the found marks fit the
/// sheet's proportions (upright and upside down; sideways for a landscape photo), the first whose
/// QR code decodes, else the upright one.
fn orient(
    img: &GrayImage,
    layout: &Layout,
    sheet: &[(f64, f64); 4],
    found: &[(f64, f64); 4],
) -> (Homography, Option<QrPayload>) {
    let mut fitting = Vec::new();
    for r in 0..4 {
        let mut pts = *found;
        pts.rotate_left(r);
        let d = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).hypot(a.1 - b.1);
        let (img_ratio, sheet_ratio) =
            (d(pts[1], pts[2]) / d(pts[0], pts[1]), d(sheet[1], sheet[2]) / d(sheet[0], sheet[1]));
        if (img_ratio / sheet_ratio - 1.0).abs() > 0.3 {
            continue;
        }
        if let Some(h) = Homography::from_points(sheet, &pts) {
            if let Some(p) = decode_qr(img, layout, &h) {
                return (h, Some(p));
            }
            fitting.push(h);
        }
    }
    let upright = fitting.first().copied().or_else(|| Homography::from_points(sheet, found));
    (upright.unwrap_or_else(|| Homography::from_points(sheet, sheet).expect("identity")), None)
}

/// The QR code's text from the straightened patch, its contrast stretched, then (when rqrr's own
/// threshold misses modules under blur, noise or a dark exposure) binarised at a few levels.
fn decode_qr(img: &GrayImage, layout: &Layout, h: &Homography) -> Option<QrPayload> {
    let q = layout.qr?;
    let margin = 4.0;
    let region = [
        q.x - q.size / 2.0 - margin,
        q.y - q.size / 2.0 - margin,
        q.size + 2.0 * margin,
        q.size + 2.0 * margin,
    ];
    let tries = [(8.0, None), (8.0, Some(128u8)), (5.0, Some(128)), (8.0, Some(100)), (8.0, Some(156))];
    tries.into_iter().find_map(|(k, threshold)| {
        let mut patch = warp::warp(img, h, region, k);
        stretch(&mut patch);
        if let Some(t) = threshold {
            patch.pixels_mut().for_each(|p| p.0[0] = if p.0[0] < t { 0 } else { 255 });
        }
        let mut prepared = rqrr::PreparedImage::prepare(patch);
        prepared
            .detect_grids()
            .into_iter()
            .find_map(|g| g.decode().ok())
            .and_then(|(_, text)| QrPayload::parse(&text))
    })
}

/// Maps the patch's 2nd–98th percentile onto 0–255.
fn stretch(patch: &mut GrayImage) {
    let mut hist = [0usize; 256];
    patch.pixels().for_each(|p| hist[p.0[0] as usize] += 1);
    let n = patch.width() as usize * patch.height() as usize;
    let level = |share: f64| {
        let mut seen = 0;
        (0..256).find(|&v| {
            seen += hist[v];
            seen as f64 >= share * n as f64
        })
    };
    let (lo, hi) = (level(0.02).unwrap_or(0) as f64, level(0.98).unwrap_or(255) as f64);
    if hi - lo < 8.0 {
        return;
    }
    for p in patch.pixels_mut() {
        p.0[0] = ((f64::from(p.0[0]) - lo) * 255.0 / (hi - lo)).round().clamp(0.0, 255.0) as u8;
    }
}

/// The region a person needs to see for `key`: its bubbles with a margin, the write boxes above a
/// number or a short answer, the question number left of a choice.
fn region_of(layout: &Layout, key: &str) -> Option<[f64; 4]> {
    if key == "qr" {
        let q = layout.qr?;
        return Some([q.x - q.size / 2.0 - 2.0, q.y - q.size / 2.0 - 2.0, q.size + 4.0, q.size + 4.0]);
    }
    let mine: Vec<_> = layout.bubbles.iter().filter(|b| b.meaning.key() == key).collect();
    let first = mine.first()?;
    let (above, left) = match first.meaning {
        Meaning::Number { .. } | Meaning::Character { .. } => (11.0, 3.0),
        Meaning::Choice { .. } => (3.0, 9.0),
        Meaning::Statement { .. } => (7.0, 9.0),
    };
    let x0 = mine.iter().map(|b| b.x - b.r).fold(f64::MAX, f64::min) - left;
    let y0 = mine.iter().map(|b| b.y - b.r).fold(f64::MAX, f64::min) - above;
    let x1 = mine.iter().map(|b| b.x + b.r).fold(f64::MIN, f64::max) + 3.0;
    let y1 = mine.iter().map(|b| b.y + b.r).fold(f64::MIN, f64::max) + 3.0;
    Some([x0, y0, x1 - x0, y1 - y0])
}
