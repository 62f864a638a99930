//! Levelling (issue 17, target 6, stop 20): evening's moves with a little of the smallest
//! information to spend.
//!
//! Evening and reshaping never lower the smallest information. With many forms (24 from 2,000
//! items) they stop at a *peaked* form that is at once the weakest form (at θ = ±1) and the
//! highest at θ = 0: every unit that would lower it at θ = 0 lowers it at ±1 too, below the
//! smallest information, so the spread stays at 0.4–0.6 (docs/benchmarks.md, stops 18 and 19).
//! Levelling lets the narrowing and evening moves take the smallest information down to
//! `(1 − SLACK × gap)` of what it was — a fifth of the solver's gap, differences every solve of
//! the run was told to ignore — and keeps the moves' best forms only where the spread narrowed
//! by at least [`TRADE`] times the information given up, so a pass that can only trade floor for
//! little narrowing changes nothing.

use crate::improve::Improver;
use crate::pool::{smallest_of, spread_of};
use crate::run::Run;
use crate::sequential::Forms;

/// Share of the solver's gap the smallest information may fall by (relative): with the default
/// gap of 1 %, 0.2 % (13.744 → 13.716 at 24 forms).
pub(crate) const SLACK: f64 = 0.2;

/// Least narrowing of the spread per unit of smallest information given up.
pub(crate) const TRADE: f64 = 5.0;

/// Most moves of one levelling pass (each lowers the scatter or the spread, so it ends anyway).
const MAX_MOVES: usize = 2_000;

impl Run<'_, '_> {
    /// Levelling (module `level`) until the run's clock reaches `until`. Returns the forms kept:
    /// the moves' best trade of smallest information for spread, or `forms` unchanged.
    pub(crate) fn levelling(&mut self, forms: Forms, until: f64) -> Forms {
        let since = self.spent();
        let (floor0, spread0) = (smallest_of(self.pool, &forms), spread_of(self.pool, &forms));
        // forms within the gap of each other are level enough (reshaping stops there too)
        if forms.len() < 2 || spread0 <= self.opts.gap * floor0 || self.left() <= 0.0 {
            return forms;
        }
        let rules = self.rules.clone();
        let mut imp = Improver::new(self.pool, self.bp, &rules, self.cand, forms.clone());
        imp.floor_min = Some(floor0 * (1.0 - SLACK * self.opts.gap));
        let mut best: Option<(f64, f64, Forms)> = None;
        let mut moves = 0;
        let time = |run: &Self| run.left() > 0.0 && run.spent() < until;
        loop {
            let before = moves;
            // narrow with the slack, even out, then win back floor without widening
            while moves < MAX_MOVES
                && time(self)
                && (imp.narrow() || imp.even() || imp.raise_floor_within(true))
            {
                moves += 1;
                let (f, s) = (smallest_of(self.pool, &imp.forms), spread_of(self.pool, &imp.forms));
                if worth(floor0, spread0, f, s)
                    && best.as_ref().is_none_or(|(b, bf, _)| better(s, f, *b, *bf))
                {
                    best = Some((s, f, imp.forms.clone()));
                }
            }
            if moves == before || moves >= MAX_MOVES || !time(self) {
                break;
            }
        }
        let kept = best.map_or(forms, |(_, _, f)| f);
        self.record("levelling", since, moves, &kept);
        kept
    }
}

/// Whether forms at smallest information `f` and spread `s` are worth more than the forms at
/// `floor0` and `spread0`: the spread narrowed, by at least [`TRADE`] × the information given up.
pub(crate) fn worth(floor0: f64, spread0: f64, f: f64, s: f64) -> bool {
    s < spread0 - 1e-9 && spread0 - s >= TRADE * (floor0 - f).max(0.0)
}

/// Whether spread `s` at smallest information `f` beats `b` at `bf`: narrower, or as narrow
/// (within 1e-6) with more information.
fn better(s: f64, f: f64, b: f64, bf: f64) -> bool {
    s < b - 1e-6 || (s <= b + 1e-6 && f > bf + 1e-9)
}

#[cfg(test)]
#[path = "level_tests.rs"]
mod tests;
