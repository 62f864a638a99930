//! Ability estimation: EAP (with posterior SD), MAP, MLE and Warm's WLE (with standard errors),
//! for every model.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::IrtError;
use crate::matrix::{MISSING, ResponseMatrix};
use crate::model::ItemModel;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbilityMethod {
    /// Expected a posteriori: posterior mean and SD over a quadrature grid.
    Eap,
    /// Maximum a posteriori (posterior mode) with SE `1/√(I(θ) + 1/σ²)`.
    Map,
    /// Maximum likelihood with SE `1/√I(θ)`; undefined for all-minimum/all-maximum patterns.
    Mle,
    /// Warm's weighted likelihood: the root of `l'(θ) + J(θ)/(2I(θ))` (less biased than the MLE
    /// and finite for all-minimum/all-maximum patterns), SE `1/√I(θ)`.
    Wle,
}

impl std::str::FromStr for AbilityMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "eap" => Ok(Self::Eap),
            "map" => Ok(Self::Map),
            "mle" | "ml" => Ok(Self::Mle),
            "wle" => Ok(Self::Wle),
            o => Err(format!("unknown ability method '{o}' (eap, map, mle or wle)")),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AbilityOptions {
    pub method: AbilityMethod,
    /// Normal prior (EAP, MAP).
    pub prior_mean: f64,
    pub prior_sd: f64,
    /// EAP grid: points on `prior_mean ± range·prior_sd`.
    pub quadrature_points: usize,
    pub range: f64,
    /// MLE/MAP search interval.
    pub bounds: (f64, f64),
    pub max_iterations: usize,
}

impl Default for AbilityOptions {
    fn default() -> Self {
        Self {
            method: AbilityMethod::Eap,
            prior_mean: 0.0,
            prior_sd: 1.0,
            quadrature_points: 81,
            range: 6.0,
            bounds: (-8.0, 8.0),
            max_iterations: 100,
        }
    }
}

/// Why an estimate is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbilityStatus {
    Ok,
    /// MLE: every answered item at its maximum score — the likelihood increases without bound.
    AllMaximum,
    /// MLE: every answered item at score 0 — the likelihood increases as θ → −∞.
    AllMinimum,
    /// No item was answered (EAP/MAP return the prior).
    NoResponses,
    /// The maximum lies on the search bound.
    AtBound,
    NotConverged,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbilityEstimate {
    /// `None` when the estimate does not exist (see `status`), never NaN.
    pub theta: Option<f64>,
    /// Standard error (posterior SD for EAP).
    pub se: Option<f64>,
    pub status: AbilityStatus,
    pub n_answered: usize,
    pub raw_score: f64,
}

/// Estimates one person's ability from their scores on `items` (`MISSING` = not presented).
pub fn estimate(items: &[ItemModel], scores: &[u8], o: &AbilityOptions) -> AbilityEstimate {
    let answered: Vec<(usize, u8)> =
        scores.iter().enumerate().filter(|(_, s)| **s != MISSING).map(|(j, &s)| (j, s)).collect();
    let n_answered = answered.len();
    let raw_score: f64 = answered.iter().map(|(_, s)| *s as f64).sum();
    let loglik = |t: f64| -> (f64, f64, f64) {
        // log-likelihood, its derivative and the test information
        let (mut l, mut d, mut info) = (0.0, 0.0, 0.0);
        for &(j, s) in &answered {
            l += items[j].log_likelihood(t, s);
            d += items[j].dlogl_dtheta(t, s);
            info += items[j].information(t);
        }
        (l, d, info)
    };
    let out = |theta: Option<f64>, se: Option<f64>, status| AbilityEstimate {
        theta,
        se,
        status,
        n_answered,
        raw_score,
    };
    match o.method {
        AbilityMethod::Wle => {
            if n_answered == 0 {
                return out(None, None, AbilityStatus::NoResponses);
            }
            let (t, status) = wle(items, &answered, o.bounds);
            let info: f64 = answered.iter().map(|&(j, _)| items[j].information(t)).sum();
            out(Some(t), (info > 0.0).then(|| 1.0 / info.sqrt()), status)
        }
        AbilityMethod::Eap => {
            let (m, sd) = eap(items, &answered, o);
            out(
                Some(m),
                Some(sd),
                if n_answered == 0 { AbilityStatus::NoResponses } else { AbilityStatus::Ok },
            )
        }
        AbilityMethod::Map | AbilityMethod::Mle => {
            let map = o.method == AbilityMethod::Map;
            if n_answered == 0 {
                return if map {
                    out(Some(o.prior_mean), Some(o.prior_sd), AbilityStatus::NoResponses)
                } else {
                    out(None, None, AbilityStatus::NoResponses)
                };
            }
            if !map {
                if answered.iter().all(|&(j, s)| s >= items[j].max_score()) {
                    return out(None, None, AbilityStatus::AllMaximum);
                }
                if answered.iter().all(|&(_, s)| s == 0) {
                    return out(None, None, AbilityStatus::AllMinimum);
                }
            }
            let prec = if map { 1.0 / (o.prior_sd * o.prior_sd) } else { 0.0 };
            let objective = |t: f64| {
                let (l, d, i) = loglik(t);
                let z = t - o.prior_mean;
                (l - 0.5 * prec * z * z, d - prec * z, i + prec)
            };
            // start at the EAP: close to the mode and safe for multimodal 3PL likelihoods
            let mut t = eap(items, &answered, o).0.clamp(o.bounds.0, o.bounds.1);
            let (mut f, _, _) = objective(t);
            let mut status = AbilityStatus::NotConverged;
            for _ in 0..o.max_iterations {
                let (_, g, info) = objective(t);
                let mut step = (g / info.max(1e-8)).clamp(-1.0, 1.0);
                let mut moved = false;
                for _ in 0..30 {
                    let cand = (t + step).clamp(o.bounds.0, o.bounds.1);
                    let (fc, _, _) = objective(cand);
                    if fc >= f {
                        moved = (cand - t).abs() > 0.0;
                        t = cand;
                        f = fc;
                        break;
                    }
                    step *= 0.5;
                }
                if !moved || step.abs() < 1e-9 {
                    status = AbilityStatus::Ok;
                    break;
                }
            }
            if t <= o.bounds.0 + 1e-9 || t >= o.bounds.1 - 1e-9 {
                status = AbilityStatus::AtBound;
            }
            let (_, _, info) = objective(t);
            out(Some(t), (info > 0.0).then(|| 1.0 / info.sqrt()), status)
        }
    }
}

/// Warm's (1989) estimating function `l'(θ) + J(θ)/(2I(θ))` with `J = Σ_jk P'_jk P''_jk / P_jk`
/// (`P''` by central differences of the analytic `P'`).
fn warm_score(items: &[ItemModel], answered: &[(usize, u8)], t: f64) -> f64 {
    let (mut d, mut info, mut j) = (0.0, 0.0, 0.0);
    let h = 1e-4;
    for &(k, s) in answered {
        let it = &items[k];
        let n = it.n_categories();
        let (mut p, mut dp, mut pu, mut dpu, mut pd, mut dpd) =
            (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        it.dprobs_dtheta(t, &mut p, &mut dp);
        it.dprobs_dtheta(t + h, &mut pu, &mut dpu);
        it.dprobs_dtheta(t - h, &mut pd, &mut dpd);
        d += it.dlogl_dtheta(t, s);
        for c in 0..n {
            let pc = p[c].max(1e-300);
            info += dp[c] * dp[c] / pc;
            j += dp[c] * (dpu[c] - dpd[c]) / (2.0 * h) / pc;
        }
    }
    d + j / (2.0 * info.max(1e-300))
}

/// The WLE by bisection of [`warm_score`] (positive below the estimate, negative above) on
/// `bounds`; a root outside them is reported at the bound.
fn wle(items: &[ItemModel], answered: &[(usize, u8)], bounds: (f64, f64)) -> (f64, AbilityStatus) {
    let (mut lo, mut hi) = bounds;
    if warm_score(items, answered, lo) <= 0.0 {
        return (lo, AbilityStatus::AtBound);
    }
    if warm_score(items, answered, hi) >= 0.0 {
        return (hi, AbilityStatus::AtBound);
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if warm_score(items, answered, mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-10 {
            break;
        }
    }
    (0.5 * (lo + hi), AbilityStatus::Ok)
}

fn eap(items: &[ItemModel], answered: &[(usize, u8)], o: &AbilityOptions) -> (f64, f64) {
    let n = o.quadrature_points.max(5);
    let (lo, hi) = (o.prior_mean - o.range * o.prior_sd, o.prior_mean + o.range * o.prior_sd);
    let step = (hi - lo) / (n - 1) as f64;
    let mut logw = Vec::with_capacity(n);
    for q in 0..n {
        let t = lo + step * q as f64;
        let z = (t - o.prior_mean) / o.prior_sd;
        let mut l = -0.5 * z * z;
        for &(j, s) in answered {
            l += items[j].log_likelihood(t, s);
        }
        logw.push(l);
    }
    let max = logw.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let (mut s, mut m1, mut m2) = (0.0, 0.0, 0.0);
    for (q, l) in logw.iter().enumerate() {
        let t = lo + step * q as f64;
        let w = (l - max).exp();
        s += w;
        m1 += w * t;
        m2 += w * t * t;
    }
    let mean = m1 / s;
    (mean, (m2 / s - mean * mean).max(0.0).sqrt())
}

/// Scores every person of `m` (items matched by position: `items[j]` is column `j`), in parallel.
pub fn score_matrix(
    items: &[ItemModel],
    m: &ResponseMatrix,
    o: &AbilityOptions,
) -> Result<Vec<AbilityEstimate>, IrtError> {
    if items.len() != m.n_items() {
        return Err(IrtError::invalid(format!("{} item models for {} columns", items.len(), m.n_items())));
    }
    for (j, it) in items.iter().enumerate() {
        it.validate().map_err(|message| IrtError::Parameters { item: m.item_ids()[j].clone(), message })?;
    }
    if let Some((j, max)) = m
        .max_observed()
        .iter()
        .enumerate()
        .find_map(|(j, x)| x.filter(|&v| v > items[j].max_score()).map(|v| (j, v)))
    {
        return Err(IrtError::Parameters {
            item: m.item_ids()[j].clone(),
            message: format!("score {max} in the data but the model's maximum is {}", items[j].max_score()),
        });
    }
    Ok((0..m.n_persons()).into_par_iter().map(|p| estimate(items, m.row(p), o)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{draw_thetas, random_items, simulate_responses};

    fn opts(method: AbilityMethod) -> AbilityOptions {
        AbilityOptions { method, ..Default::default() }
    }

    #[test]
    fn extreme_patterns_are_reported_not_nan() {
        let items = random_items(crate::IrtModelKind::TwoPl, 10, 2, 1);
        let right = vec![1u8; 10];
        let wrong = vec![0u8; 10];
        let e = estimate(&items, &right, &opts(AbilityMethod::Mle));
        assert_eq!((e.theta, e.status), (None, AbilityStatus::AllMaximum));
        let e = estimate(&items, &wrong, &opts(AbilityMethod::Mle));
        assert_eq!((e.theta, e.status), (None, AbilityStatus::AllMinimum));
        let e = estimate(&items, &[MISSING; 10], &opts(AbilityMethod::Mle));
        assert_eq!(e.status, AbilityStatus::NoResponses);
        for m in [AbilityMethod::Eap, AbilityMethod::Map] {
            let hi = estimate(&items, &right, &opts(m));
            let lo = estimate(&items, &wrong, &opts(m));
            assert!(hi.theta.unwrap() > 1.0 && lo.theta.unwrap() < -1.0, "{m:?}");
            assert!(hi.se.unwrap().is_finite());
        }
        let json = serde_json::to_string(&estimate(&items, &right, &opts(AbilityMethod::Mle))).unwrap();
        assert!(json.contains("\"theta\":null") && json.contains("all_maximum"), "{json}");
    }

    #[test]
    fn mle_of_one_rasch_item_pair_is_analytic() {
        // two Rasch items with b = 0, one right: the MLE is θ = 0, information 2·¼
        let items = vec![ItemModel::Rasch { b: 0.0 }, ItemModel::Rasch { b: 0.0 }];
        let e = estimate(&items, &[1, 0], &opts(AbilityMethod::Mle));
        assert!(e.theta.unwrap().abs() < 1e-6);
        assert!((e.se.unwrap() - (1.0f64 / 0.5).sqrt()).abs() < 1e-6);
        // MAP with a N(0,1) prior adds precision 1
        let e = estimate(&items, &[1, 0], &opts(AbilityMethod::Map));
        assert!((e.se.unwrap() - (1.0f64 / 1.5).sqrt()).abs() < 1e-6);
    }

    #[test]
    fn estimators_recover_abilities_for_every_model() {
        for (kind, cats) in [
            (crate::IrtModelKind::Rasch, 2),
            (crate::IrtModelKind::TwoPl, 2),
            (crate::IrtModelKind::ThreePl, 2),
            (crate::IrtModelKind::Gpcm, 5),
            (crate::IrtModelKind::Grm, 5),
        ] {
            let items = random_items(kind, 40, cats, 3);
            let th = draw_thetas(400, 0.0, 1.0, 4);
            let m = simulate_responses(&items, &th, 5);
            for method in [AbilityMethod::Eap, AbilityMethod::Map, AbilityMethod::Mle, AbilityMethod::Wle] {
                let est = score_matrix(&items, &m, &opts(method)).unwrap();
                let ok: Vec<&AbilityEstimate> =
                    est.iter().filter(|e| e.status == AbilityStatus::Ok).collect();
                let pairs: Vec<(f64, f64)> = est
                    .iter()
                    .zip(&th)
                    .filter(|(e, _)| e.status == AbilityStatus::Ok)
                    .filter_map(|(e, t)| e.theta.map(|x| (x, *t)))
                    .collect();
                assert!(pairs.len() > 370, "{kind} {method:?}: {} usable", pairs.len());
                let rmse =
                    (pairs.iter().map(|(a, b)| (a - b).powi(2)).sum::<f64>() / pairs.len() as f64).sqrt();
                let mean_se = ok.iter().filter_map(|e| e.se).sum::<f64>() / ok.len() as f64;
                let limit = if kind == crate::IrtModelKind::ThreePl { 0.55 } else { 0.45 };
                assert!(rmse < limit, "{kind} {method:?}: rmse {rmse}");
                // the reported SEs are of the right size
                assert!(
                    (rmse / mean_se) > 0.7 && (rmse / mean_se) < 1.4,
                    "{kind} {method:?}: {rmse} vs {mean_se}"
                );
            }
        }
    }

    /// For the 2PL (an exponential family) Warm's estimate maximises `l(θ) + ½ ln I(θ)`; the
    /// reference maximises that by a fine grid and golden-section search written here.
    #[test]
    fn wle_maximises_the_penalised_likelihood_and_is_finite_for_extremes() {
        let items = random_items(crate::IrtModelKind::TwoPl, 12, 2, 21);
        let pen = |scores: &[u8], t: f64| -> f64 {
            let mut l = 0.0;
            let mut info = 0.0;
            for (it, &s) in items.iter().zip(scores) {
                let ItemModel::TwoPl { a, b } = it else { unreachable!() };
                let p = 1.0 / (1.0 + (-a * (t - b)).exp());
                l += if s == 1 { p.ln() } else { (1.0 - p).ln() };
                info += a * a * p * (1.0 - p);
            }
            l + 0.5 * info.ln()
        };
        let mut patterns = vec![vec![1u8; 12], vec![0u8; 12]];
        patterns.push((0..12).map(|j| (j % 3 == 0) as u8).collect());
        patterns.push((0..12).map(|j| (j % 4 != 0) as u8).collect());
        for sc in &patterns {
            let best = (0..1600)
                .map(|q| -8.0 + 0.01 * q as f64)
                .max_by(|x, y| pen(sc, *x).total_cmp(&pen(sc, *y)))
                .unwrap();
            let (mut lo, mut hi) = (best - 0.01, best + 0.01);
            for _ in 0..100 {
                let (m1, m2) = (lo + 0.382 * (hi - lo), lo + 0.618 * (hi - lo));
                if pen(sc, m1) < pen(sc, m2) { lo = m1 } else { hi = m2 }
            }
            let e = estimate(&items, sc, &opts(AbilityMethod::Wle));
            assert_eq!(e.status, AbilityStatus::Ok, "{sc:?}");
            assert!((e.theta.unwrap() - lo).abs() < 1e-5, "{sc:?}: {:?} vs {lo}", e.theta);
            assert!(e.se.unwrap().is_finite());
        }
        // all right is above the MLE of any pattern with one wrong
        let one_wrong: Vec<u8> = (0..12).map(|j| (j != 0) as u8).collect();
        let mle = estimate(&items, &one_wrong, &opts(AbilityMethod::Mle)).theta.unwrap();
        assert!(estimate(&items, &patterns[0], &opts(AbilityMethod::Wle)).theta.unwrap() > mle - 0.5);
        assert_eq!(
            estimate(&items, &[MISSING; 12], &opts(AbilityMethod::Wle)).status,
            AbilityStatus::NoResponses
        );
    }

    #[test]
    fn eap_shrinks_toward_the_prior_mean_more_than_mle() {
        let items = random_items(crate::IrtModelKind::TwoPl, 10, 2, 8);
        let scores = [1, 1, 1, 1, 1, 1, 1, 1, 0, 1];
        let mle = estimate(&items, &scores, &opts(AbilityMethod::Mle)).theta.unwrap();
        let map = estimate(&items, &scores, &opts(AbilityMethod::Map)).theta.unwrap();
        let eap = estimate(&items, &scores, &opts(AbilityMethod::Eap)).theta.unwrap();
        assert!(mle > map && mle > eap && map > 0.0);
    }

    #[test]
    fn score_matrix_checks_shapes() {
        let items = vec![ItemModel::TwoPl { a: 1.0, b: 0.0 }];
        let m = ResponseMatrix::from_rows(vec!["a".into()], &[vec![2]]).unwrap();
        assert!(score_matrix(&items, &m, &AbilityOptions::default()).is_err());
        assert!(score_matrix(&[], &m, &AbilityOptions::default()).is_err());
    }
}
