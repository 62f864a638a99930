use super::*;
use crate::model::ItemModel;
use crate::simulate::{draw_thetas, simulate_responses};

/// A cumulative-logit log-likelihood written from the definition, per person.
fn ll_direct(y: &[usize], x: &[Vec<f64>], k: usize, par: &[f64]) -> f64 {
    let f = |z: f64| 1.0 / (1.0 + (-z).exp());
    y.iter()
        .zip(x)
        .map(|(&yi, xi)| {
            let eta: f64 = xi.iter().zip(&par[k..]).map(|(a, b)| a * b).sum();
            let up = |j: usize| {
                if j == 0 {
                    1.0
                } else if j > k {
                    0.0
                } else {
                    f(par[j - 1] + eta)
                }
            };
            (up(yi) - up(yi + 1)).max(1e-300).ln()
        })
        .sum()
}

/// Newton's method with finite-difference gradient and Hessian of [`ll_direct`]: a direct
/// maximisation that shares nothing with the code under test.
fn max_direct(y: &[usize], x: &[Vec<f64>], k: usize) -> f64 {
    let np = k + x[0].len();
    let mut par: Vec<f64> = (0..np).map(|i| if i < k { 1.0 - i as f64 } else { 0.0 }).collect();
    let f = |p: &[f64]| ll_direct(y, x, k, p);
    let h = 1e-4;
    for _ in 0..60 {
        let at = |i: usize, d: f64, p: &[f64]| {
            let mut q = p.to_vec();
            q[i] += d;
            q
        };
        let g: Vec<f64> = (0..np).map(|i| (f(&at(i, h, &par)) - f(&at(i, -h, &par))) / (2.0 * h)).collect();
        let mut hess = vec![vec![0.0; np]; np];
        for i in 0..np {
            for j in 0..np {
                let pp = at(j, h, &at(i, h, &par));
                let pm = at(j, -h, &at(i, h, &par));
                let mp = at(j, h, &at(i, -h, &par));
                let mm = at(j, -h, &at(i, -h, &par));
                hess[i][j] = -(f(&pp) - f(&pm) - f(&mp) + f(&mm)) / (4.0 * h * h);
            }
        }
        // solve hess · step = g (Gauss–Jordan)
        let mut aug: Vec<Vec<f64>> =
            hess.iter().zip(&g).map(|(r, gi)| [r.clone(), vec![*gi]].concat()).collect();
        for c in 0..np {
            let piv = (c..np).max_by(|&a, &b| aug[a][c].abs().total_cmp(&aug[b][c].abs())).unwrap();
            aug.swap(c, piv);
            let d = aug[c][c];
            aug[c].iter_mut().for_each(|v| *v /= d);
            for r in 0..np {
                if r != c {
                    let fct = aug[r][c];
                    let rc = aug[c].clone();
                    aug[r].iter_mut().zip(&rc).for_each(|(v, w)| *v -= fct * w);
                }
            }
        }
        let mut t = 1.0;
        let base = f(&par);
        loop {
            let cand: Vec<f64> = par.iter().zip(&aug).map(|(p, r)| p + t * r[np]).collect();
            if f(&cand) >= base - 1e-9 || t < 1e-6 {
                par = cand;
                break;
            }
            t *= 0.5;
        }
    }
    f(&par)
}

fn three_groups(truth: &[Vec<ItemModel>], n_per: usize) -> (ResponseMatrix, Vec<Option<usize>>) {
    let mut data = Vec::new();
    let mut ids = Vec::new();
    for (g, items) in truth.iter().enumerate() {
        let th = draw_thetas(n_per, 0.3 * g as f64, 1.0, 100 + g as u64);
        let m = simulate_responses(items, &th, 200 + g as u64);
        data.extend_from_slice(m.data());
        ids = m.item_ids().to_vec();
    }
    let n = n_per * truth.len();
    let group = (0..n).map(|p| Some(p / n_per)).collect();
    (ResponseMatrix::new(ids, None, n, data).unwrap(), group)
}

/// The three nested models' log-likelihoods (and so χ² and R²) agree with a direct maximisation,
/// for a 0/1 item and a 0–4 item, with three groups.
#[test]
fn statistics_match_a_direct_maximisation() {
    let mut base: Vec<ItemModel> =
        (0..8).map(|j| ItemModel::TwoPl { a: 1.1, b: -1.0 + 0.25 * j as f64 }).collect();
    base.push(ItemModel::Grm { a: 1.2, thresholds: vec![-1.2, -0.3, 0.5, 1.4] });
    let mut g2 = base.clone();
    g2[0] = ItemModel::TwoPl { a: 1.1, b: 0.0 };
    let (m, group) = three_groups(&[base.clone(), base.clone(), g2], 150);
    let res = logistic_dif(&m, &group, 3);
    let total: Vec<f64> = m.total_scores();
    for j in [0usize, 8] {
        let r = res[j].as_ref().unwrap();
        let k = m.max_observed()[j].unwrap() as usize;
        let y: Vec<usize> = (0..m.n_persons()).map(|p| m.get(p, j) as usize).collect();
        let mean = total.iter().sum::<f64>() / total.len() as f64;
        let sd = (total.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / total.len() as f64).sqrt();
        let design = |cols: usize| -> Vec<Vec<f64>> {
            (0..m.n_persons())
                .map(|p| {
                    let s = (total[p] - mean) / sd;
                    let g = group[p].unwrap();
                    let row = [
                        s,
                        (g == 1) as u8 as f64,
                        (g == 2) as u8 as f64,
                        if g == 1 { s } else { 0.0 },
                        if g == 2 { s } else { 0.0 },
                    ];
                    row[..cols].to_vec()
                })
                .collect()
        };
        let ll: Vec<f64> = [1usize, 3, 5].iter().map(|&c| max_direct(&y, &design(c), k)).collect();
        assert!((r.uniform_chi_square - 2.0 * (ll[1] - ll[0])).abs() < 1e-4, "{r:?} {ll:?}");
        assert!((r.chi_square - 2.0 * (ll[2] - ll[0])).abs() < 1e-4, "{r:?} {ll:?}");
        assert!((r.p_value - chi_square_sf(r.chi_square, 4.0)).abs() < 1e-12);
        // Nagelkerke from the thresholds-only model
        let l_null: f64 = (0..=k)
            .map(|c| {
                let nc = y.iter().filter(|&&v| v == c).count() as f64;
                if nc > 0.0 { nc * (nc / y.len() as f64).ln() } else { 0.0 }
            })
            .sum();
        let n = y.len() as f64;
        let r2 = |l: f64| (1.0 - (2.0 * (l_null - l) / n).exp()) / (1.0 - (2.0 * l_null / n).exp());
        assert!((r.delta_r2 - (r2(ll[2]) - r2(ll[0]))).abs() < 1e-6, "{r:?}");
    }
}

#[test]
fn classes_follow_jodoin_gierl() {
    assert_eq!(jodoin_gierl(0.1, 0.2), LrClass::A);
    assert_eq!(jodoin_gierl(0.02, 0.001), LrClass::A);
    assert_eq!(jodoin_gierl(0.05, 0.001), LrClass::B);
    assert_eq!(jodoin_gierl(0.07, 0.001), LrClass::C);
}

#[test]
fn uniform_and_nonuniform_dif_are_found_among_three_groups() {
    let base: Vec<ItemModel> =
        (0..20).map(|j| ItemModel::TwoPl { a: 1.2, b: -1.5 + 0.15 * j as f64 }).collect();
    let mut third = base.clone();
    third[0] = ItemModel::TwoPl { a: 1.2, b: 0.9 }; // much harder for group 2: uniform
    third[1] = ItemModel::TwoPl { a: 0.15, b: -1.35 }; // flat for group 2: non-uniform
    let (m, group) = three_groups(&[base.clone(), base.clone(), third], 1500);
    let r = logistic_dif(&m, &group, 3);
    let r0 = r[0].as_ref().unwrap();
    assert!(r0.uniform_p < 1e-10 && r0.class != LrClass::A, "{r0:?}");
    let r1 = r[1].as_ref().unwrap();
    assert!(r1.nonuniform_p < 1e-6, "{r1:?}");
    let flagged = r[2..].iter().filter(|x| x.as_ref().unwrap().class != LrClass::A).count();
    assert_eq!(flagged, 0, "{:?}", &r[2..]);
}
