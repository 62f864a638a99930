//! The two dense kernels of the standard-error pass (`se.rs`): the product of the score rows with
//! a block of posteriors (f32) and the Gram matrix of the block's score vectors (f64). Where the
//! CPU has AVX2 and FMA (x86-64-v3: every x86 server since about 2015) they run as register-tiled
//! matrix products with fused multiply-adds, 8 f32 or 4 f64 lanes per register, chosen at run time
//! through `pulp` (safe: the feature check and the `target_feature` code are in that crate, the
//! workspace keeps `unsafe` forbidden); elsewhere the portable kernels below, which the compiler
//! vectorises for the build's baseline (SSE2).
//!
//! `pulp` was chosen over `gemm` (its public entry point is an `unsafe fn` on raw pointers) and
//! over `faer` (a whole linear-algebra library, minutes of build time on two cores, for two small
//! kernels whose shapes — 64 columns, a band of ~18 points, an upper triangle — a general GEMM
//! would not exploit). It is the SIMD layer under `faer`, maintained by the same author.

#[cfg(target_arch = "x86_64")]
use pulp::{NullaryFnOnce, cast, f32x8, f64x4, x86::V3};

/// Patterns per block (the columns of the product and of the score matrix).
pub(super) const COLS: usize = 64;

/// `r[c][row] = Σ_{q ∈ qs} posts[c][q] · ht[q][row]` (`ht`: points × `n_rows`, `r`:
/// `posts.len()` × `n_rows`; `n_rows` a multiple of 16, `posts.len()` of 4).
pub(super) fn rows_times_posteriors(
    ht: &[f32],
    n_rows: usize,
    posts: &[&[f32]],
    qs: std::ops::Range<usize>,
    r: &mut [f32],
) {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = V3::try_new() {
        return simd.vectorize(ProductV3 { simd, ht, n_rows, posts, qs, r });
    }
    product_portable(ht, n_rows, posts, qs, r);
}

/// Adds `Σ_c st[c][a] · st[c][b]` to `acc[a][b]` for every `b ≥ a` (tiles reaching below the
/// diagonal add there too: unused). `st`: the block's score vectors, [`COLS`] × `n` (one pattern's
/// `n` entries contiguous), `acc`: `n × n`, `n` a multiple of 8.
pub(super) fn gram_add(st: &[f64], n: usize, acc: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = V3::try_new() {
        return simd.vectorize(GramV3 { simd, st, n, acc });
    }
    gram_portable(st, n, acc);
}

/// The product in 4 × 8 tiles (patterns × rows), f32: two SSE registers of rows per pattern.
fn product_portable(ht: &[f32], n_rows: usize, posts: &[&[f32]], qs: std::ops::Range<usize>, r: &mut [f32]) {
    for (c0, p) in posts.chunks_exact(4).enumerate() {
        let p: [&[f32]; 4] = [&p[0][..qs.end], &p[1][..qs.end], &p[2][..qs.end], &p[3][..qs.end]];
        for r0 in (0..n_rows).step_by(8) {
            let mut acc = [[0.0f32; 8]; 4];
            for q in qs.clone() {
                let h: &[f32; 8] = ht[q * n_rows + r0..q * n_rows + r0 + 8].try_into().expect("8 wide");
                for (a, pi) in acc.iter_mut().zip(&p) {
                    let w = pi[q];
                    for (x, hr) in a.iter_mut().zip(h) {
                        *x += w * hr;
                    }
                }
            }
            for (i, a) in acc.iter().enumerate() {
                let at = (4 * c0 + i) * n_rows + r0;
                r[at..at + 8].copy_from_slice(a);
            }
        }
    }
}

/// The Gram matrix in 4 × 4 tiles, two lanes of f64 along `b`, summed over the patterns.
fn gram_portable(st: &[f64], n: usize, acc: &mut [f64]) {
    for a0 in (0..n).step_by(4) {
        for b0 in ((a0 / 4) * 4..n).step_by(4) {
            let mut c = [[0.0f64; 4]; 4];
            for row in st.chunks_exact(n) {
                let x: &[f64; 4] = row[a0..a0 + 4].try_into().expect("4 wide");
                let y: &[f64; 4] = row[b0..b0 + 4].try_into().expect("4 wide");
                for (ci, xi) in c.iter_mut().zip(x) {
                    for (cij, yj) in ci.iter_mut().zip(y) {
                        *cij += xi * yj;
                    }
                }
            }
            for (i, ci) in c.iter().enumerate() {
                let dst = &mut acc[(a0 + i) * n + b0..(a0 + i) * n + b0 + 4];
                dst.iter_mut().zip(ci).for_each(|(d, x)| *d += x);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
struct ProductV3<'a> {
    simd: V3,
    ht: &'a [f32],
    n_rows: usize,
    posts: &'a [&'a [f32]],
    qs: std::ops::Range<usize>,
    r: &'a mut [f32],
}

#[cfg(target_arch = "x86_64")]
impl NullaryFnOnce for ProductV3<'_> {
    type Output = ();

    /// 4 patterns × 16 rows per tile: 8 accumulators, per point 2 loads and 4 broadcasts for 8
    /// fused multiply-adds of 8 lanes; the rows of the block's points stay in L1.
    #[inline(always)]
    fn call(self) {
        let Self { simd, ht, n_rows, posts, qs, r } = self;
        let zero = simd.splat_f32x8(0.0);
        for (c0, p) in posts.chunks_exact(4).enumerate() {
            let p: [&[f32]; 4] = [&p[0][..qs.end], &p[1][..qs.end], &p[2][..qs.end], &p[3][..qs.end]];
            for r0 in (0..n_rows).step_by(16) {
                let mut acc = [[zero; 2]; 4];
                for q in qs.clone() {
                    let h: &[f32; 16] =
                        ht[q * n_rows + r0..q * n_rows + r0 + 16].try_into().expect("16 wide");
                    let h0: f32x8 = cast(*<&[f32; 8]>::try_from(&h[..8]).expect("8 wide"));
                    let h1: f32x8 = cast(*<&[f32; 8]>::try_from(&h[8..]).expect("8 wide"));
                    for (a, pi) in acc.iter_mut().zip(&p) {
                        let x = simd.splat_f32x8(pi[q]);
                        a[0] = simd.mul_add_f32x8(x, h0, a[0]);
                        a[1] = simd.mul_add_f32x8(x, h1, a[1]);
                    }
                }
                for (i, a) in acc.iter().enumerate() {
                    let at = (4 * c0 + i) * n_rows + r0;
                    r[at..at + 8].copy_from_slice(&cast::<f32x8, [f32; 8]>(a[0]));
                    r[at + 8..at + 16].copy_from_slice(&cast::<f32x8, [f32; 8]>(a[1]));
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
struct GramV3<'a> {
    simd: V3,
    st: &'a [f64],
    n: usize,
    acc: &'a mut [f64],
}

#[cfg(target_arch = "x86_64")]
impl NullaryFnOnce for GramV3<'_> {
    type Output = ();

    /// 4 rows × 8 columns of the triangle per tile: 8 accumulators, per pattern 2 loads and 4
    /// broadcasts for 8 fused multiply-adds of 4 lanes; no horizontal sums.
    #[inline(always)]
    fn call(self) {
        let Self { simd, st, n, acc } = self;
        let zero = simd.splat_f64x4(0.0);
        for a0 in (0..n).step_by(4) {
            for b0 in ((a0 / 8) * 8..n).step_by(8) {
                let mut c = [[zero; 2]; 4];
                for row in st.chunks_exact(n) {
                    let y: &[f64; 8] = row[b0..b0 + 8].try_into().expect("8 wide");
                    let y0: f64x4 = cast(*<&[f64; 4]>::try_from(&y[..4]).expect("4 wide"));
                    let y1: f64x4 = cast(*<&[f64; 4]>::try_from(&y[4..]).expect("4 wide"));
                    let x: &[f64; 4] = row[a0..a0 + 4].try_into().expect("4 wide");
                    for (ci, &xi) in c.iter_mut().zip(x) {
                        let x = simd.splat_f64x4(xi);
                        ci[0] = simd.mul_add_f64x4(x, y0, ci[0]);
                        ci[1] = simd.mul_add_f64x4(x, y1, ci[1]);
                    }
                }
                for (i, ci) in c.iter().enumerate() {
                    let dst = &mut acc[(a0 + i) * n + b0..(a0 + i) * n + b0 + 8];
                    let add = [cast::<f64x4, [f64; 4]>(ci[0]), cast::<f64x4, [f64; 4]>(ci[1])];
                    dst.iter_mut().zip(add.iter().flatten()).for_each(|(d, x)| *d += x);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(len: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..len)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
            })
            .collect()
    }

    /// Both Gram kernels (the one this CPU runs and the portable one) against the plain sum.
    #[test]
    fn gram_kernels_match_the_plain_sum() {
        let n = 24;
        let st = data(COLS * n, 1);
        let start = data(n * n, 2);
        let (mut fast, mut portable) = (start.clone(), start.clone());
        gram_add(&st, n, &mut fast);
        gram_portable(&st, n, &mut portable);
        for a in 0..n {
            for b in a..n {
                let plain: f64 =
                    start[a * n + b] + (0..COLS).map(|c| st[c * n + a] * st[c * n + b]).sum::<f64>();
                for (what, got) in [("dispatched", &fast), ("portable", &portable)] {
                    let g = got[a * n + b];
                    assert!(
                        (g - plain).abs() <= 1e-12 * (1.0 + plain.abs()),
                        "{what} [{a}][{b}]: {g} vs {plain}"
                    );
                }
            }
        }
    }

    /// Both product kernels against the plain sum, over a band of points.
    #[test]
    fn product_kernels_match_the_plain_sum() {
        let (n_rows, qp, cols) = (32, 20, 8);
        let ht: Vec<f32> = data(qp * n_rows, 3).iter().map(|&x| x as f32).collect();
        let post: Vec<f32> = data(qp * cols, 4).iter().map(|&x| x as f32).collect();
        let posts: Vec<&[f32]> = post.chunks_exact(qp).collect();
        let (mut fast, mut portable) = (vec![f32::NAN; n_rows * cols], vec![f32::NAN; n_rows * cols]);
        rows_times_posteriors(&ht, n_rows, &posts, 3..17, &mut fast);
        product_portable(&ht, n_rows, &posts, 3..17, &mut portable);
        for c in 0..cols {
            for row in 0..n_rows {
                let plain: f64 =
                    (3..17).map(|q| f64::from(ht[q * n_rows + row]) * f64::from(posts[c][q])).sum();
                for (what, got) in [("dispatched", &fast), ("portable", &portable)] {
                    let g = f64::from(got[c * n_rows + row]);
                    assert!((g - plain).abs() <= 1e-5, "{what} [{c}][{row}]: {g} vs {plain}");
                }
            }
        }
    }
}
