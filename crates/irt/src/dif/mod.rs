//! Mantel–Haenszel DIF for dichotomous items with the ETS A/B/C classification; Mantel's test
//! for polytomous items in [`mantel`], logistic-regression DIF for any number of groups in
//! [`logistic`].
//!
//! Persons are matched on the total score (sum of answered items, the studied item included); in
//! each score stratum a 2×2 table of group (reference/focal) × (right/wrong) is formed.
//! `α_MH = Σ(A·D/N) / Σ(B·C/N)`, `MH D-DIF = −2.35 ln α_MH` (negative: the item favours the
//! reference group), its SE from the Robins–Breslow–Greenland variance of `ln α_MH`, and the MH χ²
//! with continuity correction. ETS classes (Zwick, 2012): **A** if `|D| < 1` or the χ² is not
//! significant at 5%; **C** if `|D| ≥ 1.5` and `|D|` is significantly larger than 1
//! (`(|D| − 1)/SE > 1.645`); **B** otherwise.

pub mod logistic;
pub mod mantel;

use serde::{Deserialize, Serialize};

use crate::matrix::{MISSING, ResponseMatrix};
use crate::stats::chi_square_sf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EtsClass {
    A,
    B,
    C,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DifResult {
    pub id: String,
    pub n_reference: usize,
    pub n_focal: usize,
    /// `None` when no stratum has both groups (or the item is not 0/1).
    pub alpha_mh: Option<f64>,
    pub mh_d_dif: Option<f64>,
    pub se_d_dif: Option<f64>,
    pub chi_square: Option<f64>,
    pub p_value: Option<f64>,
    pub class: Option<EtsClass>,
    /// `+` favours the focal group, `−` the reference group.
    pub favours: Option<String>,
}

/// One 2×2 stratum: reference right/wrong, focal right/wrong.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Table2x2 {
    pub a: f64,
    pub b: f64,
    pub c: f64,
    pub d: f64,
}

/// The MH statistics of a set of strata: (α_MH, D-DIF, SE(D), χ², p).
pub fn mantel_haenszel_tables(tables: &[Table2x2]) -> Option<(f64, f64, f64, f64, f64)> {
    let (mut sr, mut ss, mut s_pr, mut s_ps_qr, mut s_qs) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut sum_a, mut sum_ea, mut sum_va) = (0.0, 0.0, 0.0);
    for t in tables {
        let n = t.a + t.b + t.c + t.d;
        let (nr, nf) = (t.a + t.b, t.c + t.d);
        if n < 2.0 || nr == 0.0 || nf == 0.0 {
            continue;
        }
        let (r, s) = (t.a * t.d / n, t.b * t.c / n);
        let (p, q) = ((t.a + t.d) / n, (t.b + t.c) / n);
        sr += r;
        ss += s;
        s_pr += p * r;
        s_ps_qr += p * s + q * r;
        s_qs += q * s;
        let (m1, m0) = (t.a + t.c, t.b + t.d);
        sum_a += t.a;
        sum_ea += nr * m1 / n;
        sum_va += nr * nf * m1 * m0 / (n * n * (n - 1.0));
    }
    if sr <= 0.0 || ss <= 0.0 {
        return None;
    }
    let alpha = sr / ss;
    let var_ln = s_pr / (2.0 * sr * sr) + s_ps_qr / (2.0 * sr * ss) + s_qs / (2.0 * ss * ss);
    let d = -2.35 * alpha.ln();
    let se = 2.35 * var_ln.sqrt();
    let chi = if sum_va > 0.0 { ((sum_a - sum_ea).abs() - 0.5).max(0.0).powi(2) / sum_va } else { 0.0 };
    Some((alpha, d, se, chi, chi_square_sf(chi, 1.0)))
}

/// ETS class from D-DIF, its SE and the MH χ² p-value.
pub fn ets_class(d: f64, se: f64, p: f64) -> EtsClass {
    if d.abs() < 1.0 || p >= 0.05 {
        EtsClass::A
    } else if d.abs() >= 1.5 && (d.abs() - 1.0) / se > 1.645 {
        EtsClass::C
    } else {
        EtsClass::B
    }
}

/// MH DIF for every 0/1 item. `group[p]`: `Some(false)` reference, `Some(true)` focal, `None`
/// excluded.
pub fn mantel_haenszel(m: &ResponseMatrix, group: &[Option<bool>]) -> Vec<DifResult> {
    let total: Vec<usize> = m.total_scores().iter().map(|t| *t as usize).collect();
    let max_total = total.iter().copied().max().unwrap_or(0);
    let max_obs = m.max_observed();
    (0..m.n_items())
        .map(|j| {
            let mut tables = vec![Table2x2::default(); max_total + 1];
            let (mut nr, mut nf) = (0, 0);
            for p in 0..m.n_persons() {
                let (Some(g), x) = (group.get(p).copied().flatten(), m.get(p, j)) else { continue };
                if x == MISSING {
                    continue;
                }
                let t = &mut tables[total[p]];
                match (g, x >= 1) {
                    (false, true) => t.a += 1.0,
                    (false, false) => t.b += 1.0,
                    (true, true) => t.c += 1.0,
                    (true, false) => t.d += 1.0,
                }
                if g { nf += 1 } else { nr += 1 }
            }
            let stats = if max_obs[j].unwrap_or(0) <= 1 { mantel_haenszel_tables(&tables) } else { None };
            DifResult {
                id: m.item_ids()[j].clone(),
                n_reference: nr,
                n_focal: nf,
                alpha_mh: stats.map(|s| s.0),
                mh_d_dif: stats.map(|s| s.1),
                se_d_dif: stats.map(|s| s.2),
                chi_square: stats.map(|s| s.3),
                p_value: stats.map(|s| s.4),
                class: stats.map(|s| ets_class(s.1, s.2, s.4)),
                favours: stats
                    .map(|s| if s.1 >= 0.0 { "focal".to_string() } else { "reference".to_string() }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ItemModel;
    use crate::simulate::{draw_thetas, simulate_responses};

    #[test]
    fn hand_computed_tables() {
        // stratum 1: A=20 B=10 C=15 D=15 (N=60); stratum 2: A=30 B=5 C=25 D=10 (N=70)
        let t =
            [Table2x2 { a: 20.0, b: 10.0, c: 15.0, d: 15.0 }, Table2x2 { a: 30.0, b: 5.0, c: 25.0, d: 10.0 }];
        let (alpha, d, se, chi, p) = mantel_haenszel_tables(&t).unwrap();
        // α = (20·15/60 + 30·10/70) / (10·15/60 + 5·25/70) = (5 + 4.285714) / (2.5 + 1.785714)
        let expect = (5.0 + 300.0 / 70.0) / (2.5 + 125.0 / 70.0);
        assert!((alpha - expect).abs() < 1e-12);
        assert!((d - (-2.35 * expect.ln())).abs() < 1e-12);
        // χ²: ΣA = 50, E = 30·35/60 + 35·55/70 = 17.5 + 27.5 = 45,
        // Var = 30·30·35·25/(60²·59) + 35·35·55·15/(70²·69) = 3.707627 + 2.989130
        let var = 30.0 * 30.0 * 35.0 * 25.0 / (3600.0 * 59.0) + 35.0 * 35.0 * 55.0 * 15.0 / (4900.0 * 69.0);
        assert!((chi - (4.5f64).powi(2) / var).abs() < 1e-9);
        assert!((p - chi_square_sf(chi, 1.0)).abs() < 1e-15);
        assert!(se > 0.0 && se < 1.0, "{se}");
        assert_eq!(ets_class(d, se, p), ets_class(-2.35 * expect.ln(), se, p));
        // no DIF at all: identical proportions in both groups
        let t = [Table2x2 { a: 10.0, b: 10.0, c: 10.0, d: 10.0 }];
        let (alpha, d, _, _, _) = mantel_haenszel_tables(&t).unwrap();
        assert!((alpha - 1.0).abs() < 1e-12 && d.abs() < 1e-12);
    }

    #[test]
    fn ets_rules() {
        assert_eq!(ets_class(0.8, 0.1, 0.001), EtsClass::A);
        assert_eq!(ets_class(1.6, 0.2, 0.3), EtsClass::A);
        assert_eq!(ets_class(1.2, 0.2, 0.001), EtsClass::B);
        assert_eq!(ets_class(-1.6, 0.5, 0.001), EtsClass::B); // not significantly beyond 1
        assert_eq!(ets_class(-2.0, 0.3, 0.0001), EtsClass::C);
    }

    #[test]
    fn simulated_dif_is_found_and_only_there() {
        let items: Vec<ItemModel> =
            (0..20).map(|j| ItemModel::TwoPl { a: 1.2, b: -1.5 + 0.15 * j as f64 }).collect();
        let th = draw_thetas(4000, 0.0, 1.0, 51);
        let reference = simulate_responses(&items, &th[..2000], 52);
        // the focal group finds item 0 much harder (b + 1.2)
        let mut shifted = items.clone();
        shifted[0] = ItemModel::TwoPl { a: 1.2, b: -0.3 };
        let focal = simulate_responses(&shifted, &th[2000..], 53);
        let mut data = reference.data().to_vec();
        data.extend_from_slice(focal.data());
        let m = ResponseMatrix::new(reference.item_ids().to_vec(), None, 4000, data).unwrap();
        let group: Vec<Option<bool>> = (0..4000).map(|p| Some(p >= 2000)).collect();
        let dif = mantel_haenszel(&m, &group);
        assert_eq!(dif[0].class, Some(EtsClass::C), "{:?}", dif[0]);
        assert_eq!(dif[0].favours.as_deref(), Some("reference"));
        assert!(dif[1..].iter().filter(|d| d.class != Some(EtsClass::A)).count() <= 1);
    }
}
