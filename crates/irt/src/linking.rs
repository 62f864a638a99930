//! Linking two calibrations through common items: Stocking–Lord constants.
//!
//! With `θ_base = A·θ_new + B`, items from the new calibration move to the base scale by
//! [`ItemModel::rescaled`] (`a/A`, `A·b + B`, `c` unchanged). Stocking–Lord chooses `A, B` to
//! minimise the weighted squared difference between the test characteristic curves of the common
//! items, `Σ_q w_q [Σ_j E_j^base(θ_q) − Σ_j E_j^new*(θ_q)]²`, over a grid on the base scale
//! (41 points on [−4, 4] with N(0, 1) weights), starting from mean/sigma and refined by
//! Gauss–Newton with Levenberg damping.

use serde::{Deserialize, Serialize};

use crate::error::IrtError;
use crate::model::ItemModel;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LinkingConstants {
    /// Slope: `θ_base = A θ_new + B`.
    pub a: f64,
    pub b: f64,
    /// Stocking–Lord criterion at the solution.
    pub criterion: f64,
    pub iterations: usize,
}

/// Stocking–Lord constants from common items given as (base, new) parameter pairs.
pub fn stocking_lord(common: &[(ItemModel, ItemModel)]) -> Result<LinkingConstants, IrtError> {
    if common.is_empty() {
        return Err(IrtError::invalid("linking needs at least one common item"));
    }
    for (b, n) in common {
        if b.max_score() != n.max_score() {
            return Err(IrtError::invalid(
                "a common item has different score ranges in the two calibrations",
            ));
        }
    }
    let grid: Vec<f64> = (0..41).map(|q| -4.0 + 0.2 * q as f64).collect();
    let w: Vec<f64> = grid.iter().map(|t| (-0.5 * t * t).exp()).collect();
    let base_tcc: Vec<f64> =
        grid.iter().map(|&t| common.iter().map(|(b, _)| b.expected_score(t)).sum()).collect();
    let residuals = |a: f64, b: f64| -> Vec<f64> {
        let moved: Vec<ItemModel> = common.iter().map(|(_, n)| n.rescaled(a, b)).collect();
        grid.iter()
            .zip(&base_tcc)
            .zip(&w)
            .map(|((&t, bt), wq)| wq.sqrt() * (bt - moved.iter().map(|m| m.expected_score(t)).sum::<f64>()))
            .collect()
    };
    let crit = |r: &[f64]| r.iter().map(|x| x * x).sum::<f64>();
    // mean/sigma start from the difficulty-like parameters
    let locs = |m: &ItemModel| -> Vec<f64> {
        match m {
            ItemModel::Rasch { b } | ItemModel::TwoPl { b, .. } | ItemModel::ThreePl { b, .. } => vec![*b],
            ItemModel::Gpcm { thresholds, .. } | ItemModel::Grm { thresholds, .. } => thresholds.clone(),
        }
    };
    let bb: Vec<f64> = common.iter().flat_map(|(b, _)| locs(b)).collect();
    let bn: Vec<f64> = common.iter().flat_map(|(_, n)| locs(n)).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let sd = |v: &[f64]| {
        let m = mean(v);
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
    };
    let mut a = if sd(&bn) > 1e-6 && sd(&bb) > 1e-6 { sd(&bb) / sd(&bn) } else { 1.0 };
    let mut b = mean(&bb) - a * mean(&bn);
    let mut r = residuals(a, b);
    let mut f = crit(&r);
    let mut lambda = 1e-3;
    let mut iterations = 0;
    for _ in 0..200 {
        iterations += 1;
        let h = 1e-6;
        let ra = residuals(a + h, b);
        let rb = residuals(a, b + h);
        let ja: Vec<f64> = ra.iter().zip(&r).map(|(x, y)| (x - y) / h).collect();
        let jb: Vec<f64> = rb.iter().zip(&r).map(|(x, y)| (x - y) / h).collect();
        let (aa, ab, bb2) = (
            ja.iter().map(|x| x * x).sum::<f64>(),
            ja.iter().zip(&jb).map(|(x, y)| x * y).sum::<f64>(),
            jb.iter().map(|x| x * x).sum::<f64>(),
        );
        let (ga, gb) = (
            ja.iter().zip(&r).map(|(x, y)| x * y).sum::<f64>(),
            jb.iter().zip(&r).map(|(x, y)| x * y).sum::<f64>(),
        );
        let mut improved = false;
        for _ in 0..30 {
            let (m11, m22) = (aa * (1.0 + lambda), bb2 * (1.0 + lambda));
            let det = m11 * m22 - ab * ab;
            if det.abs() < 1e-300 {
                break;
            }
            let da = -(m22 * ga - ab * gb) / det;
            let db = -(m11 * gb - ab * ga) / det;
            let (na, nb) = (a + da, b + db);
            if na > 0.0 {
                let nr = residuals(na, nb);
                let nf = crit(&nr);
                if nf < f {
                    let small = da.abs() < 1e-10 && db.abs() < 1e-10;
                    a = na;
                    b = nb;
                    r = nr;
                    f = nf;
                    lambda = (lambda * 0.3).max(1e-12);
                    improved = !small;
                    break;
                }
            }
            lambda *= 10.0;
        }
        if !improved {
            break;
        }
    }
    Ok(LinkingConstants { a, b, criterion: f, iterations })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_known_transformation() {
        let base = [
            ItemModel::TwoPl { a: 1.2, b: -1.0 },
            ItemModel::ThreePl { a: 0.9, b: 0.4, c: 0.2 },
            ItemModel::TwoPl { a: 1.6, b: 1.1 },
            ItemModel::Gpcm { a: 0.8, thresholds: vec![-1.0, 0.0, 1.2] },
            ItemModel::Grm { a: 1.1, thresholds: vec![-0.8, 0.3, 1.5] },
        ];
        // the new calibration's scale: θ_new = (θ_base − 0.4) / 1.25
        let (big_a, big_b) = (1.25, 0.4);
        let common: Vec<(ItemModel, ItemModel)> =
            base.iter().map(|m| (m.clone(), m.rescaled(1.0 / big_a, -big_b / big_a))).collect();
        let k = stocking_lord(&common).unwrap();
        assert!((k.a - big_a).abs() < 1e-5, "{k:?}");
        assert!((k.b - big_b).abs() < 1e-5, "{k:?}");
        for (b, n) in &common {
            for (x, y) in b.params().iter().zip(n.rescaled(k.a, k.b).params()) {
                assert!((x - y).abs() < 1e-4);
            }
        }
    }

    #[test]
    fn identical_calibrations_give_the_identity() {
        let items = [ItemModel::TwoPl { a: 1.0, b: 0.0 }, ItemModel::TwoPl { a: 1.5, b: 1.0 }];
        let common: Vec<_> = items.iter().map(|m| (m.clone(), m.clone())).collect();
        let k = stocking_lord(&common).unwrap();
        assert!((k.a - 1.0).abs() < 1e-6 && k.b.abs() < 1e-6);
        assert!(stocking_lord(&[]).is_err());
    }
}
