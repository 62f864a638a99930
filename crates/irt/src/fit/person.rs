//! Person fit: the standardised log-likelihood `lz` (Drasgow, Levine & Williams, 1985; `Zh` in
//! mirt's `personfit`).
//!
//! At the person's ability estimate `θ̂`, over the items they answered,
//! `l0 = Σ_j ln P_j(x_j | θ̂)`, `E[l0] = Σ_j Σ_k P_jk ln P_jk`,
//! `Var[l0] = Σ_j [Σ_k P_jk (ln P_jk)² − (Σ_k P_jk ln P_jk)²]` and `lz = (l0 − E[l0]) / √Var[l0]`
//! (the polytomous form is the same sums over categories). Large negative values (below −2, say)
//! mark response patterns the model finds unlikely for that ability — guessing, copying, a
//! misaligned answer sheet: **for review**, not a verdict.

use crate::model::ItemModel;

/// `lz` of one person's scores (`None` = not presented) at `theta`; `None` when fewer than two
/// items carry information.
pub fn lz(items: &[ItemModel], scores: &[Option<u8>], theta: f64) -> Option<f64> {
    let (mut l0, mut e, mut v, mut n) = (0.0, 0.0, 0.0, 0);
    for (it, x) in items.iter().zip(scores) {
        let Some(x) = *x else { continue };
        let p = it.category_probabilities(theta);
        let lp: Vec<f64> = p.iter().map(|pk| pk.max(1e-300).ln()).collect();
        let mean: f64 = p.iter().zip(&lp).map(|(pk, l)| pk * l).sum();
        let sq: f64 = p.iter().zip(&lp).map(|(pk, l)| pk * l * l).sum();
        l0 += lp.get(x as usize)?;
        e += mean;
        v += sq - mean * mean;
        n += 1;
    }
    (n >= 2 && v > 1e-12).then(|| (l0 - e) / v.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{draw_thetas, random_items, simulate_responses};

    #[test]
    fn hand_computed_dichotomous_case() {
        let items = [ItemModel::TwoPl { a: 1.0, b: 0.0 }, ItemModel::TwoPl { a: 2.0, b: 1.0 }];
        let theta = 0.5;
        let p = [1.0 / (1.0 + (-0.5f64).exp()), 1.0 / (1.0 + (1.0f64).exp())];
        // pattern (1, 0)
        let l0 = p[0].ln() + (1.0 - p[1]).ln();
        let e: f64 = p.iter().map(|p| p * p.ln() + (1.0 - p) * (1.0 - p).ln()).sum();
        let v: f64 = p.iter().map(|p| p * (1.0 - p) * (p / (1.0 - p)).ln().powi(2)).sum();
        let got = lz(&items, &[Some(1), Some(0)], theta).unwrap();
        assert!((got - (l0 - e) / v.sqrt()).abs() < 1e-12, "{got}");
        assert_eq!(lz(&items, &[Some(1), None], theta), None);
    }

    #[test]
    fn model_consistent_patterns_centre_near_zero_and_reversed_ones_are_negative() {
        let items = random_items(crate::IrtModelKind::Grm, 30, 4, 71);
        let th = draw_thetas(800, 0.0, 1.0, 72);
        let m = simulate_responses(&items, &th, 73);
        let vals: Vec<f64> = (0..800)
            .filter_map(|p| lz(&items, &m.row(p).iter().map(|&x| Some(x)).collect::<Vec<_>>(), th[p]))
            .collect();
        let mean = vals.iter().sum::<f64>() / vals.len() as f64;
        assert!(mean.abs() < 0.2, "{mean}");
        // a person at θ = 1 who answers as if the scale were reversed
        let reversed: Vec<Option<u8>> =
            items.iter().map(|it| Some(it.max_score() - (it.expected_score(1.0).round() as u8))).collect();
        assert!(lz(&items, &reversed, 1.0).unwrap() < -3.0);
    }
}
