//! Funnel-plot control limits with over-dispersion (Spiegelhalter 2005, "Handling over-dispersion
//! of performance indicators", Qual Saf Health Care 14:347–351; docs/psychometrics.md "Đối sánh").
//!
//! Unit i's gap yᵢ is compared with the national mean gap θ₀. Under "no unit differs", yᵢ has
//! standard error sᵢ = σ/√nᵢ, σ the pooled within-unit SD of the differences. Real schools differ
//! more than sampling alone explains (over-dispersion), and limits at θ₀ ± k·sᵢ would flag half
//! the large schools. So the between-unit variance τ² is estimated, robustly:
//!
//! 1. zᵢ = (yᵢ − θ₀)/sᵢ, winsorised at [`WINSOR`] in each tail (the lowest and highest
//!    ⌊0.1·I⌋ values set to the nearest value kept), so that the drifting units the limits should
//!    catch do not widen them;
//! 2. φ = Σ zᵢ²(winsorised) / I;
//! 3. τ² = max(0, (I·φ − (I − 1)) / (Σwᵢ − Σwᵢ²/Σwᵢ)), wᵢ = 1/sᵢ² (the additive random-effects
//!    version; τ² = 0 when there is no over-dispersion).
//!
//! Limits θ₀ ± k·√(sᵢ² + τ²) for k = 2 and 3; zᵢ (reported) = (yᵢ − θ₀)/√(sᵢ² + τ²).

/// The share winsorised in each tail.
pub const WINSOR: f64 = 0.10;

/// The funnel's common quantities.
#[derive(Debug, Clone, PartialEq)]
pub struct Funnel {
    /// The national mean gap θ₀ (the funnel's centre).
    pub centre: f64,
    /// Pooled within-unit SD σ of the differences.
    pub sigma: f64,
    /// φ from the winsorised z-scores.
    pub phi: f64,
    /// The additive between-unit variance.
    pub tau2: f64,
}

impl Funnel {
    /// Standard error of a unit of `n` pairs, over-dispersion included.
    pub fn se(&self, n: usize) -> f64 {
        (self.sigma * self.sigma / n as f64 + self.tau2).sqrt()
    }

    /// The control limits at `k` standard errors for a unit of `n` pairs.
    pub fn limits(&self, n: usize, k: f64) -> [f64; 2] {
        let h = k * self.se(n);
        [self.centre - h, self.centre + h]
    }

    /// The unit's z-score against the widened limits.
    pub fn z(&self, n: usize, gap: f64) -> f64 {
        (gap - self.centre) / self.se(n)
    }
}

/// One unit as the funnel needs it.
#[derive(Debug, Clone, Copy)]
pub struct UnitGap {
    pub n: usize,
    pub gap: f64,
    /// Σ(d − d̄)² within the unit.
    pub gap_ss: f64,
}

/// Estimates the funnel from the units and the national mean gap. `None` when the pooled
/// within-unit variance is not estimable (no unit has two pairs) or is zero.
pub fn estimate(units: &[UnitGap], centre: f64) -> Option<Funnel> {
    let total: usize = units.iter().map(|u| u.n).sum();
    let ss: f64 = units.iter().map(|u| u.gap_ss).sum();
    let df = total.checked_sub(units.len()).filter(|&d| d > 0)?;
    let sigma = (ss / df as f64).sqrt();
    if sigma.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    let s2: Vec<f64> = units.iter().map(|u| sigma * sigma / u.n as f64).collect();
    let z: Vec<f64> = units.iter().zip(&s2).map(|(u, s2)| (u.gap - centre) / s2.sqrt()).collect();
    let i = units.len() as f64;
    let phi = winsorise(&z, WINSOR).iter().map(|z| z * z).sum::<f64>() / i;
    let w: Vec<f64> = s2.iter().map(|s2| 1.0 / s2).collect();
    let sw: f64 = w.iter().sum();
    let sw2: f64 = w.iter().map(|w| w * w).sum();
    let denominator = sw - sw2 / sw;
    let tau2 = if denominator > 0.0 { ((i * phi - (i - 1.0)) / denominator).max(0.0) } else { 0.0 };
    Some(Funnel { centre, sigma, phi, tau2 })
}

/// Winsorises at `share` in each tail: the ⌊share·I⌋ lowest values become the lowest value kept,
/// the ⌊share·I⌋ highest the highest kept. Order is kept.
pub fn winsorise(values: &[f64], share: f64) -> Vec<f64> {
    let k = (share * values.len() as f64).floor() as usize;
    if k == 0 || values.len() <= 2 * k {
        return values.to_vec();
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (lo, hi) = (sorted[k], sorted[values.len() - 1 - k]);
    values.iter().map(|v| v.clamp(lo, hi)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winsorising_pulls_in_each_tail() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        let w = winsorise(&v, 0.1);
        assert_eq!(w[0], 2.0);
        assert_eq!(w[9], 9.0);
        assert_eq!(&w[1..9], &v[1..9]);
        assert_eq!(winsorise(&[3.0, 1.0], 0.1), vec![3.0, 1.0]);
    }

    #[test]
    fn no_over_dispersion_gives_zero_tau2() {
        // Every unit exactly at the centre: φ = 0, τ² = 0.
        let units = vec![UnitGap { n: 10, gap: 1.0, gap_ss: 9.0 }; 5];
        let f = estimate(&units, 1.0).unwrap();
        assert_eq!(f.tau2, 0.0);
        assert!((f.sigma - 1.0).abs() < 1e-12);
        assert_eq!(f.limits(100, 2.0), [0.8, 1.2]);
    }

    #[test]
    fn nothing_to_pool_gives_none() {
        assert!(estimate(&[UnitGap { n: 1, gap: 1.0, gap_ss: 0.0 }], 1.0).is_none());
    }
}
