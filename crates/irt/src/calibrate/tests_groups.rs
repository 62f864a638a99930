//! Multiple-group calibration against known populations (simulated) and against an independent
//! direct maximisation of the two-group marginal likelihood (BFGS over every item parameter and
//! the focal group's mean and log-SD, on its own 201-point grid).

use super::tests_lsat7::bfgs;
use super::*;
use crate::simulate::{draw_thetas, random_items, simulate_responses};

/// Two groups' responses to the same items, stacked, with their labels.
fn two_groups(items: &[ItemModel], n: usize, focal: (f64, f64), seed: u64) -> (ResponseMatrix, Vec<String>) {
    let a = simulate_responses(items, &draw_thetas(n, 0.0, 1.0, seed), seed + 1);
    let b = simulate_responses(items, &draw_thetas(n, focal.0, focal.1, seed + 2), seed + 3);
    let mut data = a.data().to_vec();
    data.extend_from_slice(b.data());
    let m = ResponseMatrix::new(a.item_ids().to_vec(), None, 2 * n, data).unwrap();
    let labels = (0..2 * n).map(|p| if p < n { "2025" } else { "2026" }.to_string()).collect();
    (m, labels)
}

#[test]
fn recovers_the_groups_means_and_sds() {
    let items = random_items(IrtModelKind::TwoPl, 20, 2, 7);
    let (m, labels) = two_groups(&items, 2500, (0.5, 1.3), 70);
    let groups = PersonGroups::from_labels(&labels, None).unwrap();
    let r = calibrate(&m, &CalibrationOptions { groups: Some(groups), ..Default::default() }).unwrap();
    assert!(r.converged, "{:?}", r.warnings);
    assert_eq!(r.groups.len(), 2);
    let (g0, g1) = (&r.groups[0], &r.groups[1]);
    assert_eq!((g0.name.as_str(), g0.n, g0.mean, g0.sd, g0.se_mean), ("2025", 2500, 0.0, 1.0, None));
    assert_eq!((g1.name.as_str(), g1.n), ("2026", 2500));
    assert!((g1.mean - 0.5).abs() < 0.08, "mean {}", g1.mean);
    assert!((g1.sd - 1.3).abs() < 0.08, "sd {}", g1.sd);
    // the SEs are about what n persons with known abilities would give, somewhat larger
    let (se_m, se_s) = (g1.se_mean.unwrap(), g1.se_sd.unwrap());
    assert!(se_m > 1.3 / 2500f64.sqrt() && se_m < 3.0 * 1.3 / 2500f64.sqrt(), "se mean {se_m}");
    assert!(se_s > 1.3 / 5000f64.sqrt() && se_s < 3.0 * 1.3 / 5000f64.sqrt(), "se sd {se_s}");
    assert_eq!(r.n_parameters, 42);
    // a single-group run on the same data fits worse
    let single = calibrate(&m, &Default::default()).unwrap();
    assert!(r.loglik > single.loglik + 10.0);
    assert!(single.groups.is_empty());
    // the reference can be named
    let groups = PersonGroups::from_labels(&labels, Some("2026")).unwrap();
    let r = calibrate(&m, &CalibrationOptions { groups: Some(groups), ..Default::default() }).unwrap();
    assert!((r.groups[0].mean + 0.5 / 1.3).abs() < 0.08, "{:?}", r.groups);
    assert!((r.groups[0].sd - 1.0 / 1.3).abs() < 0.08, "{:?}", r.groups);
}

/// Marginal log-likelihood of two groups (reference N(0, 1), focal N(μ, e^{2λ})) under the 2PL
/// with `x = [a_1, d_1, …, a_n, d_n, μ, λ]`.
fn two_group_loglik(pats: &[Vec<(Vec<u8>, f64)>; 2], x: &[f64]) -> f64 {
    let n_items = (x.len() - 2) / 2;
    let (mu, sd) = (x[2 * n_items], x[2 * n_items + 1].exp());
    let nodes: Vec<f64> = (0..201).map(|q| -8.0 + 0.08 * q as f64).collect();
    let mut ll = 0.0;
    for (g, pats) in pats.iter().enumerate() {
        let (m, s) = if g == 0 { (0.0, 1.0) } else { (mu, sd) };
        let dens: Vec<f64> = nodes.iter().map(|t| (-((t - m) / s).powi(2) / 2.0).exp()).collect();
        let total: f64 = dens.iter().sum();
        for (row, n) in pats {
            let mut lik = 0.0;
            for (t, w) in nodes.iter().zip(&dens) {
                let mut l = w / total;
                for (j, &u) in row.iter().enumerate() {
                    let p = 1.0 / (1.0 + (-(x[2 * j] * t + x[2 * j + 1])).exp());
                    l *= if u == 1 { p } else { 1.0 - p };
                }
                lik += l;
            }
            ll += n * lik.ln();
        }
    }
    ll
}

#[test]
fn matches_a_direct_maximisation_of_the_two_group_likelihood() {
    let items = random_items(IrtModelKind::TwoPl, 5, 2, 3);
    let (m, labels) = two_groups(&items, 1500, (-0.4, 0.8), 30);
    let mut pats: [Vec<(Vec<u8>, f64)>; 2] = [Vec::new(), Vec::new()];
    for g in 0..2 {
        let mut counts: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
        for p in g * 1500..(g + 1) * 1500 {
            *counts.entry(m.row(p).to_vec()).or_default() += 1.0;
        }
        pats[g] = counts.into_iter().collect();
    }
    let mut start: Vec<f64> = (0..5).flat_map(|_| [1.0, 0.0]).collect();
    start.extend([0.0, 0.0]);
    let best = bfgs(&|x| -two_group_loglik(&pats, x), start);
    let reference = two_group_loglik(&pats, &best);
    let groups = PersonGroups::from_labels(&labels, None).unwrap();
    let o = CalibrationOptions {
        groups: Some(groups),
        tolerance: 1e-6,
        max_iterations: 3000,
        ..Default::default()
    };
    let r = calibrate(&m, &o).unwrap();
    assert!(r.converged, "{:?}", r.warnings);
    assert!((r.loglik - reference).abs() < 1e-3, "{} vs {reference}", r.loglik);
    assert!((r.groups[1].mean - best[10]).abs() < 2e-3, "{:?} vs {}", r.groups[1], best[10]);
    assert!((r.groups[1].sd - best[11].exp()).abs() < 2e-3, "{:?} vs {}", r.groups[1], best[11].exp());
    for (j, it) in r.items.iter().enumerate() {
        assert!((it.model.params()[0] - best[2 * j]).abs() < 5e-3, "item {j}");
    }
}

#[test]
fn group_errors() {
    assert!(PersonGroups::from_labels(&["a".into(), " ".into()], None).is_err());
    assert!(PersonGroups::from_labels(&["a".into(), "b".into()], Some("c")).is_err());
    let g = PersonGroups::from_labels(&["b".into(), "a".into(), "b".into()], Some("a")).unwrap();
    assert_eq!(
        (g.names.clone(), g.of_person.clone(), g.reference),
        (vec!["b".into(), "a".into()], vec![0, 1, 0], 1)
    );
    let m = ResponseMatrix::from_rows(vec!["x".into()], &[vec![1], vec![0]]).unwrap();
    let o = CalibrationOptions { groups: Some(g), ..Default::default() };
    assert!(matches!(calibrate(&m, &o), Err(IrtError::Invalid(_))));
}
