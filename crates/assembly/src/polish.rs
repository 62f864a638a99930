//! Polishing (issue 17, target 6, stop 20): with few forms and HiGHS, the simultaneous model of
//! all forms started from the sequential forms.
//!
//! Sequential assembly and its lifting passes re-solve one or two forms at a time against the
//! others fixed; at 4–6 forms they end 1–3 % under HiGHS's proven bound of the simultaneous
//! model (docs/benchmarks.md, stops 18 and 19). HiGHS given the forms now as its first incumbent
//! (`Request::start`, every pair's `z` set) keeps them unless it finds better forms of all at
//! once, and its improvement heuristics work from them. The new forms are kept only when their
//! smallest information is higher; they are a solution of the full model (every rule, overlap of
//! every pair, exposure), so nothing else needs checking.

use crate::error::AssemblyError;
use crate::model::{Goal, SolveStatus, SolverChoice};
use crate::pool::floor_of;
use crate::run::Run;
use crate::sequential::Forms;

/// Most forms polished: beyond this the simultaneous model (forms × candidates binaries and a
/// `z` column per pair and candidate) is too large for a few seconds.
pub(crate) const MOST_FORMS: usize = 6;

/// Least time (s) worth the solve: HiGHS needs its root LP of the whole model first.
const MIN_SECONDS: f64 = 1.0;

impl Run<'_, '_> {
    /// The simultaneous model on HiGHS started from `forms`, until the run's clock reaches
    /// `until` (module `polish`): 3 to [`MOST_FORMS`] forms with a maximin goal (with two forms
    /// fine lifting's pair already is the whole model). Returns the better forms.
    pub(crate) fn polishing(&mut self, forms: Forms, until: f64, gap: f64) -> Result<Forms, AssemblyError> {
        let n = forms.len();
        let time = until.min(self.opts.time_limit) - self.spent();
        if self.opts.solver != SolverChoice::Highs
            || !(3..=MOST_FORMS).contains(&n)
            || !matches!(self.goal(), Goal::Maximin { .. })
            || time < MIN_SECONDS
        {
            return Ok(forms);
        }
        let since = self.spent();
        let out = match self.solve_from(self.cand, n, &[], self.goal(), (time, gap), &forms) {
            // a pass that only lifts: a solver failure leaves the forms as they are
            Err(AssemblyError::Solver(_)) => None,
            other => Some(other?),
        };
        let smallest =
            |f: &[Vec<usize>]| f.iter().map(|u| floor_of(self.pool, u)).fold(f64::INFINITY, f64::min);
        let kept = match out {
            Some(out)
                if out.forms.len() == n
                    && !matches!(out.status, SolveStatus::Infeasible | SolveStatus::NoSolution)
                    && smallest(&out.forms) > smallest(&forms) + 1e-6 =>
            {
                out.forms
            }
            _ => forms,
        };
        self.record("polishing", since, 1, &kept);
        Ok(kept)
    }
}

#[cfg(test)]
#[path = "polish_tests.rs"]
mod tests;
