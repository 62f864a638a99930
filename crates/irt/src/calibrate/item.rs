//! Items in slope–intercept form for estimation, and the per-item M-step (projected Fisher
//! scoring with a monotone line search, so the expected complete-data log-posterior never
//! decreases and a 3PL lower asymptote resting on its bound does not freeze the other parameters).
//!
//! Internal parameters `ψ = [a, d_1, …, d_m, (c)]`:
//! dichotomous `P = c + (1 − c) L(aθ + d)` (Rasch: `a` is shared), GPCM `P_k ∝ exp(Σ_{v≤k} (aθ + d_v))`,
//! GRM `P(X ≥ k) = L(aθ + d_k)`. IRT form: `b = −d / a`.

use crate::IrtModelKind;
use crate::model::{ItemModel, logistic};

/// Priors used by the M-step.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Priors {
    /// Beta(α, β) prior on the 3PL lower asymptote `c`.
    pub c_beta: (f64, f64),
    /// Optional log-normal prior on the slope: `ln a ~ N(mean, sd²)`.
    pub a_lognormal: Option<(f64, f64)>,
}

impl Default for Priors {
    fn default() -> Self {
        // BILOG-MG's default for 4-option items: Beta(20p + 1, 20(1 − p) + 1) with p = 0.25.
        Self { c_beta: (6.0, 16.0), a_lognormal: None }
    }
}

/// Bounds of the 3PL lower asymptote `c` the estimator keeps to: a flat prior lets `c` reach the
/// lower one (the maximum may lie there), the upper one keeps the item a test item.
pub(crate) const C_BOUNDS: (f64, f64) = (1e-6, 0.95);

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Internal {
    pub kind: IrtModelKind,
    pub a: f64,
    pub d: Vec<f64>,
    pub c: f64,
}

impl Internal {
    pub fn n_cat(&self) -> usize {
        self.d.len() + 1
    }
    /// Length of the internal parameter vector.
    pub fn n_par(&self) -> usize {
        1 + self.d.len() + usize::from(self.kind == IrtModelKind::ThreePl)
    }
    pub fn vector(&self) -> Vec<f64> {
        let mut v = Vec::with_capacity(self.n_par());
        v.push(self.a);
        v.extend_from_slice(&self.d);
        if self.kind == IrtModelKind::ThreePl {
            v.push(self.c);
        }
        v
    }
    pub fn set_vector(&mut self, v: &[f64]) {
        self.a = v[0];
        let m = self.d.len();
        self.d.copy_from_slice(&v[1..=m]);
        if self.kind == IrtModelKind::ThreePl {
            self.c = v[m + 1];
        }
    }

    pub fn from_model(m: &ItemModel) -> Self {
        match m {
            ItemModel::Rasch { b } => Self { kind: IrtModelKind::Rasch, a: 1.0, d: vec![-b], c: 0.0 },
            ItemModel::TwoPl { a, b } => Self { kind: IrtModelKind::TwoPl, a: *a, d: vec![-a * b], c: 0.0 },
            ItemModel::ThreePl { a, b, c } => {
                Self { kind: IrtModelKind::ThreePl, a: *a, d: vec![-a * b], c: *c }
            }
            ItemModel::Gpcm { a, thresholds } => Self {
                kind: IrtModelKind::Gpcm,
                a: *a,
                d: thresholds.iter().map(|t| -a * t).collect(),
                c: 0.0,
            },
            ItemModel::Grm { a, thresholds } => Self {
                kind: IrtModelKind::Grm,
                a: *a,
                d: thresholds.iter().map(|t| -a * t).collect(),
                c: 0.0,
            },
        }
    }

    /// IRT form. A Rasch item's `a` is the common slope on the standard-normal grid, so its
    /// difficulty on the logit scale (θ = a·z) is `−d`.
    pub fn to_model(&self) -> ItemModel {
        let b = |d: f64| -d / self.a;
        match self.kind {
            IrtModelKind::Rasch => ItemModel::Rasch { b: -self.d[0] },
            IrtModelKind::TwoPl => ItemModel::TwoPl { a: self.a, b: b(self.d[0]) },
            IrtModelKind::ThreePl => ItemModel::ThreePl { a: self.a, b: b(self.d[0]), c: self.c },
            IrtModelKind::Gpcm => {
                ItemModel::Gpcm { a: self.a, thresholds: self.d.iter().map(|&d| b(d)).collect() }
            }
            IrtModelKind::Grm => {
                ItemModel::Grm { a: self.a, thresholds: self.d.iter().map(|&d| b(d)).collect() }
            }
        }
    }

    /// Category probabilities at `θ`.
    pub fn probs(&self, theta: f64, out: &mut [f64]) {
        let m = self.d.len();
        match self.kind {
            IrtModelKind::Rasch | IrtModelKind::TwoPl | IrtModelKind::ThreePl => {
                let z = self.a * theta + self.d[0];
                out[1] = self.c + (1.0 - self.c) * logistic(z);
                out[0] = (1.0 - self.c) * logistic(-z);
            }
            IrtModelKind::Gpcm => {
                out[0] = 0.0;
                for k in 1..=m {
                    out[k] = out[k - 1] + self.a * theta + self.d[k - 1];
                }
                let max = out[..=m].iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let mut s = 0.0;
                for v in &mut out[..=m] {
                    *v = (*v - max).exp();
                    s += *v;
                }
                for v in &mut out[..=m] {
                    *v /= s;
                }
            }
            IrtModelKind::Grm => {
                let mut z = [0.0; 256];
                for k in 0..m {
                    z[k] = self.a * theta + self.d[k];
                }
                crate::model::grm_probs(&z[..m], out);
            }
        }
    }

    /// Probabilities and gradients `∂P_k/∂ψ` (row-major `n_cat × n_par`).
    pub fn prob_grad(&self, theta: f64, p: &mut [f64], g: &mut [f64]) {
        self.probs(theta, p);
        let np = self.n_par();
        let m = self.d.len();
        g[..(m + 1) * np].fill(0.0);
        match self.kind {
            IrtModelKind::Rasch | IrtModelKind::TwoPl | IrtModelKind::ThreePl => {
                let z = self.a * theta + self.d[0];
                let (l, q) = (logistic(z), logistic(-z));
                let w = (1.0 - self.c) * l * q;
                g[np] = w * theta;
                g[np + 1] = w;
                if self.kind == IrtModelKind::ThreePl {
                    g[np + 2] = q;
                }
                for i in 0..np {
                    g[i] = -g[np + i];
                }
            }
            IrtModelKind::Gpcm => {
                // z_k = kaθ + Σ_{v≤k} d_v; ∂P_k = P_k (∂z_k − Σ_h P_h ∂z_h).
                let mean_k: f64 = (0..=m).map(|h| h as f64 * p[h]).sum();
                for k in 0..=m {
                    g[k * np] = p[k] * theta * (k as f64 - mean_k);
                }
                // ∂z_k/∂d_v = [v ≤ k]; Σ_h P_h [v ≤ h] = P(X ≥ v).
                let mut tail = vec![0.0; m + 2];
                for v in (0..=m).rev() {
                    tail[v] = tail[v + 1] + p[v];
                }
                for v in 1..=m {
                    for k in 0..=m {
                        let ind = if v <= k { 1.0 } else { 0.0 };
                        g[k * np + v] = p[k] * (ind - tail[v]);
                    }
                }
            }
            IrtModelKind::Grm => {
                for k in 1..=m {
                    let s = logistic(self.a * theta + self.d[k - 1]);
                    let w = s * (1.0 - s);
                    g[k * np] += w * theta;
                    g[k * np + k] += w;
                    g[(k - 1) * np] -= w * theta;
                    g[(k - 1) * np + k] -= w;
                }
            }
        }
    }

    /// The box bounds of internal parameter `i`, if it has any (only the 3PL `c`).
    pub fn bounds(&self, i: usize) -> Option<(f64, f64)> {
        (self.kind == IrtModelKind::ThreePl && i + 1 == self.n_par()).then_some(C_BOUNDS)
    }

    /// Puts bounded parameters back inside their bounds (the projection of projected Newton).
    pub fn project(&mut self) {
        if self.kind == IrtModelKind::ThreePl && self.c.is_finite() {
            self.c = self.c.clamp(C_BOUNDS.0, C_BOUNDS.1);
        }
    }

    /// Whether the parameters are inside the region the estimator allows.
    pub fn feasible(&self) -> bool {
        let v = self.vector();
        if v.iter().any(|x| !x.is_finite()) || self.a.abs() > 20.0 || self.d.iter().any(|d| d.abs() > 60.0) {
            return false;
        }
        match self.kind {
            IrtModelKind::ThreePl => self.a > 0.0 && (C_BOUNDS.0..=C_BOUNDS.1).contains(&self.c),
            IrtModelKind::Grm => self.d.windows(2).all(|w| w[0] > w[1]),
            _ => true,
        }
    }
}

/// Log prior density (up to a constant) and its gradient/negative-Hessian diagonal contributions.
pub(crate) fn log_prior(it: &Internal, priors: &Priors, grad: Option<(&mut [f64], &mut [f64])>) -> f64 {
    let np = it.n_par();
    let mut lp = 0.0;
    let (mut g, mut h) = (vec![0.0; np], vec![0.0; np]);
    if it.kind == IrtModelKind::ThreePl {
        let (al, be) = priors.c_beta;
        let c = it.c;
        lp += (al - 1.0) * c.ln() + (be - 1.0) * (1.0 - c).ln();
        g[np - 1] = (al - 1.0) / c - (be - 1.0) / (1.0 - c);
        h[np - 1] = (al - 1.0) / (c * c) + (be - 1.0) / ((1.0 - c) * (1.0 - c));
    }
    if let Some((mu, sd)) = priors.a_lognormal
        && it.kind != IrtModelKind::Rasch
    {
        let a = it.a.max(1e-12);
        let z = a.ln() - mu;
        lp += -a.ln() - z * z / (2.0 * sd * sd);
        g[0] = -1.0 / a - z / (sd * sd * a);
        // negative second derivative, kept non-negative for a stable scoring step
        h[0] = (-1.0 / (a * a) + (1.0 - z) / (sd * sd * a * a)).max(0.0);
    }
    if let Some((gr, hs)) = grad {
        for i in 0..np {
            gr[i] += g[i];
            hs[i] += h[i];
        }
    }
    lp
}

/// Expected complete-data log-likelihood of one item: `Σ_q Σ_k r[k][q] ln P_k(θ_q)`.
/// `r` is `n_cat × qp`; returns −∞ outside the feasible region.
pub(crate) fn item_loglik(it: &Internal, r: &[f64], theta: &[f64], qp: usize) -> f64 {
    if !it.feasible() {
        return f64::NEG_INFINITY;
    }
    let n = it.n_cat();
    let mut p = [0.0; 256];
    let mut ll = 0.0;
    for (q, &t) in theta.iter().enumerate() {
        it.probs(t, &mut p[..n]);
        for k in 0..n {
            let rk = r[k * qp + q];
            if rk > 0.0 {
                if p[k] <= 0.0 {
                    return f64::NEG_INFINITY;
                }
                ll += rk * p[k].ln();
            }
        }
    }
    ll
}

/// Gradient and expected (Fisher) information of the expected complete-data log-likelihood.
/// Returns `(g, info)` with `info` row-major `n_par × n_par`.
pub(crate) fn score_info(it: &Internal, r: &[f64], theta: &[f64], qp: usize) -> (Vec<f64>, Vec<f64>) {
    let n = it.n_cat();
    let np = it.n_par();
    let mut g = vec![0.0; np];
    let mut info = vec![0.0; np * np];
    let mut p = [0.0; 256];
    let mut dp = vec![0.0; n * np];
    for (q, &t) in theta.iter().enumerate() {
        let nq: f64 = (0..n).map(|k| r[k * qp + q]).sum();
        if nq <= 0.0 {
            continue;
        }
        it.prob_grad(t, &mut p[..n], &mut dp);
        for k in 0..n {
            let pk = p[k].max(1e-300);
            let rk = r[k * qp + q];
            let row = &dp[k * np..(k + 1) * np];
            for i in 0..np {
                g[i] += rk * row[i] / pk;
                let w = nq * row[i] / pk;
                for j in 0..np {
                    info[i * np + j] += w * row[j];
                }
            }
        }
    }
    (g, info)
}

/// Solves `A x = b` for a small symmetric positive (semi)definite `A` by Cholesky with a ridge
/// fallback. Returns `None` if even the ridge fails.
pub(crate) fn solve_spd(a: &[f64], b: &[f64]) -> Option<Vec<f64>> {
    let n = b.len();
    let scale = (0..n).map(|i| a[i * n + i].abs()).fold(0.0, f64::max).max(1e-12);
    for ridge in [0.0, 1e-10, 1e-6, 1e-3, 1e-1] {
        let mut m = a.to_vec();
        for i in 0..n {
            m[i * n + i] += ridge * scale;
        }
        if let Some(l) = cholesky(&m, n) {
            return Some(chol_solve(&l, n, b));
        }
    }
    None
}

pub(crate) fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Some(l)
}

pub(crate) fn chol_solve(l: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..n {
        for k in 0..i {
            y[i] -= l[i * n + k] * y[k];
        }
        y[i] /= l[i * n + i];
    }
    for i in (0..n).rev() {
        for k in i + 1..n {
            y[i] -= l[k * n + i] * y[k];
        }
        y[i] /= l[i * n + i];
    }
    y
}

/// Gradient of the expected complete-data log-posterior of one item and its Fisher information
/// (`info` row-major `n_par × n_par`, the prior's curvature on the diagonal).
pub(crate) fn posterior_score_info(
    it: &Internal,
    r: &[f64],
    theta: &[f64],
    qp: usize,
    priors: &Priors,
) -> (Vec<f64>, Vec<f64>) {
    let (mut g, mut info) = score_info(it, r, theta, qp);
    let np = it.n_par();
    let mut h = vec![0.0; np];
    log_prior(it, priors, Some((&mut g, &mut h)));
    for i in 0..np {
        info[i * np + i] += h[i];
    }
    (g, info)
}

/// The parameters a projected Newton step holds still: free ones resting on a bound whose
/// gradient points out of the box (Bertsekas' active set; `slack` says how close counts as on).
pub(crate) fn active_at_bound(it: &Internal, g: &[f64], i: usize, slack: f64) -> bool {
    let x = it.vector()[i];
    match it.bounds(i) {
        Some((lo, hi)) => (x <= lo + slack && g[i] < 0.0) || (x >= hi - slack && g[i] > 0.0),
        None => false,
    }
}

/// The Newton direction on the parameters `idx` (`None` if the information cannot be inverted).
fn newton_direction(g: &[f64], info: &[f64], np: usize, idx: &[usize]) -> Option<Vec<f64>> {
    let nf = idx.len();
    let mut sub = vec![0.0; nf * nf];
    let mut gs = vec![0.0; nf];
    for (a, &i) in idx.iter().enumerate() {
        gs[a] = g[i];
        for (b, &j) in idx.iter().enumerate() {
            sub[a * nf + b] = info[i * np + j];
        }
    }
    solve_spd(&sub, &gs)
}

/// Maximises `item_loglik + log_prior` over the free parameters (`free[i]`), starting at `it`,
/// by projected Fisher scoring: parameters on a bound with an outward gradient stay there, the
/// others take the Newton step, and the step is searched along the projected path (so `c` may
/// land on its bound while `a` and `d` keep moving). Every accepted step increases the objective,
/// so the M-step is monotone.
pub(crate) fn optimize_item(
    it: &mut Internal,
    r: &[f64],
    theta: &[f64],
    qp: usize,
    priors: &Priors,
    free: &[bool],
    max_iter: usize,
) {
    let objective = |x: &Internal| item_loglik(x, r, theta, qp) + log_prior(x, priors, None);
    let mut f = objective(it);
    let np = it.n_par();
    if !free.iter().any(|&x| x) {
        return;
    }
    for _ in 0..max_iter {
        let (g, info) = posterior_score_info(it, r, theta, qp, priors);
        // first the ε-active set of projected Newton; if that path gains nothing, also hold
        // every parameter resting on its bound whatever its gradient
        let mut moved = None;
        for hold_all_on_bound in [false, true] {
            let idx: Vec<usize> = (0..np)
                .filter(|&i| {
                    free[i]
                        && !active_at_bound(it, &g, i, BOUND_SLACK)
                        && !(hold_all_on_bound && on_bound(it, i))
                })
                .collect();
            if idx.is_empty() {
                break;
            }
            let Some(delta) = newton_direction(&g, &info, np, &idx) else { break };
            if let Some(step) = projected_search(it, &mut f, &idx, &delta, &objective) {
                moved = Some(step);
                break;
            }
        }
        match moved {
            Some(size) if size >= 1e-10 => {}
            _ => return,
        }
    }
}

/// How close to a bound a parameter must be to count as resting on it.
pub(crate) const BOUND_SLACK: f64 = 1e-8;

fn on_bound(it: &Internal, i: usize) -> bool {
    let x = it.vector()[i];
    it.bounds(i).is_some_and(|(lo, hi)| x <= lo + BOUND_SLACK || x >= hi - BOUND_SLACK)
}

/// Backtracking along `x + s·delta` (on `idx`) projected onto the bounds; on the first step
/// that does not decrease the objective, moves `it` there and returns the largest change.
fn projected_search(
    it: &mut Internal,
    f: &mut f64,
    idx: &[usize],
    delta: &[f64],
    objective: &impl Fn(&Internal) -> f64,
) -> Option<f64> {
    // cap the step so a flat likelihood cannot throw the parameters far away
    let big = delta.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let mut step = if big > 2.0 { 2.0 / big } else { 1.0 };
    let base = it.vector();
    for _ in 0..40 {
        let mut v = base.clone();
        for (a, &i) in idx.iter().enumerate() {
            v[i] += step * delta[a];
        }
        let mut cand = it.clone();
        cand.set_vector(&v);
        cand.project();
        let fc = objective(&cand);
        if fc >= *f {
            let size = cand.vector().iter().zip(&base).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
            *it = cand;
            *f = fc;
            return Some(size);
        }
        step *= 0.5;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> Vec<ItemModel> {
        vec![
            ItemModel::Rasch { b: 0.4 },
            ItemModel::TwoPl { a: 1.3, b: -0.7 },
            ItemModel::ThreePl { a: 0.9, b: 0.5, c: 0.2 },
            ItemModel::Gpcm { a: 1.1, thresholds: vec![-1.0, 0.2, 0.9] },
            ItemModel::Grm { a: 1.4, thresholds: vec![-1.0, 0.1, 1.2] },
        ]
    }

    #[test]
    fn internal_form_round_trips_and_matches_probabilities() {
        for m in items() {
            let it = Internal::from_model(&m);
            assert_eq!(it.to_model().params().len(), m.params().len());
            for (x, y) in it.to_model().params().iter().zip(m.params()) {
                assert!((x - y).abs() < 1e-12);
            }
            let n = m.n_categories();
            let (mut p1, mut p2) = (vec![0.0; n], vec![0.0; n]);
            for t in [-2.0, 0.0, 1.5] {
                m.probs(t, &mut p1);
                it.probs(t, &mut p2);
                for k in 0..n {
                    assert!((p1[k] - p2[k]).abs() < 1e-12, "{m:?}");
                }
            }
        }
    }

    #[test]
    fn internal_gradients_match_finite_differences() {
        for m in items() {
            let it = Internal::from_model(&m);
            let (n, np) = (it.n_cat(), it.n_par());
            let (mut p, mut g) = (vec![0.0; n], vec![0.0; n * np]);
            let t = 0.37;
            it.prob_grad(t, &mut p, &mut g);
            let v = it.vector();
            for i in 0..np {
                let (mut up, mut dn) = (it.clone(), it.clone());
                let (mut vu, mut vd) = (v.clone(), v.clone());
                vu[i] += 1e-6;
                vd[i] -= 1e-6;
                up.set_vector(&vu);
                dn.set_vector(&vd);
                let (mut pu, mut pd) = (vec![0.0; n], vec![0.0; n]);
                up.probs(t, &mut pu);
                dn.probs(t, &mut pd);
                for k in 0..n {
                    let fd = (pu[k] - pd[k]) / 2e-6;
                    assert!((fd - g[k * np + i]).abs() < 1e-7, "{m:?} k={k} i={i}");
                }
            }
        }
    }

    #[test]
    fn m_step_recovers_parameters_from_exact_expected_counts() {
        let theta: Vec<f64> = (0..41).map(|q| -6.0 + 0.3 * q as f64).collect();
        for truth in items() {
            let tr = Internal::from_model(&truth);
            let n = tr.n_cat();
            let mut r = vec![0.0; n * 41];
            let mut p = vec![0.0; n];
            for (q, &t) in theta.iter().enumerate() {
                let w = 1000.0 * (-t * t / 2.0).exp();
                tr.probs(t, &mut p);
                for k in 0..n {
                    r[k * 41 + q] = w * p[k];
                }
            }
            let mut it = tr.clone();
            it.a = if tr.kind == IrtModelKind::Rasch { 1.0 } else { 0.8 };
            for d in &mut it.d {
                *d *= 0.5;
            }
            if tr.kind == IrtModelKind::ThreePl {
                it.c = 0.25;
            }
            let free: Vec<bool> =
                (0..it.n_par()).map(|i| !(tr.kind == IrtModelKind::Rasch && i == 0)).collect();
            let flat = Priors { c_beta: (1.0, 1.0), a_lognormal: None };
            optimize_item(&mut it, &r, &theta, 41, &flat, &free, 200);
            for (x, y) in it.vector().iter().zip(tr.vector()) {
                assert!((x - y).abs() < 1e-4, "{truth:?}: {:?}", it.vector());
            }
        }
    }
}
