//! Recomputes keys by other means than the templates used: numerical differentiation and Simpson
//! integration instead of symbolic calculus, a dense grid instead of critical points, the
//! exponential form of the decay law.

use crate::draft::Check;
use crate::hoa_hoc::chem::molar_mass;

fn poly(c: &[f64], x: f64) -> f64 {
    c.iter().enumerate().map(|(p, k)| k * x.powi(p as i32)).sum()
}

fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    let n = 2000;
    let h = (b - a) / n as f64;
    let mut s = f(a) + f(b);
    for i in 1..n {
        s += f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    s * h / 3.0
}

fn grid(c: &[f64], a: f64, b: f64) -> impl Iterator<Item = f64> + '_ {
    let n = 20_000;
    (0..=n).map(move |i| poly(c, a + (b - a) * i as f64 / n as f64))
}

/// The recomputed value and the tolerance that method allows.
pub fn recompute(check: &Check) -> (f64, f64) {
    match check {
        Check::PolyDerivative { coeffs, x } => {
            let h = 1e-5;
            ((poly(coeffs, x + h) - poly(coeffs, x - h)) / (2.0 * h), 1e-4)
        }
        Check::PolyIntegral { coeffs, a, b } => (simpson(|x| poly(coeffs, x), *a, *b), 1e-6),
        Check::AreaBetween { f, g, a, b } => (simpson(|x| (poly(f, x) - poly(g, x)).abs(), *a, *b), 1e-6),
        Check::PolyMax { coeffs, a, b } => (grid(coeffs, *a, *b).fold(f64::MIN, f64::max), 1e-6),
        Check::PolyMin { coeffs, a, b } => (grid(coeffs, *a, *b).fold(f64::MAX, f64::min), 1e-6),
        Check::Distance { p, q } => ((0..3).map(|i| (p[i] - q[i]).powi(2)).sum::<f64>().sqrt(), 1e-9),
        Check::PointPlane { p, plane } => {
            let n = (plane[0].powi(2) + plane[1].powi(2) + plane[2].powi(2)).sqrt();
            ((plane[0] * p[0] + plane[1] * p[1] + plane[2] * p[2] + plane[3]).abs() / n, 1e-9)
        }
        Check::GasMoles { p, v, t } => (p * v / (8.31 * t), 1e-9),
        Check::DecayLeft { t, half_life } => ((-(2f64.ln()) * t / half_life).exp(), 1e-9),
        Check::MolarMass { formula } => (molar_mass(formula).unwrap_or(f64::NAN), 1e-9),
        Check::Stoichiometry { mass_in, formula_in, ratio, formula_out } => {
            let n = mass_in / molar_mass(formula_in).unwrap_or(f64::NAN);
            (n * ratio * molar_mass(formula_out).unwrap_or(f64::NAN), 1e-9)
        }
    }
}

/// A number shown in an option or answer: `$-2{,}5$`, `12,5`. `None` for anything else.
pub fn shown_number(s: &str) -> Option<(f64, usize)> {
    let t = s.trim().trim_matches('$').replace("{,}", ",");
    let decimals = t.split(',').nth(1).map_or(0, str::len);
    t.replace(',', ".").parse::<f64>().ok().map(|x| (x, decimals))
}
