//! Sum-score to ability conversion table: for every possible summed score, the EAP of θ given
//! only that score and its posterior SD (Thissen, Pommerich, Billeaud & Williams, 1995). The
//! likelihood of each summed score at each θ comes from the Lord–Wingersky (1984) recursion:
//! adding item `j` to the test, `L_{s}(θ) ← Σ_k L_{s−k}(θ) P_jk(θ)`. A board can publish the
//! table; every candidate with the same total gets the same scaled score.

use serde::{Deserialize, Serialize};

use crate::error::IrtError;
use crate::model::ItemModel;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoreRow {
    pub score: usize,
    pub theta: f64,
    pub se: f64,
}

/// The likelihood of every summed score (0..=Σ max scores) at `theta`.
pub fn summed_score_likelihood(items: &[ItemModel], theta: f64) -> Vec<f64> {
    let mut dist = vec![1.0];
    for it in items {
        let p = it.category_probabilities(theta);
        let mut next = vec![0.0; dist.len() + p.len() - 1];
        for (s, d) in dist.iter().enumerate() {
            for (k, pk) in p.iter().enumerate() {
                next[s + k] += d * pk;
            }
        }
        dist = next;
    }
    dist
}

/// The EAP table under a N(`mean`, `sd`²) prior (121 points on mean ± 6 SD).
pub fn eap_table(items: &[ItemModel], mean: f64, sd: f64) -> Result<Vec<ScoreRow>, IrtError> {
    if items.is_empty() {
        return Err(IrtError::invalid("a score table needs at least one item"));
    }
    if sd.is_nan() || sd <= 0.0 {
        return Err(IrtError::invalid("the prior SD must be positive"));
    }
    let max: usize = items.iter().map(|m| m.max_score() as usize).sum();
    let (mut w0, mut w1, mut w2) = (vec![0.0; max + 1], vec![0.0; max + 1], vec![0.0; max + 1]);
    for q in 0..121 {
        let z = -6.0 + 0.1 * q as f64;
        let t = mean + sd * z;
        let prior = (-0.5 * z * z).exp();
        for (s, l) in summed_score_likelihood(items, t).iter().enumerate() {
            let w = prior * l;
            w0[s] += w;
            w1[s] += w * t;
            w2[s] += w * t * t;
        }
    }
    Ok((0..=max)
        .map(|s| {
            let theta = w1[s] / w0[s];
            ScoreRow { score: s, theta, se: (w2[s] / w0[s] - theta * theta).max(0.0).sqrt() }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against brute force: every response pattern of a small mixed test enumerated, its
    /// likelihood added into its total's bucket at each point of an independent grid.
    #[test]
    fn matches_enumeration_of_every_pattern() {
        let items = vec![
            ItemModel::TwoPl { a: 1.2, b: -0.5 },
            ItemModel::ThreePl { a: 0.9, b: 0.3, c: 0.2 },
            ItemModel::Rasch { b: 1.0 },
            ItemModel::Gpcm { a: 0.8, thresholds: vec![-1.0, 0.5] },
            ItemModel::Grm { a: 1.4, thresholds: vec![-0.7, 0.2, 1.1] },
        ];
        let (mean, sd) = (0.2, 1.1);
        let cats: Vec<usize> = items.iter().map(ItemModel::n_categories).collect();
        let n_patterns: usize = cats.iter().product();
        let max: usize = cats.iter().map(|c| c - 1).sum();
        let (mut w0, mut w1, mut w2) = (vec![0.0; max + 1], vec![0.0; max + 1], vec![0.0; max + 1]);
        for q in 0..121 {
            let t = mean + sd * (-6.0 + 0.1 * q as f64);
            let prior = (-0.5 * ((t - mean) / sd).powi(2)).exp();
            for code in 0..n_patterns {
                let (mut c, mut lik, mut total) = (code, 1.0, 0);
                for (it, &n) in items.iter().zip(&cats) {
                    let k = c % n;
                    c /= n;
                    lik *= it.prob(t, k as u8);
                    total += k;
                }
                w0[total] += prior * lik;
                w1[total] += prior * lik * t;
                w2[total] += prior * lik * t * t;
            }
        }
        let table = eap_table(&items, mean, sd).unwrap();
        assert_eq!(table.len(), max + 1);
        for row in &table {
            let s = row.score;
            let eap = w1[s] / w0[s];
            assert!((row.theta - eap).abs() < 1e-10, "score {s}");
            assert!((row.se - (w2[s] / w0[s] - eap * eap).sqrt()).abs() < 1e-10, "score {s}");
        }
        assert!(table.windows(2).all(|w| w[0].theta < w[1].theta));
        assert!(eap_table(&[], 0.0, 1.0).is_err());
    }
}
