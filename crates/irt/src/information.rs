//! Test information, its standard-error curve and marginal reliability — how precisely a set of
//! calibrated items measures along the ability scale and, on average, in a population.

use serde::{Deserialize, Serialize};

use crate::model::ItemModel;

/// The test information `I(θ) = Σ_j I_j(θ)` at one ability and the standard error `1/√I(θ)` of
/// the maximum-likelihood ability there.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InformationPoint {
    pub theta: f64,
    pub information: f64,
    pub se: Option<f64>,
}

/// The test information curve of `items` at each of `thetas`.
pub fn test_information(items: &[ItemModel], thetas: &[f64]) -> Vec<InformationPoint> {
    thetas
        .iter()
        .map(|&theta| {
            let information: f64 = items.iter().map(|m| m.information(theta)).sum();
            InformationPoint { theta, information, se: (information > 0.0).then(|| 1.0 / information.sqrt()) }
        })
        .collect()
}

/// The abilities the calibrate output reports the curve at: −4 to 4 by 0.5.
pub fn report_grid() -> Vec<f64> {
    (0..=16).map(|k| -4.0 + 0.5 * k as f64).collect()
}

/// Marginal reliability in a N(`mean`, `sd`²) population (Green, Bock, Humphreys, Linn &
/// Reckase, 1984): `ρ = σ² / (σ² + E[1/I(θ)])`, the error variance averaged over the population
/// (201 points on mean ± 6 SD).
pub fn marginal_reliability(items: &[ItemModel], mean: f64, sd: f64) -> Option<f64> {
    if items.is_empty() || sd <= 0.0 {
        return None;
    }
    let (mut w_total, mut err) = (0.0, 0.0);
    for q in 0..201 {
        let z = -6.0 + 0.06 * q as f64;
        let w = (-0.5 * z * z).exp();
        let info: f64 = items.iter().map(|m| m.information(mean + sd * z)).sum();
        if info <= 0.0 {
            return None;
        }
        w_total += w;
        err += w / info;
    }
    let var = sd * sd;
    Some(var / (var + err / w_total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_pl_information_and_reliability_match_their_formulas() {
        let items: Vec<ItemModel> = (0..10)
            .map(|j| ItemModel::TwoPl { a: 0.7 + 0.1 * j as f64, b: -1.0 + 0.25 * j as f64 })
            .collect();
        let info2pl = |t: f64| -> f64 {
            items
                .iter()
                .map(|m| {
                    let ItemModel::TwoPl { a, b } = m else { unreachable!() };
                    let p = 1.0 / (1.0 + (-a * (t - b)).exp());
                    a * a * p * (1.0 - p)
                })
                .sum()
        };
        for pt in test_information(&items, &report_grid()) {
            assert!((pt.information - info2pl(pt.theta)).abs() < 1e-12);
            assert!((pt.se.unwrap() - 1.0 / info2pl(pt.theta).sqrt()).abs() < 1e-12);
        }
        // E[1/I] under N(0.3, 1.2²) by Simpson's rule on ±8 SD
        let (mu, sd) = (0.3, 1.2);
        let n = 4000;
        let h = 16.0 / n as f64;
        let (mut num, mut den) = (0.0, 0.0);
        for k in 0..=n {
            let z = -8.0 + h * k as f64;
            let c = if k == 0 || k == n {
                1.0
            } else if k % 2 == 1 {
                4.0
            } else {
                2.0
            };
            let phi = (-0.5 * z * z).exp();
            num += c * phi / info2pl(mu + sd * z);
            den += c * phi;
        }
        let expected = sd * sd / (sd * sd + num / den);
        let got = marginal_reliability(&items, mu, sd).unwrap();
        assert!((got - expected).abs() < 1e-4, "{got} vs {expected}");
        assert_eq!(marginal_reliability(&[], 0.0, 1.0), None);
    }
}
