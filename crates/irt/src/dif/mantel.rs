//! DIF for items scored 0..m (a `true_false_group` scores 0–4): Mantel's (1963) test for ordered
//! responses with the standardised mean difference as its effect size (Zwick, Donoghue & Grima,
//! 1993; the polytomous ETS classes of Allen, Carlson & Zelenak, 1999).
//!
//! Persons are matched on the total score. In stratum `k` with `n_Rk` reference and `n_Fk` focal
//! persons (`n_k` together) and `n_+tk` persons scoring `y_t` on the item, `F_k` is the focal
//! group's sum of item scores,
//! `E(F_k) = n_Fk / n_k · Σ_t y_t n_+tk`,
//! `Var(F_k) = n_Rk n_Fk / (n_k² (n_k − 1)) · [n_k Σ_t y_t² n_+tk − (Σ_t y_t n_+tk)²]`,
//! and `χ² = (Σ_k F_k − Σ_k E(F_k))² / Σ_k Var(F_k)` with 1 df. `SMD = Σ_k (n_Fk / n_F)(m_Fk − m_Rk)`
//! (focal minus reference item means within strata, weighted by the focal group): negative
//! favours the reference group. Classes from `|SMD| / SD` (SD: the item's score SD in both groups
//! together): **AA** below 0.17 or χ² not significant at 5 %, **CC** above 0.25, **BB** between.

use serde::{Deserialize, Serialize};

use crate::matrix::{MISSING, ResponseMatrix};
use crate::stats::chi_square_sf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolytomousClass {
    AA,
    BB,
    CC,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MantelResult {
    pub id: String,
    pub n_reference: usize,
    pub n_focal: usize,
    pub chi_square: Option<f64>,
    pub p_value: Option<f64>,
    pub smd: Option<f64>,
    /// `|SMD|` divided by the item's score SD.
    pub effect_size: Option<f64>,
    pub class: Option<PolytomousClass>,
    pub favours: Option<String>,
}

/// One stratum: counts of each item score in the reference and the focal group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stratum {
    pub reference: Vec<f64>,
    pub focal: Vec<f64>,
}

/// Mantel's χ², its p and the SMD of a set of strata (scores `0..len`).
pub fn mantel_tables(strata: &[Stratum]) -> Option<(f64, f64, f64)> {
    let (mut f, mut ef, mut vf) = (0.0, 0.0, 0.0);
    let n_focal: f64 = strata.iter().map(|s| s.focal.iter().sum::<f64>()).sum();
    let mut smd = 0.0;
    for s in strata {
        let (nr, nf) = (s.reference.iter().sum::<f64>(), s.focal.iter().sum::<f64>());
        let n = nr + nf;
        if nr == 0.0 || nf == 0.0 || n < 2.0 {
            continue;
        }
        let (mut sum_y, mut sum_y2, mut focal_sum, mut ref_sum) = (0.0, 0.0, 0.0, 0.0);
        for t in 0..s.reference.len().max(s.focal.len()) {
            let (r, fo) =
                (s.reference.get(t).copied().unwrap_or(0.0), s.focal.get(t).copied().unwrap_or(0.0));
            let y = t as f64;
            sum_y += y * (r + fo);
            sum_y2 += y * y * (r + fo);
            focal_sum += y * fo;
            ref_sum += y * r;
        }
        f += focal_sum;
        ef += nf / n * sum_y;
        vf += nr * nf / (n * n * (n - 1.0)) * (n * sum_y2 - sum_y * sum_y);
        smd += nf / n_focal * (focal_sum / nf - ref_sum / nr);
    }
    if vf <= 0.0 {
        return None;
    }
    let chi = (f - ef).powi(2) / vf;
    Some((chi, chi_square_sf(chi, 1.0), smd))
}

/// The polytomous ETS class from `|SMD|/SD` and the χ² p-value.
pub fn polytomous_class(effect: f64, p: f64) -> PolytomousClass {
    if p >= 0.05 || effect <= 0.17 {
        PolytomousClass::AA
    } else if effect > 0.25 {
        PolytomousClass::CC
    } else {
        PolytomousClass::BB
    }
}

/// Mantel's test for every item scored above 1 (0/1 items get `None`s: Mantel–Haenszel covers
/// them). `group[p]`: `Some(false)` reference, `Some(true)` focal, `None` excluded.
pub fn mantel(m: &ResponseMatrix, group: &[Option<bool>]) -> Vec<MantelResult> {
    let total: Vec<usize> = m.total_scores().iter().map(|t| *t as usize).collect();
    let max_total = total.iter().copied().max().unwrap_or(0);
    let max_obs = m.max_observed();
    (0..m.n_items())
        .map(|j| {
            let k = max_obs[j].unwrap_or(0) as usize + 1;
            let mut strata = vec![Stratum { reference: vec![0.0; k], focal: vec![0.0; k] }; max_total + 1];
            let (mut nr, mut nf) = (0, 0);
            let (mut sum, mut sum2, mut n) = (0.0, 0.0, 0.0);
            for p in 0..m.n_persons() {
                let (Some(g), x) = (group.get(p).copied().flatten(), m.get(p, j)) else { continue };
                if x == MISSING {
                    continue;
                }
                let s = &mut strata[total[p]];
                if g {
                    s.focal[x as usize] += 1.0;
                    nf += 1;
                } else {
                    s.reference[x as usize] += 1.0;
                    nr += 1;
                }
                sum += x as f64;
                sum2 += (x as f64).powi(2);
                n += 1.0;
            }
            let sd = if n > 1.0 { ((sum2 - sum * sum / n) / (n - 1.0)).sqrt() } else { 0.0 };
            let stats = if k > 2 && sd > 0.0 { mantel_tables(&strata) } else { None };
            let effect = stats.map(|s| s.2.abs() / sd);
            MantelResult {
                id: m.item_ids()[j].clone(),
                n_reference: nr,
                n_focal: nf,
                chi_square: stats.map(|s| s.0),
                p_value: stats.map(|s| s.1),
                smd: stats.map(|s| s.2),
                effect_size: effect,
                class: stats.zip(effect).map(|(s, e)| polytomous_class(e, s.1)),
                favours: stats.map(|s| if s.2 >= 0.0 { "focal".into() } else { "reference".into() }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ItemModel;
    use crate::simulate::{draw_thetas, simulate_responses};

    /// Two strata worked by hand from the definitions.
    #[test]
    fn hand_computed_strata() {
        // stratum 1: reference scores 0,1,2 ×(4,3,3), focal ×(5,3,2); stratum 2: (1,4,5) and (2,4,4)
        let s = [
            Stratum { reference: vec![4.0, 3.0, 3.0], focal: vec![5.0, 3.0, 2.0] },
            Stratum { reference: vec![1.0, 4.0, 5.0], focal: vec![2.0, 4.0, 4.0] },
        ];
        let (chi, p, smd) = mantel_tables(&s).unwrap();
        // focal sums F = (3 + 4) + (4 + 8) = 19; both groups' Σ y·n = 6 + 10 = 16 and 8 + 18 = 26,
        // so E = 10/20·16 + 10/20·26 = 21
        let e = 0.5 * 16.0 + 0.5 * 26.0;
        // Var = 100/(400·19)·(20·Σy²n − (Σyn)²): Σy²n = 6 + 20 = 26 and 8 + 36 = 44
        let v =
            100.0 / (400.0 * 19.0) * (20.0 * 26.0 - 256.0) + 100.0 / (400.0 * 19.0) * (20.0 * 44.0 - 676.0);
        assert!((chi - (19.0f64 - e).powi(2) / v).abs() < 1e-12, "{chi}");
        assert!((p - chi_square_sf(chi, 1.0)).abs() < 1e-15);
        // SMD = ½(0.7 − 0.9) + ½(1.2 − 1.4) = −0.2
        assert!((smd + 0.2).abs() < 1e-12, "{smd}");
    }

    #[test]
    fn classes() {
        assert_eq!(polytomous_class(0.3, 0.2), PolytomousClass::AA);
        assert_eq!(polytomous_class(0.1, 0.001), PolytomousClass::AA);
        assert_eq!(polytomous_class(0.2, 0.001), PolytomousClass::BB);
        assert_eq!(polytomous_class(0.3, 0.001), PolytomousClass::CC);
    }

    #[test]
    fn a_shifted_true_false_group_is_found() {
        let mut items: Vec<ItemModel> =
            (0..16).map(|j| ItemModel::TwoPl { a: 1.2, b: -1.2 + 0.15 * j as f64 }).collect();
        for j in 0..4 {
            items.push(ItemModel::Grm { a: 1.3, thresholds: vec![-1.5, -0.5, 0.3, 1.2 + 0.1 * j as f64] });
        }
        let th = draw_thetas(4000, 0.0, 1.0, 81);
        let reference = simulate_responses(&items, &th[..2000], 82);
        let mut shifted = items.clone();
        shifted[16] = ItemModel::Grm { a: 1.3, thresholds: vec![-0.7, 0.3, 1.1, 2.0] };
        let focal = simulate_responses(&shifted, &th[2000..], 83);
        let mut data = reference.data().to_vec();
        data.extend_from_slice(focal.data());
        let m = ResponseMatrix::new(reference.item_ids().to_vec(), None, 4000, data).unwrap();
        let group: Vec<Option<bool>> = (0..4000).map(|p| Some(p >= 2000)).collect();
        let r = mantel(&m, &group);
        assert!(r[..16].iter().all(|x| x.chi_square.is_none()));
        assert_eq!(r[16].class, Some(PolytomousClass::CC), "{:?}", r[16]);
        assert_eq!(r[16].favours.as_deref(), Some("reference"));
        assert!(r[17..].iter().all(|x| x.class != Some(PolytomousClass::CC)), "{:?}", &r[17..]);
    }
}
