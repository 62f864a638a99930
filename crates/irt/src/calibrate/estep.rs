//! The E-step: posterior weights of every response pattern over the quadrature grid, reduced to
//! expected counts `r[item][score][q]`.
//!
//! Fast path: items are packed into groups whose joint states (score or "not presented") number at
//! most 256, so each person becomes a few one-byte group codes; identical code rows are collapsed
//! with a frequency. Each cycle builds, per group, a table of the joint likelihood of every code at
//! every quadrature point (normalised so its maximum is 1, the log of the scale kept aside). The
//! likelihood of a pattern is then a product of a handful of table rows — no `exp` per cell —
//! and its posterior is added back into per-code accumulators, which are expanded into item
//! counts at the end of the cycle. Everything is f64; a pattern whose product underflows is redone
//! in log space.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;

use crate::matrix::{MISSING, ResponseMatrix};

/// The float type of the fast path's inner loops (accumulation is always f64).
pub(crate) trait Real:
    Copy
    + Default
    + Send
    + Sync
    + PartialOrd
    + std::ops::Mul<Output = Self>
    + std::ops::MulAssign
    + std::ops::AddAssign
{
    fn from_f64(x: f64) -> Self;
    fn to_f64(self) -> f64;
    /// Below this the product of table rows is redone in log space.
    const TINY: f64;
}
impl Real for f32 {
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    const TINY: f64 = 1e-30;
}
impl Real for f64 {
    fn from_f64(x: f64) -> Self {
        x
    }
    fn to_f64(self) -> f64 {
        self
    }
    const TINY: f64 = 1e-200;
}

/// Quadrature grid: `theta`/`prior` have `qp` entries, the last `qp − q` being padding with
/// prior weight 0 (keeps inner loops a multiple of 4 wide).
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    pub theta: Vec<f64>,
    pub prior: Vec<f64>,
    pub q: usize,
    pub qp: usize,
}

impl Grid {
    /// `n` equally spaced points on `[−range, range]`, normal weights for `N(mean, sd²)`.
    pub fn new(n: usize, range: f64, mean: f64, sd: f64) -> Self {
        let qp = n.div_ceil(4) * 4;
        let step = if n > 1 { 2.0 * range / (n - 1) as f64 } else { 0.0 };
        let mut theta: Vec<f64> = (0..n).map(|i| -range + step * i as f64).collect();
        theta.resize(qp, 0.0);
        let mut g = Self { theta, prior: vec![0.0; qp], q: n, qp };
        g.set_population(mean, sd);
        g
    }
    pub fn set_population(&mut self, mean: f64, sd: f64) {
        let w: Vec<f64> =
            self.theta[..self.q].iter().map(|t| (-0.5 * ((t - mean) / sd).powi(2)).exp()).collect();
        let s: f64 = w.iter().sum();
        self.prior[..self.q].iter_mut().zip(&w).for_each(|(p, w)| *p = w / s);
    }
}

/// Where item `j`, score `k`, point `q` lives in a flat counts/probabilities vector.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub n_cat: Vec<usize>,
    pub offset: Vec<usize>,
    pub qp: usize,
    pub len: usize,
}

impl Layout {
    pub fn new(n_cat: Vec<usize>, qp: usize) -> Self {
        let mut offset = Vec::with_capacity(n_cat.len());
        let mut len = 0;
        for &n in &n_cat {
            offset.push(len);
            len += n * qp;
        }
        Self { n_cat, offset, qp, len }
    }
    #[inline]
    pub fn at(&self, j: usize, k: usize) -> usize {
        self.offset[j] + k * self.qp
    }
}

#[derive(Debug, Clone)]
pub(crate) struct EStep {
    pub counts: Vec<f64>,
    /// posterior mass at each point summed over all persons (length `qp`)
    pub nq: Vec<f64>,
    pub loglik: f64,
}

#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub items: Vec<usize>,
    /// states per item (n_cat, plus one for "missing" when the item has missing cells)
    pub radix: Vec<usize>,
    pub n_codes: usize,
}

/// Response patterns packed into group codes and collapsed.
#[derive(Debug, Clone)]
pub(crate) struct Encoded {
    pub groups: Vec<Group>,
    pub codes: Vec<u8>,
    pub freq: Vec<f64>,
    #[cfg_attr(not(test), allow(dead_code))] // one person per pattern: the reference SE pass
    pub rep: Vec<u32>,
}

/// Most joint states per item group (8 dichotomous items; one byte); 16, 64, 128 measured slower.
const MAX_CODES: usize = 256;

#[derive(Default)]
struct Fx(u64);
impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
}

impl Encoded {
    pub fn new(m: &ResponseMatrix, n_cat: &[usize]) -> Self {
        let n = m.n_items();
        let mut missing = vec![false; n];
        for row in m.data().chunks_exact(n) {
            for (f, &x) in missing.iter_mut().zip(row) {
                *f |= x == MISSING;
            }
        }
        let mut groups: Vec<Group> = Vec::new();
        let mut cur = Group { items: vec![], radix: vec![], n_codes: 1 };
        for j in 0..n {
            let r = n_cat[j] + usize::from(missing[j]);
            if !cur.items.is_empty() && cur.n_codes * r > MAX_CODES {
                groups.push(std::mem::replace(&mut cur, Group { items: vec![], radix: vec![], n_codes: 1 }));
            }
            cur.items.push(j);
            cur.radix.push(r);
            cur.n_codes *= r;
        }
        groups.push(cur);
        let ng = groups.len();
        let mut all = vec![0u8; m.n_persons() * ng];
        all.par_chunks_mut(ng * 4096).enumerate().for_each(|(b, out)| {
            for (i, codes) in out.chunks_mut(ng).enumerate() {
                let row = m.row(b * 4096 + i);
                for (g, c) in groups.iter().zip(codes.iter_mut()) {
                    let mut code = 0usize;
                    let mut mult = 1usize;
                    for (&j, &r) in g.items.iter().zip(&g.radix) {
                        let x = row[j];
                        let s = if x == MISSING { n_cat[j] } else { x as usize };
                        code += s * mult;
                        mult *= r;
                    }
                    *c = code as u8;
                }
            }
        });
        let (mut codes, mut freq, mut rep) = (Vec::new(), Vec::<f64>::new(), Vec::new());
        // bits of each group's code in a u64 key (the first group most significant)
        let bits: Vec<u32> = groups.iter().map(|g| usize::BITS - (g.n_codes - 1).leading_zeros()).collect();
        if bits.iter().sum::<u32>() <= 64 {
            // one u64 key: a parallel sort collapses identical patterns in code order
            let mut keys: Vec<(u64, u32)> = all
                .par_chunks(ng)
                .enumerate()
                .map(|(p, k)| {
                    (k.iter().zip(&bits).fold(0u64, |acc, (&c, &b)| (acc << b) | c as u64), p as u32)
                })
                .collect();
            keys.par_sort_unstable();
            let mut prev = None;
            for &(k, p) in &keys {
                if prev != Some(k) {
                    let row = &all[p as usize * ng..(p as usize + 1) * ng];
                    codes.extend_from_slice(row);
                    freq.push(0.0);
                    rep.push(p);
                    prev = Some(k);
                }
                *freq.last_mut().expect("pushed") += 1.0;
            }
        } else {
            let mut index: HashMap<&[u8], u32, BuildHasherDefault<Fx>> = HashMap::default();
            for (p, key) in all.chunks_exact(ng).enumerate() {
                let next = freq.len() as u32;
                let u = *index.entry(key).or_insert(next);
                if u == next {
                    codes.extend_from_slice(key);
                    freq.push(0.0);
                    rep.push(p as u32);
                }
                freq[u as usize] += 1.0;
            }
        }
        Self { groups, codes, freq, rep }
    }

    pub fn n_unique(&self) -> usize {
        self.freq.len()
    }

    /// The score (or `None` for missing) of every item in a group code.
    pub fn decode(g: &Group, mut code: usize, n_cat: &[usize], out: &mut Vec<Option<usize>>) {
        out.clear();
        for (&j, &r) in g.items.iter().zip(&g.radix) {
            let s = code % r;
            code /= r;
            out.push((s < n_cat[j]).then_some(s));
        }
    }
}

/// Per-group likelihood tables for one cycle.
pub(crate) struct Tables<T: Real> {
    /// per group: `n_codes × qp`, each row scaled to max 1
    tab: Vec<Vec<T>>,
    prior: Vec<T>,
    /// per group: log of the row scale
    lscale: Vec<Vec<f64>>,
    /// per group: `n_codes × qp` log-likelihood (for the underflow fallback)
    ltab: Vec<Vec<f64>>,
}

impl<T: Real> Tables<T> {
    /// `logp` has the [`Layout`] of the counts: `ln P_j(k | θ_q)`.
    pub fn new(enc: &Encoded, layout: &Layout, logp: &[f64], grid: &Grid) -> Self {
        let qp = grid.qp;
        let mut tab = Vec::new();
        let mut lscale = Vec::new();
        let mut ltab = Vec::new();
        let mut dec = Vec::new();
        for g in &enc.groups {
            let mut t = vec![T::default(); g.n_codes * qp];
            let mut ls = vec![0.0; g.n_codes];
            let mut lt = vec![0.0; g.n_codes * qp];
            for code in 0..g.n_codes {
                Encoded::decode(g, code, &layout.n_cat, &mut dec);
                let lrow = &mut lt[code * qp..(code + 1) * qp];
                for (&j, s) in g.items.iter().zip(&dec) {
                    if let Some(k) = s {
                        let src = &logp[layout.at(j, *k)..layout.at(j, *k) + qp];
                        lrow.iter_mut().zip(src).for_each(|(l, s)| *l += s);
                    }
                }
                let max = lrow[..grid.q].iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                ls[code] = max;
                let row = &mut t[code * qp..(code + 1) * qp];
                for q in 0..grid.q {
                    row[q] = T::from_f64((lrow[q] - max).exp());
                }
            }
            tab.push(t);
            lscale.push(ls);
            ltab.push(lt);
        }
        let prior = grid.prior.iter().map(|&p| T::from_f64(p)).collect();
        Self { tab, prior, lscale, ltab }
    }

    /// Posterior (unnormalised, in `l`) of unique pattern `u`; returns `(λ, s)` with `s = Σ l`
    /// (at most 1) and the log marginal likelihood `λ + ln s`.
    #[inline]
    pub fn posterior(&self, enc: &Encoded, u: usize, grid: &Grid, l: &mut [T]) -> (f64, f64) {
        self.posterior_inlined(enc, u, grid, l)
    }

    /// [`Tables::posterior`], always inlined: the standard-error pass calls it from code
    /// compiled for AVX2 (`se_linear.rs`), where its products then run 4 lanes of f64 wide.
    #[inline(always)]
    pub fn posterior_inlined(&self, enc: &Encoded, u: usize, grid: &Grid, l: &mut [T]) -> (f64, f64) {
        let qp = grid.qp;
        let ng = enc.groups.len();
        let codes = &enc.codes[u * ng..(u + 1) * ng];
        let mut lsum = 0.0;
        for (g, &c) in codes.iter().enumerate() {
            lsum += self.lscale[g][c as usize];
        }
        let s = match qp {
            // fixed widths: the whole posterior stays in registers, one independent multiply
            // chain per lane, instead of a serial chain per block
            12 => self.product_fixed::<12>(codes, qp, l),
            16 => self.product_fixed::<16>(codes, qp, l),
            20 => self.product_fixed::<20>(codes, qp, l),
            24 => self.product_fixed::<24>(codes, qp, l),
            32 => self.product_fixed::<32>(codes, qp, l),
            44 => self.product_fixed::<44>(codes, qp, l),
            48 => self.product_fixed::<48>(codes, qp, l),
            64 => self.product_fixed::<64>(codes, qp, l),
            _ => self.product_blocks(codes, qp, l),
        };
        let s = s.to_f64();
        if s > T::TINY && s.is_finite() {
            return (lsum, s);
        }
        self.posterior_log(codes, grid, l)
    }

    #[inline(always)]
    fn product_fixed<const N: usize>(&self, codes: &[u8], qp: usize, l: &mut [T]) -> T {
        // N / 4 lanes of 4: each lane is one SIMD register and an independent multiply chain
        let mut v = [[T::default(); 4]; 16];
        let lanes = N / 4;
        for (k, lane) in v[..lanes].iter_mut().enumerate() {
            lane.copy_from_slice(&self.prior[4 * k..4 * k + 4]);
        }
        for (g, &c) in codes.iter().enumerate() {
            let at = c as usize * qp;
            let row = &self.tab[g][at..at + N];
            for (lane, r) in v[..lanes].iter_mut().zip(row.chunks_exact(4)) {
                let r: [T; 4] = [r[0], r[1], r[2], r[3]];
                lane[0] *= r[0];
                lane[1] *= r[1];
                lane[2] *= r[2];
                lane[3] *= r[3];
            }
        }
        let mut s4 = [T::default(); 4];
        for (lane, out) in v[..lanes].iter().zip(l.chunks_exact_mut(4)) {
            out.copy_from_slice(lane);
            for i in 0..4 {
                s4[i] += lane[i];
            }
        }
        let mut s = s4[0];
        s += s4[1];
        s += s4[2];
        s += s4[3];
        s
    }

    fn product_blocks(&self, codes: &[u8], qp: usize, l: &mut [T]) -> T {
        let mut s4 = [T::default(); 4];
        for (blk, (out, pr)) in l.chunks_exact_mut(4).zip(self.prior.chunks_exact(4)).enumerate() {
            let mut v = [pr[0], pr[1], pr[2], pr[3]];
            for (g, &c) in codes.iter().enumerate() {
                let at = c as usize * qp + blk * 4;
                let r = &self.tab[g][at..at + 4];
                for i in 0..4 {
                    v[i] *= r[i];
                }
            }
            out.copy_from_slice(&v);
            for i in 0..4 {
                s4[i] += v[i];
            }
        }
        let mut s = s4[0];
        s += s4[1];
        s += s4[2];
        s += s4[3];
        s
    }

    #[cold]
    fn posterior_log(&self, codes: &[u8], grid: &Grid, l: &mut [T]) -> (f64, f64) {
        let qp = grid.qp;
        // underflow: redo in log space (f64)
        let mut lv: Vec<f64> =
            grid.prior.iter().map(|&p| if p > 0.0 { p.ln() } else { f64::NEG_INFINITY }).collect();
        for (g, &c) in codes.iter().enumerate() {
            let c = c as usize;
            let row = &self.ltab[g][c * qp..(c + 1) * qp];
            for (x, r) in lv.iter_mut().zip(row) {
                *x += r;
            }
        }
        let max = lv.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let mut s = 0.0;
        for x in lv.iter_mut() {
            *x = (*x - max).exp();
            s += *x;
        }
        for (o, x) in l.iter_mut().zip(&lv) {
            *o = T::from_f64(x / s);
        }
        (s.ln() + max, 1.0)
    }
}

/// Patterns per block: block accumulators (in `T`) are flushed into the f64 totals this often.
const BLOCK: usize = 4096;

/// Where each group's rows start in the fast E-step's accumulator (`n_codes × qp` per group).
struct GroupRows {
    /// per group: offset of its first value
    goff: Vec<usize>,
    /// per group: index of its first row (`goff / qp`)
    grow: Vec<usize>,
    /// total values
    len: usize,
}

impl GroupRows {
    fn new(enc: &Encoded, qp: usize) -> Self {
        let len: usize = enc.groups.iter().map(|g| g.n_codes * qp).sum();
        let mut goff = Vec::new();
        let mut o = 0;
        for g in &enc.groups {
            goff.push(o);
            o += g.n_codes * qp;
        }
        let grow = goff.iter().map(|o| o / qp).collect();
        Self { goff, grow, len }
    }
}

/// The fast E-step over collapsed, group-coded patterns. Inner loops run in `T`; per-block
/// accumulators (at most [`BLOCK`] patterns) are flushed into f64 totals.
pub(crate) fn estep_fast<T: Real>(enc: &Encoded, layout: &Layout, logp: &[f64], grid: &Grid) -> EStep {
    let tables = Tables::<T>::new(enc, layout, logp, grid);
    let rows = GroupRows::new(enc, grid.qp);
    let n = enc.n_unique();
    // one contiguous range of patterns per task (a few per thread), one f64 accumulator each;
    // f32 (or f64) block accumulators are flushed into it every BLOCK patterns
    let tasks = (rayon::current_num_threads() * 2).min(n.div_ceil(BLOCK)).max(1);
    let per = n.div_ceil(tasks);
    let (acc, loglik) = (0..tasks)
        .into_par_iter()
        .map(|t| posterior_sums(&tables, enc, grid, &rows, t * per, ((t + 1) * per).min(n)))
        .reduce(
            || (vec![0.0f64; rows.len], 0.0f64),
            |(mut a, la), (b, lb)| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                (a, la + lb)
            },
        );
    let (counts, nq) = expected_counts(enc, layout, &rows, &acc, grid.qp);
    EStep { counts, nq, loglik }
}

/// The posterior weights of unique patterns `lo..hi`, each times its frequency, summed per group
/// code (laid out by `rows`), and the patterns' log-likelihood.
fn posterior_sums<T: Real>(
    tables: &Tables<T>,
    enc: &Encoded,
    grid: &Grid,
    rows: &GroupRows,
    lo: usize,
    hi: usize,
) -> (Vec<f64>, f64) {
    let qp = grid.qp;
    let ng = enc.groups.len();
    let mut acc = vec![0.0f64; rows.len];
    let mut local = vec![T::default(); rows.len];
    let mut touched = vec![false; rows.len / qp];
    let mut l = vec![T::default(); qp];
    let (mut ll, mut prod) = (0.0f64, 1.0f64);
    let mut u = lo;
    while u < hi {
        let end = (u + BLOCK).min(hi);
        for u in u..end {
            let (lsum, s) = tables.posterior(enc, u, grid, &mut l);
            let f = enc.freq[u];
            if f == 1.0 {
                // Σ ln s as the log of a running product (s ≤ 1): one `ln` per many patterns
                ll += lsum;
                prod *= s;
                if prod < 1e-250 {
                    ll += prod.ln();
                    prod = 1.0;
                }
            } else {
                ll += f * (lsum + s.ln());
            }
            let scale = T::from_f64(f / s);
            let (a, b) = span(&l, s);
            let l = &mut l[a..b];
            for x in l.iter_mut() {
                *x *= scale;
            }
            let codes = &enc.codes[u * ng..(u + 1) * ng];
            for (g, &c) in codes.iter().enumerate() {
                let start = rows.goff[g] + c as usize * qp;
                touched[rows.grow[g] + c as usize] = true;
                let dst = &mut local[start + a..start + b];
                for (d, x) in dst.iter_mut().zip(l.iter()) {
                    *d += *x;
                }
            }
        }
        for (r, t) in touched.iter_mut().enumerate() {
            if *t {
                *t = false;
                let (src, dst) = (&mut local[r * qp..(r + 1) * qp], &mut acc[r * qp..(r + 1) * qp]);
                for (d, x) in dst.iter_mut().zip(src.iter_mut()) {
                    *d += x.to_f64();
                    *x = T::default();
                }
            }
        }
        u = end;
    }
    ll += prod.ln();
    (acc, ll)
}

/// A posterior weight below this fraction of the pattern's total is not added to the counts: it
/// changes no count by more than 10⁻¹³ of the pattern's weight (an f32 sum keeps ~10⁻⁷).
const NEGLIGIBLE: f64 = 1e-13;

/// The points `[a, b)` (whole lanes of 4) outside which every weight of the posterior `l`
/// (summing to `s`) is below `s` × [`NEGLIGIBLE`]: a posterior of 50 items carries its mass on
/// about a third of the grid, and its sums go to the accumulators over those points only. The
/// lanes are tested from both ends, a lane at a time (a few tests per pattern).
#[inline]
fn span<T: Real>(l: &[T], s: f64) -> (usize, usize) {
    let cut = T::from_f64(s * NEGLIGIBLE);
    let negligible = |lane: &[T]| lane.iter().all(|&x| x <= cut);
    let (mut a, mut b) = (0, l.len());
    while a + 4 <= b && negligible(&l[a..a + 4]) {
        a += 4;
    }
    while b >= a + 4 && negligible(&l[b - 4..b]) {
        b -= 4;
    }
    (a, b)
}

/// The expected counts of every item and category at each point (the [`Layout`] of `logp`), and
/// the posterior mass at each point, from the per-code sums.
fn expected_counts(
    enc: &Encoded,
    layout: &Layout,
    rows: &GroupRows,
    acc: &[f64],
    qp: usize,
) -> (Vec<f64>, Vec<f64>) {
    let mut counts = vec![0.0; layout.len];
    let mut nq = vec![0.0; qp];
    for code in 0..enc.groups[0].n_codes {
        nq.iter_mut().zip(&acc[code * qp..(code + 1) * qp]).for_each(|(n, x)| *n += x);
    }
    let mut dec = Vec::new();
    for (g, grp) in enc.groups.iter().enumerate() {
        for code in 0..grp.n_codes {
            let src = &acc[rows.goff[g] + code * qp..rows.goff[g] + (code + 1) * qp];
            if src.iter().all(|x| *x == 0.0) {
                continue;
            }
            Encoded::decode(grp, code, &layout.n_cat, &mut dec);
            for (&j, s) in grp.items.iter().zip(&dec) {
                if let Some(k) = s {
                    let at = layout.at(j, *k);
                    counts[at..at + qp].iter_mut().zip(src).for_each(|(c, x)| *c += x);
                }
            }
        }
    }
    (counts, nq)
}

mod reference;
pub(crate) use reference::estep_reference;
