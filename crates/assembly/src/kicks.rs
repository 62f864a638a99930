//! Kicks (issue 17, target 6, stop 21): an iterated local search after fine lifting.
//!
//! The local improvement (`Run::improve`) stops at forms where no single swap or exchange raises
//! the weakest form; fine lifting's MILP re-solves of one form or a pair stop where neither can
//! rise against the forms held fixed. Both are local optima of small neighbourhoods. A *kick*
//! leaves such an optimum: a few random moves (each keeps every rule, none takes a changed form
//! more than [`DEPTH`] below the smallest information), then the local improvement climbs again
//! (floor moves, then narrowing, as in `Run::improve`). The climbed forms replace the best ones
//! when their smallest information is higher and their spread is no wider than the best forms'
//! (or than the solver's relative gap × their smallest information, if that is wider: forms that
//! close are level enough, as for reshaping); the next kick starts from the best forms. Moves take microseconds, so a kick and its climb take
//! milliseconds and many fit in the time fine lifting leaves.
//!
//! The random moves come from a ChaCha8 generator seeded with `AssemblyOptions::seed`: a run is
//! reproducible given its seed and the number of kicks its time allows.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::improve::Improver;
use crate::pool::{smallest_of, spread_of};
use crate::run::Run;
use crate::sequential::Forms;

/// Seconds of kicks (module `kicks`) after fine lifting on HiGHS when no time limit was given:
/// the deploy build's default then takes about 12 s on 3–6 forms of the bench, within twice its
/// old default (all on HiGHS, 6–60 s; docs/benchmarks.md, stops 18 and 21).
const HIGHS_KICK_SECONDS: f64 = 3.0;

/// Share of the time fine lifting left that the kicks take.
const LEFT_SHARE: f64 = 0.5;

/// Random moves per kick.
const MOVES: usize = 6;

/// How far below the best smallest information a kick may take a form (relative).
const DEPTH: f64 = 0.01;

/// Kicks in a row that found no random move before the pass gives up.
const MAX_FAILED: usize = 20;

/// Kicks in a row without a lift before the pass ends (its time aside: a run on a clock that
/// does not move ends too).
const MAX_STALE: usize = 1_000;

/// Most moves of one climb (each strictly improves, so it ends anyway).
const MAX_CLIMB: usize = 500;

impl Run<'_, '_> {
    /// When the kicks after fine lifting stop: half of what fine lifting left of its time (it ends
    /// early when no form rises; the other half stays with evening, levelling and reshaping), and
    /// with HiGHS as the solver at least [`HIGHS_KICK_SECONDS`] from now, within the run's limit.
    /// With the user's own time limit (`whole_budget`) none: there the passes after fine lifting
    /// use the time up to the limit, and at 24 forms reshaping needs it (docs/assembly.md).
    pub(crate) fn kick_end(&self, end: f64) -> f64 {
        let now = self.spent();
        if self.opts.whole_budget {
            return now;
        }
        let left = now + LEFT_SHARE * (end - now).max(0.0);
        if self.opts.solver == crate::model::SolverChoice::Highs {
            left.max(now + HIGHS_KICK_SECONDS).min(self.opts.time_limit)
        } else {
            left
        }
    }

    /// Kicks and climbs from `forms` until the run's clock reaches `until`; returns the best
    /// forms seen (`forms` when no climb beat them). Records itself as `"kicks"` (`solves` = the
    /// kicks made).
    pub(crate) fn kicks(&mut self, forms: Forms, until: f64) -> Forms {
        let since = self.spent();
        if forms.len() < 2 {
            return forms;
        }
        let rules = self.rules.clone();
        let mut rng = ChaCha8Rng::seed_from_u64(self.opts.seed);
        let mut best = (smallest_of(self.pool, &forms), spread_of(self.pool, &forms), forms);
        let (mut kicks, mut failed) = (0, 0);
        let time = |run: &Self| run.left() > 0.0 && run.spent() < until;
        let mut stale = 0;
        while time(self) && failed < MAX_FAILED && stale < MAX_STALE {
            kicks += 1;
            let mut imp = Improver::new(self.pool, self.bp, &rules, self.cand, best.2.clone());
            let low = best.0 * (1.0 - DEPTH);
            if (0..MOVES).filter(|_| imp.kick(&mut rng, low)).count() == 0 {
                failed += 1;
                continue;
            }
            failed = 0;
            let mut moves = 0;
            loop {
                let before = moves;
                while moves < MAX_CLIMB && imp.raise_floor() {
                    moves += 1;
                }
                while moves < MAX_CLIMB && imp.narrow() {
                    moves += 1;
                }
                if moves == before || moves >= MAX_CLIMB {
                    break;
                }
            }
            let (f, s) = (smallest_of(self.pool, &imp.forms), spread_of(self.pool, &imp.forms));
            stale += 1;
            if f > best.0 + 1e-6 && s <= best.1.max(self.opts.gap * f) + 1e-9 {
                best = (f, s, imp.forms);
                stale = 0;
            }
        }
        self.record("kicks", since, kicks, &best.2);
        best.2
    }
}

#[cfg(test)]
#[path = "kicks_tests.rs"]
mod tests;
