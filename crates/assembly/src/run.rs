//! One assembly run against its time budget: every solve gets the time left on the caller's
//! clock, a solve that must succeed is retried with all of it, and an infeasible one becomes a
//! diagnosis. The strategies (`Run::simultaneous` here, `Run::sequential` in module
//! `sequential`) are written on top of it.

use std::time::Duration;

use serde::Serialize;

use crate::blueprint::{Blueprint, Objective};
use crate::clock::Clock;
use crate::diagnose::diagnose;
use crate::error::AssemblyError;
use crate::model::{Goal, Outcome, Request, Rules, SolveStatus, solve};
use crate::options::AssemblyOptions;
use crate::pool::Pool;

/// One pass of sequential assembly: `sequential` (plain), `capped`, `balancing`.
#[derive(Debug, Clone, Serialize)]
pub struct PassSummary {
    pub pass: String,
    pub seconds: f64,
    pub solves: usize,
    pub smallest_information: f64,
    pub spread: f64,
}

/// The units of each form, the worst solve status, the proven bound and the solver's gap.
pub(crate) type Assembled = (Vec<Vec<usize>>, SolveStatus, Option<f64>, Option<f64>);

pub(crate) struct Run<'r, 'p> {
    pub bp: &'r Blueprint,
    pub pool: &'r Pool<'p>,
    pub cand: &'r [usize],
    pub rules: Rules,
    pub opts: &'r AssemblyOptions,
    pub clock: &'r dyn Clock,
    /// The clock's reading when the run started.
    pub start: Duration,
    /// Information target of a target/reference objective (empty for maximin).
    pub target: Vec<f64>,
    pub passes: Vec<PassSummary>,
    /// Fine lifting has begun: single-form solves use the run's solver, not the coarse one.
    pub fine: bool,
    /// Reshaping has begun: its solves (one form or a pair) use the run's solver, which can
    /// start from the forms now (HiGHS).
    pub reshaping: bool,
}

impl<'r, 'p> Run<'r, 'p> {
    /// A run whose budget started at the clock's reading `start`.
    pub fn new(
        bp: &'r Blueprint,
        pool: &'r Pool<'p>,
        cand: &'r [usize],
        opts: &'r AssemblyOptions,
        clock: &'r dyn Clock,
        start: Duration,
        target: Vec<f64>,
    ) -> Self {
        Run {
            bp,
            pool,
            cand,
            rules: Rules::all(bp, pool.cells.len()),
            opts,
            clock,
            start,
            target,
            passes: vec![],
            fine: false,
            reshaping: false,
        }
    }
}

impl Run<'_, '_> {
    /// Seconds since the run started, on the caller's clock.
    pub fn spent(&self) -> f64 {
        self.clock.elapsed().saturating_sub(self.start).as_secs_f64()
    }

    /// Seconds of the budget left (negative once it is spent).
    pub fn left(&self) -> f64 {
        self.opts.time_limit - self.spent()
    }

    /// Seconds a solve may still take: what is left, but at least half a second.
    pub fn remaining(&self) -> f64 {
        self.left().max(0.5)
    }

    /// The blueprint's goal.
    pub fn goal(&self) -> Goal {
        match &self.bp.information {
            None => Goal::Feasible,
            Some(inf) => match inf.objective {
                Objective::Maximin => {
                    Goal::Maximin { enough: None, shape: None, cap: None, low: None, ceiling: inf.ceiling }
                }
                Objective::Target | Objective::Reference => Goal::Target(self.target.clone()),
            },
        }
    }

    pub fn solve_gap(
        &self,
        forms: usize,
        fixed: &[Vec<usize>],
        goal: Goal,
        time: f64,
        gap: f64,
    ) -> Result<Outcome, AssemblyError> {
        self.solve_on(self.cand, forms, fixed, goal, time, gap)
    }

    /// A solve over the given candidates (a subset of the run's, e.g. after a reduction that is
    /// exact for this model).
    pub fn solve_on(
        &self,
        candidates: &[usize],
        forms: usize,
        fixed: &[Vec<usize>],
        goal: Goal,
        time: f64,
        gap: f64,
    ) -> Result<Outcome, AssemblyError> {
        self.solve_from(candidates, forms, fixed, goal, (time, gap), &[])
    }

    /// A solve over the given candidates that HiGHS starts from `start` (see `Request::start`).
    pub fn solve_from(
        &self,
        candidates: &[usize],
        forms: usize,
        fixed: &[Vec<usize>],
        goal: Goal,
        (time, gap): (f64, f64),
        start: &[Vec<usize>],
    ) -> Result<Outcome, AssemblyError> {
        solve(&Request {
            bp: self.bp,
            pool: self.pool,
            candidates,
            forms,
            fixed,
            required: &[],
            keep: &[],
            pair_count_rows: false,
            start,
            goal,
            rules: &self.rules,
            solver: self.solver_for(forms),
            time_limit: time,
            gap,
        })
    }

    /// The solver of a solve of `forms` forms: the coarse solver (`AssemblyOptions::coarse_solver`)
    /// for the single-form solves of a sequential run of several forms before fine lifting and
    /// for fine lifting's pair solves with three forms or more (with two the pair is the whole
    /// model), else the run's.
    pub(crate) fn solver_for(&self, forms: usize) -> crate::model::SolverChoice {
        let sequential = self.opts.strategy == crate::options::Strategy::Sequential;
        let coarse =
            !self.reshaping && ((forms == 1 && !self.fine) || (forms == 2 && self.fine && self.bp.forms > 2));
        if sequential && coarse && self.bp.forms > 1 {
            self.opts.coarse_solver_for(self.bp.forms)
        } else {
            self.opts.solver
        }
    }

    fn infeasible(&self, forms_done: &[Vec<usize>], failing: usize) -> AssemblyError {
        let d = diagnose(self.bp, self.pool, forms_done, failing, self.opts, self.remaining());
        AssemblyError::Infeasible(Box::new(d))
    }

    /// One solve that must give a solution: a time-out without one is retried with all the time
    /// left, and is never reported as infeasibility.
    pub fn solve_required(
        &self,
        forms: usize,
        fixed: &[Vec<usize>],
        goal: Goal,
        per: f64,
        gap: f64,
    ) -> Result<Outcome, AssemblyError> {
        let mut out = self.solve_gap(forms, fixed, goal.clone(), per, gap)?;
        if out.status == SolveStatus::NoSolution && self.left() > per {
            out = self.solve_gap(forms, fixed, goal, self.remaining(), gap)?;
        }
        match out.status {
            SolveStatus::Infeasible => Err(self.infeasible(fixed, fixed.len() + forms)),
            SolveStatus::NoSolution => Err(AssemblyError::NoSolutionInTime {
                what: if forms == 1 { format!("form {}", fixed.len() + 1) } else { format!("{forms} forms") },
                seconds: self.spent(),
            }),
            _ => Ok(out),
        }
    }

    /// All forms in one model.
    pub fn simultaneous(&mut self) -> Result<Assembled, AssemblyError> {
        let f = self.bp.forms as usize;
        let out = self.solve_required(f, &[], self.goal(), self.remaining(), self.opts.gap)?;
        Ok((out.forms, out.status, out.bound, out.gap))
    }
}

/// The worse of two solve statuses (optimal < gap limit < time limit < no solution < infeasible).
pub(crate) fn worse(a: SolveStatus, b: SolveStatus) -> SolveStatus {
    let rank = |s: SolveStatus| match s {
        SolveStatus::Optimal => 0,
        SolveStatus::GapLimit => 1,
        SolveStatus::TimeLimit => 2,
        SolveStatus::NoSolution => 3,
        SolveStatus::Infeasible => 4,
    };
    if rank(b) > rank(a) { b } else { a }
}
