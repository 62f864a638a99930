//! The 3PL with a flat prior on `c` (issue 19's defect): on LSAT-7 some lower asymptotes reach
//! their bound, and the calibration must still reach the maximum of the marginal likelihood.
//! The reference is an independent direct maximisation written here: BFGS with central-difference
//! gradients over all fifteen parameters (`c = s²`, so the bound is an interior point of `s`),
//! with the marginal likelihood integrated on a 201-point grid over [−8, 8] (not the
//! calibration's quadrature).

use super::*;

/// LSAT Section VII (Bock & Lieberman, 1970; R `mirt`'s `LSAT7`): all 32 patterns of 5 items
/// and their frequencies (1000 persons).
pub(crate) fn lsat7() -> ResponseMatrix {
    const FREQ: [usize; 32] = [
        12, 19, 1, 7, 3, 19, 3, 17, 10, 5, 3, 7, 7, 23, 8, 28, 7, 39, 11, 34, 14, 51, 15, 90, 6, 25, 7, 35,
        18, 136, 32, 308,
    ];
    let mut rows = Vec::new();
    for (code, &n) in FREQ.iter().enumerate() {
        let row: Vec<u8> = (0..5).map(|j| ((code >> (4 - j)) & 1) as u8).collect();
        rows.extend(std::iter::repeat_n(row, n));
    }
    ResponseMatrix::from_rows((1..=5).map(|j| format!("Item.{j}")).collect(), &rows).unwrap()
}

/// Pattern counts of a 5-item dichotomous matrix.
fn patterns(m: &ResponseMatrix) -> Vec<(Vec<u8>, f64)> {
    let mut counts: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
    for row in m.data().chunks_exact(m.n_items()) {
        *counts.entry(row.to_vec()).or_default() += 1.0;
    }
    counts.into_iter().collect()
}

/// Marginal log-likelihood of the 3PL with `x = [a_j, d_j, s_j]` per item (`c = s²`).
fn marginal_loglik(pats: &[(Vec<u8>, f64)], x: &[f64]) -> f64 {
    let nodes: Vec<f64> = (0..201).map(|q| -8.0 + 0.08 * q as f64).collect();
    let dens: Vec<f64> = nodes.iter().map(|t| (-t * t / 2.0).exp()).collect();
    let total: f64 = dens.iter().sum();
    let mut ll = 0.0;
    for (row, n) in pats {
        let mut lik = 0.0;
        for (t, w) in nodes.iter().zip(&dens) {
            let mut l = w / total;
            for (j, &u) in row.iter().enumerate() {
                let (a, d, s) = (x[3 * j], x[3 * j + 1], x[3 * j + 2]);
                let p = s * s + (1.0 - s * s) / (1.0 + (-(a * t + d)).exp());
                l *= if u == 1 { p } else { 1.0 - p };
            }
            lik += l;
        }
        ll += n * lik.ln();
    }
    ll
}

/// Minimises `f` by BFGS with backtracking and central-difference gradients.
pub(crate) fn bfgs(f: &dyn Fn(&[f64]) -> f64, mut x: Vec<f64>) -> Vec<f64> {
    let n = x.len();
    let grad = |x: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|i| {
                let (mut u, mut d) = (x.to_vec(), x.to_vec());
                u[i] += 1e-6;
                d[i] -= 1e-6;
                (f(&u) - f(&d)) / 2e-6
            })
            .collect()
    };
    let mut h: Vec<f64> = (0..n * n).map(|k| if k % (n + 1) == 0 { 1e-3 } else { 0.0 }).collect();
    let (mut fx, mut g) = (f(&x), grad(&x));
    for _ in 0..2000 {
        if g.iter().map(|v| v * v).sum::<f64>().sqrt() < 1e-5 {
            break;
        }
        let p: Vec<f64> = (0..n).map(|i| -(0..n).map(|k| h[i * n + k] * g[k]).sum::<f64>()).collect();
        let slope: f64 = p.iter().zip(&g).map(|(a, b)| a * b).sum();
        let mut t = 1.0;
        let mut xn;
        loop {
            xn = x.iter().zip(&p).map(|(a, b)| a + t * b).collect::<Vec<f64>>();
            if f(&xn) <= fx + 1e-4 * t * slope || t < 1e-12 {
                break;
            }
            t *= 0.5;
        }
        let gn = grad(&xn);
        let s: Vec<f64> = xn.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = gn.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy: f64 = s.iter().zip(&y).map(|(a, b)| a * b).sum();
        if sy > 1e-12 {
            let hy: Vec<f64> = (0..n).map(|i| (0..n).map(|k| h[i * n + k] * y[k]).sum()).collect();
            let yhy: f64 = y.iter().zip(&hy).map(|(a, b)| a * b).sum();
            for i in 0..n {
                for k in 0..n {
                    h[i * n + k] += (sy + yhy) * s[i] * s[k] / (sy * sy) - (hy[i] * s[k] + s[i] * hy[k]) / sy;
                }
            }
        }
        x = xn;
        fx = f(&x);
        g = gn;
    }
    x
}

#[test]
fn lsat7_two_pl_matches_mirt() {
    // mirt(expand.table(LSAT7), 1): logLik −2658.805
    let r = calibrate(&lsat7(), &CalibrationOptions { tolerance: 1e-6, ..Default::default() }).unwrap();
    assert!(r.converged);
    assert!((r.loglik - (-2658.805)).abs() < 2e-3, "loglik {}", r.loglik);
}

#[test]
fn three_pl_with_a_flat_c_prior_reaches_the_maximum() {
    let m = lsat7();
    let o = CalibrationOptions {
        model: IrtModelKind::ThreePl,
        priors: Priors { c_beta: (1.0, 1.0), a_lognormal: None },
        tolerance: 1e-5,
        max_iterations: 5000,
        ..Default::default()
    };
    let r = calibrate(&m, &o).unwrap();
    let pats = patterns(&m);
    let start: Vec<f64> = (0..5).flat_map(|_| [1.0, 1.0, 0.3]).collect();
    let best = bfgs(&|x| -marginal_loglik(&pats, x), start);
    let reference = marginal_loglik(&pats, &best);
    // the maximum mirt and scipy report
    assert!((reference - (-2658.055)).abs() < 1e-3, "reference {reference}");
    assert!(
        (r.loglik - reference).abs() < 1e-3,
        "calibration {} vs maximum {reference}: {:?}",
        r.loglik,
        r.warnings
    );
    assert!(r.converged, "{:?}", r.warnings);
    for (j, it) in r.items.iter().enumerate() {
        let ItemModel::ThreePl { a, c, .. } = it.model else { panic!() };
        let (ra, rc) = (best[3 * j], best[3 * j + 2].powi(2));
        assert!((a - ra).abs() < 0.02 * ra.max(1.0), "item {j}: a {a} vs {ra}");
        assert!((c - rc).abs() < 0.01, "item {j}: c {c} vs {rc}");
    }
}
