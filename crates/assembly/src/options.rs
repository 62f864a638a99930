//! How an assembly runs: solver, time limit, gap, seed, strategy. Its own module because both the
//! assembly passes and the diagnosis read it, and neither should depend on the other for it.

use serde::Serialize;

use crate::model::SolverChoice;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Forms one after another, each against the earlier ones, then balanced. Default.
    #[default]
    Sequential,
    /// One model for all forms; pairwise overlap linearised. Small pools and few forms only.
    Simultaneous,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssemblyOptions {
    pub solver: SolverChoice,
    /// Time budget of the whole run, seconds, on the clock the caller passes to `assemble`.
    pub time_limit: f64,
    /// Relative MIP gap at which a solve may stop.
    pub gap: f64,
    /// Seed of the shuffled versions.
    pub seed: u64,
    pub strategy: Strategy,
    /// Use draft and in-review items too (never retired ones). Off for real exams.
    pub allow_unapproved: bool,
    /// Run the capped pass and balancing after plain sequential assembly.
    pub balance: bool,
    /// After balancing, local improvement: swaps with the pool and exchanges between forms that
    /// raise the weakest form, then narrow the spread (docs/assembly.md, "Local improvement").
    pub improve: bool,
    /// Also keep near-duplicate items apart (suggested enemies nobody has confirmed, found by
    /// `khaothi_similarity`). Off by default: assembly uses the items' confirmed `enemies` only.
    pub auto_enemies: bool,
}

impl Default for AssemblyOptions {
    fn default() -> Self {
        Self {
            solver: SolverChoice::best_available(),
            time_limit: 60.0,
            gap: 0.01,
            seed: 1,
            strategy: Strategy::Sequential,
            allow_unapproved: false,
            balance: true,
            improve: true,
            auto_enemies: false,
        }
    }
}
