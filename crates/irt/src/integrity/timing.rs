//! Answer timing as evidence: are a pair's identical answers received closer together than the
//! event's neighbours' answers are?
//!
//! Under independent work the time at which two neighbours answer an item does not depend on
//! whether their answers agree, so the rate `q` at which neighbours' answers to the same item
//! arrive within the window is estimated from the items where their answers **differ** (copied
//! answers are identical, so copying cannot inflate it), per pair of versions (items sit at
//! different positions on different versions), as `(count + ½) / (items + 1)`. For a pair with
//! `h` identical timed answers of which `K` arrived within the window, `p_timing = P(Bin(h, q) ≥ K)`.
//! Given the identical answers, this tail does not depend on how many there are, so it combines
//! with ω's p by Fisher's method: `p_with_timing = P(χ²₄ > −2 ln(p · p_timing))`.

use std::collections::HashMap;

use super::input::Event;
use crate::stats::{chi_square_sf, ln_gamma};

/// The version pair's key, unordered.
pub fn key(a: &str, b: &str) -> (String, String) {
    if a <= b { (a.into(), b.into()) } else { (b.into(), a.into()) }
}

/// `q` per version pair from the differing answers of the neighbour pairs.
pub fn rates(
    event: &Event,
    pairs: &[(usize, usize)],
    used: &[String],
    window: f64,
) -> HashMap<(String, String), f64> {
    let mut counts: HashMap<(String, String), (f64, f64)> = HashMap::new();
    for &(i, j) in pairs {
        let (a, b) = (&event.candidates[i], &event.candidates[j]);
        let entry = counts.entry(key(&a.version, &b.version)).or_default();
        for col in used {
            let (Some(ra), Some(rb)) = (a.responses.get(col), b.responses.get(col)) else { continue };
            let (Some(ta), Some(tb)) = (ra.at, rb.at) else { continue };
            if ra.value.trim().is_empty() || rb.value.trim().is_empty() || ra.value == rb.value {
                continue;
            }
            entry.1 += 1.0;
            if (ta - tb).abs() <= window {
                entry.0 += 1.0;
            }
        }
    }
    counts.into_iter().map(|(k, (near, all))| (k, (near + 0.5) / (all + 1.0))).collect()
}

/// `P(Bin(n, q) ≥ k)`.
pub fn binomial_upper(n: usize, k: usize, q: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    let ln_choose =
        |r: usize| ln_gamma(n as f64 + 1.0) - ln_gamma(r as f64 + 1.0) - ln_gamma((n - r) as f64 + 1.0);
    (k..=n)
        .map(|r| (ln_choose(r) + r as f64 * q.ln() + (n - r) as f64 * (1.0 - q).ln()).exp())
        .sum::<f64>()
        .min(1.0)
}

/// Fisher's combination of two independent p-values.
pub fn fisher(p1: f64, p2: f64) -> f64 {
    let x = -2.0 * (p1.max(1e-300).ln() + p2.max(1e-300).ln());
    chi_square_sf(x, 4.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_tail_and_fisher() {
        // P(Bin(4, ½) ≥ 3) = 5/16
        assert!((binomial_upper(4, 3, 0.5) - 5.0 / 16.0).abs() < 1e-12);
        assert_eq!(binomial_upper(4, 0, 0.3), 1.0);
        assert_eq!(binomial_upper(4, 5, 0.3), 0.0);
        // P(Bin(10, 0.1) ≥ 10) = 1e-10
        assert!((binomial_upper(10, 10, 0.1) / 1e-10 - 1.0).abs() < 1e-9);
        // with 4 df the χ² tail is e^{-x/2}(1 + x/2): p1 = p2 = e^{-1} gives x = 4
        let e = (-1.0f64).exp();
        assert!((fisher(e, e) - (-2.0f64).exp() * 3.0).abs() < 1e-12);
    }
}
