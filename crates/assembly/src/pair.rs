//! Pair lifting, the last step of fine lifting: the weakest form and one partner are re-assembled
//! together, the other forms fixed. Re-solving one form at a time against all the others cannot
//! move a unit from one form to another: the weakest form cannot take a strong unit another form
//! holds, even when that form could do without it. Two forms in one model can trade units (within
//! the overlap rule between them), so the smaller of their two floors may rise where neither form
//! alone can.
//!
//! The pair model is the full model of two forms (every blueprint rule, overlap with each fixed
//! form and between the two, exposure counting the fixed forms' uses), so every accepted pair keeps
//! every rule. It is solved over fewer units than the full candidate list by an exact reduction
//! (see [`free_candidates`]), which keeps it small enough for microlp.

use std::collections::HashMap;

use crate::blueprint::{Blueprint, Objective};
use crate::error::AssemblyError;
use crate::model::Goal;
use crate::pool::{DominanceClass, Pool, band_around, floor_of, info_at, spread_of};
use crate::run::Run;

/// Partners tried for one weakest form before pair lifting gives up.
const PARTNERS: usize = 3;

/// Width of the balancing band (relative): a pair may widen the spread of all forms up to this
/// share of the weakest form's floor (as balancing allows), never beyond the spread now if wider.
const BAND: f64 = 0.04;

/// Half-width of the window a pair's information is held in at each θ (relative to the smallest
/// floor): a little wider than [`BAND`], so the solver has room; the band is checked after.
const WINDOW: f64 = 0.05;

/// Least time (s) worth a windowed pair solve.
const MIN_WINDOWED: f64 = 0.1;

/// What a pair re-solve is given: the forms now, the time it may take, its gap.
pub(crate) struct PairTry<'f> {
    pub forms: &'f [Vec<usize>],
    /// Seconds into the run at which no new solve starts.
    pub until: f64,
    /// Seconds of the budget kept for what follows.
    pub reserve: f64,
    pub gap: f64,
}

impl Run<'_, '_> {
    /// Re-solves the weakest form together with each of up to [`PARTNERS`] partners (the
    /// strongest form, the form highest where the weakest is lowest, the next weakest) until one
    /// pair's smaller floor rises above the weakest form's floor. Returns the forms with the pair
    /// replaced, and the number of solves made; `None` when no pair rose (or time ran out).
    pub(crate) fn lift_pair(&self, t: &PairTry) -> Result<(Option<Vec<Vec<usize>>>, usize), AssemblyError> {
        let n = t.forms.len();
        let floors: Vec<f64> = t.forms.iter().map(|u| floor_of(self.pool, u)).collect();
        let Some(w) = (0..n).min_by(|a, b| floors[*a].total_cmp(&floors[*b])) else { return Ok((None, 0)) };
        let mut solves = 0;
        for p in partners(self.pool, t.forms, &floors, w) {
            let per = (t.until - self.spent()).min(self.left() - t.reserve);
            if per <= 0.0 {
                break;
            }
            solves += 1;
            if let Some(pair) = self.solve_pair(t, &floors, (w, p), per.clamp(0.1, 5.0))? {
                let mut forms = t.forms.to_vec();
                [forms[w], forms[p]] = pair;
                return Ok((Some(forms), solves));
            }
        }
        Ok((None, solves))
    }

    /// Forms `w` and `p` re-solved together against the others, maximising the smaller of their
    /// two floors within `per` seconds. `Some` only when that is above `w`'s floor now and the
    /// spread of all forms stays within the balancing band (at most the spread now, or [`BAND`] ×
    /// `w`'s floor if that is larger).
    fn solve_pair(
        &self,
        t: &PairTry,
        floors: &[f64],
        (w, p): (usize, usize),
        per: f64,
    ) -> Result<Option<[Vec<usize>; 2]>, AssemblyError> {
        let others: Vec<Vec<usize>> =
            t.forms.iter().enumerate().filter(|(k, _)| *k != w && *k != p).map(|(_, u)| u.clone()).collect();
        let cand = free_candidates(self.bp, self.pool, self.cand, &others, 2);
        let Goal::Maximin { ceiling, .. } = self.goal() else { return Ok(None) };
        // First without a window (quick, and exact over the reduced units); only when that pair
        // rose but widened the spread beyond the band, again within the window (see [`window`])
        // in the time left: a windowed solve is slower and, started without a reason, only spent
        // the time of the single-form step.
        let open = Goal::Maximin { enough: None, shape: None, cap: None, low: None, ceiling };
        let out = self.solve_on(&cand, 2, &others, open, per, t.gap)?;
        match self.verdict(t, floors, (w, p), out.forms) {
            Verdict::Lifted(pair) => return Ok(Some(pair)),
            Verdict::Lower => return Ok(None),
            Verdict::TooWide => {}
        }
        let time = t.until - self.spent();
        if time < MIN_WINDOWED {
            return Ok(None);
        }
        let (low, cap) = window(self.pool, t.forms, floors);
        let goal = Goal::Maximin { enough: None, shape: None, cap: Some(cap), low: Some(low), ceiling };
        let out = self.solve_on(&cand, 2, &others, goal, time.min(per), t.gap)?;
        match self.verdict(t, floors, (w, p), out.forms) {
            Verdict::Lifted(pair) => Ok(Some(pair)),
            _ => Ok(None),
        }
    }

    /// Whether the pair `got` for forms `w` and `p` lifts: the smaller of its two floors is above
    /// `w`'s floor now, and the spread of all forms stays within the band.
    fn verdict(&self, t: &PairTry, floors: &[f64], (w, p): (usize, usize), got: Vec<Vec<usize>>) -> Verdict {
        let mut got = got.into_iter();
        let (Some(a), Some(b)) = (got.next(), got.next()) else { return Verdict::Lower };
        let smallest = floor_of(self.pool, &a).min(floor_of(self.pool, &b));
        if smallest <= floors[w] + 1e-6 {
            return Verdict::Lower;
        }
        let mut after = t.forms.to_vec();
        [after[w], after[p]] = [a, b];
        let allowed = spread_of(self.pool, t.forms).max(BAND * floors[w]);
        if spread_of(self.pool, &after) > allowed + 1e-9 {
            return Verdict::TooWide;
        }
        Verdict::Lifted([std::mem::take(&mut after[w]), std::mem::take(&mut after[p])])
    }
}

/// What a pair solve gave.
enum Verdict {
    /// The two new forms: the weakest floor rose, the spread stays within the band.
    Lifted([Vec<usize>; 2]),
    /// The smaller floor rose, but the spread widened beyond the band.
    TooWide,
    /// No solution, or the smaller floor did not rise.
    Lower,
}

/// The window the pair's information is held in at each θ t: at least the highest form now less
/// [`WINDOW`] × the smallest floor, at most the lowest form now plus as much. Without it a pair
/// form may fall far below the others at a θ where it is not at its floor (measured: spreads of
/// 1.4–2.2 instead of 0.2–0.8); a window exactly the others' range instead made microlp's pair
/// solves end at their time limit without a solution.
fn window(pool: &Pool, forms: &[Vec<usize>], floors: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let floor = floors.iter().cloned().fold(f64::INFINITY, f64::min);
    band_around(pool, forms, WINDOW * floor)
}

/// Partners of the weakest form `w`, best first, without repeats: the strongest form, the form
/// highest at the θ where `w` is lowest (it holds the units `w` lacks there), the next weakest.
fn partners(pool: &Pool, forms: &[Vec<usize>], floors: &[f64], w: usize) -> Vec<usize> {
    let n = forms.len();
    let others = || (0..n).filter(move |&k| k != w);
    let nt = pool.thetas.len();
    let low_t = (0..nt).min_by(|a, b| info_at(pool, &forms[w], *a).total_cmp(&info_at(pool, &forms[w], *b)));
    let strongest = others().max_by(|a, b| floors[*a].total_cmp(&floors[*b]));
    let highest_there = low_t.and_then(|t| {
        others().max_by(|a, b| info_at(pool, &forms[*a], t).total_cmp(&info_at(pool, &forms[*b], t)))
    });
    let next_weakest = others().min_by(|a, b| floors[*a].total_cmp(&floors[*b]));
    let mut out: Vec<usize> = Vec::with_capacity(PARTNERS);
    for p in [strongest, highest_there, next_weakest].into_iter().flatten() {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out.truncate(PARTNERS);
    out
}

/// The candidates a pair model needs, from the run's candidates `cand`, with `fixed` the forms
/// held fixed.
///
/// Exact reduction by k-dominance among *free* units (on no fixed form), as
/// [`Pool::candidates`] does for the whole run: free single items without enemies and with the same
/// coefficient in every rule (section, cells, uses left) are interchangeable; if at least
/// `2 × (section count)` free units of a class have information at or above a unit's at every θ,
/// the pair's two forms cannot hold all of them, so in any pair solution using the unit some
/// dominating free unit is on neither form — swapping them keeps every rule (neither unit is on a
/// fixed form, so overlap and exposure do not change) and lowers no information. Units on a fixed
/// form are all kept. Applies to maximin without `mean_b` (elsewhere every candidate is kept).
pub(crate) fn free_candidates(
    bp: &Blueprint,
    pool: &Pool,
    cand: &[usize],
    fixed: &[Vec<usize>],
    forms: usize,
) -> Vec<usize> {
    let reducible =
        bp.information.as_ref().is_some_and(|i| i.objective == Objective::Maximin && i.ceiling.is_none())
            && bp.difficulty.as_ref().is_none_or(|d| d.mean_b.is_none());
    if !reducible {
        return cand.to_vec();
    }
    let mut on_fixed = vec![false; pool.units.len()];
    fixed.iter().flatten().for_each(|&u| on_fixed[u] = true);
    let mut classes: HashMap<DominanceClass, Vec<usize>> = HashMap::new();
    let mut keep = Vec::new();
    for &u in cand {
        match pool.units[u].dominance_class().filter(|_| !on_fixed[u]) {
            Some(class) => classes.entry(class).or_default().push(u),
            None => keep.push(u),
        }
    }
    pool.keep_undominated(bp, classes.values(), forms, &mut keep);
    keep.sort_unstable();
    keep
}

#[cfg(test)]
#[path = "pair_tests.rs"]
pub(crate) mod tests;
