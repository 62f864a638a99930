//! Latency histograms that several load-test processes can merge exactly: counts per 10 µs
//! bucket (so a percentile of the merged histogram is the percentile of all the samples to
//! within 0.01 ms, never an average of the processes' percentiles).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Bucket width: 10 µs, in milliseconds.
const BUCKET_MS: f64 = 0.01;

/// Counts of samples by bucket (`ceil(ms / 0.01)`), sparse.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    #[serde(with = "pairs")]
    counts: BTreeMap<u64, u64>,
}

impl Histogram {
    pub fn record(&mut self, ms: f64) {
        let bucket = (ms.max(0.0) / BUCKET_MS).ceil() as u64;
        *self.counts.entry(bucket).or_insert(0) += 1;
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (b, n) in &other.counts {
            *self.counts.entry(*b).or_insert(0) += n;
        }
    }

    pub fn count(&self) -> u64 {
        self.counts.values().sum()
    }

    /// The value at rank `round((n − 1) · p)` of the sorted samples (the nearest-rank
    /// percentile), to the bucket's upper edge; 0 when empty.
    pub fn percentile(&self, p: f64) -> f64 {
        let n = self.count();
        if n == 0 {
            return 0.0;
        }
        let rank = ((n - 1) as f64 * p.clamp(0.0, 1.0)).round() as u64;
        let mut seen = 0;
        for (b, c) in &self.counts {
            seen += c;
            if seen > rank {
                return *b as f64 * BUCKET_MS;
            }
        }
        self.max()
    }

    pub fn max(&self) -> f64 {
        self.counts.keys().next_back().map_or(0.0, |b| *b as f64 * BUCKET_MS)
    }
}

/// A histogram serialised as `[[bucket, count], …]` (JSON object keys would be strings).
mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(m: &BTreeMap<u64, u64>, s: S) -> Result<S::Ok, S::Error> {
        m.iter().map(|(b, c)| [*b, *c]).collect::<Vec<_>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<u64, u64>, D::Error> {
        let v: Vec<[u64; 2]> = Vec::deserialize(d)?;
        Ok(v.into_iter().map(|[b, c]| (b, c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: sort every sample and take the nearest rank.
    fn sorted_percentile(v: &[f64], p: f64) -> f64 {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * p).round() as usize]
    }

    #[test]
    fn merged_histograms_give_the_percentiles_of_all_samples() {
        let mut rng = 12345u64;
        let mut next = || {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((rng >> 33) as f64 / (1u64 << 31) as f64).powi(4) * 300.0
        };
        let parts: Vec<Vec<f64>> = (0..3).map(|k| (0..2000 + k * 500).map(|_| next()).collect()).collect();
        let mut merged = Histogram::default();
        for part in &parts {
            let mut h = Histogram::default();
            part.iter().for_each(|x| h.record(*x));
            // Through JSON, as the processes hand them over.
            let h: Histogram = serde_json::from_str(&serde_json::to_string(&h).unwrap()).unwrap();
            merged.merge(&h);
        }
        let all: Vec<f64> = parts.concat();
        assert_eq!(merged.count(), all.len() as u64);
        for p in [0.0, 0.5, 0.9, 0.99, 0.999, 1.0] {
            let want = sorted_percentile(&all, p);
            let got = merged.percentile(p);
            assert!(got >= want - 1e-9 && got - want < 0.0100001, "p{p}: {got} vs {want}");
        }
        assert!((merged.max() - sorted_percentile(&all, 1.0)).abs() < 0.0100001);
        assert_eq!(Histogram::default().percentile(0.99), 0.0);
    }
}
