//! Near-duplicate items: which items of a bank say nearly the same thing — copies, light edits,
//! and one template filled with other numbers — so that a reviewer or the board can confirm them
//! as enemies (never on one form).
//!
//! Comparing every pair of a 100,000-item bank is 5·10⁹ comparisons; instead each item's text is
//! normalised ([`normalise`]: no diacritics, no case, every number the same token), cut into word
//! 3-shingles, summarised by a MinHash signature ([`SIGNATURE`] minima, each estimating the
//! Jaccard similarity of two shingle sets) and the signature cut into [`BANDS`] bands: only items
//! that agree on a whole band somewhere are compared (locality-sensitive hashing). With 32 bands of
//! 4 rows, a pair of similarity 0.7 is found with probability 1 − (1 − 0.7⁴)³² ≈ 0.9996 and a pair
//! of similarity 0.2 meets in a band with probability ≈ 0.05. Pure: texts in, pairs out.

mod minhash;
mod normalise;

use std::collections::{HashMap, HashSet};

use khaothi_domain::{Item, ItemBody};
use serde::Serialize;

pub use minhash::{BANDS, ROWS, SIGNATURE, Signature, signature};
pub use normalise::{normalise, shingles};

/// A pair of near-duplicate texts: indices into the input (`a < b`) and their estimated
/// similarity (the share of signature positions that agree, an estimate of the Jaccard similarity
/// of their shingle sets).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Pair {
    pub a: usize,
    pub b: usize,
    pub similarity: f64,
}

/// What a search found and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearDuplicates {
    /// Pairs at or above the threshold, most similar first.
    pub pairs: Vec<Pair>,
    /// Signature comparisons made (candidate pairs from the bands), against n(n−1)/2 for all pairs.
    pub comparisons: u64,
    /// Bands whose bucket held more than [`MAX_BUCKET`] texts were skipped for that band (a text
    /// shared verbatim by that many items is a data problem, not a pair to review).
    pub oversized_buckets: usize,
}

/// Largest bucket of one band whose members are compared with each other.
pub const MAX_BUCKET: usize = 400;

/// Similarity from which two texts are near-duplicates by default.
pub const DEFAULT_THRESHOLD: f64 = 0.7;

/// Near-duplicate pairs among `texts` with estimated similarity ≥ `threshold`.
pub fn near_duplicates(texts: &[&str], threshold: f64) -> NearDuplicates {
    let signatures: Vec<Signature> = texts.iter().map(|t| signature(&shingles(&normalise(t)))).collect();
    near_duplicate_signatures(&signatures, threshold)
}

/// The same from signatures computed beforehand (a bank may keep them with each item version).
pub fn near_duplicate_signatures(signatures: &[Signature], threshold: f64) -> NearDuplicates {
    // Every (band, bucket key, text), sorted: a run of equal keys is one bucket. A sort of n × 32
    // entries is far cheaper than a hash map of that many small vectors.
    let mut entries: Vec<(u32, u64, u32)> = Vec::with_capacity(signatures.len() * BANDS);
    for (k, sig) in signatures.iter().enumerate() {
        if !sig.is_empty() {
            entries.extend((0..BANDS).map(|band| (band as u32, minhash::band_key(sig, band), k as u32)));
        }
    }
    entries.sort_unstable();
    let mut seen: HashSet<(u32, u32)> = HashSet::new();
    let mut pairs = Vec::new();
    let mut comparisons = 0u64;
    let mut oversized_buckets = 0;
    for bucket in entries.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
        if bucket.len() > MAX_BUCKET {
            oversized_buckets += 1;
            continue;
        }
        for (x, &(_, _, a)) in bucket.iter().enumerate() {
            for &(_, _, b) in &bucket[x + 1..] {
                if !seen.insert((a, b)) {
                    continue;
                }
                comparisons += 1;
                let (a, b) = (a as usize, b as usize);
                let similarity = minhash::agreement(&signatures[a], &signatures[b]);
                if similarity >= threshold {
                    pairs.push(Pair { a, b, similarity });
                }
            }
        }
    }
    pairs.sort_by(|p, q| q.similarity.total_cmp(&p.similarity).then((p.a, p.b).cmp(&(q.a, q.b))));
    NearDuplicates { pairs, comparisons, oversized_buckets }
}

/// The estimated similarity (0–1) of two texts, as the search measures it.
pub fn similarity(a: &str, b: &str) -> f64 {
    let sig = |t: &str| signature(&shingles(&normalise(t)));
    let (x, y) = (sig(a), sig(b));
    if x.is_empty() || y.is_empty() { 0.0 } else { minhash::agreement(&x, &y) }
}

/// The text of an item that near-duplicate search compares: stem, options and statements (not
/// the key, which says nothing of what the item asks).
pub fn item_text(item: &Item) -> String {
    let mut text = item.stem.clone();
    match &item.body {
        ItemBody::SingleChoice { options, .. } | ItemBody::MultipleResponse { options, .. } => {
            options.iter().for_each(|o| {
                text.push('\n');
                text.push_str(o);
            })
        }
        ItemBody::TrueFalseGroup { statements, .. } => statements.iter().for_each(|s| {
            text.push('\n');
            text.push_str(&s.text);
        }),
        ItemBody::ShortAnswer { .. } => {}
    }
    text
}

/// Near-duplicate pairs of items as `(id, id, similarity)`, items compared only within their
/// subject (ids in the pair sorted).
pub fn suggested_enemies(items: &[Item], threshold: f64) -> Vec<(String, String, f64)> {
    let mut by_subject: HashMap<&str, Vec<&Item>> = HashMap::new();
    for item in items {
        by_subject.entry(item.subject.as_str()).or_default().push(item);
    }
    let mut out = Vec::new();
    for group in by_subject.values() {
        let texts: Vec<String> = group.iter().map(|i| item_text(i)).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        for p in near_duplicates(&refs, threshold).pairs {
            let (a, b) = (&group[p.a].id, &group[p.b].id);
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            out.push((a.clone(), b.clone(), p.similarity));
        }
    }
    out.sort_by(|x, y| y.2.total_cmp(&x.2).then_with(|| (&x.0, &x.1).cmp(&(&y.0, &y.1))));
    out
}

#[cfg(test)]
mod tests;
