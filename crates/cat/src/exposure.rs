//! Sympson–Hetter exposure control: the iterative simulation that sets each item's exposure
//! parameter `k_i` so that no item is given to more than a target share of candidates.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::design::Design;
use crate::engine::{Engine, mix};
use crate::error::{CatError, Result};
use crate::pool::Pool;
use crate::simulate::{SimulationOptions, simulate_tests};

/// Most rounds of one calibration.
pub const MAX_ROUNDS: u32 = 50;
/// How far above the target the largest rate may be for the run to count as converged.
pub const TOLERANCE: f64 = 0.01;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExposureOptions {
    /// Target maximum exposure rate r (share of candidates), in (0, 1].
    pub target: f64,
    /// Most rounds of simulation (each adjusts every k_i).
    pub max_rounds: u32,
    /// Simulees per round (drawn from the options' N(M, SD²)).
    pub simulation: SimulationOptions,
}

/// The result: every item's parameter and each round's largest observed exposure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExposureCalibration {
    /// `k_i` by item id.
    pub parameters: BTreeMap<String, f64>,
    /// The largest administration rate in each round (the last one measured with the final k).
    pub max_exposure_by_round: Vec<f64>,
    /// The last round's largest rate is at most target + 0.01 (sampling error at N simulees).
    pub converged: bool,
    /// The pool with the final parameters.
    pub pool: Pool,
}

/// Sympson & Hetter (1985): start with k_i = 1; each round simulate with the current k, count
/// selections P(S_i) and set k_i = r / P(S_i) when P(S_i) > r, else 1; stop when the largest
/// administration rate P(A_i) is within the target (+0.01). Each round uses fresh simulees.
pub fn calibrate_exposure(pool: &Pool, design: &Design, o: &ExposureOptions) -> Result<ExposureCalibration> {
    if !(o.target > 0.0 && o.target <= 1.0) {
        return Err(CatError::Simulation(format!("target exposure must be in (0, 1], got {}", o.target)));
    }
    if !(1..=MAX_ROUNDS).contains(&o.max_rounds) {
        return Err(CatError::Simulation(format!("rounds must be 1–{MAX_ROUNDS}, got {}", o.max_rounds)));
    }
    let design = Design { sympson_hetter: true, ..design.clone() };
    let n = pool.len();
    let mut k = vec![1.0; n];
    let mut history = Vec::new();
    let mut current = pool.clone();
    let mut converged = false;
    for round in 0..o.max_rounds {
        let ks: HashMap<String, f64> = pool.items().iter().zip(&k).map(|(i, v)| (i.id.clone(), *v)).collect();
        current = pool.with_exposure(&ks)?;
        let engine = Engine::new(current.clone(), design.clone())?;
        let sim =
            SimulationOptions { seed: mix(o.simulation.seed, u64::from(round)), ..o.simulation.clone() };
        let tests = simulate_tests(&engine, &sim)?;
        let persons = tests.len() as f64;
        let (mut selected, mut given) = (vec![0u32; n], vec![0u32; n]);
        for t in &tests {
            t.selected.iter().for_each(|&i| selected[i] += 1);
            t.items.iter().for_each(|&i| given[i] += 1);
        }
        let max = given.iter().copied().max().unwrap_or(0) as f64 / persons;
        history.push(max);
        if max <= o.target + TOLERANCE {
            converged = true;
            break;
        }
        if round + 1 == o.max_rounds {
            break;
        }
        for i in 0..n {
            let ps = f64::from(selected[i]) / persons;
            k[i] = if ps > o.target { o.target / ps } else { 1.0 };
        }
    }
    let parameters = current.items().iter().map(|i| (i.id.clone(), i.exposure_k)).collect();
    Ok(ExposureCalibration { parameters, max_exposure_by_round: history, converged, pool: current })
}

#[cfg(test)]
mod tests;
