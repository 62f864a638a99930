//! The optimality check at the end of a calibration. EM stops when the parameters stop moving,
//! which is not the same as being at a maximum: an M-step that cannot move (as the 3PL one could
//! not, once `c` sat on its bound) also stops them. So before a run is reported `converged`, the
//! Karush–Kuhn–Tucker conditions of the box-bounded maximisation are checked: every free
//! parameter's gradient of the marginal log-posterior must vanish, except that a parameter on a
//! bound may have one pointing out of the box (the projected gradient must vanish).
//!
//! By Fisher's identity the gradient of the marginal log-likelihood equals the gradient of the
//! expected complete-data log-likelihood at the current parameters, which the final E-step's
//! expected counts give item by item. The gradient is measured as the Newton step it implies
//! (scaled by the complete-data information), in parameter units, so it compares with the
//! convergence tolerance: it is about the size of the EM step that would follow.

use super::em::Em;
use super::estep::Grid;
use super::item::{Internal, active_at_bound, posterior_score_info, solve_spd};

/// How many times the tolerance the implied step may be before the point is not a maximum.
const STEP_FACTOR: f64 = 10.0;

/// An item whose parameters are not at a (constrained) maximum: the largest implied step.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Violation {
    pub item: usize,
    pub step: f64,
}

/// The free items whose projected gradient implies a step above `STEP_FACTOR × tolerance`.
pub(super) fn violations(em: &Em, items: &[Internal], counts: &[f64], grid: &Grid) -> Vec<Violation> {
    let theta = &grid.theta[..grid.q];
    let limit = STEP_FACTOR * em.opts.tolerance;
    let mut out = Vec::new();
    for (j, it) in items.iter().enumerate() {
        if em.anchored[j] {
            continue;
        }
        let r = &counts[em.layout.offset[j]..em.layout.offset[j] + it.n_cat() * grid.qp];
        let step = implied_step(it, r, theta, grid.qp, em, j);
        if step.is_nan() || step > limit {
            out.push(Violation { item: j, step });
        }
    }
    out
}

/// The largest component of the Newton step on the parameters that are free and not held by
/// their bound (infinite if the information cannot be inverted while the gradient is not zero).
fn implied_step(it: &Internal, r: &[f64], theta: &[f64], qp: usize, em: &Em, j: usize) -> f64 {
    let (g, info) = posterior_score_info(it, r, theta, qp, &em.opts.priors);
    let np = it.n_par();
    let idx: Vec<usize> =
        (0..np).filter(|&i| em.free[j][i] && !active_at_bound(it, &g, i, super::item::BOUND_SLACK)).collect();
    if idx.is_empty() {
        return 0.0;
    }
    let nf = idx.len();
    let mut sub = vec![0.0; nf * nf];
    let gs: Vec<f64> = idx.iter().map(|&i| g[i]).collect();
    for (a, &i) in idx.iter().enumerate() {
        for (b, &k) in idx.iter().enumerate() {
            sub[a * nf + b] = info[i * np + k];
        }
    }
    match solve_spd(&sub, &gs) {
        Some(d) => d.iter().fold(0.0f64, |m, x| m.max(x.abs())),
        None if gs.iter().all(|x| x.abs() < 1e-9) => 0.0,
        None => f64::INFINITY,
    }
}

#[cfg(test)]
mod tests {
    use super::super::prepare::{Setup, setup};
    use super::super::{CalibrationOptions, Priors, calibrate, tests_lsat7::lsat7};
    use super::*;
    use crate::IrtModelKind;

    /// The check flags the starting values (far from the maximum) and passes the calibrated
    /// items, with and without `c` on its bound.
    #[test]
    fn flags_points_away_from_the_maximum_only() {
        let m = lsat7();
        for c_beta in [(1.0, 1.0), (6.0, 16.0)] {
            let opts = CalibrationOptions {
                model: IrtModelKind::ThreePl,
                priors: Priors { c_beta, a_lognormal: None },
                tolerance: 1e-5,
                max_iterations: 5000,
                ..Default::default()
            };
            let Setup { items, free, anchored, .. } = setup(&m, &opts).unwrap();
            let em = Em::new(&m, &opts, &items, &free, &anchored);
            let grid = em.grid(0.0, 1.0);
            let (_, _, e) = em.estep(&items, &[(0.0, 1.0)]);
            assert!(!violations(&em, &items, &e.counts, &grid).is_empty());
            let r = calibrate(&m, &opts).unwrap();
            assert!(r.converged, "{:?}", r.warnings);
            let fitted: Vec<Internal> = r.items.iter().map(|i| Internal::from_model(&i.model)).collect();
            let (_, _, e) = em.estep(&fitted, &[(0.0, 1.0)]);
            assert_eq!(violations(&em, &fitted, &e.counts, &grid), vec![]);
        }
    }
}
