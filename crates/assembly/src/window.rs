//! The window solve (issue 17, target 6, stop 22): all forms re-solved together in one model
//! over a window of the candidates, most of the forms' units held in place, started from the
//! forms now — a fix-and-optimize (large neighbourhood) step on HiGHS after fine lifting.
//!
//! Fine lifting re-solves one form or a pair against the others fixed, and the local improvement
//! and kicks move one or two units at a time: all stop where no move of one or two forms lifts
//! the weakest form (4 forms of the bench at pool seed 7 ended at 14.607 in every run of stops
//! 18–21). The simultaneous model of all forms can move several forms at once, but over every
//! candidate it is too large to improve on such forms within seconds (stop 20's polishing lifted
//! nothing in 6 s). Each window solve is small:
//!
//! * the candidates are the units on the forms now and, in each class of units with the same
//!   section counts and matrix cells, the [`PER_CLASS`] units with the most information at each
//!   θ ([`window_candidates`]; 339 of 1,081 units at 4 forms of the bench pool: HiGHS's best over
//!   such a window, 14.706 in 40 s, is above its best over all units, 14.651 in 300 s);
//! * the weakest form is free; every other form keeps a random share `1 − FREE / (forms − 1)` of
//!   its units (ChaCha8 seeded with `AssemblyOptions::seed`), so about [`FREE`] forms' worth of
//!   their units may move, to the weakest form or between them;
//! * every blueprint rule is in the model (the full simultaneous model: overlap between every
//!   pair of forms linearised, with the pair-count rows that tighten its relaxation), each form's
//!   information at each θ stays within the forms' range now widened to the allowed spread, and
//!   HiGHS starts from the forms now (a feasible incumbent) and stops after [`SOLVE_SECONDS`];
//! * the new forms are kept when their smallest information is higher and their spread within
//!   the balancing band (at most the spread now, or [`BAND`] × the floor if wider); the next
//!   solve starts from the best forms, with another random share held.
//!
//! HiGHS only (microlp takes no start and finds no solution of these models in the time), and
//! only at 4 forms ([`MIN_FORMS`]–[`MAX_FORMS`]; docs/assembly.md, "Window solves": where it was
//! measured to lift).

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::AssemblyError;
use crate::model::{Goal, Request, SolverChoice, solve};
use crate::pool::{Pool, band_around, floor_of, smallest_of, spread_of};
use crate::run::Run;
use crate::sequential::Forms;

/// Units kept in each class of interchangeable units, at each θ.
pub(crate) const PER_CLASS: usize = 8;

/// Fewest and most forms the pass runs with: at 3 forms fine lifting's pairs already reach
/// 99.2–99.6 % of the bound, and at 5 and 6 forms (10 and 15 pairs of forms in the model) the
/// window solves lifted nothing in their time (docs/benchmarks.md, stop 22), so there they would
/// only cost time.
const MIN_FORMS: usize = 4;
const MAX_FORMS: usize = 4;

/// Seconds of window solves after fine lifting (without a time limit given: the deploy build's
/// default then takes about 8 s more than before, 20 s at 4 forms of the bench, against 22–60 s
/// for its old default; with 4 s of 1 s solves they lifted nothing in one run of two under load).
pub(crate) const WINDOW_SECONDS: f64 = 8.0;

/// Seconds of one window solve (4 solves in [`WINDOW_SECONDS`]): 1 s solves under load lifted
/// in 2 of 4 runs at 4 forms seed 7, 2 s solves in 4 of 4 (docs/benchmarks.md, stop 22).
const SOLVE_SECONDS: f64 = 2.0;

/// Units freed on the forms other than the weakest, in forms' worth (a share 0.7 of each other
/// form's units is held at 4 forms).
const FREE: f64 = 0.9;

/// Relative gap of a window solve: a lift by a few tenths of a percent is what it is for (the
/// solve's time is capped anyway).
const GAP: f64 = 1e-4;

/// Spread the new forms may reach, relative to their floor (the balancing band), if wider than
/// the spread now.
const BAND: f64 = 0.04;

/// Least time (s) worth a window solve.
const MIN_SECONDS: f64 = 0.5;

impl Run<'_, '_> {
    /// When the window solves stop: [`WINDOW_SECONDS`] from now, within the run's limit (less 2 %
    /// of it, at least 0.3 s, for what follows); with the user's own time limit (`whole_budget`)
    /// also by fine lifting's end `end`, so the passes after them keep their share.
    pub(crate) fn window_end(&self, end: f64) -> f64 {
        let now = self.spent();
        let reserve = (0.02 * self.opts.time_limit).max(0.3);
        let until = (now + WINDOW_SECONDS).min(self.opts.time_limit - reserve);
        if self.opts.whole_budget { until.min(end) } else { until }
    }

    /// Window solves (see the module) until the run's clock reaches `until`. Returns the best
    /// forms seen (`forms` when no solve lifted them). Records itself as `"window"` (`solves` =
    /// the solves made) when it ran.
    pub(crate) fn window_solve(&mut self, forms: Forms, until: f64) -> Result<Forms, AssemblyError> {
        let n = forms.len();
        let Goal::Maximin { ceiling, .. } = self.goal() else { return Ok(forms) };
        if self.opts.solver != SolverChoice::Highs || !(MIN_FORMS..=MAX_FORMS).contains(&n) {
            return Ok(forms);
        }
        let since = self.spent();
        let cand = window_candidates(self.pool, self.cand, &forms, PER_CLASS);
        let mut rng = ChaCha8Rng::seed_from_u64(self.opts.seed);
        let share = 1.0 - FREE / (n - 1) as f64;
        let mut best = forms;
        let mut solves = 0;
        while (until - self.spent()).min(self.left()) >= MIN_SECONDS {
            let time = (until - self.spent()).min(self.left()).min(SOLVE_SECONDS);
            let floor = smallest_of(self.pool, &best);
            let allowed = spread_of(self.pool, &best).max(BAND * floor);
            let (low, cap) = band_around(self.pool, &best, allowed);
            let weakest = (0..n)
                .min_by(|a, b| floor_of(self.pool, &best[*a]).total_cmp(&floor_of(self.pool, &best[*b])));
            let keep: Vec<Vec<usize>> = (0..n)
                .map(|f| match Some(f) == weakest {
                    true => vec![],
                    false => best[f].iter().copied().filter(|_| rng.random::<f64>() < share).collect(),
                })
                .collect();
            solves += 1;
            let out = solve(&Request {
                bp: self.bp,
                pool: self.pool,
                candidates: &cand,
                forms: n,
                fixed: &[],
                required: &[],
                keep: &keep,
                start: &best,
                goal: Goal::Maximin { enough: None, shape: None, cap: Some(cap), low: Some(low), ceiling },
                pair_count_rows: true,
                rules: &self.rules,
                solver: SolverChoice::Highs,
                time_limit: time,
                gap: GAP,
            })?;
            if out.forms.len() == n
                && smallest_of(self.pool, &out.forms) > floor + 1e-6
                && spread_of(self.pool, &out.forms) <= allowed + 1e-9
            {
                best = out.forms;
            }
        }
        if solves > 0 {
            self.record("window", since, solves, &best);
        }
        Ok(best)
    }
}

/// The window's candidates, in the order of `cand`: every unit on one of `forms`, and in each
/// class of units with the same section counts and matrix cells the `per_class` units with the
/// most information at each θ.
pub(crate) fn window_candidates(
    pool: &Pool,
    cand: &[usize],
    forms: &[Vec<usize>],
    per_class: usize,
) -> Vec<usize> {
    let mut keep = vec![false; pool.units.len()];
    forms.iter().flatten().for_each(|&u| keep[u] = true);
    let mut classes: HashMap<(Vec<u32>, Vec<(usize, u64)>), Vec<usize>> = HashMap::new();
    for &u in cand {
        let unit = &pool.units[u];
        classes.entry((unit.section_counts.clone(), unit.cell_bits())).or_default().push(u);
    }
    for members in classes.values_mut() {
        for t in 0..pool.thetas.len() {
            members.sort_by(|a, b| pool.units[*b].info[t].total_cmp(&pool.units[*a].info[t]));
            members.iter().take(per_class).for_each(|&u| keep[u] = true);
        }
    }
    cand.iter().copied().filter(|&u| keep[u]).collect()
}

#[cfg(test)]
#[path = "window_tests.rs"]
mod tests;
