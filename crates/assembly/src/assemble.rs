//! Assembly of parallel forms: the public entry point [`assemble`].
//!
//! Default strategy for several forms is sequential with balancing (docs/assembly.md explains why):
//! 1. a plain sequential pass (each form against all earlier ones); its first form is the best
//!    single form, whose proven bound bounds every form's smallest information;
//! 2. a capped pass re-assembles every form in a band around the plain pass's mean level (floor
//!    r·y, cap r·level·(1 + BAND), r the average shape over θ), so early forms stop taking the
//!    strong items later forms need;
//! 3. balancing re-assembles one form at a time against all the others while time remains.

use std::time::Instant;

use khaothi_domain::Item;
use khaothi_domain::form::{Form, FormItem, Version};
use serde::Serialize;

use crate::blueprint::{Blueprint, Objective};
use crate::diagnose::{Diagnosis, diagnose};
use crate::error::AssemblyError;
use crate::model::{Goal, Outcome, Request, Rules, SolveStatus, SolverChoice, solve};
use crate::pool::{Exclusions, Pool};
use crate::report::{AssemblyReport, FormReport, ThetaValue, form_report, spread};
use crate::versions::make_versions;

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
    /// Wall-clock budget of the whole run, seconds.
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
        }
    }
}

/// One assembled form with its versions and statistics.
#[derive(Debug, Clone, Serialize)]
pub struct AssembledForm {
    pub id: String,
    /// Item ids in delivery order.
    pub items: Vec<String>,
    /// Information at the blueprint's θ points.
    pub information: Vec<ThetaValue>,
    pub versions: Vec<Version>,
    pub report: FormReport,
    #[serde(skip)]
    pub form: Form,
}

#[derive(Debug, Clone, Serialize)]
pub struct PoolSummary {
    pub items: usize,
    pub eligible: usize,
    /// Units left after the exact dominance reduction (what the solver saw).
    pub candidates: usize,
    pub excluded: Exclusions,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssemblyResult {
    pub status: SolveStatus,
    /// Maximin: the smallest information over forms and θ points; target/reference: the largest
    /// deviation. `None` without an information objective.
    pub objective: Option<f64>,
    /// Best proven bound on the objective (maximin: the best single form's bound bounds every
    /// form). `None` when no solver proved one.
    pub bound: Option<f64>,
    /// Relative gap between objective and bound, when both are known.
    pub gap: Option<f64>,
    pub seconds: f64,
    pub solver: SolverChoice,
    pub strategy: Strategy,
    pub forms: Vec<AssembledForm>,
    pub report: AssemblyReport,
    pub pool: PoolSummary,
    /// What each pass of sequential assembly achieved (several forms, maximin).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub passes: Vec<PassSummary>,
}

/// One pass of sequential assembly: `sequential` (plain), `capped`, `balancing`.
#[derive(Debug, Clone, Serialize)]
pub struct PassSummary {
    pub pass: String,
    pub seconds: f64,
    pub solves: usize,
    pub smallest_information: f64,
    pub spread: f64,
}

struct Run<'r, 'p> {
    bp: &'r Blueprint,
    pool: &'r Pool<'p>,
    cand: &'r [usize],
    rules: Rules,
    opts: &'r AssemblyOptions,
    start: Instant,
    target: Vec<f64>,
    passes: Vec<PassSummary>,
}

impl Run<'_, '_> {
    fn remaining(&self) -> f64 {
        (self.opts.time_limit - self.start.elapsed().as_secs_f64()).max(0.5)
    }

    /// The blueprint's goal; for balancing maximin, a floor `enough` and a cap over information.
    fn goal(&self, balance: Option<(f64, Vec<f64>, Vec<f64>)>) -> Goal {
        match &self.bp.information {
            None => Goal::Feasible,
            Some(inf) => match inf.objective {
                Objective::Maximin => Goal::Maximin {
                    enough: balance.as_ref().map(|b| b.0),
                    shape: balance.as_ref().map(|b| b.2.clone()),
                    cap: balance.map(|b| b.1),
                    ceiling: inf.ceiling,
                },
                Objective::Target | Objective::Reference => Goal::Target(self.target.clone()),
            },
        }
    }

    fn solve(
        &self,
        forms: usize,
        fixed: &[Vec<usize>],
        goal: Goal,
        time: f64,
    ) -> Result<Outcome, AssemblyError> {
        self.solve_gap(forms, fixed, goal, time, self.opts.gap)
    }

    fn solve_gap(
        &self,
        forms: usize,
        fixed: &[Vec<usize>],
        goal: Goal,
        time: f64,
        gap: f64,
    ) -> Result<Outcome, AssemblyError> {
        solve(&Request {
            bp: self.bp,
            pool: self.pool,
            candidates: self.cand,
            forms,
            fixed,
            goal,
            rules: &self.rules,
            solver: self.opts.solver,
            time_limit: time,
            gap,
        })
    }
}

/// The target information of a target/reference objective.
fn target_of(bp: &Blueprint, items: &[Item]) -> Result<Vec<f64>, AssemblyError> {
    let Some(inf) = &bp.information else { return Ok(vec![]) };
    match inf.objective {
        Objective::Maximin => Ok(vec![]),
        Objective::Target => Ok(inf.target.clone().unwrap_or_default()),
        Objective::Reference => {
            let ids = inf.reference_form.clone().unwrap_or_default();
            let mut t = vec![0.0; inf.thetas.len()];
            for id in &ids {
                let item = items.iter().find(|i| &i.id == id).ok_or_else(|| {
                    AssemblyError::InvalidRequest(format!(
                        "information.reference_form: item {id} is not among the items"
                    ))
                })?;
                let model = crate::info::model_of(item).ok_or_else(|| {
                    AssemblyError::InvalidRequest(format!(
                        "information.reference_form: item {id} is not calibrated"
                    ))
                })?;
                for (k, th) in inf.thetas.iter().enumerate() {
                    t[k] += model.information(*th);
                }
            }
            Ok(t)
        }
    }
}

/// A form's floor relative to the shape: min over θ of information / shape.
fn shaped(pool: &Pool, units: &[usize], shape: &[f64]) -> f64 {
    (0..pool.thetas.len())
        .map(|t| units.iter().map(|u| pool.units[*u].info[t]).sum::<f64>() / shape[t])
        .fold(f64::INFINITY, f64::min)
}

/// How far a form's information exceeds the caps: the largest ratio information / cap over θ.
fn excess(pool: &Pool, units: &[usize], cap: &[f64]) -> f64 {
    (0..pool.thetas.len())
        .map(|t| units.iter().map(|u| pool.units[*u].info[t]).sum::<f64>() / cap[t])
        .fold(f64::NEG_INFINITY, f64::max)
}

/// Smallest information of one form over the θ points.
fn floor_of(pool: &Pool, units: &[usize]) -> f64 {
    (0..pool.thetas.len())
        .map(|t| units.iter().map(|u| pool.units[*u].info[t]).sum::<f64>())
        .fold(f64::INFINITY, f64::min)
}

/// Assembles `bp.forms` parallel forms from `items` and makes `bp.versions` versions of each.
pub fn assemble(
    bp: &Blueprint,
    items: &[Item],
    opts: &AssemblyOptions,
) -> Result<AssemblyResult, AssemblyError> {
    if !(opts.gap.is_finite() && opts.gap >= 0.0 && opts.time_limit.is_finite() && opts.time_limit > 0.0) {
        return Err(AssemblyError::InvalidRequest("time limit must be positive and gap ≥ 0".into()));
    }
    let start = Instant::now();
    let target = target_of(bp, items)?;
    let pool = Pool::new(bp, items, opts.allow_unapproved);
    let cand = pool.candidates(bp, bp.forms);
    let mut run = Run {
        bp,
        pool: &pool,
        cand: &cand,
        rules: Rules::all(bp, pool.cells.len()),
        opts,
        start,
        target,
        passes: vec![],
    };
    let (forms, status, bound, solver_gap) = match opts.strategy {
        Strategy::Simultaneous => run.simultaneous()?,
        Strategy::Sequential => run.sequential()?,
    };
    let seconds = start.elapsed().as_secs_f64();
    let passes = std::mem::take(&mut run.passes);
    let mut result = finish(bp, items, &pool, cand.len(), forms, status, bound, solver_gap, opts, seconds)?;
    result.passes = passes;
    Ok(result)
}

/// Width of the information band of balanced forms: floor `level`, cap `(1 + BAND) × level`.
/// Wide enough that the solver finds a form inside it quickly; it bounds the spread between forms.
const BAND: f64 = 0.04;

type Assembled = (Vec<Vec<usize>>, SolveStatus, Option<f64>, Option<f64>);

impl Run<'_, '_> {
    fn infeasible(&self, forms_done: &[Vec<usize>], failing: usize) -> AssemblyError {
        let d: Diagnosis = diagnose(self.bp, self.pool, forms_done, failing, self.opts, self.remaining());
        AssemblyError::Infeasible(Box::new(d))
    }

    /// One solve that must give a solution: a time-out without one is retried with all the time
    /// left, and is never reported as infeasibility.
    fn solve_required(
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
                seconds: self.start.elapsed().as_secs_f64(),
            }),
            _ => Ok(out),
        }
    }

    fn simultaneous(&mut self) -> Result<Assembled, AssemblyError> {
        let f = self.bp.forms as usize;
        let out = self.solve_required(f, &[], self.goal(None), self.remaining(), self.opts.gap)?;
        Ok((out.forms, out.status, out.bound, out.gap))
    }

    fn record(&mut self, pass: &str, since: Instant, solves: usize, forms: &[Vec<usize>]) {
        let (floor, neg_spread) = quality(self.pool, forms);
        self.passes.push(PassSummary {
            pass: pass.to_string(),
            seconds: since.elapsed().as_secs_f64(),
            solves,
            smallest_information: floor,
            spread: -neg_spread,
        });
    }

    fn left(&self) -> f64 {
        self.opts.time_limit - self.start.elapsed().as_secs_f64()
    }

    fn sequential(&mut self) -> Result<Assembled, AssemblyError> {
        let n = self.bp.forms as usize;
        let maximin = matches!(self.goal(None), Goal::Maximin { .. });
        let balance = self.opts.balance && maximin && n > 1;
        // Pass 1: plain sequential. Its first form is the best single form: its bound bounds all.
        let since = Instant::now();
        let mut forms: Vec<Vec<usize>> = Vec::with_capacity(n);
        let mut worst = SolveStatus::Optimal;
        let mut bound = None;
        let mut first_gap = None;
        // With balancing to follow, the plain pass only sets the cap and the fallback: after the
        // best single form (solved to the requested gap: its bound is reported) a looser gap.
        let mut bounds = Vec::with_capacity(n);
        for f in 0..n {
            let (share, gap) =
                if balance && f > 0 { (0.3, self.opts.gap.max(0.03)) } else { (1.0, self.opts.gap) };
            let per = self.remaining() * share / (n - f) as f64;
            let out = self.solve_required(1, &forms, self.goal(None), per.max(0.2), gap)?;
            worst = worse(worst, out.status);
            if f == 0 {
                bound = out.bound;
                first_gap = out.gap;
            }
            let form = out.forms.into_iter().next().unwrap_or_default();
            bounds.push(out.bound.unwrap_or_else(|| floor_of(self.pool, &form)));
            forms.push(form);
        }
        if !balance {
            if maximin && n > 1 {
                self.record("sequential", since, n, &forms);
            }
            let gap = if n == 1 { first_gap } else { None };
            return Ok((forms, worst, if maximin || n == 1 { bound } else { None }, gap));
        }
        self.record("sequential", since, n, &forms);
        // Pass 2: every form again under a common cap, the mean floor of pass 1, so early forms
        // leave strong items to later ones.
        let since = Instant::now();
        // The cap: what an average form reached in the plain pass (its proven bound, when known).
        let mut best = (forms.clone(), quality(self.pool, &forms));
        let mut level = bounds.iter().sum::<f64>() / n as f64;
        // Forms are not flat over θ (items peak where they are most common): balanced forms follow
        // the plain pass's average shape r (min 1) — floor r·y, cap r·level·(1 + BAND) at each θ —
        // so they are aligned θ by θ rather than forced flat.
        let mean_floor = forms.iter().map(|u| floor_of(self.pool, u)).sum::<f64>() / n as f64;
        let shape: Vec<f64> = (0..self.pool.thetas.len())
            .map(|t| {
                let mean = forms
                    .iter()
                    .map(|u| u.iter().map(|x| self.pool.units[*x].info[t]).sum::<f64>())
                    .sum::<f64>()
                    / n as f64;
                (mean / mean_floor).max(1.0)
            })
            .collect();
        let caps = |level: f64| -> Vec<f64> { shape.iter().map(|s| s * level * (1.0 + BAND)).collect() };
        let mut capped: Vec<Vec<usize>> = Vec::with_capacity(n);
        for f in 0..n {
            let per = (self.remaining() * 0.35 / (n - f) as f64).max(0.2);
            let out = self.solve(1, &capped, self.goal(Some((level, caps(level), shape.clone()))), per)?;
            let Some(form) = out.forms.into_iter().next() else { break };
            worst = worse(worst, out.status);
            capped.push(form);
        }
        let mut current = if capped.len() == n {
            self.record("capped", since, n, &capped);
            let q = quality(self.pool, &capped);
            if better(q, best.1, self.opts.gap) {
                best = (capped.clone(), q);
            }
            capped
        } else {
            forms
        };
        // Balancing, one form at a time against all the others, in the band [level, (1+BAND)·level]:
        // a form above the band is pulled into it (freeing strong items); otherwise the weakest
        // form is lifted. A weakest form already at the level raises the level; one that cannot
        // rise lowers the level to its floor (the band then pulls the others down to it).
        let since = Instant::now();
        let step = 0.005 * level;
        let mut solves = 0;
        let mut lowered_at = f64::NAN;
        while self.left() > 0.5 && solves < 20 * n {
            solves += 1;
            let floors: Vec<f64> = current.iter().map(|u| shaped(self.pool, u, &shape)).collect();
            let cap = caps(level);
            let tops: Vec<f64> = current.iter().map(|u| excess(self.pool, u, &cap)).collect();
            let high = (0..n).filter(|&k| tops[k] > 1.0 + 1e-9).max_by(|a, b| tops[*a].total_cmp(&tops[*b]));
            let w =
                high.unwrap_or_else(|| (0..n).min_by(|a, b| floors[*a].total_cmp(&floors[*b])).unwrap_or(0));
            let others: Vec<Vec<usize>> =
                current.iter().enumerate().filter(|(k, _)| *k != w).map(|(_, u)| u.clone()).collect();
            let per = (self.left() / 2.0).clamp(0.1, 5.0);
            let out = self.solve(1, &others, self.goal(Some((level, cap.clone(), shape.clone()))), per)?;
            let new = out.forms.into_iter().next();
            let improved = new.as_ref().is_some_and(|u| {
                let (f, t) = (shaped(self.pool, u, &shape), excess(self.pool, u, &cap));
                if high.is_some() {
                    t <= 1.0 + 1e-9 && f >= floors[w].min(level) - 1e-6
                } else {
                    f > floors[w] + 1e-6
                }
            });
            if improved {
                current[w] = new.unwrap_or_default();
                let q = quality(self.pool, &current);
                if better(q, best.1, self.opts.gap) {
                    best = (current.clone(), q);
                }
            } else if high.is_some() {
                // The form cannot come down into the band without losing its floor: widen upwards.
                level *= tops[w];
            } else if floors[w] >= level - 1e-6 {
                level += step;
            } else if lowered_at == floors[w] {
                break;
            } else {
                lowered_at = floors[w];
                level = floors[w];
            }
        }
        self.record("balancing", since, solves, &best.0);
        Ok((best.0, worst, bound, None))
    }
}

/// Whether forms of quality `a` beat `b` (each `(smallest floor, −spread)`): a clearly higher
/// floor wins; floors within the solver's relative gap (at least 1%) are a tie — differences the
/// solver was told to ignore — and then the smaller spread (more parallel forms) wins.
fn better(a: (f64, f64), b: (f64, f64), gap: f64) -> bool {
    let tol = gap.max(0.01) * b.0.abs();
    a.0 > b.0 + tol || (a.0 >= b.0 - tol && a.1 > b.1)
}

/// (smallest floor, −spread).
fn quality(pool: &Pool, forms: &[Vec<usize>]) -> (f64, f64) {
    let floor = forms.iter().map(|u| floor_of(pool, u)).fold(f64::INFINITY, f64::min);
    let infos: Vec<Vec<f64>> = forms
        .iter()
        .map(|u| (0..pool.thetas.len()).map(|t| u.iter().map(|x| pool.units[*x].info[t]).sum()).collect())
        .collect();
    (floor, -spread(&infos))
}

fn worse(a: SolveStatus, b: SolveStatus) -> SolveStatus {
    let rank = |s: SolveStatus| match s {
        SolveStatus::Optimal => 0,
        SolveStatus::GapLimit => 1,
        SolveStatus::TimeLimit => 2,
        SolveStatus::NoSolution => 3,
        SolveStatus::Infeasible => 4,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// Forms in delivery order: sections in blueprint order, units in pool order, stimulus groups
/// together.
fn to_form(bp: &Blueprint, pool: &Pool, units: &[usize], number: u32) -> Form {
    let mut items: Vec<(usize, usize, &Item)> = Vec::new();
    let mut sorted = units.to_vec();
    sorted.sort_by_key(|u| pool.units[*u].items[0]);
    for (rank, u) in sorted.iter().enumerate() {
        for &k in &pool.units[*u].items {
            let item = pool.items[k];
            items.push((bp.section_of(item.kind()).unwrap_or(0), rank, item));
        }
    }
    items.sort_by_key(|(s, r, _)| (*s, *r));
    Form {
        id: format!("F{number}"),
        number,
        items: items
            .into_iter()
            .map(|(s, _, i)| FormItem { item_id: i.id.clone(), version: None, section: s as u32 })
            .collect(),
    }
}

#[allow(clippy::too_many_arguments)]
fn finish(
    bp: &Blueprint,
    items: &[Item],
    pool: &Pool,
    candidates: usize,
    units: Vec<Vec<usize>>,
    status: SolveStatus,
    bound: Option<f64>,
    solver_gap: Option<f64>,
    opts: &AssemblyOptions,
    seconds: f64,
) -> Result<AssemblyResult, AssemblyError> {
    let mut forms = Vec::new();
    for (k, u) in units.iter().enumerate() {
        let form = to_form(bp, pool, u, k as u32 + 1);
        let versions = make_versions(&form, items, bp.versions, opts.seed)?;
        let report = form_report(bp, items, &form);
        forms.push(AssembledForm {
            id: form.id.clone(),
            items: form.item_ids().map(String::from).collect(),
            information: report.information.clone(),
            versions,
            report,
            form,
        });
    }
    let report = AssemblyReport::of(bp, &forms);
    let objective = bp.information.as_ref().map(|inf| match inf.objective {
        Objective::Maximin => report.smallest_information,
        Objective::Target | Objective::Reference => {
            let target = target_of(bp, items).unwrap_or_default();
            forms
                .iter()
                .flat_map(|f| f.information.iter().zip(&target).map(|(v, t)| (v.value - t).abs()))
                .fold(0.0, f64::max)
        }
    });
    let maximin = bp.information.as_ref().is_some_and(|i| i.objective == Objective::Maximin);
    let gap = match (objective, bound) {
        (Some(o), Some(b)) if maximin && b.abs() > 1e-12 => Some(((b - o) / b.abs()).max(0.0)),
        _ => solver_gap,
    };
    Ok(AssemblyResult {
        status,
        objective,
        bound,
        gap,
        seconds,
        solver: opts.solver,
        strategy: opts.strategy,
        forms,
        report,
        pool: PoolSummary {
            items: items.len(),
            eligible: pool.items.len(),
            candidates,
            excluded: pool.excluded.clone(),
        },
        passes: vec![],
    })
}
