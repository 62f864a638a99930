use super::*;
use crate::IrtModelKind;
use crate::calibrate::{CalibrationOptions, calibrate};

/// LSAT Section VII (Bock & Lieberman, 1970; R's `LSAT7` in mirt and ltm): the 32 response
/// patterns of 5 items in binary order (item 5 fastest) and their frequencies, 1000 persons.
pub(crate) fn lsat7() -> ResponseMatrix {
    const FREQ: [usize; 32] = [
        12, 19, 1, 7, 3, 19, 3, 17, 10, 5, 3, 7, 7, 23, 8, 28, 7, 39, 11, 34, 14, 51, 15, 90, 6, 25, 7, 35,
        18, 136, 32, 308,
    ];
    let mut rows = Vec::new();
    for (pattern, &f) in FREQ.iter().enumerate() {
        let row: Vec<u8> = (0..5).map(|j| ((pattern >> (4 - j)) & 1) as u8).collect();
        rows.extend(std::iter::repeat_n(row, f));
    }
    ResponseMatrix::from_rows((1..=5).map(|j| format!("Item.{j}")).collect(), &rows).unwrap()
}

/// LSAT Section VI (Bock & Lieberman, 1970; R's `LSAT6`): pattern frequencies, item 5 fastest.
fn lsat6() -> ResponseMatrix {
    const FREQ: [usize; 32] = [
        3, 6, 2, 11, 1, 1, 3, 4, 1, 8, 0, 16, 0, 3, 2, 15, 10, 29, 14, 81, 3, 28, 15, 80, 16, 56, 21, 173,
        11, 61, 28, 298,
    ];
    let mut rows = Vec::new();
    for (pattern, &f) in FREQ.iter().enumerate() {
        let row: Vec<u8> = (0..5).map(|j| ((pattern >> (4 - j)) & 1) as u8).collect();
        rows.extend(std::iter::repeat_n(row, f));
    }
    ResponseMatrix::from_rows((1..=5).map(|j| format!("Item {j}")).collect(), &rows).unwrap()
}

/// mirt's own test suite (tests/testthat/test-01-mirtOne.R) checks `M2(mirt(LSAT7, 1))` at
/// M2 = 11.93841 with df 5 (tolerance 1e-2).
#[test]
fn lsat7_two_pl_matches_mirt() {
    let m = lsat7();
    let opts = CalibrationOptions { model: IrtModelKind::TwoPl, quadrature_points: 61, ..Default::default() };
    let r = calibrate(&m, &opts).unwrap();
    let fit = calibration_fit(&m, &opts, &r);
    let f = fit.overall.expect("complete data has an overall M2");
    assert_eq!(f.df, 5);
    assert_eq!(f.statistic, "M2");
    assert!((f.m2 - 11.93841).abs() < 2e-2, "{f:?}");
    // p and RMSEA from their definitions
    assert!((f.p - chi_square_sf(f.m2, 5.0)).abs() < 1e-12);
    assert!((f.rmsea - ((f.m2 - 5.0) / (5.0 * 999.0)).sqrt()).abs() < 1e-12);
    assert!(f.srmsr > 0.0 && f.srmsr < 0.1, "{f:?}");
    assert!(fit.blocks.is_empty() && fit.reason.is_none());
}

/// mirt's test suite: the Rasch model on LSAT-6 with the variance of θ estimated gives
/// M2 = 5.291576, df 9 (5 + 10 moments, 5 difficulties and the SD).
#[test]
fn lsat6_rasch_with_free_sd_matches_mirt() {
    let m = lsat6();
    let opts = CalibrationOptions { model: IrtModelKind::Rasch, quadrature_points: 61, ..Default::default() };
    let r = calibrate(&m, &opts).unwrap();
    let f = calibration_fit(&m, &opts, &r).overall.unwrap();
    assert_eq!(f.df, 9);
    assert!((f.m2 - 5.291576).abs() < 2e-2, "{f:?}");
}

// ---- an independent computation by enumeration of every response pattern ----

fn grid() -> (Vec<f64>, Vec<f64>) {
    let t: Vec<f64> = (0..61).map(|q| -6.0 + 0.2 * q as f64).collect();
    let g: Vec<f64> = t.iter().map(|x| (-0.5 * x * x).exp()).collect();
    let s: f64 = g.iter().sum();
    (t, g.iter().map(|x| x / s).collect())
}

/// Every pattern of scores (odometer over the items' categories).
fn patterns(items: &[ItemModel]) -> Vec<Vec<u8>> {
    let mut out = vec![vec![]];
    for it in items {
        out = out
            .into_iter()
            .flat_map(|p: Vec<u8>| {
                (0..=it.max_score()).map(move |k| {
                    let mut q = p.clone();
                    q.push(k);
                    q
                })
            })
            .collect();
    }
    out
}

/// The moment vector (means, then products i < j) of one pattern.
fn moment_row(x: &[u8]) -> Vec<f64> {
    let mut v: Vec<f64> = x.iter().map(|&k| k as f64).collect();
    for i in 0..x.len() {
        for j in i + 1..x.len() {
            v.push(x[i] as f64 * x[j] as f64);
        }
    }
    v
}

fn pattern_probs(items: &[ItemModel], pats: &[Vec<u8>]) -> Vec<f64> {
    let (t, w) = grid();
    pats.iter()
        .map(|x| {
            (0..t.len())
                .map(|q| w[q] * items.iter().zip(x).map(|(it, &k)| it.prob(t[q], k)).product::<f64>())
                .sum()
        })
        .collect()
}

fn model_moments(items: &[ItemModel], pats: &[Vec<u8>]) -> Vec<f64> {
    let pr = pattern_probs(items, pats);
    let s = moment_row(&pats[0]).len();
    let mut pi = vec![0.0; s];
    for (x, p) in pats.iter().zip(&pr) {
        for (a, v) in moment_row(x).iter().enumerate() {
            pi[a] += p * v;
        }
    }
    pi
}

/// Gauss–Jordan inverse with partial pivoting.
fn inverse(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r = r.clone();
            r.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            r
        })
        .collect();
    for c in 0..n {
        let piv = (c..n).max_by(|&x, &y| m[x][c].abs().total_cmp(&m[y][c].abs())).unwrap();
        m.swap(c, piv);
        let d = m[c][c];
        m[c].iter_mut().for_each(|v| *v /= d);
        for r in 0..n {
            if r != c {
                let f = m[r][c];
                let row_c = m[c].clone();
                m[r].iter_mut().zip(&row_c).for_each(|(v, x)| *v -= f * x);
            }
        }
    }
    m.into_iter().map(|r| r[n..].to_vec()).collect()
}

fn mat_mul(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<f64>> {
    a.iter()
        .map(|r| (0..b[0].len()).map(|j| r.iter().zip(b).map(|(x, row)| x * row[j]).sum()).collect())
        .collect()
}

fn transpose(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    (0..a[0].len()).map(|j| a.iter().map(|r| r[j]).collect()).collect()
}

/// M2 by the textbook formula: Ξ from the pattern probabilities, Δ by central differences,
/// `C2 = Ξ⁻¹ − Ξ⁻¹Δ(Δ'Ξ⁻¹Δ)⁻¹Δ'Ξ⁻¹` by explicit inverses. Every item's parameters are free.
fn brute_force_m2(items: &[ItemModel], m: &ResponseMatrix) -> f64 {
    let pats = patterns(items);
    let pr = pattern_probs(items, &pats);
    let pi = model_moments(items, &pats);
    let s = pi.len();
    let mut xi = vec![vec![0.0; s]; s];
    for (x, p) in pats.iter().zip(&pr) {
        let r = moment_row(x);
        for a in 0..s {
            for b in 0..s {
                xi[a][b] += p * r[a] * r[b];
            }
        }
    }
    for a in 0..s {
        for b in 0..s {
            xi[a][b] -= pi[a] * pi[b];
        }
    }
    let mut delta_cols = Vec::new();
    for (j, it) in items.iter().enumerate() {
        for k in 0..it.params().len() {
            let h = 1e-4;
            let shift = |d: f64| {
                let mut v = items.to_vec();
                let mut p = it.params();
                p[k] += d;
                v[j] = it.with_params(&p);
                model_moments(&v, &pats)
            };
            let (up, dn) = (shift(h), shift(-h));
            delta_cols.push(up.iter().zip(&dn).map(|(u, d)| (u - d) / (2.0 * h)).collect::<Vec<f64>>());
        }
    }
    let delta = transpose(&delta_cols);
    let xi_inv = inverse(&xi);
    let a = mat_mul(&xi_inv, &delta);
    let mid = inverse(&mat_mul(&transpose(&delta), &a));
    let corr = mat_mul(&mat_mul(&a, &mid), &transpose(&a));
    let n = m.n_persons() as f64;
    let mut obs = vec![0.0; s];
    for p in 0..m.n_persons() {
        for (a, v) in moment_row(m.row(p)).iter().enumerate() {
            obs[a] += v / n;
        }
    }
    let e: Vec<f64> = obs.iter().zip(&pi).map(|(o, p)| o - p).collect();
    let mut q = 0.0;
    for a in 0..s {
        for b in 0..s {
            q += e[a] * (xi_inv[a][b] - corr[a][b]) * e[b];
        }
    }
    n * q
}

#[test]
fn m2_matches_the_brute_force_formula_for_dichotomous_items() {
    let m = lsat7();
    let items = vec![
        ItemModel::TwoPl { a: 0.99, b: -1.87 },
        ItemModel::TwoPl { a: 1.08, b: -0.75 },
        ItemModel::ThreePl { a: 1.7, b: -0.9, c: 0.15 },
        ItemModel::TwoPl { a: 0.77, b: -0.63 },
        ItemModel::Rasch { b: -2.0 },
    ];
    let f = m2(&items, &[false; 5], &m, &(0..1000).collect::<Vec<_>>(), &M2Options::default()).unwrap();
    let reference = brute_force_m2(&items, &m);
    assert!((f.m2 - reference).abs() < 1e-5 * reference.max(1.0), "{} vs {reference}", f.m2);
    assert_eq!(f.df, 15 - 10);
}

#[test]
fn m2_star_matches_the_brute_force_formula_for_polytomous_items() {
    let items = vec![
        ItemModel::Gpcm { a: 1.1, thresholds: vec![-0.8, 0.4] },
        ItemModel::Grm { a: 1.4, thresholds: vec![-1.0, 0.2, 1.1] },
        ItemModel::TwoPl { a: 0.9, b: 0.3 },
        ItemModel::TwoPl { a: 1.3, b: -0.4 },
        ItemModel::Gpcm { a: 0.8, thresholds: vec![0.5, -0.2] },
        ItemModel::TwoPl { a: 1.0, b: 0.9 },
    ];
    let th = crate::simulate::draw_thetas(1500, 0.2, 1.1, 7);
    let m = crate::simulate::simulate_responses(&items, &th, 8);
    let f = m2(&items, &[false; 6], &m, &(0..1500).collect::<Vec<_>>(), &M2Options::default()).unwrap();
    assert_eq!(f.statistic, "M2*");
    assert_eq!(f.df, 21 - 16);
    let reference = brute_force_m2(&items, &m);
    assert!((f.m2 - reference).abs() < 1e-5 * reference.max(1.0), "{} vs {reference}", f.m2);
}

#[test]
fn misfit_is_detected_and_fit_is_not_flagged() {
    let items = crate::simulate::random_items(IrtModelKind::TwoPl, 10, 2, 3);
    let m = crate::simulate::simulate_responses(&items, &crate::simulate::draw_thetas(3000, 0.0, 1.0, 4), 5);
    let rows: Vec<usize> = (0..3000).collect();
    let good = m2(&items, &[false; 10], &m, &rows, &M2Options::default()).unwrap();
    assert!(good.p > 0.001, "{good:?}");
    assert!(good.rmsea < 0.02 && good.srmsr < 0.03, "{good:?}");
    // a Rasch model (all slopes 1) for 2PL data
    let rasch: Vec<ItemModel> = items.iter().map(|i| ItemModel::Rasch { b: i.difficulty() }).collect();
    let bad = m2(&rasch, &[false; 10], &m, &rows, &M2Options::default()).unwrap();
    assert!(bad.p < 1e-6 && bad.m2 > good.m2, "{bad:?}");
}

#[test]
fn forms_give_one_statistic_per_complete_block_with_the_reason() {
    let items = crate::simulate::random_items(IrtModelKind::TwoPl, 8, 2, 11);
    let th = crate::simulate::draw_thetas(1200, 0.0, 1.0, 12);
    let full = crate::simulate::simulate_responses(&items, &th, 13);
    let mut data = full.data().to_vec();
    // form A (persons 0..600): items 0–5; form B: items 2–7; 20 persons with a ninth pattern
    for p in 0..1200 {
        for j in 0..8 {
            let hidden = if p < 600 {
                j >= 6
            } else if p < 1180 {
                j < 2
            } else {
                j == 0 || j == 7
            };
            if hidden {
                data[p * 8 + j] = MISSING;
            }
        }
    }
    let m = ResponseMatrix::new(full.item_ids().to_vec(), None, 1200, data).unwrap();
    let r = model_fit(&items, &[false; 8], &m, &M2Options::default());
    assert!(r.overall.is_none());
    assert_eq!(r.blocks.len(), 2, "{r:?}");
    assert!(r.blocks.iter().all(|b| b.fit.n_items == 6 && b.fit.df == 21 - 12));
    assert_eq!(r.blocks[0].fit.n_persons + r.blocks[1].fit.n_persons, 1180);
    let reason = r.reason.unwrap();
    assert!(reason.contains("per complete block") && reason.contains("20 persons"), "{reason}");
}

#[test]
fn too_many_items_or_no_degrees_of_freedom_give_a_reason() {
    let items = crate::simulate::random_items(IrtModelKind::TwoPl, 3, 2, 1);
    let m = crate::simulate::simulate_responses(&items, &crate::simulate::draw_thetas(300, 0.0, 1.0, 2), 3);
    let rows: Vec<usize> = (0..300).collect();
    // 3 items: 6 moments, 6 parameters
    let e = m2(&items, &[false; 3], &m, &rows, &M2Options::default()).unwrap_err();
    assert!(e.contains("no degrees of freedom"), "{e}");
    let e =
        m2(&items, &[false; 3], &m, &rows, &M2Options { max_items: 2, ..Default::default() }).unwrap_err();
    assert!(e.contains("at most 2 items"), "{e}");
    // with fixed (anchored) items there are degrees of freedom again
    assert_eq!(m2(&items, &[true, true, false], &m, &rows, &M2Options::default()).unwrap().df, 4);
}

#[cfg(test)]
mod groups;
