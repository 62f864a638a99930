use super::*;

/// Kolen & Brennan (2014), Table 6.5: 3PL estimates (D = 1.7) of the 12 common items on Form X
/// (new) and Form Y (old, the base) — also the example of Kolen's STUIRT program.
fn kolen_brennan() -> Vec<(ItemModel, ItemModel)> {
    const X: [[f64; 3]; 12] = [
        [0.4551, -0.7101, 0.2087],
        [0.5839, -0.8567, 0.2038],
        [0.7544, 0.0212, 0.1600],
        [0.6633, 0.0506, 0.1240],
        [1.0690, 0.9610, 0.2986],
        [0.9672, 0.1950, 0.0535],
        [0.3479, 2.2768, 0.1489],
        [1.4579, 1.0241, 0.2453],
        [1.8811, 1.4062, 0.1992],
        [0.7020, 2.2401, 0.0853],
        [1.4080, 1.5556, 0.0789],
        [1.2993, 2.1589, 0.1075],
    ];
    const Y: [[f64; 3]; 12] = [
        [0.4416, -1.3349, 0.1559],
        [0.5730, -1.3210, 0.1913],
        [0.5987, -0.7098, 0.1177],
        [0.6041, -0.3539, 0.0818],
        [0.9902, 0.5320, 0.3024],
        [0.8081, -0.1156, 0.0648],
        [0.4140, 2.5538, 0.2410],
        [1.3554, 0.5811, 0.2243],
        [1.0417, 0.9392, 0.1651],
        [0.6336, 1.8960, 0.0794],
        [1.1347, 1.0790, 0.0630],
        [0.9255, 2.1337, 0.1259],
    ];
    let m = |p: &[f64; 3]| ItemModel::ThreePl { a: 1.7 * p[0], b: p[1], c: p[2] };
    Y.iter().zip(&X).map(|(y, x)| (m(y), m(x))).collect()
}

/// The textbook's moment constants (STUIRT output): mean-sigma A = 1.168891, B = −0.515543;
/// mean-mean A = 1.217266, B = −0.557156.
#[test]
fn moment_methods_match_kolen_and_brennan() {
    let common = kolen_brennan();
    let ms = link(&common, LinkMethod::MeanSigma).unwrap();
    assert!((ms.a - 1.168891).abs() < 1e-5 && (ms.b + 0.515543).abs() < 1e-5, "{ms:?}");
    let mm = link(&common, LinkMethod::MeanMean).unwrap();
    assert!((mm.a - 1.217266).abs() < 1e-5 && (mm.b + 0.557156).abs() < 1e-5, "{mm:?}");
    assert_eq!(mm.criterion, None);
}

/// The 3PL probability, written out here.
fn p3(a: f64, b: f64, c: f64, t: f64) -> f64 {
    c + (1.0 - c) / (1.0 + (-a * (t - b)).exp())
}

/// The two criteria written out for 3PL items, minimised by Nelder–Mead.
fn reference_constants(common: &[(ItemModel, ItemModel)], haebara: bool) -> (f64, f64) {
    let pars = |m: &ItemModel| match m {
        ItemModel::ThreePl { a, b, c } => (*a, *b, *c),
        _ => unreachable!(),
    };
    let f = |x: &[f64; 2]| -> f64 {
        let (big_a, big_b) = (x[0], x[1]);
        let mut total_w = 0.0;
        let mut s = 0.0;
        for q in 0..41 {
            let t = -4.0 + 0.2 * q as f64;
            let w = (-t * t / 2.0).exp();
            total_w += w;
            let diffs: Vec<f64> = common
                .iter()
                .map(|(b, n)| {
                    let (ab, bb, cb) = pars(b);
                    let (an, bn, cn) = pars(n);
                    p3(ab, bb, cb, t) - p3(an / big_a, big_a * bn + big_b, cn, t)
                })
                .collect();
            s += w * if haebara {
                diffs.iter().map(|d| d * d).sum()
            } else {
                diffs.iter().sum::<f64>().powi(2)
            };
        }
        s / total_w
    };
    let mut simplex = [[1.0, 0.0], [1.2, 0.0], [1.0, 0.2]];
    for _ in 0..2000 {
        simplex.sort_by(|a, b| f(a).total_cmp(&f(b)));
        let c = [(simplex[0][0] + simplex[1][0]) / 2.0, (simplex[0][1] + simplex[1][1]) / 2.0];
        let pt = |k: f64| [c[0] + k * (simplex[2][0] - c[0]), c[1] + k * (simplex[2][1] - c[1])];
        let r = pt(-1.0);
        if f(&r) < f(&simplex[0]) {
            let e = pt(-2.0);
            simplex[2] = if f(&e) < f(&r) { e } else { r };
        } else if f(&r) < f(&simplex[1]) {
            simplex[2] = r;
        } else {
            let k = pt(0.5);
            if f(&k) < f(&simplex[2]) {
                simplex[2] = k;
            } else {
                for i in 1..3 {
                    simplex[i] =
                        [(simplex[i][0] + simplex[0][0]) / 2.0, (simplex[i][1] + simplex[0][1]) / 2.0];
                }
            }
        }
    }
    (simplex[0][0], simplex[0][1])
}

#[test]
fn characteristic_curve_methods_match_an_independent_minimisation() {
    let common = kolen_brennan();
    for (method, haebara) in [(LinkMethod::Haebara, true), (LinkMethod::StockingLord, false)] {
        let k = link(&common, method).unwrap();
        let (a, b) = reference_constants(&common, haebara);
        assert!((k.a - a).abs() < 1e-4 && (k.b - b).abs() < 1e-4, "{method:?}: {k:?} vs {a}, {b}");
        // close to the textbook's values, which use another θ distribution and direction
        assert!((k.a - 1.08).abs() < 0.05 && (k.b + 0.48).abs() < 0.05, "{method:?}: {k:?}");
    }
}

#[test]
fn every_method_recovers_a_known_transformation() {
    let base = [
        ItemModel::TwoPl { a: 1.2, b: -1.0 },
        ItemModel::ThreePl { a: 0.9, b: 0.4, c: 0.2 },
        ItemModel::TwoPl { a: 1.6, b: 1.1 },
        ItemModel::Gpcm { a: 0.8, thresholds: vec![-1.0, 0.0, 1.2] },
        ItemModel::Grm { a: 1.1, thresholds: vec![-0.8, 0.3, 1.5] },
    ];
    // the new calibration's scale: θ_new = (θ_base − 0.4) / 1.25
    let (big_a, big_b) = (1.25, 0.4);
    let common: Vec<(ItemModel, ItemModel)> =
        base.iter().map(|m| (m.clone(), m.rescaled(1.0 / big_a, -big_b / big_a))).collect();
    for method in [LinkMethod::MeanMean, LinkMethod::MeanSigma, LinkMethod::Haebara, LinkMethod::StockingLord]
    {
        let k = link(&common, method).unwrap();
        assert!((k.a - big_a).abs() < 1e-5, "{method:?} {k:?}");
        assert!((k.b - big_b).abs() < 1e-5, "{method:?} {k:?}");
        for (b, n) in &common {
            for (x, y) in b.params().iter().zip(n.rescaled(k.a, k.b).params()) {
                assert!((x - y).abs() < 1e-4);
            }
        }
    }
}

#[test]
fn identical_calibrations_give_the_identity_and_errors_are_named() {
    let items = [ItemModel::TwoPl { a: 1.0, b: 0.0 }, ItemModel::TwoPl { a: 1.5, b: 1.0 }];
    let common: Vec<_> = items.iter().map(|m| (m.clone(), m.clone())).collect();
    let k = stocking_lord(&common).unwrap();
    assert!((k.a - 1.0).abs() < 1e-6 && k.b.abs() < 1e-6);
    assert!(stocking_lord(&[]).is_err());
    let one = [(ItemModel::TwoPl { a: 1.0, b: 0.0 }, ItemModel::TwoPl { a: 1.0, b: 0.3 })];
    assert!(link(&one, LinkMethod::MeanSigma).is_err());
    let mixed =
        [(ItemModel::TwoPl { a: 1.0, b: 0.0 }, ItemModel::Gpcm { a: 1.0, thresholds: vec![0.0, 1.0] })];
    assert!(link(&mixed, LinkMethod::MeanMean).is_err());
    assert!("stocking_lord".parse::<LinkMethod>().is_ok() && "x".parse::<LinkMethod>().is_err());
}

#[test]
fn drift_screening_flags_a_moved_anchor_and_relinks_without_it() {
    let base: Vec<ItemModel> =
        (0..8).map(|j| ItemModel::TwoPl { a: 0.8 + 0.1 * j as f64, b: -1.5 + 0.4 * j as f64 }).collect();
    let (big_a, big_b) = (1.1, -0.3);
    let mut common: Vec<(ItemModel, ItemModel)> =
        base.iter().map(|m| (m.clone(), m.rescaled(1.0 / big_a, -big_b / big_a))).collect();
    // item 5 became 0.8 logits easier on the new form (exposure)
    common[5].1 = base[5].rescaled(1.0 / big_a, -(big_b + 0.8) / big_a);
    let ids: Vec<String> = (0..8).map(|j| format!("Q{j}")).collect();
    let k = link(&common, LinkMethod::StockingLord).unwrap();
    let r = drift(&ids, &common, &k, LinkMethod::StockingLord).unwrap();
    assert_eq!(r.flagged, vec!["Q5".to_string()]);
    let w = r.without_flagged.unwrap();
    assert!((w.a - big_a).abs() < 1e-5 && (w.b - big_b).abs() < 1e-5, "{w:?}");
    assert!(drift(&ids[..3], &common[..3], &k, LinkMethod::StockingLord).is_err());
}
