//! Standard errors from the cross-product (XPD, "empirical") information matrix: the sum over
//! persons of the outer product of each person's score vector `∂ ln L_i / ∂ψ`, where
//! `∂ ln L_i / ∂ψ = Σ_q w_iq ∂ ln P(x_i | θ_q) / ∂ψ` with `w_iq` the posterior weights. It is
//! computed at the converged estimates over all free item parameters jointly (not item by item),
//! plus the negative Hessian of the priors, and inverted.

use rayon::prelude::*;

use super::estep::{Encoded, Grid, Layout, Tables};
use super::item::{Internal, Priors, log_prior};
use crate::matrix::{MISSING, ResponseMatrix};

/// Covariance blocks (internal parameters) per item; `None` for fixed items or on failure.
pub(crate) struct Covariances {
    pub blocks: Vec<Option<Vec<f64>>>,
    /// variance of the shared Rasch slope (the SD of θ), when it is estimated
    pub common_slope_var: Option<f64>,
}

/// `index[j][i]`: the global position of item `j`'s internal parameter `i`, if free.
/// `parts`: the persons of each group with their encoding and their population's grid (the
/// grids share their points; the information is summed over the groups).
pub(crate) fn xpd(
    parts: &[(&ResponseMatrix, &Encoded, Grid)],
    layout: &Layout,
    logp: &[f64],
    items: &[Internal],
    index: &[Vec<Option<usize>>],
    n_free: usize,
    priors: &Priors,
) -> Option<Covariances> {
    if n_free == 0 {
        return None;
    }
    let gradients = LogProbGradients::new(items, &parts[0].2);
    let mut info = vec![0.0; n_free * n_free];
    for (m, enc, grid) in parts {
        let tables = Tables::<f64>::new(enc, layout, logp, grid);
        let part = cross_products(m, enc, &tables, grid, &gradients, index, n_free);
        info.iter_mut().zip(&part).for_each(|(a, b)| *a += b);
    }
    add_prior_information(&mut info, items, index, n_free, priors);
    let cov = invert_spd(&info, n_free)?;
    Some(covariance_blocks(&cov, items, index, n_free))
}

/// `∂ ln P_jk(θ_q)/∂ψ_i` of every item, category, quadrature point and internal parameter, laid
/// out `[j][k][q][i]`.
struct LogProbGradients {
    /// where item `j`'s block starts
    offset: Vec<usize>,
    /// item `j`'s number of internal parameters
    n_par: Vec<usize>,
    table: Vec<f64>,
}

impl LogProbGradients {
    fn new(items: &[Internal], grid: &Grid) -> Self {
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
fn cross_products(
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

/// Adds the negative Hessian of the log priors to the diagonal of the information.
fn add_prior_information(
    info: &mut [f64],
    items: &[Internal],
    index: &[Vec<Option<usize>>],
    n_free: usize,
    priors: &Priors,
) {
    for (j, it) in items.iter().enumerate() {
        let np = it.n_par();
        let (mut g, mut h) = (vec![0.0; np], vec![0.0; np]);
        log_prior(it, priors, Some((&mut g, &mut h)));
        for i in 0..np {
            if let Some(gi) = index[j][i] {
                info[gi * n_free + gi] += h[i];
            }
        }
    }
}

/// Each item's block of the covariance matrix, and the variance of the shared Rasch slope.
fn covariance_blocks(
    cov: &[f64],
    items: &[Internal],
    index: &[Vec<Option<usize>>],
    n_free: usize,
) -> Covariances {
    let mut common = None;
    let blocks = items
        .iter()
        .enumerate()
        .map(|(j, it)| {
            let np = it.n_par();
            if index[j].iter().all(Option::is_none) {
                return None;
            }
            let mut blk = vec![0.0; np * np];
            for a in 0..np {
                for b in 0..np {
                    if let (Some(x), Some(y)) = (index[j][a], index[j][b]) {
                        blk[a * np + b] = cov[x * n_free + y];
                    }
                }
            }
            if it.kind == crate::IrtModelKind::Rasch
                && let Some(x) = index[j][0]
            {
                common = Some(cov[x * n_free + x]);
            }
            Some(blk)
        })
        .collect();
    Covariances { blocks, common_slope_var: common }
}

fn invert_spd(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let l = super::item::cholesky(a, n)?;
    let mut inv = vec![0.0; n * n];
    let mut e = vec![0.0; n];
    for c in 0..n {
        e.fill(0.0);
        e[c] = 1.0;
        let x = super::item::chol_solve(&l, n, &e);
        for r in 0..n {
            inv[r * n + c] = x[r];
        }
    }
    Some(inv)
}
