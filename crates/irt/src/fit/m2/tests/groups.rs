//! The multiple-group M2 against the textbook formula for independent samples, computed here by
//! enumeration: per group, Ξ_g and π_g from the pattern probabilities under the group's N(μ_g, σ_g²),
//! Δ by central differences in the shared item parameters and each group's μ and σ (the group's
//! own weights moved, no analytic derivative), `C = blockdiag(N_g Ξ_g⁻¹)` by explicit inverses,
//! `M2 = e'(C − CΔ(Δ'CΔ)⁻¹Δ'C)e`.

use super::{inverse, mat_mul, moment_row, patterns, transpose};
use crate::calibrate::{CalibrationOptions, PersonGroups, calibrate};
use crate::fit::m2::calibration_fit;
use crate::matrix::ResponseMatrix;
use crate::model::ItemModel;
use crate::simulate::{draw_thetas, simulate_responses};

/// π of every moment under N(mu, sd²) on the 61-point grid of [−6, 6] (M2's default grid).
fn moments(items: &[ItemModel], pats: &[Vec<u8>], mu: f64, sd: f64) -> (Vec<f64>, Vec<f64>) {
    let t: Vec<f64> = (0..61).map(|q| -6.0 + 0.2 * q as f64).collect();
    let g: Vec<f64> = t.iter().map(|x| (-0.5 * ((x - mu) / sd).powi(2)).exp()).collect();
    let sum: f64 = g.iter().sum();
    let probs: Vec<f64> = pats
        .iter()
        .map(|x| {
            (0..t.len())
                .map(|q| g[q] / sum * items.iter().zip(x).map(|(it, &k)| it.prob(t[q], k)).product::<f64>())
                .sum()
        })
        .collect();
    let mut pi = vec![0.0; moment_row(&pats[0]).len()];
    for (x, p) in pats.iter().zip(&probs) {
        moment_row(x).iter().zip(pi.iter_mut()).for_each(|(v, s)| *s += p * v);
    }
    (pi, probs)
}

/// The brute-force multiple-group M2; `free[g]` = (mean free, SD free) of group g.
fn brute_force(
    items: &[ItemModel],
    m: &ResponseMatrix,
    of: &[usize],
    pops: &[(f64, f64)],
    free: &[(bool, bool)],
) -> f64 {
    let pats = patterns(items);
    let s = moment_row(&pats[0]).len();
    let ng = pops.len();
    // parameters: every item's, then per group its free mean and SD
    let mut params: Vec<(Option<(usize, usize)>, Option<(usize, bool)>)> = Vec::new();
    for (j, it) in items.iter().enumerate() {
        params.extend((0..it.params().len()).map(|k| (Some((j, k)), None)));
    }
    for (g, &(fm, fs)) in free.iter().enumerate() {
        if fm {
            params.push((None, Some((g, true))));
        }
        if fs {
            params.push((None, Some((g, false))));
        }
    }
    let stacked = |items: &[ItemModel], pops: &[(f64, f64)]| -> Vec<f64> {
        pops.iter().flat_map(|&(mu, sd)| moments(items, &pats, mu, sd).0).collect()
    };
    let h = 1e-4;
    let cols: Vec<Vec<f64>> = params
        .iter()
        .map(|p| {
            let shifted = |d: f64| {
                let (mut its, mut ps) = (items.to_vec(), pops.to_vec());
                if let (Some((j, k)), _) = p {
                    let mut v = items[*j].params();
                    v[*k] += d;
                    its[*j] = items[*j].with_params(&v);
                }
                if let (_, Some((g, mean))) = p {
                    if *mean { ps[*g].0 += d } else { ps[*g].1 += d }
                }
                stacked(&its, &ps)
            };
            shifted(h).iter().zip(shifted(-h)).map(|(u, d)| (u - d) / (2.0 * h)).collect()
        })
        .collect();
    let delta = transpose(&cols);
    // C = blockdiag(N_g Ξ_g⁻¹) and the stacked residuals
    let mut c = vec![vec![0.0; ng * s]; ng * s];
    let mut e = vec![0.0; ng * s];
    for (g, &(mu, sd)) in pops.iter().enumerate() {
        let (pi, probs) = moments(items, &pats, mu, sd);
        let mut xi = vec![vec![0.0; s]; s];
        for (x, p) in pats.iter().zip(&probs) {
            let r = moment_row(x);
            for a in 0..s {
                for b in 0..s {
                    xi[a][b] += p * r[a] * r[b];
                }
            }
        }
        let rows: Vec<usize> = (0..m.n_persons()).filter(|&p| of[p] == g).collect();
        let n = rows.len() as f64;
        let inv =
            inverse(&(0..s).map(|a| (0..s).map(|b| xi[a][b] - pi[a] * pi[b]).collect()).collect::<Vec<_>>());
        for a in 0..s {
            for b in 0..s {
                c[g * s + a][g * s + b] = n * inv[a][b];
            }
        }
        for &p in &rows {
            moment_row(m.row(p)).iter().enumerate().for_each(|(a, v)| e[g * s + a] += v / n);
        }
        (0..s).for_each(|a| e[g * s + a] -= pi[a]);
    }
    let cd = mat_mul(&c, &delta);
    let mid = inverse(&mat_mul(&transpose(&delta), &cd));
    let corr = mat_mul(&mat_mul(&cd, &mid), &transpose(&cd));
    let mut q = 0.0;
    for a in 0..ng * s {
        for b in 0..ng * s {
            q += e[a] * (c[a][b] - corr[a][b]) * e[b];
        }
    }
    q
}

/// Two groups (N(0, 1) and N(0.6, 1.3²)) answering 5 items; the calibration's labels.
fn two_years(items: &[ItemModel], seed: u64) -> (ResponseMatrix, PersonGroups) {
    let mut thetas = draw_thetas(1500, 0.0, 1.0, seed);
    thetas.extend(draw_thetas(1500, 0.6, 1.3, seed + 1));
    let m = simulate_responses(items, &thetas, seed + 2);
    let labels: Vec<String> = (0..3000).map(|p| if p < 1500 { "2025" } else { "2026" }.to_string()).collect();
    (m, PersonGroups::from_labels(&labels, None).unwrap())
}

#[test]
fn multiple_group_m2_matches_the_formula_for_independent_samples() {
    let items = vec![
        ItemModel::TwoPl { a: 1.2, b: -0.8 },
        ItemModel::TwoPl { a: 0.8, b: 0.1 },
        ItemModel::Gpcm { a: 1.0, thresholds: vec![-0.5, 0.6] },
        ItemModel::TwoPl { a: 1.5, b: 0.4 },
        ItemModel::TwoPl { a: 0.9, b: 1.0 },
        ItemModel::TwoPl { a: 1.1, b: -0.2 },
    ];
    let (m, groups) = two_years(&items, 21);
    let opts =
        CalibrationOptions { groups: Some(groups.clone()), standard_errors: false, ..Default::default() };
    let r = calibrate(&m, &opts).unwrap();
    let fit = calibration_fit(&m, &opts, &r);
    let f = fit.overall.clone().unwrap_or_else(|| panic!("{fit:?}"));
    assert_eq!(f.statistic, "M2*");
    assert_eq!(f.groups, Some(2));
    // 2 × (6 + 15) moments; 5 × 2 + 3 item parameters, the second group's mean and SD
    assert_eq!(f.df, 42 - 15);
    let est: Vec<ItemModel> = r.items.iter().map(|i| i.model.clone()).collect();
    let pops: Vec<(f64, f64)> = r.groups.iter().map(|g| (g.mean, g.sd)).collect();
    let reference = brute_force(&est, &m, &groups.of_person, &pops, &[(false, false), (true, true)]);
    assert!((f.m2 - reference).abs() < 1e-4 * reference.max(1.0), "{} vs {reference}", f.m2);
    // data that fit the model: no misfit signal
    assert!(f.p > 0.001 && f.rmsea < 0.03, "{f:?}");
}

#[test]
fn a_group_whose_items_behave_differently_shows_misfit() {
    let items: Vec<ItemModel> =
        (0..6).map(|j| ItemModel::TwoPl { a: 0.8 + 0.15 * j as f64, b: -1.0 + 0.4 * j as f64 }).collect();
    let (good, groups) = two_years(&items, 31);
    // the second year saw items 0 and 1 with their difficulties swapped (a leaked or changed item)
    let mut moved = items.clone();
    moved.swap(0, 5);
    let thetas = draw_thetas(1500, 0.6, 1.3, 32);
    let late = simulate_responses(&moved, &thetas, 34);
    let mut data = good.data()[..1500 * 6].to_vec();
    data.extend_from_slice(late.data());
    let bad = ResponseMatrix::new(good.item_ids().to_vec(), None, 3000, data).unwrap();
    let opts = CalibrationOptions { groups: Some(groups), standard_errors: false, ..Default::default() };
    let fit_of = |m: &ResponseMatrix| {
        let r = calibrate(m, &opts).unwrap();
        calibration_fit(m, &opts, &r).overall.unwrap()
    };
    let (ok, wrong) = (fit_of(&good), fit_of(&bad));
    assert!(ok.p > 0.001, "{ok:?}");
    assert!(wrong.p < 1e-6 && wrong.m2 > 5.0 * ok.m2, "{wrong:?} against {ok:?}");
}

#[test]
fn a_multiple_group_run_with_forms_says_why_it_has_no_m2() {
    let items: Vec<ItemModel> =
        (0..6).map(|j| ItemModel::TwoPl { a: 1.0, b: -1.0 + 0.4 * j as f64 }).collect();
    let (m, groups) = two_years(&items, 41);
    let mut data = m.data().to_vec();
    data[0] = crate::matrix::MISSING;
    let m = ResponseMatrix::new(m.item_ids().to_vec(), None, 3000, data).unwrap();
    let opts = CalibrationOptions { groups: Some(groups), standard_errors: false, ..Default::default() };
    let r = calibrate(&m, &opts).unwrap();
    let fit = calibration_fit(&m, &opts, &r);
    assert!(fit.overall.is_none());
    assert!(fit.reason.unwrap().contains("multiple-group"));
}
