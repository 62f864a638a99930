//! Item fit: Orlando–Thissen S-X² (generalised to polytomous items as in Kang & Chen, 2008).
//!
//! Persons are grouped by summed score; for each group the observed proportion in each category of
//! the item is compared with the model's expectation
//! `E_jk(s) = ∫ P_jk(θ) f*_j(s − k | θ) φ(θ) dθ / ∫ f(s | θ) φ(θ) dθ`, where `f` and `f*_j` (the
//! test without item j) come from the Lord–Wingersky recursion. Score groups are merged from the
//! low end until every expected cell count is at least `min_expected`; `df = Σ_groups (K_j − 1) −
//! n_params`. Only complete cases (persons who answered every item) enter the statistic.

pub mod m2;
pub mod person;
pub mod residual;

use serde::{Deserialize, Serialize};

use crate::error::IrtError;
use crate::matrix::{MISSING, ResponseMatrix};
use crate::model::ItemModel;
use crate::stats::chi_square_sf;

#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    pub quadrature_points: usize,
    pub range: f64,
    pub theta_mean: f64,
    pub theta_sd: f64,
    pub min_expected: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self { quadrature_points: 61, range: 6.0, theta_mean: 0.0, theta_sd: 1.0, min_expected: 1.0 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemFit {
    pub id: String,
    pub sx2: f64,
    pub df: i64,
    /// `None` when `df ≤ 0`.
    pub p_value: Option<f64>,
    pub n_groups: usize,
}

/// Summed-score distribution `f(s | θ)` of `items` at one θ (Lord–Wingersky recursion).
pub fn lord_wingersky(items: &[&ItemModel], theta: f64) -> Vec<f64> {
    let mut f = vec![1.0];
    let mut p = Vec::new();
    for it in items {
        p.resize(it.n_categories(), 0.0);
        it.probs(theta, &mut p);
        let mut g = vec![0.0; f.len() + it.max_score() as usize];
        for (s, fs) in f.iter().enumerate() {
            for (k, pk) in p.iter().enumerate() {
                g[s + k] += fs * pk;
            }
        }
        f = g;
    }
    f
}

/// Number of free parameters of a model (for the degrees of freedom).
fn n_params(m: &ItemModel) -> i64 {
    m.params().len() as i64
}

/// S-X² for every item (`items[j]` describes column `j`).
pub fn s_x2(items: &[ItemModel], m: &ResponseMatrix, o: &FitOptions) -> Result<Vec<ItemFit>, IrtError> {
    if items.len() != m.n_items() {
        return Err(IrtError::invalid(format!("{} item models for {} columns", items.len(), m.n_items())));
    }
    let complete: Vec<usize> = (0..m.n_persons()).filter(|&p| !m.row(p).contains(&MISSING)).collect();
    if complete.is_empty() {
        return Err(IrtError::invalid("S-X² needs persons who answered every item; there are none"));
    }
    let max_total: usize = items.iter().map(|i| i.max_score() as usize).sum();
    let quad = Quadrature::new(o);
    let all: Vec<&ItemModel> = items.iter().collect();
    let full: Vec<Vec<f64>> = quad.thetas.iter().map(|&t| lord_wingersky(&all, t)).collect();
    let denom: Vec<f64> =
        (0..=max_total).map(|s| (0..quad.thetas.len()).map(|q| quad.w[q] * full[q][s]).sum()).collect();
    // observed totals
    let totals: Vec<usize> = complete.iter().map(|&p| m.row(p).iter().map(|&x| x as usize).sum()).collect();
    if totals.iter().any(|&t| t > max_total) {
        return Err(IrtError::invalid("a score exceeds its item's maximum"));
    }
    let mut n_s = vec![0.0; max_total + 1];
    for &t in &totals {
        n_s[t] += 1.0;
    }
    let mut out = Vec::with_capacity(items.len());
    for (j, item) in items.iter().enumerate() {
        let kj = item.n_categories();
        let rest: Vec<&ItemModel> =
            items.iter().enumerate().filter(|(i, _)| *i != j).map(|(_, x)| x).collect();
        let e = expected_by_score(item, &rest, &quad, max_total);
        let mut obs = vec![vec![0.0; kj]; max_total + 1];
        for (&pi, &t) in complete.iter().zip(&totals) {
            obs[t][m.get(pi, j) as usize] += 1.0;
        }
        let groups = score_groups(&e, &obs, &denom, &n_s, o.min_expected);
        let sx2 = pearson(&groups);
        let df = groups.len() as i64 * (kj as i64 - 1) - n_params(item);
        out.push(ItemFit {
            id: m.item_ids()[j].clone(),
            sx2,
            df,
            p_value: (df > 0).then(|| chi_square_sf(sx2, df as f64)),
            n_groups: groups.len(),
        });
    }
    Ok(out)
}

/// Equally spaced points on `[−range, range]` with normalised N(mean, sd²) weights.
struct Quadrature {
    thetas: Vec<f64>,
    w: Vec<f64>,
}

impl Quadrature {
    fn new(o: &FitOptions) -> Self {
        let n = o.quadrature_points.max(5);
        let step = 2.0 * o.range / (n - 1) as f64;
        let thetas: Vec<f64> = (0..n).map(|q| -o.range + step * q as f64).collect();
        let raw: Vec<f64> =
            thetas.iter().map(|t| (-0.5 * ((t - o.theta_mean) / o.theta_sd).powi(2)).exp()).collect();
        let s: f64 = raw.iter().sum();
        let w = raw.iter().map(|x| x / s).collect();
        Self { thetas, w }
    }
}

/// `e[s][k] = ∫ P_jk(θ) f*_j(s − k | θ) φ(θ) dθ`: the numerator of the expected proportion in
/// category `k` among persons with total `s` (`rest` is the test without the item).
fn expected_by_score(
    item: &ItemModel,
    rest: &[&ItemModel],
    quad: &Quadrature,
    max_total: usize,
) -> Vec<Vec<f64>> {
    let kj = item.n_categories();
    let mut p = vec![0.0; kj];
    let mut e = vec![vec![0.0; kj]; max_total + 1];
    for (&theta, &w) in quad.thetas.iter().zip(&quad.w) {
        let f = lord_wingersky(rest, theta);
        item.probs(theta, &mut p);
        for (r, fr) in f.iter().enumerate() {
            for k in 0..kj {
                e[r + k][k] += w * p[k] * fr;
            }
        }
    }
    e
}

/// Score groups as (expected, observed) counts per category, merged from the low end until every
/// expected count is at least `min_expected`; a leftover tail joins the last group. Totals that
/// determine the item's response (e.g. 0 or perfect) are left out.
fn score_groups(
    e: &[Vec<f64>],
    obs: &[Vec<f64>],
    denom: &[f64],
    n_s: &[f64],
    min_expected: f64,
) -> Vec<(Vec<f64>, Vec<f64>)> {
    let kj = obs.first().map_or(0, Vec::len);
    let mut groups: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
    let mut cur = (vec![0.0; kj], vec![0.0; kj]);
    let mut cur_n = 0.0;
    for s in 0..n_s.len() {
        if n_s[s] == 0.0 || denom[s] <= 0.0 {
            continue;
        }
        let ev: Vec<f64> = e[s].iter().map(|x| x / denom[s]).collect();
        if ev.iter().any(|x| *x > 1.0 - 1e-12) {
            continue; // the score determines the item's response (e.g. 0 or perfect)
        }
        for k in 0..kj {
            cur.0[k] += n_s[s] * ev[k];
            cur.1[k] += obs[s][k];
        }
        cur_n += n_s[s];
        if cur.0.iter().all(|x| *x >= min_expected) {
            groups.push(std::mem::replace(&mut cur, (vec![0.0; kj], vec![0.0; kj])));
            cur_n = 0.0;
        }
    }
    if cur_n > 0.0 {
        match groups.last_mut() {
            Some(last) => {
                for k in 0..kj {
                    last.0[k] += cur.0[k];
                    last.1[k] += cur.1[k];
                }
            }
            None => groups.push(cur),
        }
    }
    groups
}

/// Pearson's `Σ (observed − expected)² / expected` over the groups' cells.
fn pearson(groups: &[(Vec<f64>, Vec<f64>)]) -> f64 {
    let mut sx2 = 0.0;
    for (ex, ob) in groups {
        for k in 0..ex.len() {
            if ex[k] > 0.0 {
                sx2 += (ob[k] - ex[k]).powi(2) / ex[k];
            }
        }
    }
    sx2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{draw_thetas, random_items, simulate_responses};

    #[test]
    fn lord_wingersky_matches_enumeration() {
        let items = [
            ItemModel::TwoPl { a: 1.2, b: 0.3 },
            ItemModel::ThreePl { a: 0.8, b: -0.5, c: 0.2 },
            ItemModel::Gpcm { a: 1.0, thresholds: vec![-0.5, 0.5] },
        ];
        let refs: Vec<&ItemModel> = items.iter().collect();
        let t = 0.4;
        let f = lord_wingersky(&refs, t);
        let mut brute = [0.0; 5];
        for x0 in 0..2u8 {
            for x1 in 0..2u8 {
                for x2 in 0..3u8 {
                    brute[(x0 + x1 + x2) as usize] +=
                        items[0].prob(t, x0) * items[1].prob(t, x1) * items[2].prob(t, x2);
                }
            }
        }
        for s in 0..5 {
            assert!((f[s] - brute[s]).abs() < 1e-14);
        }
        assert!((f.iter().sum::<f64>() - 1.0).abs() < 1e-14);
    }

    #[test]
    fn fitting_items_pass_and_a_misfitting_item_fails() {
        let items = random_items(crate::IrtModelKind::TwoPl, 12, 2, 21);
        let th = draw_thetas(3000, 0.0, 1.0, 22);
        let m = simulate_responses(&items, &th, 23);
        let fit = s_x2(&items, &m, &FitOptions::default()).unwrap();
        let small = fit.iter().filter(|f| f.p_value.unwrap() < 0.01).count();
        assert!(small <= 1, "{fit:?}");
        let mean_p = fit.iter().map(|f| f.p_value.unwrap()).sum::<f64>() / fit.len() as f64;
        assert!(mean_p > 0.2, "{mean_p}");
        assert!(fit.iter().all(|f| f.df > 0 && f.n_groups >= 5));
        // claim the wrong curve for item 0
        let mut wrong = items.clone();
        wrong[0] = match &items[0] {
            ItemModel::TwoPl { a, b } => ItemModel::TwoPl { a: a * 0.3, b: b + 1.0 },
            _ => unreachable!(),
        };
        let bad = s_x2(&wrong, &m, &FitOptions::default()).unwrap();
        assert!(bad[0].p_value.unwrap() < 1e-6, "{:?}", bad[0]);
    }

    #[test]
    fn polytomous_items_get_a_statistic() {
        let items = random_items(crate::IrtModelKind::Grm, 6, 5, 31);
        let m = simulate_responses(&items, &draw_thetas(2000, 0.0, 1.0, 32), 33);
        let fit = s_x2(&items, &m, &FitOptions::default()).unwrap();
        assert!(fit.iter().all(|f| f.df > 0 && f.p_value.is_some()));
        assert!(fit.iter().filter(|f| f.p_value.unwrap() < 0.01).count() <= 1, "{fit:?}");
    }
}
