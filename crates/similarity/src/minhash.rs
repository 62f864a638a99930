//! MinHash signatures and their LSH bands. Hashes are FNV-1a and SplitMix64, fixed here rather
//! than the standard library's (whose algorithm may change between releases), so a signature
//! stored today compares with one computed next year.

/// Minima in a signature.
pub const SIGNATURE: usize = 128;
/// Bands of the signature for locality-sensitive hashing, and rows (minima) per band.
pub const BANDS: usize = 32;
pub const ROWS: usize = SIGNATURE / BANDS;

/// A MinHash signature; empty for a text without words.
pub type Signature = Vec<u64>;

fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The signature of a set of shingles: for each of [`SIGNATURE`] hash functions, the smallest
/// hash over the shingles. Two signatures agree at a position with probability equal to the
/// Jaccard similarity of the sets.
pub fn signature(shingles: &[String]) -> Signature {
    if shingles.is_empty() {
        return Vec::new();
    }
    // Each shingle hashed once (FNV-1a, then mixed); the 128 hash functions are multiplicative
    // `a_i × (h ⊕ b_i)` with odd `a_i`, whose high bits (which decide the minimum) are well mixed.
    let base: Vec<u64> = shingles.iter().map(|s| mix(fnv1a(s))).collect();
    let coefficients: Vec<(u64, u64)> = (0..SIGNATURE as u64).map(coefficients).collect();
    let mut sig = vec![u64::MAX; SIGNATURE];
    for &h in &base {
        for (slot, &(a, b)) in sig.iter_mut().zip(&coefficients) {
            *slot = (*slot).min(a.wrapping_mul(h ^ b));
        }
    }
    sig
}

/// The `i`-th hash function's multiplier (odd) and salt, fixed by the index alone.
fn coefficients(i: u64) -> (u64, u64) {
    (mix(i.wrapping_mul(2) + 1) | 1, mix(i.wrapping_mul(2) + 2))
}

/// The bucket key of band `band` of a signature.
pub(crate) fn band_key(sig: &Signature, band: usize) -> u64 {
    sig[band * ROWS..(band + 1) * ROWS].iter().fold(band as u64, |acc, &v| mix(acc ^ v))
}

/// Share of positions where two signatures agree.
pub(crate) fn agreement(a: &Signature, b: &Signature) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / SIGNATURE as f64
}
