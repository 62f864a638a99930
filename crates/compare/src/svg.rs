//! The funnel plot as SVG: each unit's gap (transcript − exam) against its number of candidates
//! (log scale), the national mean gap, and the control limits at 2 and 3 standard errors, widened
//! for over-dispersion. Vietnamese labels; a `<title>` and `<desc>` for screen readers and a
//! `<title>` on every point. Units outside the 3-SE limits are drawn as triangles, not only in
//! another colour. The wording is neutral on purpose: "ngoài giới hạn kiểm soát" (outside the
//! control limits), never a judgement of the school.

use std::fmt::Write;

use crate::report::{Comparison, Level};

const W: f64 = 860.0;
const H: f64 = 520.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 220.0;
const TOP: f64 = 48.0;
const BOTTOM: f64 = 64.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A number with the Vietnamese decimal comma.
fn vi(x: f64, decimals: usize) -> String {
    format!("{x:.decimals$}").replace('.', ",")
}

fn level_vi(by: Level) -> &'static str {
    match by {
        Level::School => "trường",
        Level::District => "quận/huyện",
        Level::Province => "tỉnh/thành phố",
    }
}

/// Plot coordinates: x by log₁₀ n, y by gap.
struct Scale {
    log_min: f64,
    log_max: f64,
    y_min: f64,
    y_max: f64,
}

impl Scale {
    fn x(&self, n: f64) -> f64 {
        LEFT + (n.log10() - self.log_min) / (self.log_max - self.log_min) * (W - LEFT - RIGHT)
    }
    fn y(&self, g: f64) -> f64 {
        TOP + (self.y_max - g) / (self.y_max - self.y_min) * (H - TOP - BOTTOM)
    }
}

fn scale(c: &Comparison) -> Scale {
    let n_min = c.units.iter().map(|u| u.n).min().unwrap_or(1).max(1) as f64;
    let n_max = c.units.iter().map(|u| u.n).max().unwrap_or(10).max(2) as f64;
    let (log_min, log_max) = ((n_min / 1.5).log10(), (n_max * 1.5).log10());
    let mut lo = c.national.gap;
    let mut hi = c.national.gap;
    for u in &c.units {
        lo = lo.min(u.gap);
        hi = hi.max(u.gap);
    }
    if let Some(f) = &c.funnel {
        let [l, h] = f.limits(n_min as usize, 3.0);
        lo = lo.min(l.max(c.national.gap - 10.0));
        hi = hi.max(h.min(c.national.gap + 10.0));
    }
    let pad = ((hi - lo) * 0.08).max(0.25);
    Scale { log_min, log_max, y_min: lo - pad, y_max: hi + pad }
}

fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = hi - lo;
    let step = [0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0].into_iter().find(|s| span / s <= 10.0).unwrap_or(10.0);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + 1e-9 {
        out.push(t);
        t += step;
    }
    out
}

fn axes(out: &mut String, s: &Scale) {
    let (x0, x1, y0, y1) = (LEFT, W - RIGHT, TOP, H - BOTTOM);
    let _ =
        write!(out, r##"<g class="axes" stroke="#444" fill="none"><path d="M{x0},{y0}V{y1}H{x1}"/></g>"##);
    out.push_str(r##"<g class="ticks" font-size="12" fill="#222">"##);
    let mut n = 1.0f64;
    while n <= 10f64.powf(s.log_max) {
        for m in [1.0, 2.0, 5.0] {
            let v = n * m;
            if v.log10() >= s.log_min && v.log10() <= s.log_max {
                let x = s.x(v);
                let _ = write!(
                    out,
                    r##"<line x1="{x:.1}" y1="{y1}" x2="{x:.1}" y2="{:.1}" stroke="#444"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
                    y1 + 5.0,
                    y1 + 20.0,
                    v
                );
            }
        }
        n *= 10.0;
    }
    for g in ticks(s.y_min, s.y_max) {
        let y = s.y(g);
        let _ = write!(
            out,
            r##"<line x1="{:.1}" y1="{y:.1}" x2="{x0}" y2="{y:.1}" stroke="#444"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            x0 - 5.0,
            x0 - 8.0,
            y + 4.0,
            vi(g, 2)
        );
    }
    out.push_str("</g>");
    let _ = write!(
        out,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="13">Số thí sinh ghép được (n, thang logarit)</text>"##,
        (x0 + x1) / 2.0,
        H - 18.0
    );
    let _ = write!(
        out,
        r##"<text transform="translate(20 {:.1}) rotate(-90)" text-anchor="middle" font-size="13">Chênh lệch: điểm học bạ − điểm thi</text>"##,
        (y0 + y1) / 2.0
    );
}

fn limit_paths(out: &mut String, c: &Comparison, s: &Scale) {
    let centre = s.y(c.national.gap);
    let _ = write!(
        out,
        r##"<line class="centre" x1="{LEFT}" y1="{centre:.1}" x2="{:.1}" y2="{centre:.1}" stroke="#222" stroke-width="1.5"/>"##,
        W - RIGHT
    );
    let Some(f) = &c.funnel else { return };
    for (k, dash) in [(2.0, "6 4"), (3.0, "")] {
        for side in [0usize, 1] {
            let mut d = String::new();
            for i in 0..=80 {
                let lg = s.log_min + (s.log_max - s.log_min) * f64::from(i) / 80.0;
                let n = 10f64.powf(lg);
                let g = (f.centre + if side == 0 { -k } else { k } * (f.sigma * f.sigma / n + f.tau2).sqrt())
                    .clamp(s.y_min, s.y_max);
                let _ = write!(d, "{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, s.x(n), s.y(g));
            }
            let _ = write!(
                out,
                r##"<path class="limit-{k}" d="{d}" fill="none" stroke="#555" stroke-width="1.2" stroke-dasharray="{dash}"/>"##
            );
        }
    }
}

fn points(out: &mut String, c: &Comparison, s: &Scale) {
    out.push_str(r#"<g class="units">"#);
    for u in &c.units {
        let (x, y) = (s.x(u.n as f64), s.y(u.gap.clamp(s.y_min, s.y_max)));
        let outside = u.reasons.contains(&"outside_3se_limits");
        let label = format!(
            "{}: n = {}, chênh lệch {}{}",
            u.unit,
            u.n,
            vi(u.gap, 2),
            if outside { " — ngoài giới hạn kiểm soát 3 SE" } else { "" }
        );
        let _ = write!(out, "<g><title>{}</title>", esc(&label));
        if outside {
            let _ = write!(
                out,
                r##"<path class="outside" d="M{x:.1},{:.1}L{:.1},{:.1}L{:.1},{:.1}Z" fill="#b35900" stroke="#222"/>"##,
                y - 6.0,
                x + 6.0,
                y + 5.0,
                x - 6.0,
                y + 5.0
            );
        } else {
            let _ = write!(
                out,
                r##"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="#1f5fa8" fill-opacity="0.75"/>"##
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</g>");
}

fn legend(out: &mut String) {
    let x = W - RIGHT + 18.0;
    let _ = write!(
        out,
        r##"<g class="legend" font-size="12" fill="#222"><line x1="{x}" y1="{t}" x2="{x2}" y2="{t}" stroke="#222" stroke-width="1.5"/><text x="{tx}" y="{t4}">Chênh lệch toàn quốc</text><line x1="{x}" y1="{a}" x2="{x2}" y2="{a}" stroke="#555" stroke-dasharray="6 4"/><text x="{tx}" y="{a4}">Giới hạn kiểm soát 2 SE</text><line x1="{x}" y1="{b}" x2="{x2}" y2="{b}" stroke="#555"/><text x="{tx}" y="{b4}">Giới hạn kiểm soát 3 SE</text><circle cx="{xc}" cy="{c}" r="3.5" fill="#1f5fa8"/><text x="{tx}" y="{c4}">Trong giới hạn 3 SE</text><path d="M{xc},{d0}L{xr},{d1}L{xl},{d1}Z" fill="#b35900" stroke="#222"/><text x="{tx}" y="{d4}">Ngoài giới hạn 3 SE</text></g>"##,
        x2 = x + 26.0,
        tx = x + 32.0,
        xc = x + 13.0,
        xr = x + 19.0,
        xl = x + 7.0,
        t = TOP + 10.0,
        t4 = TOP + 14.0,
        a = TOP + 32.0,
        a4 = TOP + 36.0,
        b = TOP + 54.0,
        b4 = TOP + 58.0,
        c = TOP + 76.0,
        c4 = TOP + 80.0,
        d0 = TOP + 92.0,
        d1 = TOP + 103.0,
        d4 = TOP + 102.0,
    );
}

/// The funnel plot of a comparison, as a standalone SVG document.
pub fn funnel_svg(c: &Comparison) -> String {
    let s = scale(c);
    let outside = c.units.iter().filter(|u| u.reasons.contains(&"outside_3se_limits")).count();
    let title = format!(
        "Biểu đồ phễu đối sánh học bạ và điểm thi — môn {}, theo {}{}",
        c.subject,
        level_vi(c.by),
        c.year.map(|y| format!(", năm {y}")).unwrap_or_default()
    );
    let desc = format!(
        "{} đơn vị, {} thí sinh. Chênh lệch toàn quốc (học bạ − thi) {}; phương sai giữa các đơn vị τ² = {}. {} đơn vị nằm ngoài giới hạn kiểm soát 3 SE.",
        c.units.len(),
        c.national.n,
        vi(c.national.gap, 2),
        c.national.tau2.map(|t| vi(t, 3)).unwrap_or_else(|| "không ước lượng được".into()),
        outside
    );
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-labelledby="funnel-title funnel-desc" font-family="sans-serif"><title id="funnel-title">{}</title><desc id="funnel-desc">{}</desc><rect width="{W}" height="{H}" fill="#fff"/><text x="{LEFT}" y="28" font-size="15" font-weight="bold" fill="#222">{}</text>"##,
        esc(&title),
        esc(&desc),
        esc(&title)
    );
    axes(&mut out, &s);
    limit_paths(&mut out, c, &s);
    points(&mut out, c, &s);
    legend(&mut out);
    out.push_str("</svg>\n");
    out
}
