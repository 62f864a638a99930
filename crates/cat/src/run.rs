//! One simulation request end to end, as the CLI (`khaothi cat simulate`) and the bank's API
//! (`POST /api/v1/cat/simulate`) run it: optional Sympson–Hetter calibration to a target rate,
//! then the simulation with the calibrated parameters on fresh simulees.

use serde::{Deserialize, Serialize};

use crate::design::Design;
use crate::engine::{Engine, mix};
use crate::error::Result;
use crate::exposure::{ExposureOptions, calibrate_exposure};
use crate::pool::{Pool, PoolWarning};
use crate::simulate::{SimulationOptions, SimulationReport, simulate};

/// Rounds of Sympson–Hetter calibration a run allows.
pub const EXPOSURE_ROUNDS: u32 = 20;

/// The Sympson–Hetter part of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExposureSummary {
    pub target: f64,
    pub rounds: usize,
    pub converged: bool,
    /// The largest administration rate of each calibration round.
    pub max_exposure_by_round: Vec<f64>,
    /// Items whose parameter is below 1.
    pub controlled_items: usize,
}

/// What a run returns: the table, the exposure calibration if asked, the pool with its final
/// exposure parameters (what a package carries) and the items the design leaves out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationRun {
    pub report: SimulationReport,
    pub exposure: Option<ExposureSummary>,
    pub pool: Pool,
    pub design: Design,
    pub warnings: Vec<PoolWarning>,
}

/// Runs `design` on `pool`; with `sympson_hetter = Some(r)` the exposure parameters are first
/// calibrated to the maximum rate r (simulees of the same size and distribution, other seeds), and
/// the design switches Sympson–Hetter on.
pub fn run_simulation(
    pool: Pool,
    design: Design,
    sim: &SimulationOptions,
    sympson_hetter: Option<f64>,
) -> Result<SimulationRun> {
    let (pool, design, exposure) = match sympson_hetter {
        None => (pool, design, None),
        Some(target) => {
            let o = ExposureOptions {
                target,
                max_rounds: EXPOSURE_ROUNDS,
                simulation: SimulationOptions { seed: mix(sim.seed, 0x5348), ..sim.clone() },
            };
            let cal = calibrate_exposure(&pool, &design, &o)?;
            let summary = ExposureSummary {
                target,
                rounds: cal.max_exposure_by_round.len(),
                converged: cal.converged,
                max_exposure_by_round: cal.max_exposure_by_round,
                controlled_items: cal.parameters.values().filter(|k| **k < 1.0).count(),
            };
            (cal.pool, Design { sympson_hetter: true, ..design }, Some(summary))
        }
    };
    let engine = Engine::new(pool, design)?;
    let report = simulate(&engine, sim)?;
    let warnings = engine.warnings().to_vec();
    let design = engine.design().clone();
    Ok(SimulationRun { report, exposure, pool: engine.pool().clone(), design, warnings })
}
