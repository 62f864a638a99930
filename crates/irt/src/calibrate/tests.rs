use super::*;
use crate::simulate::{draw_thetas, random_items, simulate_responses};

/// LSAT Section VI (Bock & Lieberman, 1970): 1000 persons × 5 items as the observed response
/// patterns and their frequencies (the two patterns not listed have frequency 0).
pub(crate) fn lsat6() -> ResponseMatrix {
    const PATTERNS: [(&str, usize); 30] = [
        ("00000", 3),
        ("00001", 6),
        ("00010", 2),
        ("00011", 11),
        ("00100", 1),
        ("00101", 1),
        ("00110", 3),
        ("00111", 4),
        ("01000", 1),
        ("01001", 8),
        ("01011", 16),
        ("01101", 3),
        ("01110", 2),
        ("01111", 15),
        ("10000", 10),
        ("10001", 29),
        ("10010", 14),
        ("10011", 81),
        ("10100", 3),
        ("10101", 28),
        ("10110", 15),
        ("10111", 80),
        ("11000", 16),
        ("11001", 56),
        ("11010", 21),
        ("11011", 173),
        ("11100", 11),
        ("11101", 61),
        ("11110", 28),
        ("11111", 298),
    ];
    let mut rows = Vec::new();
    for (p, n) in PATTERNS {
        let row: Vec<u8> = p.bytes().map(|b| b - b'0').collect();
        rows.extend(std::iter::repeat_n(row, n));
    }
    ResponseMatrix::from_rows((1..=5).map(|j| format!("Item {j}")).collect(), &rows).unwrap()
}

fn opts(model: IrtModelKind) -> CalibrationOptions {
    CalibrationOptions { model, ..Default::default() }
}

/// Published 2PL estimates for LSAT-6 from R `ltm` (`ltm(LSAT ~ z1)`, 21-point Gauss–Hermite):
/// log-likelihood −2466.653; b = −3.3597, −1.3696, −0.2799, −1.8659, −3.1236;
/// a = 0.8254, 0.7229, 0.8905, 0.6886, 0.6575; SE(b₃) = 0.0997, SE(a₃) = 0.2326.
#[test]
fn lsat6_two_pl_matches_published_estimates() {
    let m = lsat6();
    let r = calibrate(&m, &CalibrationOptions { tolerance: 1e-6, ..opts(IrtModelKind::TwoPl) }).unwrap();
    assert!(r.converged);
    assert_eq!(r.n_unique_patterns, 30);
    let b = [-3.3597, -1.3696, -0.2799, -1.8659, -3.1236];
    let a = [0.8254, 0.7229, 0.8905, 0.6886, 0.6575];
    for j in 0..5 {
        let ItemModel::TwoPl { a: ea, b: eb } = r.items[j].model else { panic!() };
        assert!((ea - a[j]).abs() < 0.01, "item {j}: a {ea} vs {}", a[j]);
        assert!((eb - b[j]).abs() < 0.02, "item {j}: b {eb} vs {}", b[j]);
    }
    assert!((r.loglik - (-2466.653)).abs() < 0.05, "loglik {}", r.loglik);
    assert!((r.aic - 4953.307).abs() < 0.1);
    // cross-product SEs approximate the published Hessian SEs
    let se_b3 = r.items[2].se[1].unwrap();
    let se_a3 = r.items[2].se[0].unwrap();
    assert!((se_b3 / 0.0997 - 1.0).abs() < 0.25, "se b3 {se_b3}");
    assert!((se_a3 / 0.2326 - 1.0).abs() < 0.25, "se a3 {se_a3}");
}

/// Rasch on LSAT-6: a free Rasch calibration estimates the SD of θ; fixing it at 1 instead must
/// fit worse, and the 1PL (common slope) must fit no better than the 2PL.
#[test]
fn lsat6_rasch_estimates_the_ability_sd() {
    let m = lsat6();
    let free = calibrate(&m, &CalibrationOptions { tolerance: 1e-6, ..opts(IrtModelKind::Rasch) }).unwrap();
    let fixed = calibrate(
        &m,
        &CalibrationOptions { tolerance: 1e-6, estimate_rasch_sd: false, ..opts(IrtModelKind::Rasch) },
    )
    .unwrap();
    let two = calibrate(&m, &CalibrationOptions { tolerance: 1e-6, ..opts(IrtModelKind::TwoPl) }).unwrap();
    assert!(free.converged && fixed.converged);
    assert!(free.loglik > fixed.loglik);
    assert!(two.loglik >= free.loglik - 1e-6);
    assert!(free.theta_sd > 0.6 && free.theta_sd < 0.9, "sd {}", free.theta_sd);
    assert_eq!(free.n_parameters, 6);
    // item 1 is the easiest, item 3 the hardest
    let b: Vec<f64> = free.items.iter().map(|i| i.model.params()[0]).collect();
    assert!(b[0] < b[4] && b[4] < b[3] && b[3] < b[1] && b[1] < b[2], "{b:?}");
}

fn assert_monotone(history: &[f64]) {
    for w in history.windows(2) {
        assert!(w[1] >= w[0] - 1e-9 * w[0].abs(), "log-posterior decreased: {} -> {}", w[0], w[1]);
    }
}

#[test]
fn em_never_decreases_the_log_posterior() {
    let th = draw_thetas(1500, 0.0, 1.0, 11);
    for (kind, cats, seed) in [
        (IrtModelKind::TwoPl, 2, 1),
        (IrtModelKind::ThreePl, 2, 2),
        (IrtModelKind::Rasch, 2, 3),
        (IrtModelKind::Gpcm, 5, 4),
        (IrtModelKind::Grm, 4, 5),
    ] {
        let items = random_items(kind, 8, cats, seed);
        let m = simulate_responses(&items, &th, seed + 100);
        let o = CalibrationOptions {
            tolerance: 1e-6,
            max_iterations: 150,
            standard_errors: false,
            accelerate: false,
            precision: Precision::F64,
            ..opts(kind)
        };
        let r = calibrate(&m, &o).unwrap();
        // the accelerated run reaches the same maximum in fewer cycles
        let fast =
            calibrate(&m, &CalibrationOptions { accelerate: true, precision: Precision::F32, ..o.clone() })
                .unwrap();
        assert!(fast.converged);
        assert!(fast.iterations <= r.iterations, "{kind}: {} vs {}", fast.iterations, r.iterations);
        if r.converged {
            assert!((fast.log_posterior - r.log_posterior).abs() < 1e-3, "{kind}");
        }
        assert!(r.history.len() > 3);
        assert_monotone(&r.history);
        // and with a prior on a
        let o =
            CalibrationOptions { priors: Priors { a_lognormal: Some((0.0, 0.5)), ..Priors::default() }, ..o };
        assert_monotone(&calibrate(&m, &o).unwrap().history);
    }
}

#[test]
fn fast_path_matches_the_plain_reference() {
    let th = draw_thetas(2000, 0.0, 1.0, 5);
    let mut items = random_items(IrtModelKind::TwoPl, 10, 2, 6);
    items.extend(random_items(IrtModelKind::Gpcm, 2, 5, 7));
    let mut m = simulate_responses(&items, &th, 8);
    // a booklet design: half the persons did not see items 0-2
    let n = m.n_items();
    let mut data = m.data().to_vec();
    for p in (0..m.n_persons()).step_by(2) {
        data[p * n..p * n + 3].fill(crate::MISSING);
    }
    m = ResponseMatrix::new(m.item_ids().to_vec(), None, m.n_persons(), data).unwrap();
    let o = CalibrationOptions { tolerance: 1e-7, max_iterations: 2000, ..opts(IrtModelKind::TwoPl) };
    let fast = calibrate(&m, &o).unwrap();
    let slow = calibrate(&m, &CalibrationOptions { reference_estep: true, ..o }).unwrap();
    assert!(fast.converged && slow.converged);
    for (f, s) in fast.items.iter().zip(&slow.items) {
        for (x, y) in f.model.params().iter().zip(s.model.params()) {
            assert!((x - y).abs() <= 1e-3, "{}: {x} vs {y}", f.id);
        }
    }
    assert!((fast.loglik - slow.loglik).abs() < 1e-6 * slow.loglik.abs());
}

fn recovery(kind: IrtModelKind, n_items: usize, cats: usize, persons: usize, tol_a: f64, tol_b: f64) {
    let items = random_items(kind, n_items, cats, 42);
    let th = draw_thetas(persons, 0.0, 1.0, 43);
    let m = simulate_responses(&items, &th, 44);
    let r =
        calibrate(&m, &CalibrationOptions { standard_errors: kind != IrtModelKind::ThreePl, ..opts(kind) })
            .unwrap();
    assert!(r.converged, "{kind}: {:?}", r.warnings);
    let mut worst = (0.0f64, 0.0f64);
    let (mut sq, mut cnt) = (0.0, 0.0);
    for (t, e) in items.iter().zip(&r.items) {
        let (tp, ep) = (t.params(), e.model.params());
        for (i, (x, y)) in tp.iter().zip(&ep).enumerate() {
            let is_a = i == 0 && kind != IrtModelKind::Rasch;
            let is_c = kind == IrtModelKind::ThreePl && i == 2;
            if is_c {
                continue;
            }
            let d = (x - y).abs();
            sq += d * d;
            cnt += 1.0;
            if is_a { worst.0 = worst.0.max(d) } else { worst.1 = worst.1.max(d) }
        }
    }
    if kind == IrtModelKind::Rasch {
        assert!((r.theta_sd - 1.0).abs() < 0.05, "sd {}", r.theta_sd);
    }
    assert!(worst.0 <= tol_a && worst.1 <= tol_b, "{kind}: worst |Δa| {} |Δb| {}", worst.0, worst.1);
    let rmse = (sq / cnt).sqrt();
    assert!(rmse < 0.12, "{kind}: rmse {rmse}");
}

#[test]
fn recovers_rasch() {
    recovery(IrtModelKind::Rasch, 15, 2, 3000, 0.0, 0.15);
}
#[test]
fn recovers_two_pl() {
    recovery(IrtModelKind::TwoPl, 15, 2, 4000, 0.25, 0.2);
}
#[test]
fn recovers_three_pl() {
    recovery(IrtModelKind::ThreePl, 15, 2, 8000, 0.5, 0.45);
}
#[test]
fn recovers_gpcm() {
    recovery(IrtModelKind::Gpcm, 8, 5, 3000, 0.2, 0.3);
}
#[test]
fn recovers_grm() {
    recovery(IrtModelKind::Grm, 8, 5, 3000, 0.25, 0.35);
}

#[test]
fn anchors_put_new_items_on_the_bank_scale() {
    // the bank's scale: this population has mean 0.5, SD 1.3 on it
    let truth = random_items(IrtModelKind::TwoPl, 20, 2, 90);
    let th = draw_thetas(6000, 0.5, 1.3, 91);
    let m = simulate_responses(&truth, &th, 92);
    let anchors: BTreeMap<String, ItemModel> =
        (0..10).map(|j| (m.item_ids()[j].clone(), truth[j].clone())).collect();
    let r = calibrate(&m, &CalibrationOptions { anchors, ..opts(IrtModelKind::TwoPl) }).unwrap();
    assert!(r.converged);
    assert!((r.theta_mean - 0.5).abs() < 0.08, "mean {}", r.theta_mean);
    assert!((r.theta_sd - 1.3).abs() < 0.08, "sd {}", r.theta_sd);
    for j in 0..10 {
        assert!(r.items[j].anchored);
        assert_eq!(r.items[j].model, truth[j]);
        assert!(r.items[j].se.iter().all(Option::is_none));
    }
    for j in 10..20 {
        let (t, e) = (truth[j].params(), r.items[j].model.params());
        assert!((t[1] - e[1]).abs() < 0.2, "item {j}: b {} vs {}", e[1], t[1]);
        assert!((t[0] - e[0]).abs() < 0.25, "item {j}: a {} vs {}", e[0], t[0]);
    }
    assert_eq!(r.n_parameters, 22);
}

#[test]
fn warnings_and_errors() {
    let rows: Vec<Vec<u8>> = (0..200).map(|i| vec![(i % 2) as u8, ((i / 2) % 2) as u8, 1]).collect();
    let m = ResponseMatrix::from_rows(vec!["a".into(), "b".into(), "const".into()], &rows).unwrap();
    let r = calibrate(&m, &CalibrationOptions { max_iterations: 5, ..Default::default() }).unwrap();
    assert!(
        r.warnings.iter().any(|w| w.kind == WarningKind::NoVariance && w.item.as_deref() == Some("const"))
    );
    assert!(r.warnings.iter().any(|w| w.kind == WarningKind::NotConverged));
    assert!(!r.converged);
    let m = ResponseMatrix::new(vec!["x".into()], None, 2, vec![crate::MISSING, crate::MISSING]).unwrap();
    assert!(matches!(calibrate(&m, &Default::default()), Err(IrtError::NoResponses(_))));
}

#[test]
fn polytomous_items_in_a_dichotomous_run_use_gpcm() {
    let mut items = random_items(IrtModelKind::TwoPl, 6, 2, 1);
    items.push(ItemModel::Gpcm { a: 1.0, thresholds: vec![-1.0, -0.3, 0.4, 1.1] });
    let m = simulate_responses(&items, &draw_thetas(2000, 0.0, 1.0, 2), 3);
    let r = calibrate(&m, &opts(IrtModelKind::ThreePl)).unwrap();
    assert_eq!(r.items[6].model.kind(), IrtModelKind::Gpcm);
    assert_eq!(r.items[6].model.max_score(), 4);
    assert!(r.warnings.iter().any(|w| w.kind == WarningKind::ModelSubstituted));
    assert_eq!(r.items[0].model.kind(), IrtModelKind::ThreePl);
}
