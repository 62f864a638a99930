//! The 0-1 MILP (van der Linden) through `good_lp`, and its solvers.
//!
//! Variables: `x[f][u] ∈ {0,1}` — unit `u` (an item, or a whole stimulus group) is on form `f`;
//! `y` (maximin floor) or `d` (largest deviation from a target); `z[f,g][u] ∈ [0,1]` only when two
//! forms are solved together and may share items. docs/assembly.md writes the model out.

use std::collections::HashMap;

use good_lp::{Constraint, Expression, ProblemVariables, Solution, SolverModel, Variable, variable};

use serde::Serialize;

use crate::blueprint::Blueprint;
use crate::error::AssemblyError;
use crate::pool::Pool;

mod start;

/// Which MILP solver runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SolverChoice {
    /// Pure Rust; builds anywhere; fine for small pools.
    Microlp,
    /// HiGHS (cargo feature `highs`); far faster on large pools.
    Highs,
}

impl SolverChoice {
    /// HiGHS when compiled in, else microlp.
    pub fn best_available() -> Self {
        if cfg!(feature = "highs") { Self::Highs } else { Self::Microlp }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Microlp => "microlp",
            Self::Highs => "highs",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SolveStatus {
    /// Proven optimal.
    Optimal,
    /// Stopped within the requested relative gap.
    GapLimit,
    /// Stopped by the time limit with a feasible solution.
    TimeLimit,
    /// Proven infeasible.
    Infeasible,
    /// Stopped by the time limit before any feasible solution.
    NoSolution,
}

/// What the model optimises.
#[derive(Debug, Clone)]
pub(crate) enum Goal {
    /// Maximise the smallest information (over θ points and model forms). `enough` stops the
    /// floor there (`y ≤ enough`: a form reaching it is optimal at once); `cap` bounds every form's
    /// information at each θ from above (both balance parallel forms); `shape` asks for
    /// `shape[t] × y` at θ t instead of `y` (van der Linden's relative target); `ceiling` δ bounds
    /// information by (1 + δ) × the floor; `low` bounds every form's information at each θ from
    /// below (fine lifting keeps a re-solved form within the others' range with it).
    Maximin {
        enough: Option<f64>,
        cap: Option<Vec<f64>>,
        low: Option<Vec<f64>>,
        shape: Option<Vec<f64>>,
        ceiling: Option<f64>,
    },
    /// Minimise the largest |information − target| over θ points and forms.
    Target(Vec<f64>),
    /// Reshaping one form against the others (module `reshape`): minimise the spread of all
    /// forms, `s ≥ info_t − lo_t` and `s ≥ hi_t − info_t` at each θ t (`lo`/`hi`: the other
    /// forms' lowest and highest information there), with `s ≥ least` (the others' own spread,
    /// which this form cannot narrow: a form reaching it is optimal at once), information at
    /// least `floor` at every θ, and the ceiling δ as `info_t ≤ (1 + δ) info_t'` for every pair
    /// of θ points.
    Even(Box<Even>),
    /// Any feasible selection (diagnosis).
    Feasible,
}

/// The data of [`Goal::Even`].
#[derive(Debug, Clone)]
pub(crate) struct Even {
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
    pub least: f64,
    pub floor: f64,
    pub ceiling: Option<f64>,
}

/// Which blueprint rules are in the model; the deletion filter switches groups off.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    pub sections: Vec<bool>,
    pub cells: Vec<bool>,
    pub enemies: bool,
    pub overlap: bool,
    pub exposure: bool,
    pub mean_b: bool,
}

impl Rules {
    pub fn all(bp: &Blueprint, cells: usize) -> Self {
        Rules {
            sections: vec![true; bp.sections.len()],
            cells: vec![true; cells],
            enemies: true,
            overlap: true,
            exposure: bp.exposure.is_some(),
            mean_b: bp.difficulty.as_ref().is_some_and(|d| d.mean_b.is_some()),
        }
    }
}

pub(crate) struct Request<'r, 'p> {
    pub bp: &'r Blueprint,
    pub pool: &'r Pool<'p>,
    /// Units the model may choose from.
    pub candidates: &'r [usize],
    /// Forms solved together in this model.
    pub forms: usize,
    /// Forms already assembled (units), held fixed: overlap and exposure count against them.
    pub fixed: &'r [Vec<usize>],
    /// Candidates (positions in `candidates`) every model form must contain: the items already
    /// given in an adaptive test's shadow test.
    pub required: &'r [usize],
    /// Units each model form keeps (units of form f at `keep[f]`; empty: none), e.g. the units a
    /// window solve holds in place.
    pub keep: &'r [Vec<usize>],
    /// A solution to start from (units of each model form; empty: none), for HiGHS's branch
    /// and bound as its first incumbent when it keeps every row (HiGHS ignores it otherwise);
    /// microlp cannot take one.
    pub start: &'r [Vec<usize>],
    pub goal: Goal,
    /// Add the pair-count rows to a model of three forms or more (see [`pair_count_rows`]).
    pub pair_count_rows: bool,
    pub rules: &'r Rules,
    pub solver: SolverChoice,
    pub time_limit: f64,
    pub gap: f64,
}

#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub status: SolveStatus,
    /// Best bound the solver proved (None when it cannot report one).
    pub bound: Option<f64>,
    pub gap: Option<f64>,
    /// Units of each model form.
    pub forms: Vec<Vec<usize>>,
}

pub(crate) struct Built {
    pub vars: ProblemVariables,
    pub objective: Expression,
    pub maximise: bool,
    pub constraints: Vec<Constraint>,
    /// x[f][k] for candidate k.
    pub x: Vec<Vec<Variable>>,
    /// Column of x[0][0]; x[f][k] is column `x_offset + f × candidates + k`.
    #[cfg_attr(not(feature = "highs"), allow(dead_code))]
    pub x_offset: usize,
}

/// The model of a request: variables in a fixed order (the level variable, then `x[f][k]`, then
/// `z`) and constraints form by form, rule by rule — the order the solvers see.
pub(crate) fn build(req: &Request) -> Built {
    let mut vars = ProblemVariables::new();
    let (objective, maximise, level) = objective(req, &mut vars);
    let x_offset = vars.len();
    let pos: HashMap<usize, usize> = req.candidates.iter().enumerate().map(|(k, u)| (*u, k)).collect();
    let fixed_uses = fixed_uses(req, &pos);
    let x = choices(req, &mut vars, &fixed_uses);
    let mut cons = Vec::new();
    for (f, xf) in x.iter().enumerate() {
        for &k in req.required {
            cons.push(Expression::from(xf[k]).geq(1.0));
        }
        for k in req.keep.get(f).into_iter().flatten().filter_map(|u| pos.get(u)) {
            cons.push(Expression::from(xf[*k]).geq(1.0));
        }
        sections(req, xf, &mut cons);
        cells(req, xf, &mut cons);
        enemies(req, xf, &pos, &mut cons);
        mean_difficulty(req, xf, &mut cons);
        overlap_with_fixed(req, xf, &pos, &mut cons);
        information(req, xf, level, &mut cons);
    }
    overlap_within(req, &x, &mut vars, &mut cons);
    exposure(req, &x, &fixed_uses, &mut cons);
    Built { vars, objective, maximise, constraints: cons, x, x_offset }
}

/// The objective and its level variable: the maximin floor `y` or the largest deviation `d`.
fn objective(req: &Request, vars: &mut ProblemVariables) -> (Expression, bool, Option<Variable>) {
    match &req.goal {
        Goal::Maximin { enough, .. } => {
            let y = vars.add(match enough {
                Some(e) => variable().min(0.0).max(*e),
                None => variable().min(0.0),
            });
            (Expression::from(y), true, Some(y))
        }
        Goal::Target(target) => {
            // Deviations within the relative gap of the mean target are not told apart: a form
            // that close is optimal at once (a relative gap on an objective near 0 never closes).
            let tolerance = req.gap * target.iter().sum::<f64>() / target.len().max(1) as f64;
            let d = vars.add(variable().min(tolerance));
            (Expression::from(d), false, Some(d))
        }
        Goal::Even(even) => {
            let s = vars.add(variable().min(even.least.max(0.0)));
            (Expression::from(s), false, Some(s))
        }
        Goal::Feasible => (Expression::from(0.0), true, None),
    }
}

/// Uses of each candidate on the fixed forms (for overlap and exposure).
fn fixed_uses(req: &Request, pos: &HashMap<usize, usize>) -> Vec<u32> {
    let mut uses = vec![0u32; req.candidates.len()];
    for form in req.fixed {
        for u in form {
            if let Some(&k) = pos.get(u) {
                uses[k] += 1;
            }
        }
    }
    uses
}

/// `x[f][k]`: candidate k on model form f; fixed at 0 when exposure leaves it no use.
fn choices(req: &Request, vars: &mut ProblemVariables, fixed_uses: &[u32]) -> Vec<Vec<Variable>> {
    (0..req.forms)
        .map(|_| {
            req.candidates
                .iter()
                .enumerate()
                .map(|(k, &u)| {
                    let left = req.pool.units[u].uses_left.map(|l| l.saturating_sub(fixed_uses[k]));
                    let blocked = req.rules.exposure && left == Some(0);
                    vars.add(if blocked { variable().binary().max(0.0) } else { variable().binary() })
                })
                .collect()
        })
        .collect()
}

/// Each section's item count, exactly.
fn sections(req: &Request, xf: &[Variable], cons: &mut Vec<Constraint>) {
    for (s, section) in req.bp.sections.iter().enumerate() {
        if !req.rules.sections[s] {
            continue;
        }
        let mut e = Expression::with_capacity(req.candidates.len());
        for (k, &u) in req.candidates.iter().enumerate() {
            let n = req.pool.units[u].section_counts[s];
            if n > 0 {
                e.add_mul(f64::from(n), xf[k]);
            }
        }
        cons.push(e.eq(f64::from(section.count)));
    }
}

/// Each matrix cell within its bounds.
fn cells(req: &Request, xf: &[Variable], cons: &mut Vec<Constraint>) {
    for (c, cell) in req.pool.cells.iter().enumerate() {
        if !req.rules.cells[c] {
            continue;
        }
        let mut e = Expression::default();
        for (k, &u) in req.candidates.iter().enumerate() {
            if let Some((_, v)) = req.pool.units[u].cells.iter().find(|(cc, _)| *cc == c) {
                e.add_mul(*v, xf[k]);
            }
        }
        match cell.bounds.max {
            Some(m) if (m - cell.bounds.min).abs() < 1e-12 => cons.push(e.eq(m)),
            Some(m) => {
                cons.push(e.clone().leq(m));
                if cell.bounds.min > 0.0 {
                    cons.push(e.geq(cell.bounds.min));
                }
            }
            None => cons.push(e.geq(cell.bounds.min)),
        }
    }
}

/// Enemy items never on one form.
fn enemies(req: &Request, xf: &[Variable], pos: &HashMap<usize, usize>, cons: &mut Vec<Constraint>) {
    if req.rules.enemies && !req.pool.enemy_pairs.is_empty() {
        for &(a, b) in &req.pool.enemy_pairs {
            if let (Some(&ka), Some(&kb)) = (pos.get(&a), pos.get(&b)) {
                cons.push((xf[ka] + xf[kb]).leq(1.0));
            }
        }
    }
}

/// The form's mean item difficulty within `difficulty.mean_b`.
fn mean_difficulty(req: &Request, xf: &[Variable], cons: &mut Vec<Constraint>) {
    if req.rules.mean_b
        && let Some(mb) = req.bp.difficulty.as_ref().and_then(|d| d.mean_b)
    {
        let n_items = f64::from(req.bp.form_length());
        let mut e = Expression::default();
        for (k, &u) in req.candidates.iter().enumerate() {
            e.add_mul(req.pool.units[u].b_sum, xf[k]);
        }
        if let Some(m) = mb.max {
            cons.push(e.clone().leq(m * n_items));
        }
        cons.push(e.geq(mb.min * n_items));
    }
}

/// At most the allowed overlap with each form already assembled.
fn overlap_with_fixed(
    req: &Request,
    xf: &[Variable],
    pos: &HashMap<usize, usize>,
    cons: &mut Vec<Constraint>,
) {
    if req.rules.overlap {
        let overlap = f64::from(req.bp.overlap_items());
        for form in req.fixed {
            let mut e = Expression::default();
            for u in form {
                if let Some(&k) = pos.get(u) {
                    e.add_mul(f64::from(req.pool.units[*u].len()), xf[k]);
                }
            }
            cons.push(e.leq(overlap));
        }
    }
}

/// Information at each θ: at least the floor (times the shape), under the cap and ceiling; or
/// within the deviation of the target.
fn information(req: &Request, xf: &[Variable], level: Option<Variable>, cons: &mut Vec<Constraint>) {
    if let (Goal::Even(even), Some(s)) = (&req.goal, level) {
        return even_rows(req, xf, even, s, cons);
    }
    for t in 0..req.pool.thetas.len() {
        let mut info = Expression::with_capacity(req.candidates.len());
        for (k, &u) in req.candidates.iter().enumerate() {
            info.add_mul(req.pool.units[u].info[t], xf[k]);
        }
        match (&req.goal, level) {
            (Goal::Maximin { cap, low, ceiling, shape, .. }, Some(y)) => {
                if let Some(low) = low {
                    cons.push(info.clone().geq(low[t]));
                }
                match shape {
                    Some(r) => cons.push(info.clone().geq(r[t] * y)),
                    None => cons.push(info.clone().geq(y)),
                }
                if let Some(cap) = cap {
                    cons.push(info.clone().leq(cap[t]));
                }
                if let Some(delta) = ceiling {
                    cons.push(info.leq((1.0 + delta) * y));
                }
            }
            (Goal::Target(target), Some(d)) => {
                cons.push((info.clone() - target[t]).leq(d));
                cons.push((target[t] - info).leq(d));
            }
            _ => {}
        }
    }
}

/// The rows of [`Goal::Even`]: the spread `s` of all forms at each θ, the floor, the ceiling.
fn even_rows(req: &Request, xf: &[Variable], even: &Even, s: Variable, cons: &mut Vec<Constraint>) {
    let infos: Vec<Expression> = (0..req.pool.thetas.len())
        .map(|t| {
            let mut info = Expression::with_capacity(req.candidates.len());
            for (k, &u) in req.candidates.iter().enumerate() {
                info.add_mul(req.pool.units[u].info[t], xf[k]);
            }
            info
        })
        .collect();
    for (t, info) in infos.iter().enumerate() {
        cons.push(info.clone().geq(even.floor));
        cons.push((info.clone() - even.lo[t]).leq(s));
        cons.push((even.hi[t] - info.clone()).leq(s));
        if let Some(delta) = even.ceiling {
            for (t2, other) in infos.iter().enumerate() {
                if t2 != t {
                    cons.push(info.clone().leq((1.0 + delta) * other.clone()));
                }
            }
        }
    }
}

/// Items shared by two forms of this model: z ≥ x_f + x_g − 1, Σ len·z ≤ overlap.
fn overlap_within(
    req: &Request,
    x: &[Vec<Variable>],
    vars: &mut ProblemVariables,
    cons: &mut Vec<Constraint>,
) {
    if req.rules.overlap && req.forms > 1 {
        let overlap = f64::from(req.bp.overlap_items());
        let mut zs: Vec<Vec<Variable>> = Vec::new();
        for f in 0..req.forms {
            for g in f + 1..req.forms {
                let mut shared = Expression::default();
                let mut zp = Vec::with_capacity(req.candidates.len());
                for (k, &u) in req.candidates.iter().enumerate() {
                    let z = vars.add(variable().min(0.0).max(1.0));
                    cons.push((x[f][k] + x[g][k] - z).leq(1.0));
                    shared.add_mul(f64::from(req.pool.units[u].len()), z);
                    zp.push(z);
                }
                cons.push(shared.leq(overlap));
                zs.push(zp);
            }
        }
        if req.pair_count_rows && req.forms > 2 {
            pair_count_rows(x, &zs, cons);
        }
    }
}

/// Rows every 0-1 solution keeps that the LP relaxation lacks (`scripts/assembly-optimum.py
/// --forms`; docs/assembly.md, "A tighter bound"): a unit on m forms is shared by m(m − 1)/2
/// pairs, so `Σ_{f<g} z_fgk ≥ j · Σ_f x_fk − j(j + 1)/2` for j = 1 … forms − 1 (the lines through
/// the convex m(m − 1)/2 at m = j and j + 1). Without them the relaxation puts x = ½ on the strong
/// units of every form with z = 0, and its bound stays far above the optimum.
fn pair_count_rows(x: &[Vec<Variable>], zs: &[Vec<Variable>], cons: &mut Vec<Constraint>) {
    let forms = x.len();
    for k in 0..x.first().map_or(0, Vec::len) {
        for j in 1..forms {
            let mut e = Expression::default();
            zs.iter().for_each(|zp| e.add_mul(1.0, zp[k]));
            x.iter().for_each(|xf| e.add_mul(-(j as f64), xf[k]));
            cons.push(e.geq(-((j * (j + 1)) as f64) / 2.0));
        }
    }
}

/// Uses left of each candidate over the forms of this model.
fn exposure(req: &Request, x: &[Vec<Variable>], fixed_uses: &[u32], cons: &mut Vec<Constraint>) {
    if req.rules.exposure && req.forms > 1 {
        for (k, &u) in req.candidates.iter().enumerate() {
            if let Some(left) = req.pool.units[u].uses_left {
                let left = left.saturating_sub(fixed_uses[k]);
                if (left as usize) < req.forms {
                    let mut e = Expression::default();
                    for xf in x {
                        e.add_mul(1.0, xf[k]);
                    }
                    cons.push(e.leq(f64::from(left)));
                }
            }
        }
    }
}

/// Builds and solves one model.
pub(crate) fn solve(req: &Request) -> Result<Outcome, AssemblyError> {
    let built = build(req);
    match req.solver {
        SolverChoice::Microlp => solve_microlp(built, req),
        SolverChoice::Highs => solve_highs(built, req),
    }
}

fn selection(x: &[Vec<Variable>], cand: &[usize], value: impl Fn(Variable) -> f64) -> Vec<Vec<usize>> {
    x.iter()
        .map(|xf| cand.iter().zip(xf).filter(|(_, v)| value(**v) > 0.5).map(|(u, _)| *u).collect())
        .collect()
}

#[cfg(feature = "microlp")]
fn solve_microlp(built: Built, req: &Request) -> Result<Outcome, AssemblyError> {
    use good_lp::solvers::{SolutionStatus, WithMipGap, WithTimeLimit};
    let Built { vars, objective, maximise, constraints, x, .. } = built;
    let problem = if maximise { vars.maximise(objective) } else { vars.minimise(objective) };
    let mut model = problem
        .using(good_lp::microlp)
        .with_time_limit(req.time_limit)
        .with_mip_gap(req.gap as f32)
        .map_err(|e| AssemblyError::InvalidRequest(format!("gap: {e}")))?;
    for c in constraints {
        model.add_constraint(c);
    }
    match model.solve() {
        Ok(sol) => {
            let status = match sol.status() {
                SolutionStatus::Optimal => SolveStatus::Optimal,
                SolutionStatus::GapLimit => SolveStatus::GapLimit,
                SolutionStatus::TimeLimit => SolveStatus::TimeLimit,
            };
            let forms = selection(&x, req.candidates, |v| sol.value(v));
            // microlp proves a bound as it branches; report it as it stands.
            let stats = sol.into_inner().stats();
            let proven = status == SolveStatus::Optimal;
            Ok(Outcome {
                status,
                bound: stats.best_bound.filter(|b| b.is_finite()),
                gap: if proven { Some(0.0) } else { stats.gap.filter(|g| g.is_finite()) },
                forms,
            })
        }
        Err(good_lp::ResolutionError::Infeasible) => Ok(empty(SolveStatus::Infeasible)),
        Err(good_lp::ResolutionError::Other(_)) => Ok(empty(SolveStatus::NoSolution)),
        Err(e) => Err(AssemblyError::Solver(e.to_string())),
    }
}

#[cfg(not(feature = "microlp"))]
fn solve_microlp(_: Built, _: &Request) -> Result<Outcome, AssemblyError> {
    Err(AssemblyError::SolverUnavailable("microlp"))
}

fn empty(status: SolveStatus) -> Outcome {
    Outcome { status, bound: None, gap: None, forms: vec![] }
}

#[cfg(feature = "highs")]
fn solve_highs(built: Built, req: &Request) -> Result<Outcome, AssemblyError> {
    use highs::{HighsModelStatus as S, HighsSolutionStatus};
    let Built { vars, objective, maximise, constraints, x, x_offset: built_x_offset } = built;
    // Columns are created in the order variables were added, so variable k is column k.
    let n_vars = vars.len();
    let problem = if maximise { vars.maximise(objective.clone()) } else { vars.minimise(objective.clone()) };
    let mut hp = problem.using(good_lp::highs);
    for c in constraints {
        hp.add_constraint(c);
    }
    let mut model = hp.try_into_inner().map_err(|e| AssemblyError::Solver(e.to_string()))?;
    model.make_quiet();
    model.set_option("time_limit", req.time_limit.max(0.01));
    model.set_option("mip_rel_gap", req.gap);
    if req.forms == 1 {
        // One form is a small model (a few dozen rows); presolve only costs time there (measured:
        // half the time of sequential assembly).
        model.set_option("presolve", "off");
    }
    if let Some(cols) = start::start_columns(req, n_vars, built_x_offset) {
        // an infeasible start is only ignored by HiGHS; a refused one changes nothing either
        let _ = model.try_set_solution(Some(&cols), None, None, None);
    }
    let solved = model.try_solve().map_err(|e| AssemblyError::Solver(format!("HiGHS: {e:?}")))?;
    let status = match solved.status() {
        S::Optimal => {
            if solved.mip_gap() > 1e-9 && solved.mip_gap().is_finite() {
                SolveStatus::GapLimit
            } else {
                SolveStatus::Optimal
            }
        }
        S::Infeasible | S::UnboundedOrInfeasible => return Ok(empty(SolveStatus::Infeasible)),
        S::ReachedTimeLimit | S::ReachedIterationLimit | S::ReachedSolutionLimit | S::ReachedInterrupt => {
            SolveStatus::TimeLimit
        }
        other => return Err(AssemblyError::Solver(format!("HiGHS stopped with status {other:?}"))),
    };
    if solved.primal_solution_status() != HighsSolutionStatus::Feasible {
        return Ok(empty(SolveStatus::NoSolution));
    }
    let sol = solved.get_solution();
    let cols = sol.columns();
    debug_assert_eq!(cols.len(), n_vars);
    let bound = solved.double_info_value(c"mip_dual_bound").ok().filter(|b| b.is_finite());
    let gap = Some(solved.mip_gap()).filter(|g| g.is_finite());
    // Columns are in creation order: the level variable (if any), then x[f][k].
    let n = req.candidates.len();
    let forms = (0..x.len())
        .map(|f| {
            (0..n).filter(|k| cols[built_x_offset + f * n + k] > 0.5).map(|k| req.candidates[k]).collect()
        })
        .collect();
    Ok(Outcome { status, bound, gap, forms })
}

#[cfg(not(feature = "highs"))]
fn solve_highs(_: Built, _: &Request) -> Result<Outcome, AssemblyError> {
    Err(AssemblyError::SolverUnavailable("highs"))
}
