//! Oakes standard errors against an independent numerical Hessian of the marginal
//! log-likelihood (brute force over the response patterns on the same quadrature, second
//! differences in the IRT parameters a, b), and beside the cross-product errors.

use std::collections::BTreeMap;

use super::tests::lsat6;
use super::*;
use crate::simulate::{draw_thetas, random_items, simulate_responses};

/// `Σ_patterns n ln Σ_q w_q Π_j P_j(x_j | θ_q)` for 2PL items `x = [a_1, b_1, a_2, b_2, …]` on
/// 41 equally spaced points on [−6, 6] with normalised N(0, 1) weights (the calibration's grid).
fn loglik(patterns: &[(Vec<u8>, f64)], x: &[f64]) -> f64 {
    let theta: Vec<f64> = (0..41).map(|i| -6.0 + 0.3 * i as f64).collect();
    let w: Vec<f64> = theta.iter().map(|t| (-0.5 * t * t).exp()).collect();
    let total: f64 = w.iter().sum();
    patterns
        .iter()
        .map(|(row, n)| {
            let lik: f64 = theta
                .iter()
                .zip(&w)
                .map(|(t, wq)| {
                    row.iter().enumerate().fold(wq / total, |l, (j, &u)| {
                        let p = 1.0 / (1.0 + (-x[2 * j] * (t - x[2 * j + 1])).exp());
                        l * if u == 1 { p } else { 1.0 - p }
                    })
                })
                .sum();
            n * lik.ln()
        })
        .sum()
}

/// Standard errors from the inverse of the negative numerical Hessian of [`loglik`] at `x`.
fn numerical_se(patterns: &[(Vec<u8>, f64)], x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let h = 1e-3;
    let f = |da: (usize, f64), db: (usize, f64)| {
        let mut y = x.to_vec();
        y[da.0] += da.1;
        y[db.0] += db.1;
        loglik(patterns, &y)
    };
    let mut info = vec![0.0; n * n];
    for a in 0..n {
        for b in 0..n {
            let d = f((a, h), (b, h)) - f((a, h), (b, -h)) - f((a, -h), (b, h)) + f((a, -h), (b, -h));
            info[a * n + b] = -d / (4.0 * h * h);
        }
    }
    let cov = se::invert_for_test(&info, n).expect("positive definite");
    (0..n).map(|i| cov[i * n + i].sqrt()).collect()
}

fn patterns(m: &ResponseMatrix) -> Vec<(Vec<u8>, f64)> {
    let mut counts: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
    for p in 0..m.n_persons() {
        *counts.entry(m.row(p).to_vec()).or_default() += 1.0;
    }
    counts.into_iter().collect()
}

fn run(m: &ResponseMatrix, se_method: SeMethod, tolerance: f64) -> CalibrationResult {
    let o = CalibrationOptions { se_method, tolerance, max_iterations: 5000, ..Default::default() };
    let r = calibrate(m, &o).expect("calibrates");
    assert!(r.converged, "{:?}", r.warnings);
    assert_eq!(r.se_method, Some(se_method));
    r
}

fn check_against_numerical(m: &ResponseMatrix, rel: f64) {
    let r = run(m, SeMethod::Oakes, 1e-9);
    let x: Vec<f64> = r.items.iter().flat_map(|i| i.model.params()).collect();
    let reference = numerical_se(&patterns(m), &x);
    let oakes: Vec<f64> = r.items.iter().flat_map(|i| i.se.iter().map(|s| s.expect("SE"))).collect();
    for (i, (o, n)) in oakes.iter().zip(&reference).enumerate() {
        assert!((o - n).abs() <= rel * n, "parameter {i}: Oakes {o} vs numerical {n}");
    }
}

#[test]
fn oakes_equals_the_numerical_hessian_on_lsat6() {
    check_against_numerical(&lsat6(), 1e-4);
}

#[test]
fn oakes_equals_the_numerical_hessian_on_simulated_items() {
    let items = random_items(IrtModelKind::TwoPl, 6, 2, 31);
    let m = simulate_responses(&items, &draw_thetas(1500, 0.0, 1.0, 32), 33);
    check_against_numerical(&m, 1e-4);
}

#[test]
fn oakes_and_cross_product_errors_agree_in_large_samples() {
    // two estimators of the same asymptotic covariance: close at N = 20,000, not equal
    let mut items = random_items(IrtModelKind::TwoPl, 8, 2, 34);
    items.extend(random_items(IrtModelKind::Gpcm, 2, 4, 35));
    let m = simulate_responses(&items, &draw_thetas(20_000, 0.0, 1.0, 36), 37);
    let (o, x) = (run(&m, SeMethod::Oakes, 1e-5), run(&m, SeMethod::CrossProduct, 1e-5));
    let mut differ = false;
    for (a, b) in o.items.iter().zip(&x.items) {
        for (sa, sb) in a.se.iter().zip(&b.se) {
            let (sa, sb) = (sa.expect("SE"), sb.expect("SE"));
            assert!((sa - sb).abs() <= 0.1 * sb, "{}: Oakes {sa} vs XPD {sb}", a.id);
            differ |= (sa - sb).abs() > 1e-6 * sb;
        }
    }
    assert!(differ, "two different estimators should not agree exactly");
    assert!("oakes".parse::<SeMethod>().is_ok() && "xpd".parse::<SeMethod>().is_ok());
    assert!("hessian".parse::<SeMethod>().is_err());
}
