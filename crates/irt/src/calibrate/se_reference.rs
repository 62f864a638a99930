//! Today's (before the blocked kernel) cross-product information, kept verbatim as the reference
//! the fast path in [`super::se`] is tested against: per pattern, the score vector from the
//! person's row, then a rank-one update of the upper triangle.

use rayon::prelude::*;

use super::estep::{Encoded, Grid, Tables};
use super::item::Internal;
use crate::matrix::{MISSING, ResponseMatrix};

/// `∂ ln P_jk(θ_q)/∂ψ_i` of every item, category, quadrature point and internal parameter, laid
/// out `[j][k][q][i]`.
pub(super) struct LogProbGradients {
    /// where item `j`'s block starts
    offset: Vec<usize>,
    /// item `j`'s number of internal parameters
    n_par: Vec<usize>,
    table: Vec<f64>,
}

impl LogProbGradients {
    pub(super) fn new(items: &[Internal], grid: &Grid) -> Self {
        let qp = grid.qp;
        let mut offset = Vec::with_capacity(items.len());
        let mut total = 0;
        for it in items {
            offset.push(total);
            total += it.n_cat() * qp * it.n_par();
        }
        let mut table = vec![0.0; total];
        for (j, it) in items.iter().enumerate() {
            let (n, np) = (it.n_cat(), it.n_par());
            let (mut p, mut dp) = (vec![0.0; n], vec![0.0; n * np]);
            for q in 0..grid.q {
                it.prob_grad(grid.theta[q], &mut p, &mut dp);
                for k in 0..n {
                    for i in 0..np {
                        table[offset[j] + (k * qp + q) * np + i] = dp[k * np + i] / p[k].max(1e-300);
                    }
                }
            }
        }
        Self { offset, n_par: items.iter().map(Internal::n_par).collect(), table }
    }
}

/// The upper triangle, mirrored, of `Σ_persons s_i s_iᵀ` over the free parameters, where `s_i`
/// is a person's score vector; identical response patterns are computed once and weighted by
/// their frequency, in parallel over chunks of patterns.
pub(super) fn cross_products(
    m: &ResponseMatrix,
    enc: &Encoded,
    tables: &Tables<f64>,
    grid: &Grid,
    gradients: &LogProbGradients,
    index: &[Vec<Option<usize>>],
    n_free: usize,
) -> Vec<f64> {
    let qp = grid.qp;
    let (goff, gtab) = (&gradients.offset, &gradients.table);
    let nu = enc.n_unique();
    let chunk = (nu / (rayon::current_num_threads() * 8)).clamp(64, 1 << 14);
    let acc = (0..nu.div_ceil(chunk))
        .into_par_iter()
        .fold(
            || vec![0.0f64; n_free * n_free],
            |mut acc, b| {
                let mut l = vec![0.0; qp];
                let mut s = vec![0.0; n_free];
                for u in b * chunk..((b + 1) * chunk).min(nu) {
                    let (_, norm) = tables.posterior(enc, u, grid, &mut l);
                    s.fill(0.0);
                    for (j, &x) in m.row(enc.rep[u] as usize).iter().enumerate() {
                        if x == MISSING {
                            continue;
                        }
                        let np = gradients.n_par[j];
                        let base = goff[j] + (x as usize) * qp * np;
                        for (i, gi) in index[j].iter().enumerate() {
                            if let Some(gi) = gi {
                                let mut v = 0.0;
                                for q in 0..grid.q {
                                    v += l[q] * gtab[base + q * np + i];
                                }
                                s[*gi] += v / norm;
                            }
                        }
                    }
                    let f = enc.freq[u];
                    for a in 0..n_free {
                        let fa = f * s[a];
                        let row = &mut acc[a * n_free..(a + 1) * n_free];
                        for (r, sb) in row[a..].iter_mut().zip(&s[a..]) {
                            *r += fa * sb;
                        }
                    }
                }
                acc
            },
        )
        .reduce(
            || vec![0.0f64; n_free * n_free],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            },
        );
    let mut info = acc;
    for a in 0..n_free {
        for b in 0..a {
            info[a * n_free + b] = info[b * n_free + a];
        }
    }
    info
}
