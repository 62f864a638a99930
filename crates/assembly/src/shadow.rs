//! Shadow tests for adaptive testing (van der Linden & Reese, 1998; van der Linden, 2005): at
//! each step of an adaptive test, one full-length form meeting the blueprint that contains every
//! item already given and has the most information at the current ability estimate. The model is
//! the assembler's own (module `model`): one form, the given items' units required, maximin over
//! the single θ — so an adaptive test obeys exactly the rules a fixed form does (sections, matrix
//! cells, enemies, stimulus groups, difficulty limits).

use std::collections::HashMap;

use khaothi_domain::Item;

use crate::blueprint::{Blueprint, Information, Objective};
use crate::error::AssemblyError;
use crate::model::{Goal, Request, Rules, SolveStatus, SolverChoice, solve};
use crate::pool::{Exclusions, Pool};

/// A blueprint and the items of an adaptive pool, ready for shadow tests. Owns its items; each
/// solve builds the assembler's pool view at the new θ (linear in the pool size).
#[derive(Debug, Clone)]
pub struct ShadowModel {
    bp: Blueprint,
    items: Vec<Item>,
    index: HashMap<String, usize>,
}

/// One shadow test.
#[derive(Debug, Clone, PartialEq)]
pub struct ShadowTest {
    /// The form's selection units (an item, or a stimulus group given together), each as indices
    /// into the model's items, in item order.
    pub units: Vec<Vec<usize>>,
    pub status: SolveStatus,
}

/// How a shadow test is solved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShadowOptions {
    pub solver: SolverChoice,
    /// Seconds per solve.
    pub time_limit: f64,
    /// Relative MIP gap.
    pub gap: f64,
}

impl Default for ShadowOptions {
    fn default() -> Self {
        Self { solver: SolverChoice::best_available(), time_limit: 2.0, gap: 1e-4 }
    }
}

impl ShadowModel {
    /// The model of `bp` over `items` (their `irt` parameters give the information). The
    /// blueprint's own information section and `forms`/`versions` do not apply: the objective is
    /// the information at each step's θ, and there is one form.
    pub fn new(bp: Blueprint, items: Vec<Item>) -> Self {
        let index = items.iter().enumerate().map(|(k, i)| (i.id.clone(), k)).collect();
        Self { bp, items, index }
    }

    pub fn blueprint(&self) -> &Blueprint {
        &self.bp
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The blueprint at one θ: maximin over that single point.
    fn at(&self, theta: f64) -> Blueprint {
        let mut bp = self.bp.clone();
        bp.information = Some(Information {
            objective: Objective::Maximin,
            thetas: vec![theta],
            target: None,
            reference_form: None,
            ceiling: None,
        });
        bp
    }

    /// Items the blueprint cannot use, each with its reason (an adaptive test never gives them).
    pub fn exclusions(&self) -> Exclusions {
        Pool::new(&self.at(0.0), &self.items, true).excluded
    }

    /// The selection units of the usable items (indices into the items): what the assembler
    /// keeps together.
    pub fn units(&self) -> Vec<Vec<usize>> {
        let bp = self.at(0.0);
        let pool = Pool::new(&bp, &self.items, true);
        pool.units.iter().map(|u| u.items.iter().map(|&k| self.index[&pool.items[k].id]).collect()).collect()
    }

    /// The shadow test at `theta` containing the items `given` (indices into the items).
    /// Infeasible (no form meeting the blueprint holds the items given) and a time-out without a
    /// form are errors.
    pub fn solve(&self, theta: f64, given: &[usize], o: &ShadowOptions) -> Result<ShadowTest, AssemblyError> {
        let bp = self.at(theta);
        let pool = Pool::new(&bp, &self.items, true);
        // unit of each item of the model (usize::MAX: not usable)
        let mut unit_of = vec![usize::MAX; self.items.len()];
        for (u, unit) in pool.units.iter().enumerate() {
            for &k in &unit.items {
                unit_of[self.index[&pool.items[k].id]] = u;
            }
        }
        let mut required_units = Vec::with_capacity(given.len());
        for &g in given {
            match unit_of.get(g) {
                Some(&u) if u != usize::MAX => required_units.push(u),
                _ => {
                    let id = self.items.get(g).map_or("?", |i| i.id.as_str());
                    return Err(AssemblyError::InvalidRequest(format!(
                        "item {id} was given but the blueprint cannot use it"
                    )));
                }
            }
        }
        required_units.sort_unstable();
        required_units.dedup();
        // Exact k-dominance reduction (see `Pool::candidates`), plus the required units.
        let mut candidates = pool.candidates(&bp, 1);
        candidates.extend(&required_units);
        candidates.sort_unstable();
        candidates.dedup();
        let pos: HashMap<usize, usize> = candidates.iter().enumerate().map(|(k, u)| (*u, k)).collect();
        let required: Vec<usize> = required_units.iter().map(|u| pos[u]).collect();
        let rules = Rules::all(&bp, pool.cells.len());
        let out = solve(&Request {
            bp: &bp,
            pool: &pool,
            candidates: &candidates,
            forms: 1,
            fixed: &[],
            required: &required,
            keep: &[],
            start: &[],
            goal: Goal::Maximin { enough: None, cap: None, low: None, shape: None, ceiling: None },
            pair_count_rows: false,
            rules: &rules,
            solver: o.solver,
            time_limit: o.time_limit,
            gap: o.gap,
        })?;
        match out.status {
            SolveStatus::Infeasible => Err(AssemblyError::InvalidRequest(
                "no test meeting the blueprint contains the items given".into(),
            )),
            SolveStatus::NoSolution => {
                Err(AssemblyError::NoSolutionInTime { what: "shadow test".into(), seconds: o.time_limit })
            }
            status => {
                let units = out.forms[0]
                    .iter()
                    .map(|&u| pool.units[u].items.iter().map(|&k| self.index[&pool.items[k].id]).collect())
                    .collect();
                Ok(ShadowTest { units, status })
            }
        }
    }
}
