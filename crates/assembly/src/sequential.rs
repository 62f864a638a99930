//! Sequential assembly with balancing, the default for several forms (docs/assembly.md explains
//! why):
//! 1. a plain sequential pass (each form against all earlier ones); its first form is the best
//!    single form, whose proven bound bounds every form's smallest information;
//! 2. a capped pass re-assembles every form in a band around the plain pass's mean level (floor
//!    r·y, cap r·level·(1 + BAND), r the average shape over θ), so early forms stop taking the
//!    strong items later forms need;
//! 3. balancing re-assembles one form at a time against all the others while time remains.

use crate::error::AssemblyError;
use crate::improve::Improver;
use crate::model::{Goal, SolveStatus};
use crate::pair::PairTry;
use crate::pool::{Pool, floor_of, info_at};
use crate::report::spread;
use crate::run::{Assembled, PassSummary, Run, worse};

/// Width of the information band of balanced forms: floor `level`, cap `(1 + BAND) × level`.
/// Wide enough that the solver finds a form inside it quickly; it bounds the spread between forms.
const BAND: f64 = 0.04;

/// Most moves of the local improvement (each strictly improves the forms, so it ends anyway).
const MAX_MOVES: usize = 2_000;

/// How far above the next weakest form fine lifting aims (relative).
const LIFT: f64 = 0.003;

/// Gap of the fine lifting pass: a fifth of the requested gap, but no finer than this.
const FINE_GAP: f64 = 0.001;

/// Time of everything after balancing but evening (local improvement, fine lifting), as a share
/// of the time spent until balancing ended — the passes of the default when issue 17 was filed —
/// so that the default run stays within twice their time (issue 17 target 6); a solve under way
/// may overrun it a little, hence less than 1.
const AFTER_SHARE: f64 = 0.8;

/// Time of evening, the last pass, as a share of the same time (its moves take milliseconds
/// each; with many forms it would otherwise go on for long at little gain).
const EVEN_SHARE: f64 = 0.05;

/// Least time of fine lifting when its solves run on HiGHS (and no time limit was given): a
/// HiGHS solve of one form at the fine gap takes seconds (docs/benchmarks.md, "Issue 17 target
/// 6, stop 18").
const HIGHS_FINE_SECONDS: f64 = 8.0;

/// With the user's own time limit (`AssemblyOptions::whole_budget`): the share of the time left
/// after balancing that fine lifting leaves to evening.
const EVEN_RESERVE: f64 = 0.5;

/// One balancing pass: its name in the report, the gap of its solves, the relative tolerance
/// within which two floors tie, and the second of the run at which it stops.
struct Pass {
    name: &'static str,
    gap: f64,
    tie: f64,
    until: f64,
}

/// Units of each form.
pub(crate) type Forms = Vec<Vec<usize>>;

/// (smallest floor, −spread) of a set of forms; see [`better`].
type Quality = (f64, f64);

/// What the plain pass leaves for the passes after it.
struct Plain {
    forms: Forms,
    worst: SolveStatus,
    /// The first (best single) form's proven bound, and the solver's gap on it.
    bound: Option<f64>,
    first_gap: Option<f64>,
    /// Each form's proven bound, or its floor when none was proven.
    bounds: Vec<f64>,
}

/// The band balanced forms are held in: at each θ t, floor `shape[t] × y` with `y ≤ level`, cap
/// `shape[t] × level × (1 + BAND)`.
struct Band {
    level: f64,
    shape: Vec<f64>,
}

impl Band {
    /// The cap of the band: what an average form reached in the plain pass (its proven bound,
    /// when known). Forms are not flat over θ (items peak where they are most common): balanced
    /// forms follow the plain pass's average shape r (min 1), so they are aligned θ by θ rather
    /// than forced flat.
    fn of_plain(pool: &Pool, plain: &Plain) -> Self {
        let n = plain.forms.len();
        let forms = &plain.forms;
        let level = plain.bounds.iter().sum::<f64>() / n as f64;
        let mean_floor = forms.iter().map(|u| floor_of(pool, u)).sum::<f64>() / n as f64;
        let shape: Vec<f64> = (0..pool.thetas.len())
            .map(|t| {
                let mean =
                    forms.iter().map(|u| u.iter().map(|x| pool.units[*x].info[t]).sum::<f64>()).sum::<f64>()
                        / n as f64;
                (mean / mean_floor).max(1.0)
            })
            .collect();
        Band { level, shape }
    }

    fn caps(&self) -> Vec<f64> {
        self.shape.iter().map(|s| s * self.level * (1.0 + BAND)).collect()
    }
}

impl Run<'_, '_> {
    pub fn sequential(&mut self) -> Result<Assembled, AssemblyError> {
        let n = self.bp.forms as usize;
        let maximin = matches!(self.goal(), Goal::Maximin { .. });
        let balance = self.opts.balance && maximin && n > 1;
        let since = self.spent();
        let plain = self.plain_pass(balance)?;
        if !balance {
            if maximin && n > 1 {
                self.record("sequential", since, n, &plain.forms);
            }
            let gap = if n == 1 { plain.first_gap } else { None };
            let bound = if maximin || n == 1 { plain.bound } else { None };
            return Ok((plain.forms, plain.worst, bound, gap));
        }
        self.record("sequential", since, n, &plain.forms);
        let since = self.spent();
        let mut band = Band::of_plain(self.pool, &plain);
        let mut worst = plain.worst;
        let mut best = (plain.forms.clone(), quality(self.pool, &plain.forms));
        let current = match self.capped_pass(&band, &mut worst)? {
            Some(capped) => {
                self.record("capped", since, n, &capped);
                let q = quality(self.pool, &capped);
                if better(q, best.1, self.opts.gap.max(0.01)) {
                    best = (capped.clone(), q);
                }
                capped
            }
            None => plain.forms,
        };
        let coarse = Pass {
            name: "balancing",
            gap: self.opts.gap,
            tie: self.opts.gap.max(0.01),
            until: f64::INFINITY,
        };
        let best = self.balancing(current, best, &mut band, &coarse)?;
        if !self.opts.improve {
            return Ok((best, worst, plain.bound, None));
        }
        let (end, even_until) = self.after_balancing();
        let best = self.improve(best);
        let best = self.fine_lifting(best, end)?;
        // all forms at once over a window of the candidates (HiGHS): moves of several forms
        let window_end = self.window_end(end);
        let best = self.window_solve(best, window_end)?;
        // half of what fine lifting left of its time (it ends early when no form rises), and on
        // HiGHS (no time limit given) a few seconds of their own
        let kick_end = self.kick_end(end);
        let best = self.kicks(best, kick_end);
        let until = even_until(self.spent().max(end));
        let best = self.even_out(best, until);
        // levelling's moves take milliseconds: at most half of what is left, the rest reshapes
        let best = self.levelling(best, self.spent() + 0.5 * (until.max(end) - self.spent()));
        // what fine lifting left of its time (it ends early when no form rises), or evening's
        let best = self.reshaping(best, until.max(end))?;
        Ok((best, worst, plain.bound, None))
    }

    /// When the passes after balancing end: fine lifting by the first second returned, evening
    /// by the second (a function of the second at which fine lifting ended). By default
    /// everything after balancing stops at 1.8 × the time spent until balancing ended, plus
    /// 0.05 × for evening, so the default run stays within twice the time of the passes before
    /// it (issue 17 target 6) — but fine lifting on HiGHS gets at least [`HIGHS_FINE_SECONDS`]
    /// (the time of the deploy build's old default, all on HiGHS, was 6–60 s on 3–6 forms of the
    /// bench: this stays within twice it). With the user's own time limit (`whole_budget`) they may use it:
    /// fine lifting until [`EVEN_RESERVE`] of it is left, evening until the limit.
    fn after_balancing(&self) -> (f64, impl Fn(f64) -> f64 + use<>) {
        let t0 = self.spent();
        let limit = self.opts.time_limit;
        let whole = self.opts.whole_budget;
        // fine lifting at HiGHS's pace: with the coarse passes on microlp they end within
        // seconds, and 1.8 × that is less than one HiGHS solve at the fine gap
        let floor =
            if self.opts.solver == crate::model::SolverChoice::Highs { HIGHS_FINE_SECONDS } else { 0.0 };
        let end = if whole {
            t0.max(limit - EVEN_RESERVE * (limit - t0))
        } else {
            (t0 * (1.0 + AFTER_SHARE)).max(t0 + floor).min(limit)
        };
        (end, move |lifted: f64| if whole { limit } else { lifted + EVEN_SHARE * t0 })
    }

    /// The last pass: the narrowing moves of the local improvement, and when they stop, moves
    /// that even the forms out (`Improver::even`) so that narrowing finds moves again — while
    /// either moves and time is left. The spread never grows, the smallest information never
    /// falls.
    pub(crate) fn even_out(&mut self, forms: Forms, until: f64) -> Forms {
        let since = self.spent();
        let n = forms.len();
        let rules = self.rules.clone();
        let mut imp = Improver::new(self.pool, self.bp, &rules, self.cand, forms);
        let mut moves = 0;
        loop {
            let time = |run: &Self| run.left() > 0.0 && run.spent() < until;
            while moves < MAX_MOVES && time(self) && imp.narrow() {
                moves += 1;
            }
            let mut evened = 0;
            while evened < n && moves < MAX_MOVES && time(self) && imp.even() {
                evened += 1;
                moves += 1;
            }
            if evened == 0 || moves >= MAX_MOVES || !time(self) {
                break;
            }
        }
        self.record("evening", since, moves, &imp.forms);
        imp.forms
    }

    /// Lifting at a fine gap: the weakest form is re-assembled against all the others at a fifth
    /// of the requested gap (at least [`FINE_GAP`]), aiming just above the next weakest form, then
    /// local improvement again — while it rises and until the run's clock reaches `until`. At the
    /// requested gap a solve stops as soon as it is within 1 % of its bound, so the coarse passes cannot tell forms apart by less than that; this pass can, and brings the
    /// smallest information close to the simultaneous optimum (docs/benchmarks.md, issue 17
    /// target 6).
    fn fine_lifting(&mut self, mut forms: Forms, until: f64) -> Result<Forms, AssemblyError> {
        let n = forms.len();
        let gap = (self.opts.gap / 5.0).max(FINE_GAP);
        if gap >= self.opts.gap || n < 2 {
            return Ok(forms);
        }
        let since = self.spent();
        self.fine = true;
        let reserve = (0.02 * self.opts.time_limit).max(0.3);
        let mut solves = 0;
        while self.spent() < until && self.left() > reserve {
            // with two forms the pair is the whole model: it goes first; with more, the single
            // step (cheaper) first, and the pair when the weakest form cannot rise alone
            if n > 2 {
                solves += 1;
                if let Some((w, form)) = self.lift_one(&forms, until, reserve, gap)? {
                    forms[w] = form;
                    continue;
                }
            }
            let (lifted, made) = self.lift_pair(&PairTry { forms: &forms, until, reserve, gap })?;
            solves += made;
            match lifted {
                Some(lifted) => forms = lifted,
                None => break,
            }
        }
        self.record("fine lifting", since, solves, &forms);
        Ok(self.improve(forms))
    }

    /// One fine lifting step: the weakest form re-solved against all the others (see
    /// [`Self::fine_lifting`]). Returns the form's index and its new units when its floor rose.
    fn lift_one(
        &self,
        forms: &Forms,
        until: f64,
        reserve: f64,
        gap: f64,
    ) -> Result<Option<(usize, Vec<usize>)>, AssemblyError> {
        let n = forms.len();
        let floors: Vec<f64> = forms.iter().map(|u| floor_of(self.pool, u)).collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|a, b| floors[*a].total_cmp(&floors[*b]));
        let (w, next) = (order[0], floors[order[1]]);
        let aim = next.max(floors[w]) * (1.0 + LIFT);
        let others: Forms =
            forms.iter().enumerate().filter(|(k, _)| *k != w).map(|(_, u)| u.clone()).collect();
        // within the other forms' range at every θ (never above the highest, never below the
        // lowest or its own information now): lifting the weakest form never widens the spread
        let nt = self.pool.thetas.len();
        let range = |t: usize| {
            others
                .iter()
                .map(|u| info_at(self.pool, u, t))
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)))
        };
        let cap: Vec<f64> = (0..nt).map(|t| range(t).1.max(aim * (1.0 + LIFT))).collect();
        let low: Vec<f64> = (0..nt).map(|t| range(t).0.min(info_at(self.pool, &forms[w], t))).collect();
        let goal = match self.goal() {
            Goal::Maximin { ceiling, .. } => {
                Goal::Maximin { enough: Some(aim), shape: None, cap: Some(cap), low: Some(low), ceiling }
            }
            other => other,
        };
        let per = (until - self.spent()).min(self.left() - reserve).clamp(0.1, 5.0);
        // HiGHS starts from the form now (an incumbent to prune by; ignored where the form now
        // is above the others' range somewhere)
        let out =
            self.solve_from(self.cand, 1, &others, goal, (per, gap), std::slice::from_ref(&forms[w]))?;
        Ok(out.forms.into_iter().next().filter(|u| floor_of(self.pool, u) > floors[w] + 1e-6).map(|u| (w, u)))
    }

    /// Pass 1: plain sequential. Its first form is the best single form: its bound bounds all.
    /// With balancing to follow, the plain pass only sets the cap and the fallback: after the
    /// best single form (solved to the requested gap: its bound is reported) a looser gap.
    fn plain_pass(&self, balance: bool) -> Result<Plain, AssemblyError> {
        let n = self.bp.forms as usize;
        let mut plain = Plain {
            forms: Vec::with_capacity(n),
            worst: SolveStatus::Optimal,
            bound: None,
            first_gap: None,
            bounds: Vec::with_capacity(n),
        };
        for f in 0..n {
            let (share, gap) =
                if balance && f > 0 { (0.3, self.opts.gap.max(0.03)) } else { (1.0, self.opts.gap) };
            let per = self.remaining() * share / (n - f) as f64;
            let out = self.solve_required(1, &plain.forms, self.goal(), per.max(0.2), gap)?;
            plain.worst = worse(plain.worst, out.status);
            if f == 0 {
                plain.bound = out.bound;
                plain.first_gap = out.gap;
            }
            let form = out.forms.into_iter().next().unwrap_or_default();
            plain.bounds.push(out.bound.unwrap_or_else(|| floor_of(self.pool, &form)));
            plain.forms.push(form);
        }
        Ok(plain)
    }

    /// Maximin in the band: floor `shape × y` with `y` up to the level, information under `cap`.
    fn goal_in(&self, band: &Band, cap: Vec<f64>) -> Goal {
        match self.goal() {
            Goal::Maximin { ceiling, .. } => Goal::Maximin {
                enough: Some(band.level),
                shape: Some(band.shape.clone()),
                cap: Some(cap),
                low: None,
                ceiling,
            },
            other => other,
        }
    }

    /// Pass 2: every form again under a common cap, the mean floor of pass 1, so early forms
    /// leave strong items to later ones. `None` when a form found no place in the band.
    fn capped_pass(&self, band: &Band, worst: &mut SolveStatus) -> Result<Option<Forms>, AssemblyError> {
        let n = self.bp.forms as usize;
        let mut capped: Forms = Vec::with_capacity(n);
        for f in 0..n {
            let per = (self.remaining() * 0.35 / (n - f) as f64).max(0.2);
            let out = self.solve_gap(1, &capped, self.goal_in(band, band.caps()), per, self.opts.gap)?;
            let Some(form) = out.forms.into_iter().next() else { break };
            *worst = worse(*worst, out.status);
            capped.push(form);
        }
        Ok((capped.len() == n).then_some(capped))
    }

    /// Balancing, one form at a time against all the others, in the band [level, (1+BAND)·level]:
    /// a form above the band is pulled into it (freeing strong items); otherwise the weakest
    /// form is lifted. A weakest form already at the level raises the level; one that cannot
    /// rise lowers the level to its floor (the band then pulls the others down to it). Returns
    /// the best forms seen, starting from `best`.
    fn balancing(
        &mut self,
        mut current: Forms,
        mut best: (Forms, Quality),
        band: &mut Band,
        pass: &Pass,
    ) -> Result<Forms, AssemblyError> {
        let n = self.bp.forms as usize;
        let since = self.spent();
        let step = 0.005 * band.level;
        let mut solves = 0;
        let mut lowered_at = f64::NAN;
        // with local improvement (and fine balancing) to follow, a tenth of the budget is kept
        // for them; the fine pass keeps only what the last local improvement needs
        let reserve = match (self.opts.improve, pass.tie < self.opts.gap) {
            (true, false) => (0.1 * self.opts.time_limit).max(0.5),
            (true, true) => (0.02 * self.opts.time_limit).max(0.3),
            (false, _) => 0.5,
        };
        while self.left() > reserve && self.spent() < pass.until && solves < 20 * n {
            solves += 1;
            let floors: Vec<f64> = current.iter().map(|u| shaped(self.pool, u, &band.shape)).collect();
            let cap = band.caps();
            let tops: Vec<f64> = current.iter().map(|u| excess(self.pool, u, &cap)).collect();
            let high = (0..n).filter(|&k| tops[k] > 1.0 + 1e-9).max_by(|a, b| tops[*a].total_cmp(&tops[*b]));
            let w =
                high.unwrap_or_else(|| (0..n).min_by(|a, b| floors[*a].total_cmp(&floors[*b])).unwrap_or(0));
            let others: Forms =
                current.iter().enumerate().filter(|(k, _)| *k != w).map(|(_, u)| u.clone()).collect();
            let per = (self.left() / 2.0).min(pass.until - self.spent()).clamp(0.1, 5.0);
            let out = self.solve_gap(1, &others, self.goal_in(band, cap.clone()), per, pass.gap)?;
            let new = out.forms.into_iter().next();
            let improved = new.as_ref().is_some_and(|u| {
                let (f, t) = (shaped(self.pool, u, &band.shape), excess(self.pool, u, &cap));
                if high.is_some() {
                    t <= 1.0 + 1e-9 && f >= floors[w].min(band.level) - 1e-6
                } else {
                    f > floors[w] + 1e-6
                }
            });
            if improved {
                current[w] = new.unwrap_or_default();
                let q = quality(self.pool, &current);
                if better(q, best.1, pass.tie) {
                    best = (current.clone(), q);
                }
            } else if high.is_some() {
                // The form cannot come down into the band without losing its floor: widen upwards.
                band.level *= tops[w];
            } else if floors[w] >= band.level - 1e-6 {
                band.level += step;
            } else if lowered_at == floors[w] {
                break;
            } else {
                lowered_at = floors[w];
                band.level = floors[w];
            }
        }
        self.record(pass.name, since, solves, &best.0);
        Ok(best.0)
    }

    /// Local improvement ([`Improver`]): swaps and exchanges that raise the weakest form, then
    /// ones that narrow the spread without lowering the smallest information, while time is left.
    fn improve(&mut self, forms: Forms) -> Forms {
        let since = self.spent();
        let rules = self.rules.clone();
        let mut imp = Improver::new(self.pool, self.bp, &rules, self.cand, forms);
        let mut moves = 0;
        // alternate: narrowing frees strong units the floor phase can then use
        loop {
            let before = moves;
            while moves < MAX_MOVES && self.left() > 0.0 && imp.raise_floor() {
                moves += 1;
            }
            while moves < MAX_MOVES && self.left() > 0.0 && imp.narrow() {
                moves += 1;
            }
            if moves == before || moves >= MAX_MOVES || self.left() <= 0.0 {
                break;
            }
        }
        self.record("swaps", since, moves, &imp.forms);
        imp.forms
    }

    /// Notes what a pass achieved, from `since` (seconds into the run) until now.
    pub(crate) fn record(&mut self, pass: &str, since: f64, solves: usize, forms: &[Vec<usize>]) {
        let (floor, neg_spread) = quality(self.pool, forms);
        self.passes.push(PassSummary {
            pass: pass.to_string(),
            seconds: self.spent() - since,
            solves,
            smallest_information: floor,
            spread: -neg_spread,
        });
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

/// Whether forms of quality `a` beat `b` (each `(smallest floor, −spread)`): a clearly higher
/// floor wins; floors within the relative tolerance `tie` (the solver's gap: differences the
/// solver was told to ignore) are a tie, and then the smaller spread (more parallel forms) wins.
fn better(a: (f64, f64), b: (f64, f64), tie: f64) -> bool {
    let tol = tie * b.0.abs();
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::blueprint::Blueprint;
    use crate::model::SolverChoice;
    use crate::options::{AssemblyOptions, Strategy};
    use crate::pool::Pool;
    use crate::run::Run;
    use crate::sim::{SimOptions, simulated_pool};

    const BLUEPRINT: &str = r#"name: "Kiểm tra"
subject: toan
duration_minutes: 45
forms: 24
versions: 1
max_overlap: 0.2
sections:
  - { kind: single_choice, count: 6, points: 0.5 }
information:
  objective: maximin
  thetas: [-1.0, 0.0, 1.0]
"#;

    /// The passes after balancing, 10 s into a run with a 60 s limit: by default they stop at
    /// 1.8 × 10 s (fine lifting) and 0.05 × 10 s later (evening); with the user's own limit fine
    /// lifting may go on until half the time left (35 s) and evening until the limit.
    #[test]
    fn an_explicit_time_limit_is_the_budget_of_the_passes_after_balancing() {
        let bp = Blueprint::from_yaml(BLUEPRINT).expect("blueprint");
        let items = simulated_pool(&SimOptions { items: 80, seed: 3, ..SimOptions::default() });
        let pool = Pool::new(&bp, &items, false);
        let cand = pool.candidates(&bp, bp.forms);
        let clock = || Duration::from_secs(110);
        let ends = |whole_budget: bool| {
            let opts = AssemblyOptions { time_limit: 60.0, whole_budget, ..AssemblyOptions::default() };
            let run = Run::new(&bp, &pool, &cand, &opts, &clock, Duration::from_secs(100), vec![]);
            let (end, even_until) = run.after_balancing();
            (end, even_until(end))
        };
        let (end, even) = ends(false);
        assert!((end - 18.0).abs() < 1e-9 && (even - 18.5).abs() < 1e-9, "{end} {even}");
        let (end, even) = ends(true);
        assert!((end - 35.0).abs() < 1e-9 && (even - 60.0).abs() < 1e-9, "{end} {even}");
        // fine lifting on HiGHS: at least 8 s after balancing
        let highs = AssemblyOptions {
            solver: SolverChoice::Highs,
            coarse_solver: Some(SolverChoice::Microlp),
            ..AssemblyOptions::default()
        };
        let run = Run::new(&bp, &pool, &cand, &highs, &clock, Duration::from_secs(100), vec![]);
        let (end, even_until) = run.after_balancing();
        assert!((end - 18.0).abs() < 1e-9 && (even_until(end) - 18.5).abs() < 1e-9, "{end}");
        let run = Run::new(
            &bp,
            &pool,
            &cand,
            &highs,
            &|| Duration::from_secs(102),
            Duration::from_secs(100),
            vec![],
        );
        assert!((run.after_balancing().0 - 10.0).abs() < 1e-9, "2 s + 8 s");
    }

    /// With HiGHS chosen and microlp built in, the coarse single-form solves of a sequential run
    /// of several forms and fine lifting's pairs (three forms or more) are microlp's; fine
    /// lifting's single forms, one form alone and the simultaneous model keep HiGHS; an explicit
    /// `coarse_solver` wins.
    #[test]
    fn coarse_single_form_solves_run_on_microlp_when_highs_is_chosen() {
        let bp = Blueprint::from_yaml(BLUEPRINT).expect("blueprint");
        let one = Blueprint::from_yaml(&BLUEPRINT.replace("forms: 24", "forms: 1")).expect("blueprint");
        let items = simulated_pool(&SimOptions { items: 80, seed: 3, ..SimOptions::default() });
        let pool = Pool::new(&bp, &items, false);
        let cand = pool.candidates(&bp, bp.forms);
        let clock = || Duration::ZERO;
        let highs = AssemblyOptions { solver: SolverChoice::Highs, ..AssemblyOptions::default() };
        let mut run = Run::new(&bp, &pool, &cand, &highs, &clock, Duration::ZERO, vec![]);
        let coarse = if cfg!(feature = "microlp") { SolverChoice::Microlp } else { SolverChoice::Highs };
        assert_eq!(run.solver_for(1), coarse);
        assert_eq!(run.solver_for(2), SolverChoice::Highs);
        run.fine = true;
        assert_eq!(run.solver_for(1), SolverChoice::Highs);
        assert_eq!(run.solver_for(2), coarse, "fine lifting's pairs");
        let two = Blueprint::from_yaml(&BLUEPRINT.replace("forms: 24", "forms: 2")).expect("blueprint");
        let mut run = Run::new(&two, &pool, &cand, &highs, &clock, Duration::ZERO, vec![]);
        run.fine = true;
        assert_eq!(run.solver_for(2), SolverChoice::Highs, "two forms: the pair is the whole model");
        let alone = Run::new(&one, &pool, &cand, &highs, &clock, Duration::ZERO, vec![]);
        assert_eq!(alone.solver_for(1), SolverChoice::Highs);
        let simultaneous = AssemblyOptions { strategy: Strategy::Simultaneous, ..highs.clone() };
        let run = Run::new(&bp, &pool, &cand, &simultaneous, &clock, Duration::ZERO, vec![]);
        assert_eq!(run.solver_for(1), SolverChoice::Highs);
        let chosen = AssemblyOptions { coarse_solver: Some(SolverChoice::Highs), ..highs.clone() };
        let run = Run::new(&bp, &pool, &cand, &chosen, &clock, Duration::ZERO, vec![]);
        assert_eq!(run.solver_for(1), SolverChoice::Highs);
        let microlp = AssemblyOptions { solver: SolverChoice::Microlp, ..highs };
        let run = Run::new(&bp, &pool, &cand, &microlp, &clock, Duration::ZERO, vec![]);
        assert_eq!(run.solver_for(1), SolverChoice::Microlp);
    }
}
