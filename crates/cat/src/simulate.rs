//! Simulation: simulees drawn from N(M, SD²) take the adaptive test; the table a board reads
//! before choosing a design (`khaothi cat simulate`).

use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::Result;

/// Most simulees of one run (bounds what an outsider can ask of the bank's API).
pub const MAX_PERSONS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationOptions {
    pub persons: usize,
    pub seed: u64,
    #[serde(default)]
    pub theta_mean: f64,
    #[serde(default = "one")]
    pub theta_sd: f64,
}

fn one() -> f64 {
    1.0
}

/// One θ bin of width 0.5 (true θ in `[from, to)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThetaBin {
    pub from: f64,
    pub to: f64,
    pub n: usize,
    pub rmse: f64,
    pub bias: f64,
    pub mean_length: f64,
}

/// The simulation table (the CLI's JSON, issue 20 §2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationReport {
    /// √mean (θ̂ − θ)².
    pub rmse: f64,
    /// mean (θ̂ − θ).
    pub bias: f64,
    pub mean_length: f64,
    /// The largest share of simulees who saw one item.
    pub max_exposure: f64,
    /// The mean share of items two simulees share: mean over pairs of |A∩B| / mean length
    /// (computed exactly from the exposure counts).
    pub overlap: f64,
    /// Pool items no simulee saw.
    pub unused_items: usize,
    pub by_theta: Vec<ThetaBin>,
    /// Simulee tests breaking a blueprint rule (0 without a blueprint, and 0 when shadow tests
    /// work).
    pub constraint_violations: usize,
}

/// One simulee's test: true θ, final estimate, the items given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulatedTest {
    pub theta: f64,
    pub estimate: f64,
    pub se: f64,
    pub items: Vec<usize>,
}

/// Runs every simulee (in parallel with rayon; the result does not depend on the thread count).
pub fn simulate(engine: &Engine, o: &SimulationOptions) -> Result<SimulationReport> {
    let _ = (engine, o);
    unimplemented!()
}

/// Runs the simulees and returns their tests (for reports and exposure calibration).
pub fn simulate_tests(engine: &Engine, o: &SimulationOptions) -> Result<Vec<SimulatedTest>> {
    let _ = (engine, o);
    unimplemented!()
}
