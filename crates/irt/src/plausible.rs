//! Plausible values: random draws from each person's posterior distribution of θ given the
//! responses and a population model (Mislevy, 1991). Group statistics computed from plausible
//! values are unbiased where point estimates are not (EAPs shrink toward the prior mean, MLEs
//! spread out) — but only for the groups the population model knows: drawn from one common
//! prior, the values of a high-scoring region are pulled toward the overall mean, so group
//! differences shrink. Given a grouping variable (region, school type), each group gets its own
//! normal prior, whose mean and SD are estimated by EM with the items held fixed (a latent
//! regression on the group indicators), and each person's values are drawn from the posterior
//! under their group's prior.
//!
//! The posterior is evaluated on a grid of 121 points over `prior_mean ± 6·prior_sd`; a draw picks
//! a point with its posterior probability and adds a uniform jitter within the point's cell
//! (which adds `h²/12`, 0.0008 for `h` = 0.1, to the variance). Draws are seeded: person `p` uses
//! the ChaCha stream `p` of the seed, so the values do not depend on threads.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::IrtError;
use crate::matrix::{MISSING, ResponseMatrix};
use crate::model::ItemModel;

#[derive(Debug, Clone, PartialEq)]
pub struct PvOptions {
    /// Values per person.
    pub n: usize,
    pub seed: u64,
    /// The population without groups (and the grid's centre and width).
    pub prior_mean: f64,
    pub prior_sd: f64,
}

/// A group's estimated ability distribution (the conditioning model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PvGroup {
    pub name: String,
    pub n: usize,
    pub mean: f64,
    pub sd: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlausibleValues {
    /// Per person, `n` values.
    pub values: Vec<Vec<f64>>,
    /// The groups' populations when conditioned.
    pub groups: Vec<PvGroup>,
}

const POINTS: usize = 121;

/// Draws plausible values for every person of `m` (`items[j]` is column `j`); `groups`: the group
/// names and each person's group index, to condition on.
pub fn plausible_values(
    items: &[ItemModel],
    m: &ResponseMatrix,
    groups: Option<(&[String], &[usize])>,
    o: &PvOptions,
) -> Result<PlausibleValues, IrtError> {
    if items.len() != m.n_items() {
        return Err(IrtError::invalid(format!("{} item models for {} columns", items.len(), m.n_items())));
    }
    if o.n == 0 || o.prior_sd.is_nan() || o.prior_sd <= 0.0 {
        return Err(IrtError::invalid("plausible values need n ≥ 1 and a positive prior SD"));
    }
    let grid: Vec<f64> = (0..POINTS).map(|q| o.prior_mean + o.prior_sd * (-6.0 + 0.1 * q as f64)).collect();
    let loglik: Vec<Vec<f64>> = (0..m.n_persons())
        .into_par_iter()
        .map(|p| {
            grid.iter()
                .map(|&t| {
                    m.row(p)
                        .iter()
                        .zip(items)
                        .filter(|(s, _)| **s != MISSING)
                        .map(|(&s, it)| it.log_likelihood(t, s))
                        .sum()
                })
                .collect()
        })
        .collect();
    let (of_person, mut pops, names) = match groups {
        Some((names, of)) => {
            if of.len() != m.n_persons() {
                return Err(IrtError::invalid("one group per person is needed"));
            }
            (of.to_vec(), vec![(o.prior_mean, o.prior_sd); names.len()], names.to_vec())
        }
        None => (vec![0; m.n_persons()], vec![(o.prior_mean, o.prior_sd)], Vec::new()),
    };
    if groups.is_some() {
        estimate_populations(&grid, &loglik, &of_person, &mut pops);
    }
    let h = grid[1] - grid[0];
    let values = (0..m.n_persons())
        .into_par_iter()
        .map(|p| {
            let post = posterior(&grid, &loglik[p], pops[of_person[p]]);
            let mut rng = ChaCha8Rng::seed_from_u64(o.seed);
            rng.set_stream(p as u64);
            (0..o.n)
                .map(|_| {
                    let u: f64 = rng.random();
                    let q = post
                        .iter()
                        .scan(0.0, |c, w| {
                            *c += w;
                            Some(*c)
                        })
                        .position(|c| c >= u)
                        .unwrap_or(POINTS - 1);
                    grid[q] + h * (rng.random::<f64>() - 0.5)
                })
                .collect()
        })
        .collect();
    let groups = names
        .into_iter()
        .enumerate()
        .map(|(g, name)| PvGroup {
            name,
            n: of_person.iter().filter(|&&x| x == g).count(),
            mean: pops[g].0,
            sd: pops[g].1,
        })
        .collect();
    Ok(PlausibleValues { values, groups })
}

/// The normalised posterior on the grid under a N(mean, sd²) prior.
fn posterior(grid: &[f64], loglik: &[f64], (mean, sd): (f64, f64)) -> Vec<f64> {
    let lw: Vec<f64> = grid.iter().zip(loglik).map(|(t, l)| l - 0.5 * ((t - mean) / sd).powi(2)).collect();
    let max = lw.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = lw.iter().map(|l| (l - max).exp()).collect();
    let s: f64 = w.iter().sum();
    w.into_iter().map(|x| x / s).collect()
}

/// EM for each group's normal mean and SD with the items fixed: the new mean is the average
/// posterior mean, the new variance the average posterior second moment about it.
fn estimate_populations(grid: &[f64], loglik: &[Vec<f64>], of_person: &[usize], pops: &mut [(f64, f64)]) {
    for _ in 0..500 {
        let mut acc = vec![(0.0, 0.0, 0.0); pops.len()];
        for (l, &g) in loglik.iter().zip(of_person) {
            let post = posterior(grid, l, pops[g]);
            let m1: f64 = post.iter().zip(grid).map(|(w, t)| w * t).sum();
            let m2: f64 = post.iter().zip(grid).map(|(w, t)| w * t * t).sum();
            acc[g].0 += 1.0;
            acc[g].1 += m1;
            acc[g].2 += m2;
        }
        let mut change: f64 = 0.0;
        for (pop, (n, s1, s2)) in pops.iter_mut().zip(acc) {
            if n == 0.0 {
                continue;
            }
            let mean = s1 / n;
            let sd = (s2 / n - mean * mean).max(1e-4).sqrt();
            change = change.max((mean - pop.0).abs()).max((sd - pop.1).abs());
            *pop = (mean, sd);
        }
        if change < 1e-6 {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ability::{AbilityMethod, AbilityOptions, estimate};
    use crate::simulate::{draw_thetas, random_items, simulate_responses};

    fn two_regions() -> (Vec<ItemModel>, ResponseMatrix, Vec<String>, Vec<usize>) {
        let items = random_items(crate::IrtModelKind::TwoPl, 8, 2, 4);
        let mut th = draw_thetas(1500, 0.0, 1.0, 5);
        th.extend(draw_thetas(1500, 1.0, 1.0, 6));
        let m = simulate_responses(&items, &th, 7);
        let of: Vec<usize> = (0..3000).map(|p| usize::from(p >= 1500)).collect();
        (items, m, vec!["north".into(), "south".into()], of)
    }

    fn mean(v: impl Iterator<Item = f64>) -> f64 {
        let v: Vec<f64> = v.collect();
        v.iter().sum::<f64>() / v.len() as f64
    }

    #[test]
    fn conditioning_keeps_group_differences_that_one_prior_shrinks() {
        let (items, m, names, of) = two_regions();
        let o = PvOptions { n: 5, seed: 11, prior_mean: 0.5, prior_sd: 1.1 };
        let diff = |pv: &PlausibleValues| {
            let g = |k: usize| {
                mean(pv.values.iter().zip(&of).filter(|(_, g)| **g == k).flat_map(|(v, _)| v.clone()))
            };
            g(1) - g(0)
        };
        let plain = plausible_values(&items, &m, None, &o).unwrap();
        let cond = plausible_values(&items, &m, Some((&names, &of)), &o).unwrap();
        assert!(diff(&plain) < 0.85, "unconditioned difference {}", diff(&plain));
        assert!((diff(&cond) - 1.0).abs() < 0.12, "conditioned difference {}", diff(&cond));
        assert!((cond.groups[1].mean - cond.groups[0].mean - 1.0).abs() < 0.12, "{:?}", cond.groups);
        assert!(cond.groups.iter().all(|g| (g.sd - 1.0).abs() < 0.15 && g.n == 1500), "{:?}", cond.groups);
        // seeded: the same seed gives the same values, another seed others
        assert_eq!(plausible_values(&items, &m, Some((&names, &of)), &o).unwrap(), cond);
        let other = plausible_values(&items, &m, None, &PvOptions { seed: 12, ..o.clone() }).unwrap();
        assert_ne!(other.values, plain.values);
    }

    /// A person's values average to the EAP and spread like the posterior SD (computed by the
    /// EAP estimator under the same prior).
    #[test]
    fn draws_follow_the_posterior() {
        let items = random_items(crate::IrtModelKind::TwoPl, 8, 2, 9);
        let m = ResponseMatrix::from_rows(
            items.iter().enumerate().map(|(j, _)| format!("q{j}")).collect(),
            &[vec![1, 0, 1, 1, 0, 1, 1, 0]],
        )
        .unwrap();
        let o = PvOptions { n: 20000, seed: 3, prior_mean: 0.0, prior_sd: 1.0 };
        let pv = plausible_values(&items, &m, None, &o).unwrap();
        let e =
            estimate(&items, m.row(0), &AbilityOptions { method: AbilityMethod::Eap, ..Default::default() });
        let v = &pv.values[0];
        let mu = mean(v.iter().copied());
        let sd = (mean(v.iter().map(|x| (x - mu).powi(2)))).sqrt();
        assert!((mu - e.theta.unwrap()).abs() < 0.02, "{mu} vs {:?}", e.theta);
        assert!((sd - e.se.unwrap()).abs() < 0.02, "{sd} vs {:?}", e.se);
        assert!(plausible_values(&items, &m, None, &PvOptions { n: 0, ..o }).is_err());
    }
}
