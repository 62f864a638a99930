//! Residual-based screens at estimated abilities: Rasch infit/outfit mean squares with their
//! standardised values, and Yen's Q3 for local dependence.
//!
//! With `θ̂_p` each person's ability estimate (the CLI uses EAP, as mirt's `itemfit` and
//! `residuals(type = "Q3")` do), `E_pj = E[X_j | θ̂_p]`, `W_pj = Var[X_j | θ̂_p]`,
//! `C_pj = E[(X_j − E_pj)⁴ | θ̂_p]` and `z_pj = (x_pj − E_pj)/√W_pj`, over the persons who answered
//! item `j` (Wright & Masters, 1982):
//!
//! - outfit `U_j = Σ_p z²_pj / n_j`, its model variance `q²_U = Σ_p C_pj / W²_pj / n_j² − 1/n_j`;
//! - infit `V_j = Σ_p (x_pj − E_pj)² / Σ_p W_pj`, `q²_V = Σ_p (C_pj − W²_pj) / (Σ_p W_pj)²`;
//! - standardised (Wilson–Hilferty cube root) `t = (MS^{1/3} − 1)(3/q) + q/3`.
//!
//! Mean squares near 1 fit; the usual screens are 0.7–1.3 for a high-stakes test and |t| > 2.
//!
//! Q3 (Yen, 1984) is the correlation over persons of the residuals `x − E` of two items. Under
//! local independence Q3 is slightly negative on average (about `−1/(n − 1)`), so the flag uses
//! the residual correlation relative to the average, `Q3* = Q3 − mean(Q3)` (Marais, 2013;
//! Christensen, Makransky & Horton, 2017): a pair is **flagged when `Q3* > 0.2`**.

use serde::{Deserialize, Serialize};

use crate::error::IrtError;
use crate::matrix::{MISSING, ResponseMatrix};
use crate::model::ItemModel;

/// Q3* above which a pair of items is flagged for local dependence.
pub const Q3_STAR_CUT: f64 = 0.2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeanSquareFit {
    pub id: String,
    pub n: usize,
    pub infit: f64,
    pub infit_t: f64,
    pub outfit: f64,
    pub outfit_t: f64,
}

/// Conditional mean, variance and fourth central moment of an item's score at `θ`.
fn moments(item: &ItemModel, theta: f64) -> (f64, f64, f64) {
    let p = item.category_probabilities(theta);
    let e: f64 = p.iter().enumerate().map(|(k, pk)| k as f64 * pk).sum();
    let w: f64 = p.iter().enumerate().map(|(k, pk)| (k as f64 - e).powi(2) * pk).sum();
    let c: f64 = p.iter().enumerate().map(|(k, pk)| (k as f64 - e).powi(4) * pk).sum();
    (e, w, c)
}

/// Wilson–Hilferty standardisation of a mean square with model variance `q2`.
pub fn standardise(ms: f64, q2: f64) -> f64 {
    let q = q2.max(1e-300).sqrt();
    (ms.cbrt() - 1.0) * (3.0 / q) + q / 3.0
}

/// Infit and outfit of every item (`items[j]` is column `j`), at the abilities `thetas`
/// (persons without one are left out).
pub fn infit_outfit(
    items: &[ItemModel],
    m: &ResponseMatrix,
    thetas: &[Option<f64>],
) -> Result<Vec<MeanSquareFit>, IrtError> {
    check(items, m, thetas)?;
    let mut out = Vec::with_capacity(items.len());
    for (j, item) in items.iter().enumerate() {
        let (mut n, mut z2, mut var_u, mut sq, mut sum_w, mut var_v) = (0usize, 0.0, 0.0, 0.0, 0.0, 0.0);
        for (p, th) in thetas.iter().enumerate() {
            let (Some(th), x) = (th, m.get(p, j)) else { continue };
            if x == MISSING {
                continue;
            }
            let (e, w, c) = moments(item, *th);
            if w <= 1e-12 {
                continue;
            }
            let r2 = (x as f64 - e).powi(2);
            n += 1;
            z2 += r2 / w;
            var_u += c / (w * w);
            sq += r2;
            sum_w += w;
            var_v += c - w * w;
        }
        if n == 0 {
            continue;
        }
        let nf = n as f64;
        let (outfit, infit) = (z2 / nf, sq / sum_w);
        out.push(MeanSquareFit {
            id: m.item_ids()[j].clone(),
            n,
            infit,
            infit_t: standardise(infit, var_v / (sum_w * sum_w)),
            outfit,
            outfit_t: standardise(outfit, var_u / (nf * nf) - 1.0 / nf),
        });
    }
    Ok(out)
}

/// One pair of items' residual correlation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Q3Pair {
    pub a: String,
    pub b: String,
    pub q3: f64,
    pub q3_star: f64,
}

/// Q3 over all pairs: the mean, the cut and the flagged pairs (Q3* > [`Q3_STAR_CUT`]), worst first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalDependence {
    pub mean_q3: f64,
    pub max_q3: f64,
    pub cut: f64,
    pub n_pairs: usize,
    pub flagged: Vec<Q3Pair>,
}

/// Yen's Q3 for every pair of items, from persons with an ability who answered both.
pub fn q3(
    items: &[ItemModel],
    m: &ResponseMatrix,
    thetas: &[Option<f64>],
) -> Result<LocalDependence, IrtError> {
    check(items, m, thetas)?;
    let n = items.len();
    let resid: Vec<Vec<f64>> = thetas
        .iter()
        .enumerate()
        .map(|(p, th)| {
            (0..n)
                .map(|j| match (th, m.get(p, j)) {
                    (Some(t), x) if x != MISSING => x as f64 - items[j].expected_score(*t),
                    _ => f64::NAN,
                })
                .collect()
        })
        .collect();
    let mut pairs = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let both: Vec<(f64, f64)> =
                resid.iter().map(|r| (r[i], r[j])).filter(|(a, b)| a.is_finite() && b.is_finite()).collect();
            if let Some(r) = correlation(&both) {
                pairs.push((i, j, r));
            }
        }
    }
    if pairs.is_empty() {
        return Err(IrtError::invalid("Q3 needs two items answered by the same persons"));
    }
    let mean = pairs.iter().map(|p| p.2).sum::<f64>() / pairs.len() as f64;
    let max = pairs.iter().map(|p| p.2).fold(f64::NEG_INFINITY, f64::max);
    let ids = m.item_ids();
    let mut flagged: Vec<Q3Pair> = pairs
        .iter()
        .filter(|p| p.2 - mean > Q3_STAR_CUT)
        .map(|&(i, j, r)| Q3Pair { a: ids[i].clone(), b: ids[j].clone(), q3: r, q3_star: r - mean })
        .collect();
    flagged.sort_by(|x, y| y.q3.total_cmp(&x.q3));
    Ok(LocalDependence { mean_q3: mean, max_q3: max, cut: Q3_STAR_CUT, n_pairs: pairs.len(), flagged })
}

fn correlation(xy: &[(f64, f64)]) -> Option<f64> {
    if xy.len() < 3 {
        return None;
    }
    let n = xy.len() as f64;
    let (mx, my) = (xy.iter().map(|p| p.0).sum::<f64>() / n, xy.iter().map(|p| p.1).sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xy {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

fn check(items: &[ItemModel], m: &ResponseMatrix, thetas: &[Option<f64>]) -> Result<(), IrtError> {
    if items.len() != m.n_items() || thetas.len() != m.n_persons() {
        return Err(IrtError::invalid(format!(
            "{} item models and {} abilities for {} items × {} persons",
            items.len(),
            thetas.len(),
            m.n_items(),
            m.n_persons()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{draw_thetas, random_items, simulate_responses};

    /// Infit and outfit by their definitions on a hand-sized case: two Rasch items, three
    /// persons at known abilities.
    #[test]
    fn hand_computed_mean_squares() {
        let items = vec![ItemModel::Rasch { b: 0.0 }, ItemModel::Rasch { b: 1.0 }];
        let m =
            ResponseMatrix::from_rows(vec!["A".into(), "B".into()], &[vec![1, 0], vec![0, 0], vec![1, 1]])
                .unwrap();
        let th = [Some(0.5), Some(-1.0), Some(2.0)];
        let fit = infit_outfit(&items, &m, &th).unwrap();
        let lg = |x: f64| 1.0 / (1.0 + (-x).exp());
        // item A at θ = 0.5, −1, 2 with responses 1, 0, 1
        let (p, x) = ([lg(0.5), lg(-1.0), lg(2.0)], [1.0, 0.0, 1.0]);
        let w: Vec<f64> = p.iter().map(|p| p * (1.0 - p)).collect();
        let outfit = (0..3).map(|i| (x[i] - p[i]).powi(2) / w[i]).sum::<f64>() / 3.0;
        let infit = (0..3).map(|i| (x[i] - p[i]).powi(2)).sum::<f64>() / w.iter().sum::<f64>();
        assert!((fit[0].outfit - outfit).abs() < 1e-12 && (fit[0].infit - infit).abs() < 1e-12);
        // the fourth central moment of a Bernoulli: pq(p³ + q³)
        let c: Vec<f64> = p.iter().map(|p| p * (1.0 - p) * (p.powi(3) + (1.0 - p).powi(3))).collect();
        let q2 = (0..3).map(|i| c[i] / (w[i] * w[i])).sum::<f64>() / 9.0 - 1.0 / 3.0;
        let t = (outfit.powf(1.0 / 3.0) - 1.0) * 3.0 / q2.sqrt() + q2.sqrt() / 3.0;
        assert!((fit[0].outfit_t - t).abs() < 1e-12);
    }

    #[test]
    fn fitting_items_sit_near_one_and_a_flat_item_overfits_a_random_one_underfits() {
        let items: Vec<ItemModel> = (0..12).map(|j| ItemModel::Rasch { b: -1.5 + 0.25 * j as f64 }).collect();
        let th = draw_thetas(3000, 0.0, 1.0, 41);
        let mut truth = items.clone();
        truth[0] = ItemModel::TwoPl { a: 3.0, b: -1.5 }; // steeper than Rasch: overfit (MS < 1)
        truth[1] = ItemModel::TwoPl { a: 0.2, b: -1.25 }; // nearly random: underfit (MS > 1)
        let m = simulate_responses(&truth, &th, 42);
        let thetas: Vec<Option<f64>> = th.iter().map(|t| Some(*t)).collect();
        let fit = infit_outfit(&items, &m, &thetas).unwrap();
        assert!(fit[0].infit < 0.8 && fit[0].infit_t < -2.0, "{:?}", fit[0]);
        assert!(fit[1].infit > 1.2 && fit[1].outfit_t > 2.0, "{:?}", fit[1]);
        for f in &fit[2..] {
            assert!((f.infit - 1.0).abs() < 0.1 && f.infit_t.abs() < 3.5, "{f:?}");
        }
    }

    #[test]
    fn q3_flags_a_dependent_pair_only() {
        let items = random_items(crate::IrtModelKind::TwoPl, 10, 2, 61);
        let th = draw_thetas(2000, 0.0, 1.0, 62);
        let m = simulate_responses(&items, &th, 63);
        let mut data = m.data().to_vec();
        // item 1 copies item 0 for 60 % of the persons
        for p in 0..2000 {
            if p % 5 < 3 {
                data[p * 10 + 1] = data[p * 10];
            }
        }
        let m = ResponseMatrix::new(m.item_ids().to_vec(), None, 2000, data).unwrap();
        let thetas: Vec<Option<f64>> = th.iter().map(|t| Some(*t)).collect();
        let ld = q3(&items, &m, &thetas).unwrap();
        assert_eq!(ld.n_pairs, 45);
        assert_eq!(ld.flagged.len(), 1, "{ld:?}");
        assert_eq!(
            (ld.flagged[0].a.as_str(), ld.flagged[0].b.as_str()),
            (m.item_ids()[0].as_str(), m.item_ids()[1].as_str())
        );
        // Q3 by its definition for that pair
        let r: Vec<(f64, f64)> = (0..2000)
            .map(|p| {
                let e = |j: usize| m.get(p, j) as f64 - items[j].prob(th[p], 1);
                (e(0), e(1))
            })
            .collect();
        let n = 2000.0;
        let (mx, my) = (r.iter().map(|x| x.0).sum::<f64>() / n, r.iter().map(|x| x.1).sum::<f64>() / n);
        let cov: f64 = r.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
        let vx: f64 = r.iter().map(|(x, _)| (x - mx).powi(2)).sum();
        let vy: f64 = r.iter().map(|(_, y)| (y - my).powi(2)).sum();
        assert!((ld.flagged[0].q3 - cov / (vx * vy).sqrt()).abs() < 1e-12);
        assert!((ld.flagged[0].q3_star - (ld.flagged[0].q3 - ld.mean_q3)).abs() < 1e-15);
    }
}
