//! The textbook E-step, kept as the precision reference of the fast path.

use rayon::prelude::*;

use super::{EStep, Grid, Layout};
use crate::matrix::{MISSING, ResponseMatrix};

/// The textbook E-step: every person, every item, in log space, no collapsing. Used as the
/// precision reference for the fast path.
pub(crate) fn estep_reference(m: &ResponseMatrix, layout: &Layout, logp: &[f64], grid: &Grid) -> EStep {
    let qp = grid.qp;
    let n = m.n_persons();
    let len = layout.len;
    let (mut counts, loglik) = (0..n)
        .into_par_iter()
        .fold(
            || (vec![0.0; len + qp], 0.0),
            |(mut counts, mut ll), p| {
                let mut l: Vec<f64> =
                    grid.prior.iter().map(|&w| if w > 0.0 { w.ln() } else { f64::NEG_INFINITY }).collect();
                for (j, &x) in m.row(p).iter().enumerate() {
                    if x != MISSING {
                        let at = layout.at(j, x as usize);
                        for q in 0..qp {
                            l[q] += logp[at + q];
                        }
                    }
                }
                let max = l.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let mut s = 0.0;
                for v in l.iter_mut() {
                    *v = (*v - max).exp();
                    s += *v;
                }
                ll += max + s.ln();
                for q in 0..qp {
                    counts[len + q] += l[q] / s;
                }
                for (j, &x) in m.row(p).iter().enumerate() {
                    if x != MISSING {
                        let at = layout.at(j, x as usize);
                        for q in 0..qp {
                            counts[at + q] += l[q] / s;
                        }
                    }
                }
                (counts, ll)
            },
        )
        .reduce(
            || (vec![0.0; len + qp], 0.0),
            |(mut a, la), (b, lb)| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                (a, la + lb)
            },
        );
    let nq = counts.split_off(len);
    EStep { counts, nq, loglik }
}
