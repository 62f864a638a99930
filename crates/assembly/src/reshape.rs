//! Reshaping, the last pass of sequential assembly with balancing (issue 17, target 6): the form
//! whose information sets the spread is re-assembled alone against all the others, minimising the
//! spread of all forms instead of maximising its floor.
//!
//! Evening's moves change one or two units at a time and never let the spread grow nor a form
//! fall below the smallest information. With many forms they stop at a *peaked* form — highest
//! of all at one θ and at the smallest information at another — where every unit that lowers it
//! at the first θ lowers it at the second too (docs/benchmarks.md, "Issue 17 target 6, stop 18").
//! A re-solve of that form may exchange all its units at once and trade height at one θ for
//! height at another. Its model ([`Goal::Even`]) is the full single-form model against the
//! others fixed (every blueprint rule, overlap with each other form, exposure) with the objective
//! "the spread of all forms", which at θ t is `max(hi_t, I_t) − min(lo_t, I_t)` for the others'
//! range `[lo_t, hi_t]` — linear with one variable `s`, bounded below by the others' own spread;
//! its information stays at least the smallest information of all forms, so that never falls.
//! The form now is a solution of that model, so a solve always has one to beat.

use crate::error::AssemblyError;
use crate::model::{Even, Goal, SolveStatus};
use crate::pool::{Pool, floor_of, info_at};
use crate::run::Run;
use crate::sequential::Forms;

/// Forms tried (in order of how much the spread narrows without them) before the pass ends.
const TRIES: usize = 3;

/// Longest single reshaping solve (s).
const PER_SOLVE: f64 = 4.0;

/// Least time (s) worth a reshaping solve.
const MIN_SOLVE: f64 = 0.2;

/// A narrowing smaller than this (information units) is not worth a re-solve's new form.
const EPS: f64 = 1e-4;

impl Run<'_, '_> {
    /// Reshaping (module `reshape`) until `until`, then evening again when it changed a form
    /// (its new form may open moves).
    pub(crate) fn reshaping(&mut self, forms: Forms, until: f64) -> Result<Forms, AssemblyError> {
        let since = self.spent();
        let reserve = (0.02 * self.opts.time_limit).max(0.3);
        self.reshaping = true;
        let (reshaped, solves) = self.reshape(forms.clone(), until, reserve)?;
        if solves == 0 {
            return Ok(reshaped);
        }
        self.record("reshaping", since, solves, &reshaped);
        if reshaped == forms {
            return Ok(reshaped);
        }
        Ok(self.even_out(reshaped, until))
    }

    /// Re-solves the form(s) that set the spread while one narrows it and until the run's clock
    /// reaches `until` (keeping `reserve` seconds of the budget). Returns the forms and the
    /// number of solves. The smallest information never falls, the spread never grows, every
    /// new form is a solution of the full model against all the others.
    pub(crate) fn reshape(
        &self,
        mut forms: Vec<Vec<usize>>,
        until: f64,
        reserve: f64,
    ) -> Result<(Vec<Vec<usize>>, usize), AssemblyError> {
        let Goal::Maximin { ceiling, .. } = self.goal() else { return Ok((forms, 0)) };
        let mut solves = 0;
        'pass: loop {
            let infos = infos_of(self.pool, &forms);
            let now = spread_of(&infos);
            let floor = forms.iter().map(|u| floor_of(self.pool, u)).fold(f64::INFINITY, f64::min);
            // forms within the solver's gap of the smallest information are level enough:
            // narrower than that is what every solve of the run was told to ignore
            let aim = self.opts.gap * floor;
            if now <= aim {
                break;
            }
            let mut groups: Vec<Vec<usize>> = order(&infos)
                .into_iter()
                .take(TRIES)
                .filter(|(_, without)| *without <= now - EPS)
                .map(|(k, _)| vec![k])
                .collect();
            groups.extend(extremes(&infos));
            for group in groups {
                let per = (until - self.spent()).min(self.left() - reserve).min(PER_SOLVE);
                if per < MIN_SOLVE {
                    break 'pass;
                }
                solves += 1;
                let shape = Shape { infos: &infos, floor, aim, ceiling, per };
                if let Some(after) = self.reshape_group(&forms, &group, &shape)? {
                    forms = after;
                    continue 'pass;
                }
            }
            break;
        }
        Ok((forms, solves))
    }

    /// The forms of `group` (one, or the highest and lowest at the θ of the largest spread)
    /// re-solved together against the others; `Some` when the spread of all forms narrows and no
    /// form of the group falls below the smallest information.
    fn reshape_group(
        &self,
        forms: &[Vec<usize>],
        group: &[usize],
        s: &Shape,
    ) -> Result<Option<Vec<Vec<usize>>>, AssemblyError> {
        let now = spread_of(s.infos);
        let rest: Vec<Vec<f64>> =
            s.infos.iter().enumerate().filter(|(j, _)| !group.contains(j)).map(|(_, i)| i.clone()).collect();
        let (lo, hi) = range_without(&rest, usize::MAX);
        let without = spread_of(&rest);
        if without > now - EPS {
            return Ok(None);
        }
        let even = Even { lo, hi, least: without.max(s.aim), floor: s.floor, ceiling: s.ceiling };
        let others: Vec<Vec<usize>> =
            forms.iter().enumerate().filter(|(j, _)| !group.contains(j)).map(|(_, u)| u.clone()).collect();
        let start: Vec<Vec<usize>> = group.iter().map(|&k| forms[k].clone()).collect();
        let goal = Goal::Even(Box::new(even));
        // a pass that only narrows: a solver failure (microlp reports a singular basis on some of
        // these models) leaves the forms as they are, like a time-out
        let out = match self.solve_from(self.cand, group.len(), &others, goal, (s.per, self.opts.gap), &start)
        {
            Err(AssemblyError::Solver(_)) => return Ok(None),
            other => other?,
        };
        if matches!(out.status, SolveStatus::Infeasible | SolveStatus::NoSolution)
            || out.forms.len() != group.len()
        {
            return Ok(None);
        }
        let mut after = forms.to_vec();
        for (&k, new) in group.iter().zip(out.forms) {
            after[k] = new;
        }
        let lowest = group.iter().map(|&k| floor_of(self.pool, &after[k])).fold(f64::INFINITY, f64::min);
        let new = spread_of(&infos_of(self.pool, &after));
        Ok((new < now - EPS && lowest >= s.floor - 1e-9).then_some(after))
    }
}

/// What a reshaping solve is given: the forms' information, the smallest information, the
/// spread aimed at, the blueprint's ceiling, the solve's time.
struct Shape<'i> {
    infos: &'i [Vec<f64>],
    floor: f64,
    aim: f64,
    ceiling: Option<f64>,
    per: f64,
}

/// The pair of the highest and the lowest form at the θ of the largest spread, when they
/// differ (none with fewer than three forms: the pair would be every form).
fn extremes(infos: &[Vec<f64>]) -> Option<Vec<usize>> {
    let nt = infos.first().map_or(0, Vec::len);
    if infos.len() < 3 {
        return None;
    }
    let spread_at = |t: usize| {
        let v = infos.iter().map(|i| i[t]);
        v.clone().fold(f64::NEG_INFINITY, f64::max) - v.fold(f64::INFINITY, f64::min)
    };
    let t = (0..nt).max_by(|a, b| spread_at(*a).total_cmp(&spread_at(*b)))?;
    let top = (0..infos.len()).max_by(|a, b| infos[*a][t].total_cmp(&infos[*b][t]))?;
    let bottom = (0..infos.len()).min_by(|a, b| infos[*a][t].total_cmp(&infos[*b][t]))?;
    (top != bottom).then(|| vec![top.min(bottom), top.max(bottom)])
}

/// Information of each form at each θ.
fn infos_of(pool: &Pool, forms: &[Vec<usize>]) -> Vec<Vec<f64>> {
    forms.iter().map(|u| (0..pool.thetas.len()).map(|t| info_at(pool, u, t)).collect()).collect()
}

/// The others' lowest and highest information at each θ, form `k` left out.
fn range_without(infos: &[Vec<f64>], k: usize) -> (Vec<f64>, Vec<f64>) {
    let nt = infos.first().map_or(0, Vec::len);
    (0..nt)
        .map(|t| {
            infos
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != k)
                .map(|(_, i)| i[t])
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)))
        })
        .unzip()
}

/// Largest difference between two forms at one θ.
fn spread_of(infos: &[Vec<f64>]) -> f64 {
    let nt = infos.first().map_or(0, Vec::len);
    (0..nt)
        .map(|t| {
            let (lo, hi) = infos
                .iter()
                .map(|i| i[t])
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
            hi - lo
        })
        .fold(0.0, f64::max)
}

/// Forms in the order they are tried, each with the spread of the others without it: the form
/// whose absence narrows the spread most first (the forms that set the spread).
fn order(infos: &[Vec<f64>]) -> Vec<(usize, f64)> {
    let mut out: Vec<(usize, f64)> = (0..infos.len())
        .map(|k| {
            let (lo, hi) = range_without(infos, k);
            (k, lo.iter().zip(&hi).map(|(l, h)| h - l).fold(0.0, f64::max))
        })
        .collect();
    out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
#[path = "reshape_tests.rs"]
mod tests;
