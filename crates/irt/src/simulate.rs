//! Seeded simulation of abilities and responses. Results depend only on the seed, not on the number
//! of threads: each block of persons draws from its own ChaCha stream.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;

use crate::matrix::ResponseMatrix;
use crate::model::ItemModel;

const BLOCK: usize = 4096;

/// Draws `n` abilities from `N(mean, sd²)`.
pub fn draw_thetas(n: usize, mean: f64, sd: f64, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let normal = Normal::new(mean, sd.abs()).expect("finite sd");
    (0..n).map(|_| normal.sample(&mut rng)).collect()
}

/// Simulates one response per person and item. Item ids are `I001`, `I002`, … (three digits at
/// least); persons have no ids.
pub fn simulate_responses(items: &[ItemModel], thetas: &[f64], seed: u64) -> ResponseMatrix {
    let ids = (1..=items.len()).map(|j| format!("I{j:03}")).collect();
    simulate_responses_with_ids(items, ids, thetas, seed)
}

/// As [`simulate_responses`] with the caller's item ids (`ids.len() == items.len()`).
pub fn simulate_responses_with_ids(
    items: &[ItemModel],
    ids: Vec<String>,
    thetas: &[f64],
    seed: u64,
) -> ResponseMatrix {
    assert_eq!(ids.len(), items.len(), "one id per item");
    let n_items = items.len();
    let max_cat = items.iter().map(ItemModel::n_categories).max().unwrap_or(2);
    let mut data = vec![0u8; thetas.len() * n_items];
    data.par_chunks_mut(BLOCK * n_items.max(1)).enumerate().for_each(|(block, out)| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(block as u64 + 1);
        let mut p = vec![0.0; max_cat];
        for (i, row) in out.chunks_mut(n_items.max(1)).enumerate() {
            let theta = thetas[block * BLOCK + i];
            for (cell, item) in row.iter_mut().zip(items) {
                let n = item.n_categories();
                item.probs(theta, &mut p[..n]);
                let u: f64 = rng.random();
                let mut acc = 0.0;
                let mut k = n - 1;
                for (c, pc) in p[..n].iter().enumerate() {
                    acc += pc;
                    if u < acc {
                        k = c;
                        break;
                    }
                }
                *cell = k as u8;
            }
        }
    });
    ResponseMatrix::new(ids, None, thetas.len(), data).expect("consistent shape")
}

/// Random item parameters in realistic ranges for simulation studies: `a ~ U(0.7, 2.0)`,
/// `b ~ N(0, 1)` clamped to ±2.5, `c ~ U(0.1, 0.25)`, ordered thresholds for polytomous models.
pub fn random_items(kind: crate::IrtModelKind, n: usize, categories: usize, seed: u64) -> Vec<ItemModel> {
    use crate::IrtModelKind as K;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let normal = Normal::new(0.0, 1.0).expect("valid");
    (0..n)
        .map(|_| {
            let a = rng.random_range(0.7..2.0);
            let b: f64 = normal.sample(&mut rng);
            let b = b.clamp(-2.5, 2.5);
            match kind {
                K::Rasch => ItemModel::Rasch { b },
                K::TwoPl => ItemModel::TwoPl { a, b },
                K::ThreePl => ItemModel::ThreePl { a, b, c: rng.random_range(0.1..0.25) },
                K::Gpcm | K::Grm => {
                    let m = categories.max(2) - 1;
                    let mut t: Vec<f64> = (0..m)
                        .map(|k| b + 2.0 * (k as f64 - (m as f64 - 1.0) / 2.0) / m as f64 * 1.5)
                        .collect();
                    for x in &mut t {
                        *x += rng.random_range(-0.2..0.2);
                    }
                    if kind == K::Gpcm {
                        ItemModel::Gpcm { a, thresholds: t }
                    } else {
                        ItemModel::Grm { a, thresholds: t }
                    }
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_and_plausible() {
        let items = vec![ItemModel::TwoPl { a: 1.0, b: 0.0 }, ItemModel::Rasch { b: -2.0 }];
        let th = draw_thetas(20_000, 0.0, 1.0, 7);
        let mean = th.iter().sum::<f64>() / th.len() as f64;
        assert!(mean.abs() < 0.03);
        let m1 = simulate_responses(&items, &th, 1);
        let m2 = simulate_responses(&items, &th, 1);
        assert_eq!(m1, m2);
        assert_ne!(m1, simulate_responses(&items, &th, 2));
        let p: Vec<f64> = (0..2)
            .map(|j| (0..th.len()).map(|i| m1.get(i, j) as f64).sum::<f64>() / th.len() as f64)
            .collect();
        assert!((p[0] - 0.5).abs() < 0.02, "{p:?}");
        assert!(p[1] > 0.8, "{p:?}");
        assert_eq!(m1.item_ids()[0], "I001");
    }

    #[test]
    fn polytomous_scores_stay_in_range() {
        let items = random_items(crate::IrtModelKind::Grm, 3, 5, 3);
        let th = draw_thetas(1000, 0.0, 1.0, 1);
        let m = simulate_responses(&items, &th, 9);
        assert!(m.data().iter().all(|&x| x <= 4));
        assert!(m.data().contains(&4) && m.data().contains(&0));
    }
}
