//! Standard errors from the cross-product (XPD, "empirical") information matrix: the sum over
//! persons of the outer product of each person's score vector `∂ ln L_i / ∂ψ`, where
//! `∂ ln L_i / ∂ψ = Σ_q w_iq ∂ ln P(x_i | θ_q) / ∂ψ` with `w_iq` the posterior weights. It is
//! computed at the converged estimates over all free item parameters jointly (not item by item),
//! plus the negative Hessian of the priors, and inverted.
//!
//! One pass over the collapsed patterns, in parallel over ranges of them. A block of
//! [`COLS`] patterns at a time: their posteriors (scaled by `√frequency`), their dot products with
//! every row `∂ ln P_jk/∂ψ` over the quadrature points (one matrix product), then each pattern's
//! score vector from its categories' products, stored as the rows of a `COLS × n_free` matrix
//! whose Gram matrix is added to the information in register tiles (`se_kernels.rs`: AVX2/FMA
//! where the CPU has it, chosen at run time). The per-pattern rank-one update it replaces (kept
//! as the test reference, `se_reference.rs`) was bound by loads and stores of the whole triangle
//! for every pattern.
//!
//! 2PL and Rasch items without missing responses take `se_linear.rs` instead: their scores are
//! linear in the 0/1 response, so the Gram matrix splits into sums of the responses' pairs, of
//! the posteriors per answered item and of the posteriors' own cross-products — no score vector
//! per pattern, f64 throughout.

use rayon::prelude::*;

use super::estep::{Encoded, Grid, Layout, Tables};
use super::item::{Internal, Priors, log_prior};
use super::se_kernels::{COLS, gram_add, rows_times_posteriors};
use super::se_linear::Linear;
use crate::matrix::{MISSING, ResponseMatrix};

/// Covariance blocks (internal parameters) per item; `None` for fixed items or on failure.
pub(crate) struct Covariances {
    pub blocks: Vec<Option<Vec<f64>>>,
    /// variance of the shared Rasch slope (the SD of θ), when it is estimated
    pub common_slope_var: Option<f64>,
}

/// The persons of one group with their encoding and their population's grid (the grids share
/// their points; the information is summed over the groups).
pub(crate) type PartRef<'a> = (&'a ResponseMatrix, &'a Encoded, Grid);

/// The covariance of the free parameters from their information (`n_free × n_free`, without the
/// priors, which are added here); `None` when it cannot be inverted. `index[j][i]`: the global
/// position of item `j`'s internal parameter `i`, if free.
pub(crate) fn covariance(
    mut info: Vec<f64>,
    items: &[Internal],
    index: &[Vec<Option<usize>>],
    n_free: usize,
    priors: &Priors,
) -> Option<Covariances> {
    add_prior_information(&mut info, items, index, n_free, priors);
    let cov = invert_spd(&info, n_free)?;
    Some(covariance_blocks(&cov, items, index, n_free))
}

/// `Σ_persons s_i s_iᵀ` over the free parameters (`n_free × n_free`, row-major), summed over the
/// parts.
pub(crate) fn xpd_information(
    parts: &[PartRef<'_>],
    layout: &Layout,
    logp: &[f64],
    items: &[Internal],
    index: &[Vec<Option<usize>>],
    n_free: usize,
) -> Vec<f64> {
    let linear = Linear::new(items, &parts[0].2, index);
    let mut rows = None;
    let mut info = vec![0.0; n_free * n_free];
    for (_, enc, grid) in parts {
        let tables = Tables::<f64>::new(enc, layout, logp, grid);
        let part = match &linear {
            Some(lin) if Linear::applies(enc, &layout.n_cat) => {
                lin.information(enc, &tables, grid, &layout.n_cat, n_free)
            }
            _ => {
                let rows = rows.get_or_insert_with(|| ScoreRows::new(items, &parts[0].2, index));
                cross_products(enc, &tables, grid, rows, &layout.n_cat, n_free)
            }
        };
        info.iter_mut().zip(&part).for_each(|(a, b)| *a += b);
    }
    info
}

/// `∂ ln P_jk(θ_q)/∂ψ_i` of the free parameters, stored transposed (`qp × n_rows`, rows padded
/// to a multiple of 16 with zeros) in f32: row `first[j] + k·nf_j + f` is item `j`, category `k`,
/// free parameter `f`.
struct ScoreRows {
    ht: Vec<f32>,
    n_rows: usize,
    first: Vec<usize>,
    /// per item: the global positions of its free parameters, in internal order
    free: Vec<Vec<usize>>,
}

impl ScoreRows {
    fn new(items: &[Internal], grid: &Grid, index: &[Vec<Option<usize>>]) -> Self {
        let free: Vec<Vec<usize>> = index.iter().map(|ix| ix.iter().flatten().copied().collect()).collect();
        let mut first = Vec::with_capacity(items.len());
        let mut n_rows = 0;
        for (it, f) in items.iter().zip(&free) {
            first.push(n_rows);
            n_rows += it.n_cat() * f.len();
        }
        let n_rows = n_rows.div_ceil(16) * 16;
        let mut ht = vec![0.0f32; grid.qp * n_rows];
        for (j, it) in items.iter().enumerate() {
            let locals: Vec<usize> = (0..it.n_par()).filter(|&i| index[j][i].is_some()).collect();
            if locals.is_empty() {
                continue;
            }
            let (n, np, nf) = (it.n_cat(), it.n_par(), locals.len());
            let (mut p, mut dp) = (vec![0.0; n], vec![0.0; n * np]);
            for q in 0..grid.q {
                it.prob_grad(grid.theta[q], &mut p, &mut dp);
                for k in 0..n {
                    for (f, &i) in locals.iter().enumerate() {
                        ht[q * n_rows + first[j] + k * nf + f] = (dp[k * np + i] / p[k].max(1e-300)) as f32;
                    }
                }
            }
        }
        Self { ht, n_rows, first, free }
    }
}

/// Every group code's item scores (`MISSING` for not presented), `n_codes × items` per group.
fn decode_tables(enc: &Encoded, n_cat: &[usize]) -> Vec<Vec<u8>> {
    let mut dec = Vec::new();
    enc.groups
        .iter()
        .map(|g| {
            let mut t = Vec::with_capacity(g.n_codes * g.items.len());
            for code in 0..g.n_codes {
                Encoded::decode(g, code, n_cat, &mut dec);
                t.extend(dec.iter().map(|s| s.map_or(MISSING, |k| k as u8)));
            }
            t
        })
        .collect()
}

/// The upper triangle, mirrored, of `Σ_patterns f_u s_u s_uᵀ` over the free parameters, in
/// parallel over ranges of patterns.
fn cross_products(
    enc: &Encoded,
    tables: &Tables<f64>,
    grid: &Grid,
    rows: &ScoreRows,
    n_cat: &[usize],
    n_free: usize,
) -> Vec<f64> {
    let n_pad = n_free.div_ceil(8) * 8;
    let dec = decode_tables(enc, n_cat);
    let nu = enc.n_unique();
    let per_task = (nu / (rayon::current_num_threads() * 8)).clamp(COLS, 1 << 14).next_multiple_of(COLS);
    let acc = (0..nu.div_ceil(per_task))
        .into_par_iter()
        .fold(
            || vec![0.0f64; n_pad * n_pad],
            |mut acc, t| {
                let mut chunk = Chunk::new(grid.qp);
                let mut blk = Block::new(n_cat.len(), grid.qp, rows.n_rows, n_pad);
                let end = ((t + 1) * per_task).min(nu);
                for lo in (t * per_task..end).step_by(CHUNK) {
                    chunk.fill(enc, tables, grid, lo, (lo + CHUNK).min(end));
                    for slots in chunk.order.chunks(COLS) {
                        gram_add(blk.fill(enc, &chunk, &dec, rows, slots), n_pad, &mut acc);
                    }
                }
                acc
            },
        )
        .reduce(
            || vec![0.0f64; n_pad * n_pad],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            },
        );
    let mut info = vec![0.0; n_free * n_free];
    for a in 0..n_free {
        for b in a..n_free {
            info[a * n_free + b] = acc[a * n_pad + b];
            info[b * n_free + a] = acc[a * n_pad + b];
        }
    }
    info
}

/// Patterns whose posteriors are computed together and then taken in blocks of [`COLS`] in the
/// order of where their mass lies.
const CHUNK: usize = 4096;

/// A posterior weight below this fraction of the pattern's largest is left out of its score
/// (relative effect ~10⁻¹¹, far below the f32 products' 10⁻⁷).
const NEGLIGIBLE: f64 = 1e-13;

/// The posteriors of up to [`CHUNK`] consecutive patterns, each with the quadrature points that
/// carry its mass, and the patterns ordered by those points. A posterior of 50 items spans about
/// 15 of the 41 points: blocks of patterns whose mass lies on the same points need the product
/// with the score rows only over those (the union over the block's patterns), not over all 41.
struct Chunk {
    /// the first pattern of the chunk
    first: usize,
    /// posterior times `√f_u / s_u` of each pattern (`qp` values each), f32
    post: Vec<f32>,
    /// per pattern: the points `[lo, hi)` holding every weight above [`NEGLIGIBLE`]
    span: Vec<(u16, u16)>,
    /// the patterns (offsets in the chunk) ordered by their span
    order: Vec<u32>,
    qp: usize,
    /// a posterior, as the tables write it
    l: Vec<f64>,
}

impl Chunk {
    fn new(qp: usize) -> Self {
        Self {
            first: 0,
            post: vec![0.0; CHUNK * qp],
            span: Vec::with_capacity(CHUNK),
            order: Vec::with_capacity(CHUNK),
            qp,
            l: vec![0.0; qp],
        }
    }

    /// The posteriors of patterns `lo..hi`, their spans and their order.
    fn fill(&mut self, enc: &Encoded, tables: &Tables<f64>, grid: &Grid, lo: usize, hi: usize) {
        let qp = self.qp;
        self.first = lo;
        self.span.clear();
        for (c, u) in (lo..hi).enumerate() {
            let (_, s) = tables.posterior(enc, u, grid, &mut self.l);
            let scale = enc.freq[u].sqrt() / s;
            let l = &self.l[..grid.q];
            let cut = l.iter().fold(0.0f64, |m, &x| m.max(x)) * NEGLIGIBLE;
            let first = l.iter().position(|&x| x > cut).unwrap_or(0);
            let last = l.iter().rposition(|&x| x > cut).map_or(grid.q, |i| i + 1);
            self.span.push((first as u16, last as u16));
            let out = &mut self.post[c * qp..(c + 1) * qp];
            for (o, x) in out.iter_mut().zip(&self.l) {
                *o = (x * scale) as f32;
            }
        }
        self.order.clear();
        self.order.extend(0..(hi - lo) as u32);
        let span = &self.span;
        self.order.sort_unstable_by_key(|&c| span[c as usize]);
    }
}

/// Work space of one block of patterns.
struct Block {
    /// item scores, `COLS × n_items` (one pattern's scores contiguous)
    xs: Vec<u8>,
    /// every score row's dot product with every posterior: `COLS × n_rows` (one pattern's
    /// products contiguous)
    r: Vec<f32>,
    /// the score vectors, `COLS × n_pad` (one pattern's entries contiguous: the Gram kernel's
    /// layout)
    stt: Vec<f64>,
    /// a posterior of zeros, for the columns past the block's patterns
    zeros: Vec<f32>,
    n_items: usize,
}

impl Block {
    fn new(n_items: usize, qp: usize, n_rows: usize, n_pad: usize) -> Self {
        Self {
            xs: vec![MISSING; COLS * n_items],
            r: vec![0.0; n_rows * COLS],
            stt: vec![0.0; n_pad * COLS],
            zeros: vec![0.0; qp],
            n_items,
        }
    }

    /// The score vectors (`COLS × n_pad`, zero past the patterns) of the chunk's patterns
    /// `slots` (at most [`COLS`]): every score row against every posterior as one matrix product
    /// over the points that carry the block's mass (all categories, so the product is dense and
    /// vectorises), then each pattern adds its categories' products.
    fn fill(
        &mut self,
        enc: &Encoded,
        chunk: &Chunk,
        dec: &[Vec<u8>],
        rows: &ScoreRows,
        slots: &[u32],
    ) -> &[f64] {
        let (n, ng, qp) = (self.n_items, enc.groups.len(), chunk.qp);
        self.stt.fill(0.0);
        self.xs.fill(MISSING);
        let (mut q0, mut q1) = (u16::MAX, 0u16);
        let mut posts: [&[f32]; COLS] = [&self.zeros; COLS];
        for (c, &slot) in slots.iter().enumerate() {
            let slot = slot as usize;
            let (lo, hi) = chunk.span[slot];
            (q0, q1) = (q0.min(lo), q1.max(hi));
            posts[c] = &chunk.post[slot * qp..(slot + 1) * qp];
            let u = chunk.first + slot;
            let xs = &mut self.xs[c * n..(c + 1) * n];
            for ((g, &code), d) in enc.groups.iter().zip(&enc.codes[u * ng..(u + 1) * ng]).zip(dec) {
                let len = g.items.len();
                let scores = &d[code as usize * len..(code as usize + 1) * len];
                for (&j, &x) in g.items.iter().zip(scores) {
                    xs[j] = x;
                }
            }
        }
        let used = slots.len().next_multiple_of(4);
        let n_rows = rows.n_rows;
        rows_times_posteriors(&rows.ht, n_rows, &posts[..used], q0 as usize..q1 as usize, &mut self.r);
        let n_pad = self.stt.len() / COLS;
        for c in 0..slots.len() {
            let (xs, r) = (&self.xs[c * n..(c + 1) * n], &self.r[c * n_rows..(c + 1) * n_rows]);
            let st = &mut self.stt[c * n_pad..(c + 1) * n_pad];
            for (j, &x) in xs.iter().enumerate() {
                if x == MISSING {
                    continue;
                }
                let free = &rows.free[j];
                let at = rows.first[j] + x as usize * free.len();
                for (&gi, &v) in free.iter().zip(&r[at..at + free.len()]) {
                    st[gi] += f64::from(v);
                }
            }
        }
        &self.stt
    }
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

#[cfg(test)]
pub(super) fn invert_for_test(a: &[f64], n: usize) -> Option<Vec<f64>> {
    invert_spd(a, n)
}
