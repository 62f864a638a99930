//! How an assembly runs: solver, time limit, gap, seed, strategy. Its own module because both the
//! assembly passes and the diagnosis read it, and neither should depend on the other for it.

use serde::Serialize;

use crate::model::SolverChoice;

/// From this many forms on, sequential assembly with HiGHS as the solver runs its coarse
/// single-form solves on microlp when it is built in (`AssemblyOptions::coarse_solver`).
pub const COARSE_MICROLP_FORMS: u32 = 2;

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
    /// Solver of the coarse single-form solves of sequential assembly with several forms (plain
    /// pass, capped pass, balancing) and of fine lifting's pair solves with three forms or more;
    /// fine lifting's single-form solves and every other solve use `solver`. `None`
    /// (the default): microlp when it is built in and `solver` is HiGHS with at least
    /// [`COARSE_MICROLP_FORMS`] forms — measured faster and no worse there (docs/assembly.md,
    /// "Solvers") — else `solver`.
    pub coarse_solver: Option<SolverChoice>,
    /// Time budget of the whole run, seconds, on the clock the caller passes to `assemble`.
    pub time_limit: f64,
    /// The time limit is the user's own budget (e.g. `khaothi assemble --time-limit 60`): the
    /// passes after balancing (fine lifting, pair lifting, evening) may use it up to the limit.
    /// Off (the default, a limit nobody chose), they stop at 1.8 × the time the passes before
    /// them took, so a default run stays within twice the old default's time
    /// (docs/assembly.md, "Time").
    pub whole_budget: bool,
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

impl AssemblyOptions {
    /// The solver of the coarse single-form solves of a sequential run of `forms` forms (see
    /// `coarse_solver`).
    pub fn coarse_solver_for(&self, forms: u32) -> SolverChoice {
        match self.coarse_solver {
            Some(s) => s,
            None if self.solver == SolverChoice::Highs
                && cfg!(feature = "microlp")
                && forms >= COARSE_MICROLP_FORMS =>
            {
                SolverChoice::Microlp
            }
            None => self.solver,
        }
    }
}

impl Default for AssemblyOptions {
    fn default() -> Self {
        Self {
            solver: SolverChoice::best_available(),
            coarse_solver: None,
            time_limit: 60.0,
            whole_budget: false,
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
