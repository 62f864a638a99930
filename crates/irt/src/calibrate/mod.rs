//! Marginal maximum likelihood calibration by EM (Bock–Aitkin).
//!
//! θ ~ N(0, 1) on a grid of equally spaced points (default 41 on [−6, 6]); with anchors the
//! population mean and SD are estimated and anchored items stay fixed, so new items land on the
//! anchors' scale. A free Rasch calibration estimates the SD of θ (the common slope) instead.

pub(crate) mod estep;
pub mod item;
mod prepare;
mod se;

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::IrtModelKind;
use crate::error::IrtError;
use crate::matrix::ResponseMatrix;
use crate::model::ItemModel;
use estep::{Encoded, Grid, Layout};
pub use item::Priors;
use item::{Internal, log_prior, optimize_item};
use prepare::{Setup, delta_se, extreme_warnings, setup, warn};

/// Options of [`calibrate`]. `Default` is the documented default of the `calibrate` command.
#[derive(Debug, Clone)]
pub struct CalibrationOptions {
    /// Model for dichotomous items (and for all items if polytomous).
    pub model: IrtModelKind,
    /// Model for items with scores above 1 when `model` is dichotomous.
    pub polytomous_model: IrtModelKind,
    /// Number of equally spaced quadrature points on `[−range, range]`.
    pub quadrature_points: usize,
    pub quadrature_range: f64,
    /// Convergence: largest absolute change of any parameter (IRT metric) between cycles.
    pub tolerance: f64,
    pub max_iterations: usize,
    /// Fisher-scoring iterations per item in each M-step.
    pub m_step_iterations: usize,
    pub priors: Priors,
    /// Items held fixed at known parameters (fixed-item / anchor calibration), by item id.
    pub anchors: BTreeMap<String, ItemModel>,
    /// Free Rasch calibration: estimate the SD of θ (true) or fix it at 1 (false).
    pub estimate_rasch_sd: bool,
    pub standard_errors: bool,
    /// Worker threads (`None`: rayon's default, one per core).
    pub threads: Option<usize>,
    /// Use the plain per-person log-space E-step (the precision reference) instead of the
    /// pattern-table fast path.
    pub reference_estep: bool,
    /// Float type of the fast E-step's inner loops (accumulation is f64 either way).
    pub precision: Precision,
    /// SQUAREM acceleration of EM (each extrapolation is checked and falls back to plain EM).
    pub accelerate: bool,
    /// Starting values by item position (used when the model family matches the item's).
    pub start: Option<Vec<ItemModel>>,
}

impl Default for CalibrationOptions {
    fn default() -> Self {
        Self {
            model: IrtModelKind::TwoPl,
            polytomous_model: IrtModelKind::Gpcm,
            quadrature_points: 41,
            quadrature_range: 6.0,
            tolerance: 1e-4,
            max_iterations: 500,
            m_step_iterations: 10,
            priors: Priors::default(),
            anchors: BTreeMap::new(),
            estimate_rasch_sd: true,
            standard_errors: true,
            threads: None,
            reference_estep: false,
            start: None,
            precision: Precision::F32,
            accelerate: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    F32,
    F64,
}

#[derive(Debug, Clone)]
struct State {
    items: Vec<Internal>,
    mu: f64,
    sigma: f64,
}

impl State {
    fn vector(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self.items.iter().flat_map(Internal::vector).collect();
        v.push(self.mu);
        v.push(self.sigma);
        v
    }
    fn set_vector(&mut self, v: &[f64]) {
        let mut at = 0;
        for it in &mut self.items {
            let n = it.n_par();
            it.set_vector(&v[at..at + n]);
            at += n;
        }
        self.mu = v[at];
        self.sigma = v[at + 1];
    }
    fn feasible(&self) -> bool {
        self.sigma > 0.05
            && self.items.iter().all(|it| it.feasible() && (it.kind != IrtModelKind::Rasch || it.a > 0.0))
    }
}

/// One calibrated (or anchored) item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibratedItem {
    pub id: String,
    pub model: ItemModel,
    /// Standard errors aligned with [`ItemModel::params`]; `None` for fixed or unavailable ones.
    pub se: Vec<Option<f64>>,
    pub anchored: bool,
    /// Number of persons who answered the item.
    pub n: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    NoVariance,
    UnobservedCategory,
    ModelSubstituted,
    ExtremeEstimate,
    NotConverged,
    StandardErrors,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationWarning {
    pub item: Option<String>,
    pub kind: WarningKind,
    pub message: String,
}

/// Everything a calibration run reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationResult {
    pub model: IrtModelKind,
    pub items: Vec<CalibratedItem>,
    /// Marginal log-likelihood at the final estimates.
    pub loglik: f64,
    /// Log-likelihood plus the log prior densities (what EM maximises).
    pub log_posterior: f64,
    pub aic: f64,
    pub bic: f64,
    pub n_parameters: usize,
    pub iterations: usize,
    pub converged: bool,
    /// Largest parameter change in the last cycle.
    pub max_change: f64,
    pub theta_mean: f64,
    pub theta_sd: f64,
    /// Standard error of `theta_sd` when a free Rasch calibration estimated it.
    pub theta_sd_se: Option<f64>,
    pub n_persons: usize,
    pub n_unique_patterns: usize,
    pub quadrature_points: usize,
    pub warnings: Vec<CalibrationWarning>,
    /// Log-posterior at each E-step (non-decreasing for plain EM: `accelerate: false`).
    pub history: Vec<f64>,
}

/// Calibrates every item of `m` (anchored items stay fixed).
pub fn calibrate(m: &ResponseMatrix, opts: &CalibrationOptions) -> Result<CalibrationResult, IrtError> {
    match opts.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| IrtError::Numerical(format!("thread pool: {e}")))?
            .install(|| run(m, opts)),
        None => run(m, opts),
    }
}

fn log_tables(items: &[Internal], layout: &Layout, grid: &Grid) -> Vec<f64> {
    let mut logp = vec![0.0; layout.len];
    let mut p = [0.0; 256];
    for (j, it) in items.iter().enumerate() {
        let n = it.n_cat();
        for q in 0..grid.q {
            it.probs(grid.theta[q], &mut p[..n]);
            for k in 0..n {
                logp[layout.at(j, k) + q] = p[k].max(1e-300).ln();
            }
        }
    }
    logp
}

/// IRT-metric parameters used for the convergence check.
fn irt_params(items: &[Internal]) -> Vec<f64> {
    items
        .iter()
        .flat_map(|it| {
            let mut v = it.to_model().params();
            if it.kind == IrtModelKind::Rasch {
                v.push(it.a);
            }
            v
        })
        .collect()
}

fn run(m: &ResponseMatrix, opts: &CalibrationOptions) -> Result<CalibrationResult, IrtError> {
    if m.n_persons() == 0 {
        return Err(IrtError::invalid("no persons in the response matrix"));
    }
    if opts.quadrature_points < 5 || opts.quadrature_range <= 0.0 {
        return Err(IrtError::invalid("quadrature needs at least 5 points and a positive range"));
    }
    let Setup { items, free, anchored, mut warnings, answered } = setup(m, opts)?;
    let has_anchors = anchored.iter().any(|&a| a);
    let rasch_idx: Vec<usize> =
        (0..items.len()).filter(|&j| items[j].kind == IrtModelKind::Rasch && !anchored[j]).collect();
    let common_slope = !has_anchors && opts.estimate_rasch_sd && !rasch_idx.is_empty();
    let layout =
        Layout::new(items.iter().map(Internal::n_cat).collect(), opts.quadrature_points.div_ceil(4) * 4);
    let grid0 = Grid::new(opts.quadrature_points, opts.quadrature_range, 0.0, 1.0);
    let enc = Encoded::new(m, &layout.n_cat);
    let n_persons = m.n_persons() as f64;
    let mut history = Vec::new();
    let mut converged = false;
    let mut iterations = 0;
    let mut max_change = f64::INFINITY;
    let prior_sum = |items: &[Internal]| -> f64 {
        items
            .iter()
            .zip(&anchored)
            .filter(|(_, a)| !**a)
            .map(|(it, _)| log_prior(it, &opts.priors, None))
            .sum()
    };
    // One EM cycle: E-step at `st` (its log-posterior is returned) then the M-step.
    let em = |st: &State| -> (State, f64) {
        let mut grid = grid0.clone();
        grid.set_population(st.mu, st.sigma);
        let logp = log_tables(&st.items, &layout, &grid);
        let e = if opts.reference_estep {
            estep::estep_reference(m, &layout, &logp, &grid)
        } else {
            match opts.precision {
                Precision::F32 => estep::estep_fast::<f32>(&enc, &layout, &logp, &grid),
                Precision::F64 => estep::estep_fast::<f64>(&enc, &layout, &logp, &grid),
            }
        };
        let lp = e.loglik + prior_sum(&st.items);
        let mut next = st.clone();
        let theta = &grid.theta[..grid.q];
        let qp = grid.qp;
        next.items.par_iter_mut().enumerate().for_each(|(j, it)| {
            if !anchored[j] {
                let r = &e.counts[layout.offset[j]..layout.offset[j] + it.n_cat() * qp];
                optimize_item(it, r, theta, qp, &opts.priors, &free[j], opts.m_step_iterations);
            }
        });
        if common_slope {
            update_common_slope(&mut next.items, &rasch_idx, &e.counts, &layout, theta, qp);
        }
        if has_anchors {
            let total: f64 = e.nq.iter().sum();
            let mu = e.nq.iter().zip(&grid.theta).map(|(n, t)| n * t).sum::<f64>() / total;
            let var = e.nq.iter().zip(&grid.theta).map(|(n, t)| n * (t - mu).powi(2)).sum::<f64>() / total;
            next.mu = mu;
            next.sigma = var.sqrt().max(0.05);
        }
        (next, lp)
    };
    let change = |a: &State, b: &State| -> f64 {
        let (x, y) = (irt_params(&a.items), irt_params(&b.items));
        let c = x.iter().zip(&y).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        c.max((a.mu - b.mu).abs()).max((a.sigma - b.sigma).abs())
    };
    let mut state = State { items, mu: 0.0, sigma: 1.0 };
    'outer: while iterations < opts.max_iterations {
        // plain EM step(s); with acceleration, two of them feed a SQUAREM extrapolation
        let s0 = state.clone();
        let (s1, l0) = em(&s0);
        iterations += 1;
        history.push(l0);
        max_change = change(&s0, &s1);
        state = s1;
        if max_change < opts.tolerance {
            converged = true;
            break;
        }
        if !opts.accelerate || iterations + 2 > opts.max_iterations {
            continue;
        }
        let (s2, l1) = em(&state);
        iterations += 1;
        history.push(l1);
        max_change = change(&state, &s2);
        if max_change < opts.tolerance {
            state = s2;
            converged = true;
            break 'outer;
        }
        let (v0, v1, v2) = (s0.vector(), state.vector(), s2.vector());
        let r: Vec<f64> = v1.iter().zip(&v0).map(|(a, b)| a - b).collect();
        let v: Vec<f64> = v2.iter().zip(&v1).zip(&r).map(|((a, b), r)| a - b - r).collect();
        let (nr, nv) =
            (r.iter().map(|x| x * x).sum::<f64>().sqrt(), v.iter().map(|x| x * x).sum::<f64>().sqrt());
        let alpha = if nv > 0.0 { (-nr / nv).min(-1.0) } else { -1.0 };
        let ext: Vec<f64> =
            v0.iter().zip(&r).zip(&v).map(|((x, r), v)| x - 2.0 * alpha * r + alpha * alpha * v).collect();
        let mut cand = s0.clone();
        cand.set_vector(&ext);
        let use_ext = alpha < -1.0 && cand.feasible();
        let (s3, l3) = em(if use_ext { &cand } else { &s2 });
        iterations += 1;
        if use_ext && l3 < l1 {
            // the extrapolation went downhill: take the plain EM path instead
            let (s3b, l3b) = em(&s2);
            iterations += 1;
            history.push(l3b);
            state = s3b;
        } else {
            history.push(l3);
            state = s3;
        }
    }
    let State { items, mu, mut sigma } = state;
    let mut grid = grid0.clone();
    grid.set_population(mu, sigma);
    // final E-step at the final estimates
    let logp = log_tables(&items, &layout, &grid);
    let fin = if opts.reference_estep {
        estep::estep_reference(m, &layout, &logp, &grid)
    } else {
        match opts.precision {
            Precision::F32 => estep::estep_fast::<f32>(&enc, &layout, &logp, &grid),
            Precision::F64 => estep::estep_fast::<f64>(&enc, &layout, &logp, &grid),
        }
    };
    let loglik = fin.loglik;
    let log_posterior = loglik + prior_sum(&items);
    // parameter index for SEs and the parameter count
    let mut index: Vec<Vec<Option<usize>>> = Vec::with_capacity(items.len());
    let mut n_free = 0;
    let common_at = if common_slope {
        n_free += 1;
        Some(0)
    } else {
        None
    };
    for (j, it) in items.iter().enumerate() {
        let mut ix = vec![None; it.n_par()];
        for i in 0..it.n_par() {
            if free[j][i] {
                ix[i] = Some(n_free);
                n_free += 1;
            } else if i == 0 && it.kind == IrtModelKind::Rasch && !anchored[j] {
                ix[i] = common_at;
            }
        }
        index.push(ix);
    }
    let n_parameters = n_free + if has_anchors { 2 } else { 0 };
    let cov = if opts.standard_errors {
        let c = se::xpd(m, &enc, &layout, &logp, &grid, &items, &index, n_free, &opts.priors);
        if c.is_none() && n_free > 0 {
            warnings.push(warn(
                None,
                WarningKind::StandardErrors,
                "the information matrix is singular; no standard errors".into(),
            ));
        }
        c
    } else {
        None
    };
    if common_slope {
        sigma = items[rasch_idx[0]].a;
    }
    let mut out = Vec::with_capacity(items.len());
    for (j, it) in items.iter().enumerate() {
        let id = m.item_ids()[j].clone();
        let mut model = it.to_model();
        let mut se = vec![None; model.params().len()];
        if let Some(blk) = cov.as_ref().and_then(|c| c.blocks[j].as_ref()) {
            se = delta_se(it, blk);
        }
        if common_slope && it.kind != IrtModelKind::Rasch {
            // non-Rasch items estimated on the z scale: put them on θ = σ z
            model = model.rescaled(sigma, 0.0);
            se = se
                .iter()
                .enumerate()
                .map(|(i, s)| s.map(|s| if i == 0 { s / sigma } else { s * sigma }))
                .collect();
            if it.kind == IrtModelKind::ThreePl {
                se[2] = se[2].map(|s| s / sigma);
            }
        }
        if !anchored[j] {
            extreme_warnings(&id, &model, &mut warnings);
        }
        out.push(CalibratedItem { id, model, se, anchored: anchored[j], n: answered[j] });
    }
    if !converged {
        warnings.push(warn(
            None,
            WarningKind::NotConverged,
            format!("no convergence after {iterations} cycles (largest change {max_change:.2e}, tolerance {:.1e})", opts.tolerance),
        ));
    }
    let k = n_parameters as f64;
    Ok(CalibrationResult {
        model: opts.model,
        items: out,
        loglik,
        log_posterior,
        aic: -2.0 * loglik + 2.0 * k,
        bic: -2.0 * loglik + k * n_persons.ln(),
        n_parameters,
        iterations,
        converged,
        max_change,
        theta_mean: mu,
        theta_sd: sigma,
        theta_sd_se: cov.as_ref().and_then(|c| c.common_slope_var).filter(|v| *v > 0.0).map(f64::sqrt),
        n_persons: m.n_persons(),
        n_unique_patterns: enc.n_unique(),
        quadrature_points: opts.quadrature_points,
        warnings,
        history,
    })
}

/// One Fisher-scoring step with line search on the slope shared by the free Rasch items.
fn update_common_slope(
    items: &mut [Internal],
    idx: &[usize],
    counts: &[f64],
    layout: &Layout,
    theta: &[f64],
    qp: usize,
) {
    let total = |items: &[Internal]| -> f64 {
        idx.iter()
            .map(|&j| {
                let r = &counts[layout.offset[j]..layout.offset[j] + items[j].n_cat() * qp];
                item::item_loglik(&items[j], r, theta, qp)
            })
            .sum()
    };
    for _ in 0..5 {
        let (mut g, mut h) = (0.0, 0.0);
        for &j in idx {
            let r = &counts[layout.offset[j]..layout.offset[j] + items[j].n_cat() * qp];
            let (gj, ij) = item::score_info(&items[j], r, theta, qp);
            g += gj[0];
            h += ij[0];
        }
        if h <= 0.0 {
            return;
        }
        let f0 = total(items);
        let a0 = items[idx[0]].a;
        let mut step = (g / h).clamp(-1.0, 1.0);
        let mut done = false;
        for _ in 0..30 {
            let a = a0 + step;
            if a > 0.0 {
                idx.iter().for_each(|&j| items[j].a = a);
                if total(items) >= f0 {
                    done = true;
                    break;
                }
            }
            step *= 0.5;
        }
        if !done {
            idx.iter().for_each(|&j| items[j].a = a0);
            return;
        }
        if step.abs() < 1e-12 {
            return;
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
pub(crate) mod tests_support {
    /// A small converged 2PL calibration (LSAT-6) for other modules' tests.
    pub fn lsat_result() -> super::CalibrationResult {
        super::calibrate(&super::tests::lsat6(), &Default::default()).expect("calibrates")
    }
}
