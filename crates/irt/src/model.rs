//! Item response models: probabilities, information and analytic derivatives.
//!
//! All models are logistic without the 1.7 (D) constant. Dichotomous models score 0/1; the
//! polytomous GPCM and GRM score `0..=thresholds.len()` (a `true_false_group` has 4 thresholds).

use khaothi_domain::IrtModelKind;
use serde::{Deserialize, Serialize};

/// The logistic function, evaluated without overflow for large |x|.
#[inline]
pub fn logistic(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// One item's response model with its parameters. Serialises as the interchange `irt` object,
/// e.g. `{"model":"2pl","a":1.2,"b":-0.3}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model")]
pub enum ItemModel {
    /// `P = 1 / (1 + exp(−(θ − b)))`.
    #[serde(rename = "rasch")]
    Rasch { b: f64 },
    /// `P = 1 / (1 + exp(−a(θ − b)))`.
    #[serde(rename = "2pl")]
    TwoPl { a: f64, b: f64 },
    /// `P = c + (1 − c) / (1 + exp(−a(θ − b)))`.
    #[serde(rename = "3pl")]
    ThreePl { a: f64, b: f64, c: f64 },
    /// Generalized partial credit: `P(k) ∝ exp(Σ_{v≤k} a(θ − b_v))`, `k = 0..=m`.
    #[serde(rename = "gpcm")]
    Gpcm { a: f64, thresholds: Vec<f64> },
    /// Graded response: `P(X ≥ k) = 1 / (1 + exp(−a(θ − b_k)))`, increasing `b_k`.
    #[serde(rename = "grm")]
    Grm { a: f64, thresholds: Vec<f64> },
}

impl ItemModel {
    pub fn kind(&self) -> IrtModelKind {
        match self {
            Self::Rasch { .. } => IrtModelKind::Rasch,
            Self::TwoPl { .. } => IrtModelKind::TwoPl,
            Self::ThreePl { .. } => IrtModelKind::ThreePl,
            Self::Gpcm { .. } => IrtModelKind::Gpcm,
            Self::Grm { .. } => IrtModelKind::Grm,
        }
    }

    /// Highest score: 1 for dichotomous models, `thresholds.len()` for polytomous ones.
    pub fn max_score(&self) -> u8 {
        match self {
            Self::Gpcm { thresholds, .. } | Self::Grm { thresholds, .. } => thresholds.len() as u8,
            _ => 1,
        }
    }

    /// Location used by difficulty limits: `b`, or the mean threshold of a polytomous model.
    pub fn difficulty(&self) -> f64 {
        match self {
            Self::Rasch { b } | Self::TwoPl { b, .. } | Self::ThreePl { b, .. } => *b,
            Self::Gpcm { thresholds, .. } | Self::Grm { thresholds, .. } => {
                thresholds.iter().sum::<f64>() / thresholds.len() as f64
            }
        }
    }

    /// All category probabilities at `θ`, as a new vector.
    pub fn category_probabilities(&self, theta: f64) -> Vec<f64> {
        let mut p = vec![0.0; self.n_categories()];
        self.probs(theta, &mut p);
        p
    }

    /// Number of score categories (`max_score + 1`).
    pub fn n_categories(&self) -> usize {
        self.max_score() as usize + 1
    }

    /// Discrimination (1 for Rasch).
    pub fn a(&self) -> f64 {
        match self {
            Self::Rasch { .. } => 1.0,
            Self::TwoPl { a, .. } | Self::ThreePl { a, .. } => *a,
            Self::Gpcm { a, .. } | Self::Grm { a, .. } => *a,
        }
    }

    /// The parameter vector in a fixed order: Rasch `[b]`, 2PL `[a, b]`, 3PL `[a, b, c]`,
    /// GPCM/GRM `[a, b_1, …, b_m]`.
    pub fn params(&self) -> Vec<f64> {
        match self {
            Self::Rasch { b } => vec![*b],
            Self::TwoPl { a, b } => vec![*a, *b],
            Self::ThreePl { a, b, c } => vec![*a, *b, *c],
            Self::Gpcm { a, thresholds } | Self::Grm { a, thresholds } => {
                let mut v = vec![*a];
                v.extend_from_slice(thresholds);
                v
            }
        }
    }

    /// The same model family with a new parameter vector (order as in [`ItemModel::params`]).
    pub fn with_params(&self, p: &[f64]) -> ItemModel {
        match self {
            Self::Rasch { .. } => Self::Rasch { b: p[0] },
            Self::TwoPl { .. } => Self::TwoPl { a: p[0], b: p[1] },
            Self::ThreePl { .. } => Self::ThreePl { a: p[0], b: p[1], c: p[2] },
            Self::Gpcm { .. } => Self::Gpcm { a: p[0], thresholds: p[1..].to_vec() },
            Self::Grm { .. } => Self::Grm { a: p[0], thresholds: p[1..].to_vec() },
        }
    }

    /// Checks that the parameters describe a proper model.
    pub fn validate(&self) -> Result<(), String> {
        let p = self.params();
        if p.iter().any(|x| !x.is_finite()) {
            return Err("parameters must be finite numbers".into());
        }
        match self {
            Self::Rasch { .. } => {}
            Self::TwoPl { a, .. } | Self::Gpcm { a, .. } | Self::Grm { a, .. } if *a <= 0.0 => {
                return Err(format!("a must be positive, got {a}"));
            }
            Self::ThreePl { a, c, .. } => {
                if *a <= 0.0 {
                    return Err(format!("a must be positive, got {a}"));
                }
                if !(0.0..1.0).contains(c) {
                    return Err(format!("c must be in [0, 1), got {c}"));
                }
            }
            _ => {}
        }
        match self {
            Self::Gpcm { thresholds, .. } | Self::Grm { thresholds, .. } if thresholds.is_empty() => {
                Err("a polytomous model needs at least one threshold".into())
            }
            Self::Gpcm { thresholds, .. } | Self::Grm { thresholds, .. } if thresholds.len() > 250 => {
                Err("too many thresholds".into())
            }
            Self::Grm { thresholds, .. } if thresholds.windows(2).any(|w| w[0] >= w[1]) => {
                Err("grm thresholds must be strictly increasing".into())
            }
            _ => Ok(()),
        }
    }

    /// `P(X = score | θ)`; 0 for a score above [`ItemModel::max_score`].
    pub fn prob(&self, theta: f64, score: u8) -> f64 {
        if score > self.max_score() {
            return 0.0;
        }
        let mut p = vec![0.0; self.n_categories()];
        self.probs(theta, &mut p);
        p[score as usize]
    }

    /// All category probabilities at `θ` into `out` (length `n_categories`).
    pub fn probs(&self, theta: f64, out: &mut [f64]) {
        match self {
            Self::Rasch { b } => dich(logistic(theta - b), logistic(b - theta), out),
            Self::TwoPl { a, b } => {
                let z = a * (theta - b);
                dich(logistic(z), logistic(-z), out)
            }
            Self::ThreePl { a, b, c } => {
                let z = a * (theta - b);
                dich(c + (1.0 - c) * logistic(z), (1.0 - c) * logistic(-z), out)
            }
            Self::Gpcm { a, thresholds } => gpcm_probs(*a, thresholds, theta, out),
            Self::Grm { a, thresholds } => {
                let z: Vec<f64> = thresholds.iter().map(|t| a * (theta - t)).collect();
                grm_probs(&z, out);
            }
        }
    }

    /// `E[X | θ]`.
    pub fn expected_score(&self, theta: f64) -> f64 {
        let mut p = vec![0.0; self.n_categories()];
        self.probs(theta, &mut p);
        p.iter().enumerate().map(|(k, pk)| k as f64 * pk).sum()
    }

    /// Category probabilities and their derivatives with respect to `θ`.
    pub fn dprobs_dtheta(&self, theta: f64, p: &mut [f64], dp: &mut [f64]) {
        self.probs(theta, p);
        match self {
            Self::Rasch { .. } | Self::TwoPl { .. } => {
                let d = self.a() * p[0] * p[1];
                dp[1] = d;
                dp[0] = -d;
            }
            Self::ThreePl { a, b, c } => {
                let z = a * (theta - b);
                let d = (1.0 - c) * a * logistic(z) * logistic(-z);
                dp[1] = d;
                dp[0] = -d;
            }
            Self::Gpcm { a, .. } => {
                let mean: f64 = p.iter().enumerate().map(|(k, pk)| k as f64 * pk).sum();
                for k in 0..p.len() {
                    dp[k] = a * p[k] * (k as f64 - mean);
                }
            }
            Self::Grm { a, thresholds } => {
                let m = thresholds.len();
                let mut upper = 0.0; // derivative of P*_k, P*_0 = 1
                for k in 0..m {
                    let s = logistic(a * (theta - thresholds[k]));
                    let ds = a * s * (1.0 - s);
                    dp[k] = upper - ds;
                    upper = ds;
                }
                dp[m] = upper;
            }
        }
    }

    /// Fisher information `I(θ) = Σ_k P_k'(θ)² / P_k(θ)` (closed forms for dichotomous models).
    pub fn information(&self, theta: f64) -> f64 {
        match self {
            Self::Rasch { b } => {
                let p = logistic(theta - b);
                p * (1.0 - p)
            }
            Self::TwoPl { a, b } => {
                let z = a * (theta - b);
                a * a * logistic(z) * logistic(-z)
            }
            Self::ThreePl { a, b, c } => {
                let z = a * (theta - b);
                let l = logistic(z);
                let p = c + (1.0 - c) * l;
                let q = (1.0 - c) * logistic(-z);
                if p <= 0.0 || q <= 0.0 {
                    return 0.0;
                }
                let d = (1.0 - c) * a * l * logistic(-z);
                d * d / (p * q)
            }
            Self::Gpcm { a, .. } => {
                let n = self.n_categories();
                let mut p = vec![0.0; n];
                self.probs(theta, &mut p);
                let mean: f64 = p.iter().enumerate().map(|(k, pk)| k as f64 * pk).sum();
                let var: f64 = p.iter().enumerate().map(|(k, pk)| (k as f64 - mean).powi(2) * pk).sum();
                a * a * var
            }
            Self::Grm { .. } => {
                let n = self.n_categories();
                let (mut p, mut dp) = (vec![0.0; n], vec![0.0; n]);
                self.dprobs_dtheta(theta, &mut p, &mut dp);
                p.iter().zip(&dp).filter(|(pk, _)| **pk > 1e-300).map(|(pk, d)| d * d / pk).sum()
            }
        }
    }

    /// `ln P(X = score | θ)`, floored at `ln(1e-300)`.
    pub fn log_likelihood(&self, theta: f64, score: u8) -> f64 {
        self.prob(theta, score).max(1e-300).ln()
    }

    /// `∂ ln P(X = score | θ) / ∂θ` (analytic).
    pub fn dlogl_dtheta(&self, theta: f64, score: u8) -> f64 {
        let n = self.n_categories();
        let (mut p, mut dp) = (vec![0.0; n], vec![0.0; n]);
        self.dprobs_dtheta(theta, &mut p, &mut dp);
        let k = score as usize;
        dp[k] / p[k].max(1e-300)
    }

    /// Category probabilities and their gradients with respect to the parameter vector
    /// ([`ItemModel::params`] order). `grad` is row-major `n_categories × n_params`.
    pub fn prob_param_grad(&self, theta: f64, p: &mut [f64], grad: &mut [f64]) {
        self.probs(theta, p);
        let np = self.params().len();
        grad[..p.len() * np].fill(0.0);
        match self {
            Self::Rasch { .. } => {
                let d = p[0] * p[1];
                grad[np] = -d;
                grad[0] = d;
            }
            Self::TwoPl { a, b } => {
                let d = p[0] * p[1];
                grad[np] = d * (theta - b);
                grad[np + 1] = -a * d;
                grad[0] = -grad[np];
                grad[1] = -grad[np + 1];
            }
            Self::ThreePl { a, b, c } => {
                let z = a * (theta - b);
                let (l, q) = (logistic(z), logistic(-z));
                let d = (1.0 - c) * l * q;
                grad[np] = d * (theta - b);
                grad[np + 1] = -a * d;
                grad[np + 2] = q;
                for i in 0..3 {
                    grad[i] = -grad[np + i];
                }
            }
            Self::Gpcm { a, thresholds } => {
                // z_k = Σ_{v≤k} a(θ − b_v); ∂P_k/∂ψ = P_k (∂z_k/∂ψ − Σ_h P_h ∂z_h/∂ψ).
                let m = thresholds.len();
                let n = m + 1;
                let mut dz = vec![0.0; n * np];
                for k in 1..n {
                    dz[k * np] = dz[(k - 1) * np] + (theta - thresholds[k - 1]);
                    for v in 1..=k {
                        dz[k * np + v] = -a;
                    }
                }
                for col in 0..np {
                    let mean: f64 = (0..n).map(|h| p[h] * dz[h * np + col]).sum();
                    for k in 0..n {
                        grad[k * np + col] = p[k] * (dz[k * np + col] - mean);
                    }
                }
            }
            Self::Grm { a, thresholds } => {
                let m = thresholds.len();
                // derivatives of P*_k (k = 1..m) w.r.t. a and b_k; P_k = P*_k − P*_{k+1}.
                for k in 1..=m {
                    let s = logistic(a * (theta - thresholds[k - 1]));
                    let w = s * (1.0 - s);
                    let (da, db) = (w * (theta - thresholds[k - 1]), -a * w);
                    // + to category k, − to category k−1
                    grad[k * np] += da;
                    grad[k * np + k] += db;
                    grad[(k - 1) * np] -= da;
                    grad[(k - 1) * np + k] -= db;
                }
            }
        }
    }

    /// Puts the item on a new scale `θ* = A θ + B` (linking): `a* = a / A`, `b* = A b + B`,
    /// `c* = c`. A Rasch item keeps slope 1, so only `B` applies to it unless `A = 1`.
    pub fn rescaled(&self, big_a: f64, big_b: f64) -> ItemModel {
        match self {
            Self::Rasch { b } => Self::Rasch { b: big_a * b + big_b },
            Self::TwoPl { a, b } => Self::TwoPl { a: a / big_a, b: big_a * b + big_b },
            Self::ThreePl { a, b, c } => Self::ThreePl { a: a / big_a, b: big_a * b + big_b, c: *c },
            Self::Gpcm { a, thresholds } => Self::Gpcm {
                a: a / big_a,
                thresholds: thresholds.iter().map(|t| big_a * t + big_b).collect(),
            },
            Self::Grm { a, thresholds } => {
                Self::Grm { a: a / big_a, thresholds: thresholds.iter().map(|t| big_a * t + big_b).collect() }
            }
        }
    }
}

/// GRM category probabilities from the cumulative logits `z_k` (k = 1..m), computing each
/// difference on the side of ½ where it does not cancel.
pub(crate) fn grm_probs(z: &[f64], out: &mut [f64]) {
    let m = z.len();
    // P*_0 = 1 (z = +∞), P*_{m+1} = 0 (z = −∞)
    let zk = |k: usize| {
        if k == 0 {
            f64::INFINITY
        } else if k > m {
            f64::NEG_INFINITY
        } else {
            z[k - 1]
        }
    };
    for k in 0..=m {
        let (hi, lo) = (zk(k), zk(k + 1));
        out[k] = if lo >= 0.0 {
            // both upper probabilities above ½: Q*_{k+1} − Q*_k
            logistic(-lo) - logistic(-hi)
        } else {
            logistic(hi) - logistic(lo)
        }
        .max(0.0);
    }
}

#[inline]
fn dich(p: f64, q: f64, out: &mut [f64]) {
    out[0] = q;
    out[1] = p;
}

fn gpcm_probs(a: f64, thresholds: &[f64], theta: f64, out: &mut [f64]) {
    let m = thresholds.len();
    out[0] = 0.0;
    for k in 1..=m {
        out[k] = out[k - 1] + a * (theta - thresholds[k - 1]);
    }
    let max = out[..=m].iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for v in out[..=m].iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in out[..=m].iter_mut() {
        *v /= sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn models() -> Vec<ItemModel> {
        vec![
            ItemModel::Rasch { b: 0.3 },
            ItemModel::TwoPl { a: 1.4, b: -0.5 },
            ItemModel::ThreePl { a: 1.1, b: 0.2, c: 0.2 },
            ItemModel::Gpcm { a: 0.9, thresholds: vec![-1.0, 0.5, 0.2, 1.3] },
            ItemModel::Grm { a: 1.3, thresholds: vec![-1.5, -0.2, 0.7, 1.8] },
        ]
    }

    fn arb_model() -> impl Strategy<Value = ItemModel> {
        let a = 0.2f64..3.0;
        let b = -3.0f64..3.0;
        prop_oneof![
            b.clone().prop_map(|b| ItemModel::Rasch { b }),
            (a.clone(), b.clone()).prop_map(|(a, b)| ItemModel::TwoPl { a, b }),
            (a.clone(), b.clone(), 0.0f64..0.4).prop_map(|(a, b, c)| ItemModel::ThreePl { a, b, c }),
            (a.clone(), prop::collection::vec(-3.0f64..3.0, 1..5))
                .prop_map(|(a, thresholds)| ItemModel::Gpcm { a, thresholds }),
            (a, prop::collection::vec(0.1f64..1.5, 1..5)).prop_map(|(a, gaps)| {
                let mut t = -2.5;
                let thresholds = gaps.iter().map(|g| {
                    t += g;
                    t
                });
                ItemModel::Grm { a, thresholds: thresholds.collect() }
            }),
        ]
    }

    #[test]
    fn serde_is_the_interchange_irt_object() {
        let m: ItemModel = serde_json::from_str(r#"{"model":"2pl","a":1.2,"b":-0.3}"#).unwrap();
        assert_eq!(m, ItemModel::TwoPl { a: 1.2, b: -0.3 });
        let g = ItemModel::Gpcm { a: 1.0, thresholds: vec![0.0, 1.0] };
        let s = serde_json::to_string(&g).unwrap();
        assert_eq!(s, r#"{"model":"gpcm","a":1.0,"thresholds":[0.0,1.0]}"#);
    }

    #[test]
    fn known_values() {
        let m = ItemModel::ThreePl { a: 1.0, b: 0.0, c: 0.25 };
        assert!((m.prob(0.0, 1) - 0.625).abs() < 1e-12);
        let m = ItemModel::TwoPl { a: 2.0, b: 1.0 };
        assert!((m.information(1.0) - 1.0).abs() < 1e-12); // a² · ¼
        // a GPCM / GRM with one threshold is a 2PL
        let g = ItemModel::Gpcm { a: 2.0, thresholds: vec![1.0] };
        let r = ItemModel::Grm { a: 2.0, thresholds: vec![1.0] };
        for t in [-2.0, 0.3, 1.7] {
            assert!((g.prob(t, 1) - m.prob(t, 1)).abs() < 1e-12);
            assert!((r.prob(t, 1) - m.prob(t, 1)).abs() < 1e-12);
            assert!((g.information(t) - m.information(t)).abs() < 1e-12);
            assert!((r.information(t) - m.information(t)).abs() < 1e-12);
        }
        assert_eq!(models()[3].max_score(), 4);
    }

    #[test]
    fn validation_rejects_bad_parameters() {
        assert!(ItemModel::TwoPl { a: -1.0, b: 0.0 }.validate().is_err());
        assert!(ItemModel::ThreePl { a: 1.0, b: 0.0, c: 1.2 }.validate().is_err());
        assert!(ItemModel::Grm { a: 1.0, thresholds: vec![1.0, 0.0] }.validate().is_err());
        assert!(ItemModel::Gpcm { a: 1.0, thresholds: vec![1.0, 0.0] }.validate().is_ok());
        assert!(ItemModel::TwoPl { a: f64::NAN, b: 0.0 }.validate().is_err());
    }

    #[test]
    fn generic_information_matches_closed_forms() {
        for m in models() {
            for t in [-3.0, -0.4, 0.0, 1.1, 2.5] {
                let n = m.n_categories();
                let (mut p, mut dp) = (vec![0.0; n], vec![0.0; n]);
                m.dprobs_dtheta(t, &mut p, &mut dp);
                let generic: f64 = p.iter().zip(&dp).map(|(p, d)| d * d / p).sum();
                assert!((generic - m.information(t)).abs() < 1e-10, "{m:?} at {t}");
            }
        }
    }

    proptest! {
        #[test]
        fn probabilities_sum_to_one_and_information_is_nonnegative(m in arb_model(), t in -6.0f64..6.0) {
            let n = m.n_categories();
            let mut p = vec![0.0; n];
            m.probs(t, &mut p);
            prop_assert!(p.iter().all(|x| *x >= 0.0 && *x <= 1.0));
            prop_assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            prop_assert!(m.information(t) >= 0.0);
            let e = m.expected_score(t);
            prop_assert!(e >= 0.0 && e <= m.max_score() as f64 + 1e-12);
        }

        #[test]
        fn theta_derivatives_match_finite_differences(m in arb_model(), t in -4.0f64..4.0) {
            let h = 1e-6;
            for k in 0..=m.max_score() {
                let fd = (m.log_likelihood(t + h, k) - m.log_likelihood(t - h, k)) / (2.0 * h);
                let an = m.dlogl_dtheta(t, k);
                prop_assert!((fd - an).abs() < 1e-5 * (1.0 + an.abs()), "{:?} k={} fd={} an={}", m, k, fd, an);
            }
        }

        #[test]
        fn parameter_derivatives_match_finite_differences(m in arb_model(), t in -4.0f64..4.0) {
            let n = m.n_categories();
            let params = m.params();
            let np = params.len();
            let (mut p, mut g) = (vec![0.0; n], vec![0.0; n * np]);
            m.prob_param_grad(t, &mut p, &mut g);
            let h = 1e-6;
            for i in 0..np {
                let (mut up, mut dn) = (params.clone(), params.clone());
                up[i] += h;
                dn[i] -= h;
                let (mu, md) = (m.with_params(&up), m.with_params(&dn));
                for k in 0..n {
                    let fd = (mu.prob(t, k as u8) - md.prob(t, k as u8)) / (2.0 * h);
                    prop_assert!((fd - g[k * np + i]).abs() < 1e-6, "{:?} k={} i={} fd={} an={}", m, k, i, fd, g[k * np + i]);
                }
            }
        }
    }
}
