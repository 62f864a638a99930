//! The cross-product information of dichotomous items whose scores are linear in the response —
//! 2PL and Rasch (and a 3PL whose guessing is fixed at 0): `∂ ln P(x | θ)/∂ψ = (x − P(θ)) θ^α`
//! with `α` 1 for the slope, 0 for the intercept. A pattern's score for item `j` is then
//! `e_jα = x_j μ_α − v_jα` with `μ_α = Σ_q w_q θ_q^α` (1 and the posterior mean `m`) and
//! `v_jα = Σ_q w_q θ_q^α P_j(θ_q)` (`w`: the posterior, summing to 1), so the Gram matrix
//! `Σ_u f_u e_u e_uᵀ` splits into sums that do not grow with the number of score entries:
//!
//! * `S_γ[j][k] = Σ f m^γ x_j x_k` (γ = 0, 1, 2): the responses are 0/1, so a block of 64
//!   patterns is 64 bits per item, and the weight of the patterns two items share is read from
//!   byte tables (the sums of the weights over every subset of 8 patterns) — 8 look-ups per pair
//!   of items for 64 patterns instead of 64 multiply-adds per score entry pair;
//! * `T_α[j][q] = Σ f m^α x_j w_q`: each pattern adds its posterior to one row per group code
//!   (per 4 items), and each row goes to the items its code answered 1 at the end;
//! * `G = Σ f w wᵀ` (points × points), over the points that carry the posterior;
//!
//! and `E_(jα)(kβ) = S_(α+β)[j][k] − Σ_q T_α[j][q] M_kβ(q) − Σ_q T_β[k][q] M_jα(q) + M_jαᵀ G M_kβ`
//! with `M_jα(q) = θ_q^α P_j(θ_q)`. Everything is f64 (the general path's product is f32).
//! Used when every item with a free parameter passes [`Linear::new`]'s check and no response is
//! missing (a missing item's score is 0, not `−v`); otherwise `se.rs`'s general path runs.

use rayon::prelude::*;

use super::estep::{Encoded, Grid, Tables};
use super::item::Internal;

/// The items with free parameters, their scores' powers of θ and `P_j(θ_q)`.
pub(super) struct Linear {
    /// the items with a free parameter (their positions among all items)
    items: Vec<usize>,
    /// per item (all of them): its position in `items`
    local: Vec<Option<usize>>,
    /// per entry of `items`: each free parameter's global position and its power of θ
    free: Vec<Vec<(usize, usize)>>,
    /// `P_j(x = 1 | θ_q)` per entry of `items`, `qp` each (0 past `q`)
    p1: Vec<f64>,
}

impl Linear {
    /// `None` unless every item with a free parameter is dichotomous with scores
    /// `(x − P(θ)) θ^α` (checked at every point to 10⁻⁹ relative).
    pub(super) fn new(items: &[Internal], grid: &Grid, index: &[Vec<Option<usize>>]) -> Option<Self> {
        let mut lin =
            Self { items: Vec::new(), local: vec![None; items.len()], free: Vec::new(), p1: Vec::new() };
        for (j, it) in items.iter().enumerate() {
            let locals: Vec<(usize, usize)> =
                (0..it.n_par()).filter_map(|i| index[j][i].map(|g| (i, g))).collect();
            if locals.is_empty() {
                continue;
            }
            if it.n_cat() != 2 {
                return None;
            }
            let np = it.n_par();
            let (mut p, mut dp) = (vec![0.0; 2], vec![0.0; 2 * np]);
            // per parameter: the powers of θ (bit α) its score fits at every point so far (both
            // fit where θ = 1 or, for one of them, 0)
            let mut alpha = vec![0b11u8; np];
            let mut p1 = vec![0.0; grid.qp];
            for q in 0..grid.q {
                let t = grid.theta[q];
                it.prob_grad(t, &mut p, &mut dp);
                p1[q] = p[1];
                for &(i, _) in &locals {
                    let fits = |a: i32| {
                        (0..2).all(|k| {
                            let want = (k as f64 - p[1]) * t.powi(a);
                            let got = dp[k * np + i] / p[k].max(1e-300);
                            (got - want).abs() <= 1e-9 * (1.0 + want.abs())
                        })
                    };
                    alpha[i] &= u8::from(fits(0)) | u8::from(fits(1)) << 1;
                }
            }
            if locals.iter().any(|&(i, _)| alpha[i] == 0) {
                return None;
            }
            lin.local[j] = Some(lin.items.len());
            lin.items.push(j);
            lin.free.push(locals.iter().map(|&(i, g)| (g, usize::from(alpha[i] == 0b10))).collect());
            lin.p1.extend_from_slice(&p1);
        }
        Some(lin)
    }

    /// Whether this part's patterns can take the linear path: no missing responses.
    pub(super) fn applies(enc: &Encoded, n_cat: &[usize]) -> bool {
        enc.groups.iter().all(|g| g.items.iter().zip(&g.radix).all(|(&j, &r)| r == n_cat[j] && r == 2))
    }

    /// `Σ_patterns f_u s_u s_uᵀ` over the free parameters (`n_free × n_free`, row-major).
    pub(super) fn information(
        &self,
        enc: &Encoded,
        tables: &Tables<f64>,
        grid: &Grid,
        n_cat: &[usize],
        n_free: usize,
    ) -> Vec<f64> {
        let sums = self.sums(enc, tables, grid, n_cat);
        self.assemble(&sums, grid, n_free)
    }

    /// `S`, `T` and `G` over all patterns, in parallel over ranges of them.
    fn sums(&self, enc: &Encoded, tables: &Tables<f64>, grid: &Grid, n_cat: &[usize]) -> Sums {
        let nu = enc.n_unique();
        let per_task = (nu / (rayon::current_num_threads() * 8)).clamp(64, 1 << 14).next_multiple_of(64);
        let (ni, qp) = (self.items.len(), grid.qp);
        let codes = Codes::new(self, enc, n_cat, qp);
        let mut sums = (0..nu.div_ceil(per_task))
            .into_par_iter()
            .fold(
                || Sums::new(ni, qp, codes.rows),
                |mut sums, t| {
                    let ctx = Ctx { lin: self, enc, tables, grid, codes: &codes };
                    let task = Task { ctx, us: t * per_task..((t + 1) * per_task).min(nu), sums: &mut sums };
                    #[cfg(target_arch = "x86_64")]
                    if let Some(simd) = pulp::x86::V3::try_new() {
                        simd.vectorize(task);
                        return sums;
                    }
                    task.run();
                    sums
                },
            )
            .reduce(|| Sums::new(ni, qp, codes.rows), Sums::merged);
        // T from the units' sums: each code's to the items it answered 1
        let mut t = vec![0.0; 2 * ni * qp];
        for (&(g, shift, width), &off) in codes.units.iter().zip(&codes.uoff) {
            for code in 0..1usize << width {
                let src = &sums.t[off + 2 * code * qp..off + 2 * (code + 1) * qp];
                for i in (0..width).filter(|i| code >> i & 1 == 1) {
                    if let Some(l) = self.local[enc.groups[g].items[shift + i]] {
                        t[2 * l * qp..2 * (l + 1) * qp].iter_mut().zip(src).for_each(|(t, x)| *t += x);
                    }
                }
            }
        }
        sums.t = t;
        sums
    }

    /// `L E Lᵀ`: each free parameter's row from its item's score entries.
    fn assemble(&self, sums: &Sums, grid: &Grid, n_free: usize) -> Vec<f64> {
        let (ni, qp) = (self.items.len(), grid.qp);
        // M_jα(q) and (G M)_jα(q), entry (local item, α)
        let mut m = vec![0.0; 2 * ni * qp];
        for l in 0..ni {
            for q in 0..grid.q {
                let p = self.p1[l * qp + q];
                m[(2 * l) * qp + q] = p;
                m[(2 * l + 1) * qp + q] = p * grid.theta[q];
            }
        }
        // T by rows (local item, α); G's lower triangle from its upper
        let t: Vec<f64> = (0..2 * ni)
            .flat_map(|r| (0..qp).map(move |q| (r, q)))
            .map(|(r, q)| sums.t[2 * ((r / 2) * qp + q) + r % 2])
            .collect();
        let mut g = sums.g.clone();
        for q in 0..qp {
            for r in 0..(q & !3) {
                g[q * qp + r] = g[r * qp + q];
            }
        }
        let gm: Vec<f64> = m
            .chunks_exact(qp)
            .flat_map(|row| (0..qp).map(|q| (0..qp).map(|r| g[q * qp + r] * row[r]).sum::<f64>()))
            .collect();
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let entry = |j: usize, a: usize, k: usize, b: usize| {
            let (row_j, row_k) = ((2 * j + a) * qp, (2 * k + b) * qp);
            let s = sums.s[j.min(k) * ni + j.max(k)][a + b];
            let cross = dot(&t[row_j..row_j + qp], &m[row_k..row_k + qp])
                + dot(&t[row_k..row_k + qp], &m[row_j..row_j + qp]);
            s - cross + dot(&m[row_j..row_j + qp], &gm[row_k..row_k + qp])
        };
        let mut info = vec![0.0; n_free * n_free];
        for (j, fj) in self.free.iter().enumerate() {
            for (k, fk) in self.free.iter().enumerate() {
                for &(gi, a) in fj {
                    for &(gk, b) in fk {
                        info[gi * n_free + gk] += entry(j, a, k, b);
                    }
                }
            }
        }
        for a in 0..n_free {
            for b in a + 1..n_free {
                let v = 0.5 * (info[a * n_free + b] + info[b * n_free + a]);
                (info[a * n_free + b], info[b * n_free + a]) = (v, v);
            }
        }
        info
    }
}

/// The sums of one task (or of all, after the reduction).
struct Sums {
    /// `[S_0, S_1, S_2, 0]` of the pair `(j, k)`, `k ≥ j`, at `j · items + k`
    s: Vec<[f64; 4]>,
    /// per unit and code ([`Codes`]): `Σ f m^α w_q` of its patterns, at
    /// `uoff[unit] + 2 (code · qp + q) + α` (expanded into `T_α[j][q] = Σ f m^α x_j w_q`, at
    /// `2 (j · qp + q) + α`, after the reduction)
    t: Vec<f64>,
    /// `G`, `qp × qp`: on and above the diagonal, and below it within each lane of 4
    g: Vec<f64>,
}

impl Sums {
    fn new(ni: usize, qp: usize, codes: usize) -> Self {
        Self { s: vec![[0.0; 4]; ni * ni], t: vec![0.0; 2 * codes * qp], g: vec![0.0; qp * qp] }
    }

    fn merged(mut self, other: Self) -> Self {
        for (a, b) in self.s.iter_mut().zip(&other.s) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        self.t.iter_mut().zip(&other.t).for_each(|(x, y)| *x += y);
        self.g.iter_mut().zip(&other.g).for_each(|(x, y)| *x += y);
        self
    }
}

/// What every block of patterns reads.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    lin: &'a Linear,
    enc: &'a Encoded,
    tables: &'a Tables<f64>,
    grid: &'a Grid,
    codes: &'a Codes,
}

/// What a pattern's group codes mean here: the items it answered 1, and the rows of the
/// per-code sums of `T` it adds to. Those rows are kept per "unit": the whole code of the first
/// two groups (patterns come sorted by them, so their rows stay in cache) and 4 items' worth of
/// the others' (16 rows each instead of 256: every unit's rows together fit in L2).
struct Codes {
    /// per group: where its codes start in `start`
    first: Vec<usize>,
    /// per group code: its answered items (local positions) at `answered[start[i]..start[i + 1]]`
    start: Vec<usize>,
    answered: Vec<usize>,
    /// `(group, shift, width)`: a unit's code is `(code >> shift) mod 2^width`
    units: Vec<(usize, usize, usize)>,
    /// per unit: where its rows (`2 qp` values each) start in [`Sums::t`]
    uoff: Vec<usize>,
    /// rows of all units
    rows: usize,
}

impl Codes {
    fn new(lin: &Linear, enc: &Encoded, n_cat: &[usize], qp: usize) -> Self {
        let (mut first, mut start, mut answered) = (Vec::new(), vec![0], Vec::new());
        let (mut units, mut uoff, mut rows) = (Vec::new(), Vec::new(), 0);
        let mut dec = Vec::new();
        for (g, grp) in enc.groups.iter().enumerate() {
            first.push(start.len() - 1);
            for code in 0..grp.n_codes {
                Encoded::decode(grp, code, n_cat, &mut dec);
                let ones = grp.items.iter().zip(&dec).filter(|(_, s)| **s == Some(1));
                answered.extend(ones.filter_map(|(&j, _)| lin.local[j]));
                start.push(answered.len());
            }
            // binary items, none missing: bit i of the code is item i's response
            let width = if g < 2 { grp.items.len() } else { 4 };
            for shift in (0..grp.items.len()).step_by(width.max(1)) {
                units.push((g, shift, width.min(grp.items.len() - shift)));
                uoff.push(2 * rows * qp);
                rows += 1 << width.min(grp.items.len() - shift);
            }
        }
        Self { first, start, answered, units, uoff, rows }
    }
}

/// One task's range of patterns, in blocks of 64.
struct Task<'a> {
    ctx: Ctx<'a>,
    us: std::ops::Range<usize>,
    sums: &'a mut Sums,
}

impl Task<'_> {
    /// Inlined into the AVX2/FMA instance (`pulp`'s safe dispatch, as in `se_kernels.rs`) where
    /// the CPU has them, so the sums run 4 lanes of f64 wide.
    #[inline(always)]
    fn run(self) {
        let Self { ctx, us, sums } = self;
        let mut blk = Block::new(ctx.lin.items.len(), ctx.grid.qp);
        for lo in us.clone().step_by(64) {
            blk.add(&ctx, lo..(lo + 64).min(us.end), sums);
        }
    }
}

#[cfg(target_arch = "x86_64")]
impl pulp::NullaryFnOnce for Task<'_> {
    type Output = ();

    #[inline(always)]
    fn call(self) {
        self.run();
    }
}

/// A posterior weight below this fraction of the pattern's largest is left out (as in `se.rs`).
const NEGLIGIBLE: f64 = 1e-13;

/// Work space of one block of (at most) 64 patterns.
struct Block {
    /// per item: bit `c` set when the block's pattern `c` answered it 1
    bits: Vec<u64>,
    /// per pattern: `[f, f m, f m², 0]`
    c: [[f64; 4]; 64],
    /// per 8 patterns: the sums of `c` over every subset of them (256 each)
    tab: Vec<[f64; 4]>,
    /// the posterior, then `w` (summing to 1)
    w: Vec<f64>,
    /// `f w_q` and `f m w_q` of each point, interleaved
    fwm: Vec<f64>,
    /// the posterior mean `m`
    mean: f64,
}

impl Block {
    fn new(ni: usize, qp: usize) -> Self {
        Self {
            bits: vec![0; ni],
            c: [[0.0; 4]; 64],
            tab: vec![[0.0; 4]; 8 * 256],
            w: vec![0.0; qp],
            fwm: vec![0.0; 2 * qp],
            mean: 0.0,
        }
    }

    /// Adds patterns `us` (at most 64) to `sums`.
    #[inline(always)]
    fn add(&mut self, ctx: &Ctx<'_>, us: std::ops::Range<usize>, sums: &mut Sums) {
        let Ctx { enc, tables, grid, codes, .. } = *ctx;
        let (qp, ng) = (grid.qp, enc.groups.len());
        self.bits.fill(0);
        self.c = [[0.0; 4]; 64];
        for (c, u) in us.enumerate() {
            let (a, b) = self.posterior(enc, tables, grid, u);
            let fwm = &self.fwm[2 * a..2 * b];
            for q in a..b {
                let (x, lo) = (self.fwm[2 * q], q & !3);
                let g = &mut sums.g[q * qp + lo..q * qp + b];
                for (g, v) in g.chunks_exact_mut(4).zip(self.w[lo..b].chunks_exact(4)) {
                    (0..4).for_each(|i| g[i] += x * v[i]);
                }
            }
            let pattern = &enc.codes[u * ng..(u + 1) * ng];
            for (&(g, shift, width), &at) in codes.units.iter().zip(&codes.uoff) {
                let code = (pattern[g] as usize >> shift) & ((1 << width) - 1);
                let t = &mut sums.t[at + 2 * (code * qp + a)..at + 2 * (code * qp + b)];
                t.iter_mut().zip(fwm).for_each(|(t, x)| *t += x);
            }
            for (&first, &code) in codes.first.iter().zip(pattern) {
                let i = first + code as usize;
                for &l in &codes.answered[codes.start[i]..codes.start[i + 1]] {
                    self.bits[l] |= 1 << c;
                }
            }
            let f = enc.freq[u];
            self.c[c] = [f, f * self.mean, f * self.mean * self.mean, 0.0];
        }
        self.pairs(&mut sums.s);
    }

    /// Pattern `u`'s posterior `w` (summing to 1) in `self.w`, `f w` and `f m w` interleaved in
    /// `self.fwm`, its mean in `self.mean`; returns the points `[a, b)` (whole lanes of 4)
    /// outside which every weight is below [`NEGLIGIBLE`] of the largest (set to 0 within).
    #[inline(always)]
    fn posterior(&mut self, enc: &Encoded, tables: &Tables<f64>, grid: &Grid, u: usize) -> (usize, usize) {
        let (_, s) = tables.posterior_inlined(enc, u, grid, &mut self.w);
        let w = &mut self.w[..grid.q];
        let cut = w.iter().fold(0.0f64, |m, &x| m.max(x)) * NEGLIGIBLE;
        let first = w.iter().position(|&x| x > cut).unwrap_or(0);
        let last = w.iter().rposition(|&x| x > cut).map_or(grid.q, |i| i + 1);
        let (a, b) = (first & !3, last.next_multiple_of(4).min(grid.qp));
        let w = &mut self.w[a..b];
        let inv = 1.0 / s;
        for (q, x) in w.iter_mut().enumerate() {
            *x = if (first..last).contains(&(a + q)) { *x * inv } else { 0.0 };
        }
        self.mean = w.iter().zip(&grid.theta[a..b]).map(|(x, t)| x * t).sum();
        let f = enc.freq[u];
        for (o, &x) in self.fwm[2 * a..2 * b].chunks_exact_mut(2).zip(w.iter()) {
            o[0] = f * x;
            o[1] = o[0] * self.mean;
        }
        (a, b)
    }

    /// `S` of the block: per pair of items, the weights of the patterns both answered 1, 8
    /// patterns per table look-up.
    #[inline(always)]
    fn pairs(&mut self, s: &mut [[f64; 4]]) {
        let add = |x: [f64; 4], y: [f64; 4]| [x[0] + y[0], x[1] + y[1], x[2] + y[2], x[3] + y[3]];
        for (sub, tab) in self.tab.chunks_exact_mut(256).enumerate() {
            // the subsets with highest pattern `i`: those below it plus pattern `i`
            tab[0] = [0.0; 4];
            for i in 0..8 {
                let (low, high) = tab[..2 << i].split_at_mut(1 << i);
                let y = self.c[8 * sub + i];
                high.iter_mut().zip(low.iter()).for_each(|(h, &l)| *h = add(l, y));
            }
        }
        let ni = self.bits.len();
        let tab = &self.tab;
        for (j, &bj) in self.bits.iter().enumerate() {
            if bj == 0 {
                continue;
            }
            for (k, &bk) in self.bits.iter().enumerate().skip(j) {
                let m = bj & bk;
                if m == 0 {
                    continue;
                }
                let x: [[f64; 4]; 8] =
                    std::array::from_fn(|sub| tab[sub * 256 + ((m >> (8 * sub)) & 255) as usize]);
                let sum = add(add(add(x[0], x[1]), add(x[2], x[3])), add(add(x[4], x[5]), add(x[6], x[7])));
                let d = &mut s[j * ni + k];
                *d = add(*d, sum);
            }
        }
    }
}
