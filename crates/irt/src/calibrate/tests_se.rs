//! The blocked cross-product information against today's per-pattern implementation
//! (`se_reference.rs`, kept verbatim) at the same estimates: information to 1e-7 of its largest
//! entry (the fast pass's score products run in f32), the standard errors to 1e-6 relative, over 2PL with a booklet design, mixed GPCM/GRM, 3PL with its prior,
//! a free Rasch calibration (shared slope), anchors and two groups. The 2PL/Rasch designs without
//! missing responses take the linear path (`se_linear.rs`, f64): those match to ~10⁻¹³.

use super::*;
use crate::matrix::ResponseMatrix;
use crate::simulate::{draw_thetas, random_items, simulate_responses};

/// Both informations at the converged estimates of `opts`, their size, and whether the fast one
/// took the linear (2PL/Rasch) path.
fn both(m: &ResponseMatrix, opts: &CalibrationOptions) -> (Vec<f64>, Vec<f64>, usize, bool) {
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
    let linear = se_linear::Linear::new(&items, &parts[0].2, &index).is_some()
        && parts.iter().all(|(_, enc, _)| se_linear::Linear::applies(enc, &em.layout.n_cat));
    let gradients = se_reference::LogProbGradients::new(&items, &parts[0].2);
    let mut slow = vec![0.0; n_free * n_free];
    for (pm, enc, grid) in &parts {
        let tables = estep::Tables::<f64>::new(enc, &em.layout, &logp, grid);
        let part = se_reference::cross_products(pm, enc, &tables, grid, &gradients, &index, n_free);
        slow.iter_mut().zip(&part).for_each(|(a, b)| *a += b);
    }
    (fast, slow, n_free, linear)
}

fn assert_same(m: &ResponseMatrix, opts: &CalibrationOptions, what: &str) {
    let (fast, slow, n, _) = both(m, opts);
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

/// The linear path (`se_linear.rs`) is f64 throughout: it matches the reference to 10⁻¹⁰ of the
/// largest entry (the general path's f32 products only to 10⁻⁷), over a pattern count that is
/// not a multiple of 64, more than 64 items (groups of 8 and a short last one), fixed items and
/// a shared Rasch slope; and it is not taken where it does not hold.
#[test]
fn the_linear_path_matches_the_reference_in_f64_and_is_taken_only_where_it_holds() {
    let th = draw_thetas(1501, 0.0, 1.0, 21);
    let many = random_items(IrtModelKind::TwoPl, 70, 2, 22);
    let few = random_items(IrtModelKind::TwoPl, 5, 2, 23);
    let rasch = random_items(IrtModelKind::Rasch, 13, 2, 24);
    let m_few = simulate_responses(&few, &th, 26);
    let anchors = (0..2).map(|j| (m_few.item_ids()[j].clone(), few[j].clone())).collect();
    let designs = [
        (simulate_responses(&many, &th, 25), CalibrationOptions::default(), "2PL, 70 items"),
        (m_few, CalibrationOptions { anchors, ..Default::default() }, "2PL, 5 items, 2 anchored"),
        (
            simulate_responses(&few, &th, 36),
            CalibrationOptions { quadrature_points: 13, ..Default::default() },
            "2PL, 13 points (θ = 1 is one of them)",
        ),
        (
            simulate_responses(&rasch, &th, 27),
            CalibrationOptions { model: IrtModelKind::Rasch, ..Default::default() },
            "Rasch",
        ),
    ];
    for (m, o, what) in &designs {
        let (fast, slow, _, linear) = both(m, o);
        assert!(linear, "{what}: the linear path applies");
        let scale = slow.iter().fold(0.0f64, |s, x| s.max(x.abs()));
        for (i, (f, s)) in fast.iter().zip(&slow).enumerate() {
            assert!((f - s).abs() <= 1e-10 * scale, "{what}: entry {i}: {f} vs {s}");
        }
    }
    let th = draw_thetas(400, 0.0, 1.0, 28);
    let items = random_items(IrtModelKind::TwoPl, 6, 2, 29);
    let booklet = booklet(simulate_responses(&items, &th, 30), 0..2);
    assert!(!both(&booklet, &CalibrationOptions::default()).3, "missing responses take the general path");
    let three = simulate_responses(&random_items(IrtModelKind::ThreePl, 6, 2, 31), &th, 32);
    let o = CalibrationOptions { model: IrtModelKind::ThreePl, ..Default::default() };
    assert!(!both(&three, &o).3, "3PL takes the general path");
    let mut mixed = random_items(IrtModelKind::TwoPl, 4, 2, 33);
    mixed.extend(random_items(IrtModelKind::Gpcm, 2, 3, 34));
    assert!(!both(&simulate_responses(&mixed, &th, 35), &CalibrationOptions::default()).3, "GPCM: general");
}
