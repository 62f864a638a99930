//! The EM iterations of a calibration: what stays fixed while they run ([`Em`]: the data, its
//! pattern encoding, the quadrature, which items and parameters move), one EM cycle (E-step at the
//! current estimates, then the M-step of every free item, the shared Rasch slope and, with anchors
//! or for the non-reference groups of a multiple-group run, the populations), and the loop that
//! runs cycles with SQUAREM acceleration until the largest parameter change is below the tolerance.
//!
//! A multiple-group run splits the persons into parts, one per group, each with its own encoding
//! and its own N(μ_g, σ_g²) weights on the shared grid; the parts' expected counts are added before
//! the item M-step (the items are shared), and each free group's μ_g, σ_g come from its own
//! posterior moments.

use rayon::prelude::*;

use super::estep::{self, EStep, Grid, Layout};
use super::groups::Part;
use super::item::{self, Internal, log_prior, optimize_item};
use super::{CalibrationOptions, Precision};
use crate::IrtModelKind;
use crate::matrix::ResponseMatrix;

/// The estimates EM moves: item parameters (internal form) and each part's population mean and
/// SD (one part unless the run has groups).
#[derive(Debug, Clone)]
pub(super) struct State {
    pub items: Vec<Internal>,
    pub pops: Vec<(f64, f64)>,
}

impl State {
    fn vector(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self.items.iter().flat_map(Internal::vector).collect();
        v.extend(self.pops.iter().flat_map(|&(m, s)| [m, s]));
        v
    }
    fn set_vector(&mut self, v: &[f64]) {
        let mut at = 0;
        for it in &mut self.items {
            let n = it.n_par();
            it.set_vector(&v[at..at + n]);
            at += n;
        }
        for (g, pop) in self.pops.iter_mut().enumerate() {
            *pop = (v[at + 2 * g], v[at + 2 * g + 1]);
        }
    }
    fn feasible(&self) -> bool {
        self.pops.iter().all(|&(_, s)| s > 0.05)
            && self.items.iter().all(|it| it.feasible() && (it.kind != IrtModelKind::Rasch || it.a > 0.0))
    }
}

/// Where the loop stopped.
pub(super) struct Iterations {
    pub state: State,
    pub iterations: usize,
    pub converged: bool,
    /// Largest parameter change in the last cycle.
    pub max_change: f64,
    /// Log-posterior at each E-step.
    pub history: Vec<f64>,
}

/// What stays fixed while EM runs.
pub(super) struct Em<'a> {
    pub opts: &'a CalibrationOptions,
    /// The persons by group (one part without groups), in the order of the groups' names.
    pub parts: Vec<Part<'a>>,
    /// Whether each part's population mean and SD are estimated.
    pub free_pop: Vec<bool>,
    pub layout: Layout,
    /// The quadrature on N(0, 1); each E-step moves it to the current population.
    grid0: Grid,
    /// `free[j][i]`: whether item `j`'s internal parameter `i` is estimated.
    pub free: &'a [Vec<bool>],
    pub anchored: &'a [bool],
    /// The free Rasch items, which share one slope.
    pub rasch_idx: Vec<usize>,
    /// A free Rasch calibration estimating the SD of θ as the slope shared by its Rasch items.
    pub common_slope: bool,
}

impl<'a> Em<'a> {
    pub fn new(
        m: &'a ResponseMatrix,
        opts: &'a CalibrationOptions,
        items: &[Internal],
        free: &'a [Vec<bool>],
        anchored: &'a [bool],
    ) -> Self {
        let has_anchors = anchored.iter().any(|&a| a);
        let rasch_idx: Vec<usize> =
            (0..items.len()).filter(|&j| items[j].kind == IrtModelKind::Rasch && !anchored[j]).collect();
        let common_slope = !has_anchors && opts.estimate_rasch_sd && !rasch_idx.is_empty();
        let layout =
            Layout::new(items.iter().map(Internal::n_cat).collect(), opts.quadrature_points.div_ceil(4) * 4);
        let grid0 = Grid::new(opts.quadrature_points, opts.quadrature_range, 0.0, 1.0);
        let (parts, free_pop) = super::groups::parts(m, opts.groups.as_ref(), has_anchors, &layout.n_cat);
        Self { opts, parts, free_pop, layout, grid0, free, anchored, rasch_idx, common_slope }
    }

    /// How many populations (groups) have their mean and SD estimated.
    pub fn n_free_populations(&self) -> usize {
        self.free_pop.iter().filter(|&&f| f).count()
    }

    /// The quadrature placed on a population N(`mu`, `sigma`²).
    pub fn grid(&self, mu: f64, sigma: f64) -> Grid {
        let mut grid = self.grid0.clone();
        grid.set_population(mu, sigma);
        grid
    }

    /// The E-step of every part at `items`, each on its population's weights: the
    /// log-probability tables it used (the same for all parts: the grid's points are shared),
    /// each part's E-step, and their sum.
    pub fn estep(&self, items: &[Internal], pops: &[(f64, f64)]) -> (Vec<f64>, Vec<EStep>, EStep) {
        self.estep_at(items, pops, self.opts.precision)
    }

    /// [`Em::estep`] with the fast path's inner loops in `precision`.
    pub fn estep_at(
        &self,
        items: &[Internal],
        pops: &[(f64, f64)],
        precision: Precision,
    ) -> (Vec<f64>, Vec<EStep>, EStep) {
        let logp = log_tables(items, &self.layout, &self.grid0);
        let per: Vec<EStep> = self
            .parts
            .iter()
            .zip(pops)
            .map(|(part, &(mu, sigma))| {
                let grid = self.grid(mu, sigma);
                if self.opts.reference_estep {
                    estep::estep_reference(&part.m, &self.layout, &logp, &grid)
                } else {
                    match precision {
                        Precision::F32 => estep::estep_fast::<f32>(&part.enc, &self.layout, &logp, &grid),
                        Precision::F64 => estep::estep_fast::<f64>(&part.enc, &self.layout, &logp, &grid),
                    }
                }
            })
            .collect();
        let mut total = per[0].clone();
        for e in &per[1..] {
            total.counts.iter_mut().zip(&e.counts).for_each(|(a, b)| *a += b);
            total.nq.iter_mut().zip(&e.nq).for_each(|(a, b)| *a += b);
            total.loglik += e.loglik;
        }
        (logp, per, total)
    }

    /// The log prior densities of the free items (the log-posterior is the log-likelihood plus this).
    pub fn log_prior(&self, items: &[Internal]) -> f64 {
        items
            .iter()
            .zip(self.anchored)
            .filter(|(_, a)| !**a)
            .map(|(it, _)| log_prior(it, &self.opts.priors, None))
            .sum()
    }

    /// One EM cycle: E-step at `st` (its log-posterior is returned) then the M-step.
    fn cycle(&self, st: &State) -> (State, f64) {
        let grid = &self.grid0;
        let (_, per, e) = self.estep(&st.items, &st.pops);
        let lp = e.loglik + self.log_prior(&st.items);
        let mut next = st.clone();
        let theta = &grid.theta[..grid.q];
        let qp = grid.qp;
        let (layout, opts) = (&self.layout, self.opts);
        next.items.par_iter_mut().enumerate().for_each(|(j, it)| {
            if !self.anchored[j] {
                let r = &e.counts[layout.offset[j]..layout.offset[j] + it.n_cat() * qp];
                optimize_item(it, r, theta, qp, &opts.priors, &self.free[j], opts.m_step_iterations);
            }
        });
        if self.common_slope {
            update_common_slope(&mut next.items, &self.rasch_idx, &e.counts, layout, theta, qp);
        }
        for (g, eg) in per.iter().enumerate() {
            if self.free_pop[g] {
                let total: f64 = eg.nq.iter().sum();
                let mu = eg.nq.iter().zip(&grid.theta).map(|(n, t)| n * t).sum::<f64>() / total;
                let var =
                    eg.nq.iter().zip(&grid.theta).map(|(n, t)| n * (t - mu).powi(2)).sum::<f64>() / total;
                next.pops[g] = (mu, var.sqrt().max(0.05));
            }
        }
        (next, lp)
    }

    /// Runs EM cycles from `state` until convergence or `max_iterations`. With acceleration, two
    /// plain cycles feed a SQUAREM extrapolation, which is kept only when it does not go downhill.
    pub fn iterate(&self, mut state: State) -> Iterations {
        let opts = self.opts;
        let mut history = Vec::new();
        let mut iterations = 0;
        let mut max_change = f64::INFINITY;
        while iterations < opts.max_iterations {
            let s0 = state.clone();
            let (s1, l0) = self.cycle(&s0);
            iterations += 1;
            history.push(l0);
            max_change = change(&s0, &s1);
            state = s1;
            if max_change < opts.tolerance {
                return Iterations { state, iterations, converged: true, max_change, history };
            }
            if !opts.accelerate || iterations + 2 > opts.max_iterations {
                continue;
            }
            let (s2, l1) = self.cycle(&state);
            iterations += 1;
            history.push(l1);
            max_change = change(&state, &s2);
            if max_change < opts.tolerance {
                return Iterations { state: s2, iterations, converged: true, max_change, history };
            }
            let (cand, use_ext) = squarem(&s0, &state, &s2);
            let (s3, l3) = self.cycle(if use_ext { &cand } else { &s2 });
            iterations += 1;
            if use_ext && l3 < l1 {
                // the extrapolation went downhill: take the plain EM path instead
                let (s3b, l3b) = self.cycle(&s2);
                iterations += 1;
                history.push(l3b);
                state = s3b;
            } else {
                history.push(l3);
                state = s3;
            }
        }
        Iterations { state, iterations, converged: false, max_change, history }
    }
}

/// The SQUAREM extrapolation from three successive estimates (Varadhan & Roland's step length,
/// at least one plain step); the flag says whether it is worth a cycle (a real extrapolation to
/// a feasible point).
fn squarem(s0: &State, s1: &State, s2: &State) -> (State, bool) {
    let (v0, v1, v2) = (s0.vector(), s1.vector(), s2.vector());
    let r: Vec<f64> = v1.iter().zip(&v0).map(|(a, b)| a - b).collect();
    let v: Vec<f64> = v2.iter().zip(&v1).zip(&r).map(|((a, b), r)| a - b - r).collect();
    let (nr, nv) = (r.iter().map(|x| x * x).sum::<f64>().sqrt(), v.iter().map(|x| x * x).sum::<f64>().sqrt());
    let alpha = if nv > 0.0 { (-nr / nv).min(-1.0) } else { -1.0 };
    let ext: Vec<f64> =
        v0.iter().zip(&r).zip(&v).map(|((x, r), v)| x - 2.0 * alpha * r + alpha * alpha * v).collect();
    let mut cand = s0.clone();
    cand.set_vector(&ext);
    cand.items.iter_mut().for_each(Internal::project);
    let use_ext = alpha < -1.0 && cand.feasible();
    (cand, use_ext)
}

/// The largest change between two estimates: IRT-metric item parameters, population mean and SD.
fn change(a: &State, b: &State) -> f64 {
    let (x, y) = (convergence_params(&a.items), convergence_params(&b.items));
    let c = x.iter().zip(&y).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
    a.pops.iter().zip(&b.pops).fold(c, |c, (p, q)| c.max((p.0 - q.0).abs()).max((p.1 - q.1).abs()))
}

/// IRT-metric parameters used for the convergence check.
fn convergence_params(items: &[Internal]) -> Vec<f64> {
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

/// `ln P_jk(θ_q)` of every item, category and quadrature point, laid out by `layout`.
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
