//! The blocked cross-product information against today's per-pattern implementation
//! (`se_reference.rs`, kept verbatim) at the same estimates: information to 1e-7 of its largest
//! entry (the fast pass's score products run in f32), the standard errors to 1e-6 relative, over 2PL with a booklet design, mixed GPCM/GRM, 3PL with its prior,
//! a free Rasch calibration (shared slope), anchors and two groups.

use super::*;
use crate::matrix::ResponseMatrix;
use crate::simulate::{draw_thetas, random_items, simulate_responses};

/// Both informations at the converged estimates of `opts`, and the SEs from each.
fn both(m: &ResponseMatrix, opts: &CalibrationOptions) -> (Vec<f64>, Vec<f64>, usize) {
    let r = calibrate(m, opts).expect("calibrates");
    let pops: Vec<(f64, f64)> = if r.groups.is_empty() {
        vec![(0.0, 1.0)]
    } else {
        r.groups.iter().map(|g| (g.mean, g.sd)).collect()
    };
    let start: Vec<ItemModel> = r.items.iter().map(|i| i.model.clone()).collect();
    let o = CalibrationOptions { start: Some(start), ..opts.clone() };
    let Setup { items, free, anchored, .. } = setup(m, &o).expect("setup");
    let em = Em::new(m, &o, &items, &free, &anchored);
    let (logp, _, _) = em.estep(&items, &pops);
    let (index, n_free) = parameter_index(&items, &free, &anchored, em.common_slope);
    let parts = se_parts(&em, &pops);
    let fast = se::xpd_information(&parts, &em.layout, &logp, &items, &index, n_free);
    let gradients = se_reference::LogProbGradients::new(&items, &parts[0].2);
    let mut slow = vec![0.0; n_free * n_free];
    for (pm, enc, grid) in &parts {
        let tables = estep::Tables::<f64>::new(enc, &em.layout, &logp, grid);
        let part = se_reference::cross_products(pm, enc, &tables, grid, &gradients, &index, n_free);
        slow.iter_mut().zip(&part).for_each(|(a, b)| *a += b);
    }
    (fast, slow, n_free)
}

fn assert_same(m: &ResponseMatrix, opts: &CalibrationOptions, what: &str) {
    let (fast, slow, n) = both(m, opts);
    assert!(n > 0, "{what}: no free parameters");
    let scale = slow.iter().fold(0.0f64, |s, x| s.max(x.abs()));
    for (i, (f, s)) in fast.iter().zip(&slow).enumerate() {
        assert!((f - s).abs() <= 1e-7 * scale, "{what}: entry {i}: {f} vs {s}");
    }
    let inv = |a: &[f64]| se::invert_for_test(a, n).expect("invertible");
    let (cf, cs) = (inv(&fast), inv(&slow));
    let mut worst = 0.0f64;
    for i in 0..n {
        let (a, b) = (cf[i * n + i].sqrt(), cs[i * n + i].sqrt());
        assert!((a - b).abs() <= 1e-6 * b, "{what}: SE {i}: {a} vs {b}");
        worst = worst.max((a - b).abs() / b);
    }
    eprintln!("{what}: largest relative SE difference {worst:.1e}");
}

fn booklet(m: ResponseMatrix, cols: std::ops::Range<usize>) -> ResponseMatrix {
    let n = m.n_items();
    let mut data = m.data().to_vec();
    for p in (0..m.n_persons()).step_by(2) {
        data[p * n + cols.start..p * n + cols.end].fill(crate::MISSING);
    }
    ResponseMatrix::new(m.item_ids().to_vec(), None, m.n_persons(), data).expect("shape")
}

#[test]
fn two_pl_with_a_booklet_design_matches_the_reference() {
    let items = random_items(IrtModelKind::TwoPl, 21, 2, 1);
    let m = booklet(simulate_responses(&items, &draw_thetas(3000, 0.0, 1.0, 2), 3), 0..4);
    assert_same(&m, &CalibrationOptions::default(), "2PL booklet");
}

#[test]
fn polytomous_and_three_pl_match_the_reference() {
    let th = draw_thetas(2500, 0.0, 1.0, 4);
    let mut items = random_items(IrtModelKind::TwoPl, 6, 2, 5);
    items.extend(random_items(IrtModelKind::Gpcm, 3, 4, 6));
    let m = simulate_responses(&items, &th, 7);
    assert_same(&m, &CalibrationOptions::default(), "2PL + GPCM");
    let grm = simulate_responses(&random_items(IrtModelKind::Grm, 5, 5, 8), &th, 9);
    let o = CalibrationOptions { model: IrtModelKind::Grm, ..Default::default() };
    assert_same(&grm, &o, "GRM");
    let three = simulate_responses(&random_items(IrtModelKind::ThreePl, 9, 2, 10), &th, 11);
    let o = CalibrationOptions { model: IrtModelKind::ThreePl, ..Default::default() };
    assert_same(&three, &o, "3PL");
}

#[test]
fn rasch_anchors_and_groups_match_the_reference() {
    let th = draw_thetas(2000, 0.3, 1.2, 12);
    let items = random_items(IrtModelKind::Rasch, 11, 2, 13);
    let m = simulate_responses(&items, &th, 14);
    let o = CalibrationOptions { model: IrtModelKind::Rasch, ..Default::default() };
    assert_same(&m, &o, "Rasch, shared slope");
    let items = random_items(IrtModelKind::TwoPl, 10, 2, 15);
    let m = simulate_responses(&items, &th, 16);
    let anchors = (0..3).map(|j| (m.item_ids()[j].clone(), items[j].clone())).collect();
    assert_same(&m, &CalibrationOptions { anchors, ..Default::default() }, "anchored");
    let labels: Vec<String> = (0..m.n_persons()).map(|p| if p % 3 == 0 { "b" } else { "a" }.into()).collect();
    let groups = PersonGroups::from_labels(&labels, None).expect("groups");
    assert_same(&m, &CalibrationOptions { groups: Some(groups), ..Default::default() }, "two groups");
}
