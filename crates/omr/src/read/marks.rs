//! Finding the four registration marks in a scan or a phone photo.
//!
//! On a reduced copy of the image: an adaptive threshold (each pixel against the mean of its
//! neighbourhood, so uneven light and a dark desk do not matter), connected components, and the
//! components that are solid, square and of one size. Of those, the four whose quadrilateral has
//! the marks' proportions and is the largest are the marks; their centres are then refined on the
//! full image.

use image::GrayImage;

/// A point in image pixels.
pub type Pt = (f64, f64);

/// Side of the reduced copy's shorter edge the search works on, px.
const WORK_SIDE: u32 = 500;

/// A dark blob that may be a mark: centre (full-image px) and area (reduced px).
#[derive(Debug, Clone, Copy)]
struct Blob {
    c: Pt,
    area: f64,
}

/// Candidates for the four marks' centres, the likeliest first (the largest quadrilateral), each in
/// convex order (clockwise on the image) from the one nearest the image's top-left; empty when no
/// four blobs look like the marks. The caller verifies them on the straightened sheet. `aspect` is the marks' height
/// over width on the sheet; `mark_side` their side over their horizontal distance; `px_per_mm`
/// (from `--dpi`) narrows the blob size when known.
pub fn find_marks(
    img: &GrayImage,
    aspect: f64,
    mark_side: f64,
    px_per_mm: Option<(f64, f64)>,
) -> Vec<[Pt; 4]> {
    let f = (img.width().min(img.height()) / WORK_SIDE).max(1);
    let small = reduce(img, f);
    let blobs = blobs(&small, f, px_per_mm);
    let quads = best_quads(&blobs, aspect, mark_side, f);
    quads
        .into_iter()
        .map(|quad| quad.map(|b| refine(img, b.c, 0.85 * b.area.sqrt() * f64::from(f))))
        .collect()
}

/// Box-filter reduction by an integer factor.
fn reduce(img: &GrayImage, f: u32) -> GrayImage {
    if f == 1 {
        return img.clone();
    }
    let (w, h) = ((img.width() / f) as usize, (img.height() / f) as usize);
    let (f, stride) = (f as usize, img.width() as usize);
    let raw = img.as_raw();
    let mut out = vec![0u8; w * h];
    let mut sums = vec![0u32; w];
    for y in 0..h {
        sums.iter_mut().for_each(|s| *s = 0);
        for row in raw[y * f * stride..].chunks(stride).take(f) {
            for (x, chunk) in row[..w * f].chunks_exact(f).enumerate() {
                sums[x] += chunk.iter().map(|&v| u32::from(v)).sum::<u32>();
            }
        }
        let n = (f * f) as u32;
        for x in 0..w {
            out[y * w + x] = (sums[x] / n) as u8;
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).unwrap_or_default()
}

/// Pixels darker than 78 % of their neighbourhood's mean (a window a tenth of the image wide),
/// grouped into 8-connected blobs (by runs, so the cost follows the few dark pixels), kept when
/// solid and square.
fn blobs(small: &GrayImage, f: u32, px_per_mm: Option<(f64, f64)>) -> Vec<Blob> {
    let (w, h) = (small.width() as usize, small.height() as usize);
    let integral = integral(small);
    let r = (w.min(h) / 20).max(7);
    let mut runs: Vec<Run> = Vec::new();
    let mut parent: Vec<usize> = Vec::new();
    let mut previous = 0..0;
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        let row_start = runs.len();
        let mut x = 0;
        while x < w {
            let dark = |x: usize| {
                let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
                let sum = integral[y1 * (w + 1) + x1] + integral[y0 * (w + 1) + x0]
                    - integral[y0 * (w + 1) + x1]
                    - integral[y1 * (w + 1) + x0];
                let count = ((y1 - y0) * (x1 - x0)) as u64;
                u64::from(small.as_raw()[y * w + x]) * count * 100 < sum * 78
            };
            if !dark(x) {
                x += 1;
                continue;
            }
            let start = x;
            while x < w && dark(x) {
                x += 1;
            }
            let id = runs.len();
            runs.push(Run { y, x0: start, x1: x });
            parent.push(id);
            for other in previous.clone() {
                let o: &Run = &runs[other];
                if o.x0 <= x && start <= o.x1 {
                    union(&mut parent, id, other);
                }
            }
        }
        previous = row_start..runs.len();
    }
    // Per root: area, sum x, sum y, min x, min y, max x, max y.
    let mut stats: Vec<[u64; 7]> = vec![[0, 0, 0, u64::MAX, u64::MAX, 0, 0]; runs.len()];
    for i in 0..runs.len() {
        let root = find(&mut parent, i);
        let run = &runs[i];
        let (n, y) = ((run.x1 - run.x0) as u64, run.y as u64);
        let s = &mut stats[root];
        s[0] += n;
        s[1] += (run.x0 + run.x1 - 1) as u64 * n / 2;
        s[2] += y * n;
        s[3] = s[3].min(run.x0 as u64);
        s[4] = s[4].min(y);
        s[5] = s[5].max(run.x1 as u64 - 1);
        s[6] = s[6].max(y);
    }
    let expected = px_per_mm.map(|(mark_mm, k)| mark_mm * k / f64::from(f));
    let mut out: Vec<Blob> = stats
        .iter()
        .filter(|s| s[0] >= 16)
        .filter_map(|s| {
            let (bw, bh) = ((s[5] - s[3] + 1) as f64, (s[6] - s[4] + 1) as f64);
            let area = s[0] as f64;
            let touches_edge = s[3] == 0 || s[4] == 0 || s[5] as usize + 1 >= w || s[6] as usize + 1 >= h;
            let square = bw.max(bh) / bw.min(bh) <= 1.6 && area / (bw * bh) >= 0.6;
            let sized = expected.is_none_or(|side| (0.6 * side..=1.6 * side).contains(&area.sqrt()));
            (square && sized && !touches_edge).then(|| {
                let c = (s[1] as f64 / area, s[2] as f64 / area);
                let ff = f64::from(f);
                Blob { c: ((c.0 + 0.5) * ff - 0.5, (c.1 + 0.5) * ff - 0.5), area }
            })
        })
        .collect();
    out.sort_by(|a, b| b.area.total_cmp(&a.area));
    out.truncate(30);
    out
}

/// A horizontal run of dark pixels `x0..x1` on row `y`.
struct Run {
    y: usize,
    x0: usize,
    x1: usize,
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        parent[ra.max(rb)] = ra.min(rb);
    }
}

fn integral(img: &GrayImage) -> Vec<u64> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut out = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += u64::from(img.as_raw()[y * w + x]);
            out[(y + 1) * (w + 1) + x + 1] = out[y * (w + 1) + x + 1] + row;
        }
    }
    out
}

/// The fours of blobs that look like the marks: similar sizes, a convex quadrilateral with
/// near-right corners and the marks' proportions (within 15 %, for perspective), blobs of the size
/// the quadrilateral implies; the five largest such quadrilaterals, largest first.
fn best_quads(blobs: &[Blob], aspect: f64, mark_side: f64, f: u32) -> Vec<[Blob; 4]> {
    let n = blobs.len();
    let mut found: Vec<(f64, [Blob; 4])> = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            for c in b + 1..n {
                for d in c + 1..n {
                    let four = [blobs[a], blobs[b], blobs[c], blobs[d]];
                    if let Some(q) = judge(&four, aspect, mark_side, f) {
                        found.push(q);
                    }
                }
            }
        }
    }
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    found.into_iter().take(5).map(|(_, q)| q).collect()
}

fn judge(four: &[Blob; 4], aspect: f64, mark_side: f64, f: u32) -> Option<(f64, [Blob; 4])> {
    let (min_a, max_a) = four.iter().fold((f64::MAX, 0.0f64), |(lo, hi), b| (lo.min(b.area), hi.max(b.area)));
    if max_a > 2.5 * min_a {
        return None;
    }
    let blobs = convex_order(*four)?;
    let quad = blobs.map(|b| b.c);
    let d = |i: usize, j: usize| (quad[i].0 - quad[j].0).hypot(quad[i].1 - quad[j].1);
    let (s01, s12, s23, s30) = (d(0, 1), d(1, 2), d(2, 3), d(3, 0));
    // Opposite sides of similar length (perspective allows some difference).
    if s01.max(s23) > 1.45 * s01.min(s23) || s12.max(s30) > 1.45 * s12.min(s30) {
        return None;
    }
    let (wide, tall) = ((s01 + s23) / 2.0, (s12 + s30) / 2.0);
    let ratio = tall.max(wide) / tall.min(wide);
    if (ratio - aspect).abs() > 0.15 * aspect {
        return None;
    }
    // Corners near 90° (within about 20°: rotation keeps them, perspective bends them a little).
    for i in 0..4 {
        let (p, q, r) = (quad[(i + 3) % 4], quad[i], quad[(i + 1) % 4]);
        let (ax, ay, bx, by) = (p.0 - q.0, p.1 - q.1, r.0 - q.0, r.1 - q.1);
        if ((ax * bx + ay * by) / (ax.hypot(ay) * bx.hypot(by))).abs() > 0.34 {
            return None;
        }
    }
    // The marks' size must match the quadrilateral's: their side is `mark_side` of the short edge.
    let side = mark_side * tall.min(wide) / f64::from(f);
    if four.iter().any(|b| !(0.55 * side..=1.7 * side).contains(&b.area.sqrt())) {
        return None;
    }
    let area = 0.5
        * ((quad[0].0 - quad[2].0) * (quad[1].1 - quad[3].1)
            - (quad[1].0 - quad[3].0) * (quad[0].1 - quad[2].1))
            .abs();
    Some((area, blobs))
}

/// The points sorted clockwise (on the image, y down) around their centroid, starting with the
/// one nearest the top-left; `None` if they do not form a convex quadrilateral.
fn convex_order(blobs: [Blob; 4]) -> Option<[Blob; 4]> {
    let (cx, cy) =
        (blobs.iter().map(|b| b.c.0).sum::<f64>() / 4.0, blobs.iter().map(|b| b.c.1).sum::<f64>() / 4.0);
    let mut sorted = blobs;
    sorted.sort_by(|a, b| (a.c.1 - cy).atan2(a.c.0 - cx).total_cmp(&(b.c.1 - cy).atan2(b.c.0 - cx)));
    let start = (0..4)
        .min_by(|&i, &j| (sorted[i].c.0 + sorted[i].c.1).total_cmp(&(sorted[j].c.0 + sorted[j].c.1)))?;
    sorted.rotate_left(start);
    for i in 0..4 {
        let (p, q, r) = (sorted[i].c, sorted[(i + 1) % 4].c, sorted[(i + 2) % 4].c);
        let cross = (q.0 - p.0) * (r.1 - q.1) - (q.1 - p.1) * (r.0 - q.0);
        if cross <= 0.0 {
            return None;
        }
    }
    Some(sorted)
}

/// The mark's centre on the full image: the darkness-weighted centroid of a window around the
/// estimate, below the window's mid gray.
fn refine(img: &GrayImage, p: Pt, reach: f64) -> Pt {
    let (x0, x1) = ((p.0 - reach).max(0.0) as u32, ((p.0 + reach) as u32).min(img.width().saturating_sub(1)));
    let (y0, y1) =
        ((p.1 - reach).max(0.0) as u32, ((p.1 + reach) as u32).min(img.height().saturating_sub(1)));
    let (mut lo, mut hi) = (255u8, 0u8);
    for y in y0..=y1 {
        for x in x0..=x1 {
            let v = img.get_pixel(x, y).0[0];
            (lo, hi) = (lo.min(v), hi.max(v));
        }
    }
    let mid = (f64::from(lo) + f64::from(hi)) / 2.0;
    let (mut sw, mut sx, mut sy) = (0.0, 0.0, 0.0);
    for y in y0..=y1 {
        for x in x0..=x1 {
            let wgt = (mid - f64::from(img.get_pixel(x, y).0[0])).max(0.0);
            (sw, sx, sy) = (sw + wgt, sx + wgt * f64::from(x), sy + wgt * f64::from(y));
        }
    }
    if sw > 0.0 { (sx / sw, sy / sw) } else { p }
}
