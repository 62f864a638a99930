//! Item information and expected scores from an item's calibrated parameters.
//!
//! These few formulas live here until `khaothi-irt` exposes `ItemModel`; they follow DESIGN §4
//! (logistic metric, no D constant) so switching later changes no figure.

use khaothi_domain::{IrtModelKind, IrtParams, Item, ItemKind};

/// A calibrated item's response model, built from its `irt` parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemModel {
    /// Dichotomous: `P = c + (1 − c) / (1 + exp(−a(θ − b)))` (Rasch: a = 1, c = 0).
    Logistic { a: f64, b: f64, c: f64 },
    /// Generalized partial credit, scores 0..=thresholds.len().
    Gpcm { a: f64, thresholds: Vec<f64> },
    /// Graded response, scores 0..=thresholds.len() (increasing thresholds).
    Grm { a: f64, thresholds: Vec<f64> },
}

impl ItemModel {
    /// The model of a calibrated item; `None` when the item has no usable parameters, which the
    /// assembler treats as "not calibrated".
    pub fn of(item: &Item) -> Option<Self> {
        let p = item.irt.as_ref()?;
        let model = Self::from_params(p)?;
        let poly = matches!(model, Self::Gpcm { .. } | Self::Grm { .. });
        (poly == (item.kind() == ItemKind::TrueFalseGroup)).then_some(model)
    }

    pub fn from_params(p: &IrtParams) -> Option<Self> {
        let ok = |x: f64| x.is_finite();
        let m = match p.model? {
            IrtModelKind::Rasch => Self::Logistic { a: p.a.unwrap_or(1.0), b: p.b?, c: 0.0 },
            IrtModelKind::TwoPl => Self::Logistic { a: p.a?, b: p.b?, c: 0.0 },
            IrtModelKind::ThreePl => Self::Logistic { a: p.a?, b: p.b?, c: p.c? },
            IrtModelKind::Gpcm => Self::Gpcm { a: p.a?, thresholds: p.thresholds.clone()? },
            IrtModelKind::Grm => Self::Grm { a: p.a?, thresholds: p.thresholds.clone()? },
        };
        let valid = match &m {
            Self::Logistic { a, b, c } => ok(*a) && *a > 0.0 && ok(*b) && (0.0..1.0).contains(c),
            Self::Gpcm { a, thresholds } | Self::Grm { a, thresholds } => {
                ok(*a) && *a > 0.0 && !thresholds.is_empty() && thresholds.iter().all(|t| ok(*t))
            }
        };
        valid.then_some(m)
    }

    /// Highest score: 1 for a dichotomous item, the number of thresholds otherwise.
    pub fn max_score(&self) -> usize {
        match self {
            Self::Logistic { .. } => 1,
            Self::Gpcm { thresholds, .. } | Self::Grm { thresholds, .. } => thresholds.len(),
        }
    }

    /// Location used by difficulty limits: `b`, or the mean threshold of a polytomous item.
    pub fn difficulty(&self) -> f64 {
        match self {
            Self::Logistic { b, .. } => *b,
            Self::Gpcm { thresholds, .. } | Self::Grm { thresholds, .. } => {
                thresholds.iter().sum::<f64>() / thresholds.len() as f64
            }
        }
    }

    /// Probability of each score 0..=max_score at `theta`.
    pub fn category_probabilities(&self, theta: f64) -> Vec<f64> {
        match self {
            Self::Logistic { a, b, c } => {
                let p = c + (1.0 - c) * logistic(a * (theta - b));
                vec![1.0 - p, p]
            }
            Self::Gpcm { a, thresholds } => {
                let mut z = Vec::with_capacity(thresholds.len() + 1);
                z.push(0.0);
                let mut acc = 0.0;
                for t in thresholds {
                    acc += a * (theta - t);
                    z.push(acc);
                }
                let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
                let s: f64 = e.iter().sum();
                e.into_iter().map(|v| v / s).collect()
            }
            Self::Grm { a, thresholds } => {
                let star = grm_cumulative(*a, thresholds, theta);
                (0..=thresholds.len()).map(|k| (star[k] - star[k + 1]).max(0.0)).collect()
            }
        }
    }

    /// Expected score (0..=max_score) at `theta`.
    pub fn expected_score(&self, theta: f64) -> f64 {
        self.category_probabilities(theta).iter().enumerate().map(|(k, p)| k as f64 * p).sum()
    }

    /// Fisher information at `theta`.
    pub fn information(&self, theta: f64) -> f64 {
        match self {
            Self::Logistic { a, b, c } => {
                let l = logistic(a * (theta - b));
                let p = c + (1.0 - c) * l;
                if p <= 0.0 || p >= 1.0 {
                    return 0.0;
                }
                let dp = (1.0 - c) * a * l * (1.0 - l);
                dp * dp / (p * (1.0 - p))
            }
            Self::Gpcm { a, .. } => {
                let probs = self.category_probabilities(theta);
                let mean: f64 = probs.iter().enumerate().map(|(k, p)| k as f64 * p).sum();
                let var: f64 = probs.iter().enumerate().map(|(k, p)| (k as f64 - mean).powi(2) * p).sum();
                a * a * var
            }
            Self::Grm { a, thresholds } => {
                let star = grm_cumulative(*a, thresholds, theta);
                let d: Vec<f64> = star.iter().map(|s| a * s * (1.0 - s)).collect();
                (0..=thresholds.len())
                    .map(|k| {
                        let p = star[k] - star[k + 1];
                        if p > 1e-300 { (d[k] - d[k + 1]).powi(2) / p } else { 0.0 }
                    })
                    .sum()
            }
        }
    }
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `P*_0 = 1, P*_k = P(score ≥ k), P*_{m+1} = 0`.
fn grm_cumulative(a: f64, thresholds: &[f64], theta: f64) -> Vec<f64> {
    let mut star = Vec::with_capacity(thresholds.len() + 2);
    star.push(1.0);
    star.extend(thresholds.iter().map(|t| logistic(a * (theta - t))));
    star.push(0.0);
    star
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn numeric_information(m: &ItemModel, theta: f64) -> f64 {
        // I(θ) = Σ_k P_k'(θ)² / P_k(θ), by central differences.
        let h = 1e-5;
        let lo = m.category_probabilities(theta - h);
        let hi = m.category_probabilities(theta + h);
        let mid = m.category_probabilities(theta);
        (0..mid.len()).map(|k| ((hi[k] - lo[k]) / (2.0 * h)).powi(2) / mid[k]).sum()
    }

    #[test]
    fn two_pl_peaks_at_b_with_a_squared_over_four() {
        let m = ItemModel::Logistic { a: 1.6, b: 0.4, c: 0.0 };
        assert!((m.information(0.4) - 1.6 * 1.6 / 4.0).abs() < 1e-12);
        assert!((m.expected_score(0.4) - 0.5).abs() < 1e-12);
    }

    proptest! {
        #[test]
        fn closed_forms_match_the_definition(
            a in 0.3f64..2.5, b in -2.0f64..2.0, c in 0.0f64..0.3, theta in -3.0f64..3.0,
            t in proptest::collection::vec(-2.0f64..2.0, 4),
        ) {
            let mut sorted = t.clone();
            sorted.sort_by(f64::total_cmp);
            prop_assume!(sorted.windows(2).all(|w| w[1] - w[0] > 0.05));
            for m in [
                ItemModel::Logistic { a, b, c },
                ItemModel::Gpcm { a, thresholds: t.clone() },
                ItemModel::Grm { a, thresholds: sorted.clone() },
            ] {
                let probs = m.category_probabilities(theta);
                prop_assert!((probs.iter().sum::<f64>() - 1.0).abs() < 1e-9);
                let exact = m.information(theta);
                let numeric = numeric_information(&m, theta);
                prop_assert!((exact - numeric).abs() < 1e-4 * (1.0 + exact), "{m:?}: {exact} vs {numeric}");
                prop_assert!(m.expected_score(theta) >= 0.0 && m.expected_score(theta) <= m.max_score() as f64);
            }
        }
    }
}
