//! Why a blueprint cannot be met, in the board's terms.
//!
//! Two steps. Before solving, supply against demand for every section and matrix cell, taking the
//! number of forms, their allowed overlap and exposure caps into account ("the pool has 3 approved
//! van_dung items in topic 12.4; the blueprint asks for 5 on each of 4 forms"). After an
//! infeasible solve, a deletion filter over rule groups (each section, each matrix cell, enemies,
//! overlap, exposure, mean difficulty) finds a small set of rules that cannot hold together: drop
//! one group at a time and keep it dropped while the rest stays infeasible; what remains is
//! irreducible — dropping any one of its rules makes the forms possible.

use crate::blueprint::{Blueprint, fmt_num};
pub use crate::diagnosis::{Diagnosis, Finding};
use crate::model::{Goal, Request, Rules, SolveStatus, solve};
use crate::options::AssemblyOptions;
use crate::pool::Pool;

/// A group of blueprint rules that the deletion filter switches on and off together.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Group {
    Section(usize),
    Cell(usize),
    Enemies,
    Overlap,
    Exposure,
    MeanB,
}

fn rules_of(bp: &Blueprint, pool: &Pool, active: &[Group]) -> Rules {
    let mut r = Rules {
        sections: vec![false; bp.sections.len()],
        cells: vec![false; pool.cells.len()],
        enemies: false,
        overlap: false,
        exposure: false,
        mean_b: false,
    };
    for g in active {
        match *g {
            Group::Section(s) => r.sections[s] = true,
            Group::Cell(c) => r.cells[c] = true,
            Group::Enemies => r.enemies = true,
            Group::Overlap => r.overlap = true,
            Group::Exposure => r.exposure = true,
            Group::MeanB => r.mean_b = true,
        }
    }
    r
}

fn adjective(bp: &Blueprint, opts: &AssemblyOptions) -> &'static str {
    match (opts.allow_unapproved, bp.information.is_some()) {
        (false, true) => "approved, calibrated",
        (false, false) => "approved",
        (true, true) => "calibrated",
        (true, false) => "usable",
    }
}

fn on_forms(bp: &Blueprint) -> String {
    if bp.forms == 1 { "on the form".into() } else { format!("on each of {} forms", bp.forms) }
}

/// Distinct units a demand of `c` per form needs over `forms` forms when two forms share at most
/// `o`: form f brings at least c − (f−1)·o new ones.
pub(crate) fn distinct_needed(c: f64, forms: u32, o: f64) -> f64 {
    c + (1..forms).map(|f| (c - f64::from(f) * o).max(0.0)).sum::<f64>()
}

/// Supply against demand per section and cell, before any solve.
pub(crate) fn shortages(bp: &Blueprint, pool: &Pool, opts: &AssemblyOptions) -> Vec<Finding> {
    let adj = adjective(bp, opts);
    let forms = bp.forms;
    let o = f64::from(bp.overlap_items());
    let mut out = Vec::new();
    let mut check = |rule: String,
                     line: Option<u64>,
                     what: String,
                     supply: f64,
                     demand: f64,
                     o_unit: f64,
                     capacity: f64| {
        if demand <= 0.0 {
            return;
        }
        let needed = distinct_needed(demand, forms, o_unit);
        if supply + 1e-9 < demand {
            out.push(Finding {
                rule,
                line,
                message: format!(
                    "the pool has {} {adj} {what}; the blueprint asks for {} {}",
                    fmt_num(supply),
                    fmt_num(demand),
                    on_forms(bp)
                ),
            });
        } else if supply + 1e-9 < needed {
            out.push(Finding {
                rule,
                line,
                message: format!(
                    "the pool has {} {adj} {what}; {} forms with {} each and at most {} items shared by two forms need at least {}",
                    fmt_num(supply),
                    forms,
                    fmt_num(demand),
                    fmt_num(o),
                    fmt_num(needed)
                ),
            });
        } else if capacity + 1e-9 < demand * f64::from(forms) {
            out.push(Finding {
                rule,
                line,
                message: format!(
                    "exposure.max_uses leaves room for {} uses of {adj} {what}; {} forms with {} each need {}",
                    fmt_num(capacity),
                    forms,
                    fmt_num(demand),
                    fmt_num(demand * f64::from(forms))
                ),
            });
        }
    };
    let cap = |u: &crate::pool::Unit| f64::from(u.uses_left.unwrap_or(forms).min(forms));
    for (s, section) in bp.sections.iter().enumerate() {
        let supply = f64::from(pool.section_supply(s));
        let capacity: f64 = pool.units.iter().map(|u| cap(u) * f64::from(u.section_counts[s])).sum();
        let o_unit = o * f64::from(pool.units.iter().map(|u| u.section_counts[s]).max().unwrap_or(1).max(1));
        check(
            format!("sections[{s}].count"),
            section.line,
            format!("{} items", section.kind),
            supply,
            f64::from(section.count),
            o_unit.min(o.max(o_unit)),
            capacity,
        );
    }
    for (c, cell) in pool.cells.iter().enumerate() {
        let supply = pool.cell_supply(c);
        let capacity: f64 = pool
            .units
            .iter()
            .flat_map(|u| u.cells.iter().filter(|(cc, _)| *cc == c).map(move |(_, v)| cap(u) * v))
            .sum();
        let max_coef = pool
            .units
            .iter()
            .flat_map(|u| &u.cells)
            .filter(|(cc, _)| *cc == c)
            .map(|(_, v)| *v)
            .fold(1.0, f64::max);
        let row = &bp.matrix[cell.row];
        check(
            format!("matrix[{}].{}", cell.row, cell.level.map_or("total", |l| l.as_str())),
            row.line,
            cell.describe(bp),
            supply,
            cell.bounds.min,
            o * max_coef,
            capacity,
        );
    }
    out
}

fn describe_group(bp: &Blueprint, pool: &Pool, g: Group, opts: &AssemblyOptions) -> Finding {
    let adj = adjective(bp, opts);
    match g {
        Group::Section(s) => {
            let sec = &bp.sections[s];
            Finding {
                rule: format!("sections[{s}].count"),
                line: sec.line,
                message: format!(
                    "{} {} items {} (the pool has {} {adj})",
                    sec.count,
                    sec.kind,
                    on_forms(bp),
                    pool.section_supply(s)
                ),
            }
        }
        Group::Cell(c) => {
            let cell = &pool.cells[c];
            Finding {
                rule: format!("matrix[{}].{}", cell.row, cell.level.map_or("total", |l| l.as_str())),
                line: bp.matrix[cell.row].line,
                message: format!(
                    "{} {} {} (the pool has {} {adj})",
                    cell.bounds.describe(),
                    cell.describe(bp),
                    on_forms(bp),
                    fmt_num(pool.cell_supply(c))
                ),
            }
        }
        Group::Enemies => Finding {
            rule: "enemies".into(),
            line: None,
            message: format!(
                "{} pairs of enemy items (or item groups of one passage) may not share a form",
                pool.enemy_pairs.len()
            ),
        },
        Group::Overlap => Finding {
            rule: "max_overlap".into(),
            line: None,
            message: format!(
                "any two forms share at most {} of their {} items",
                bp.overlap_items(),
                bp.form_length()
            ),
        },
        Group::Exposure => Finding {
            rule: "exposure.max_uses".into(),
            line: None,
            message: format!(
                "an item appears on at most {} forms, past uses included",
                bp.exposure.as_ref().map_or(0, |e| e.max_uses)
            ),
        },
        Group::MeanB => Finding {
            rule: "difficulty.mean_b".into(),
            line: None,
            message: format!(
                "mean item difficulty {}",
                bp.difficulty.as_ref().and_then(|d| d.mean_b).map(|b| b.describe()).unwrap_or_default()
            ),
        },
    }
}

/// The diagnosis after assembly failed with `done` forms already placed.
/// `failing` forms (the `done` ones and the rest) could not be assembled together.
pub(crate) fn diagnose(
    bp: &Blueprint,
    pool: &Pool,
    done: &[Vec<usize>],
    failing: usize,
    opts: &AssemblyOptions,
    time: f64,
) -> Diagnosis {
    let short = shortages(bp, pool, opts);
    let mut d = Diagnosis {
        stage: if failing == 1 {
            "one form".to_string()
        } else if done.is_empty() {
            format!("{failing} forms assembled together")
        } else {
            format!("form {} of {}, after forms 1–{} were placed", done.len() + 1, bp.forms, done.len())
        },
        eligible_items: pool.items.len(),
        excluded: pool.excluded.clone(),
        shortages: short,
        conflict: vec![],
        conflict_complete: false,
        notes: vec![],
    };
    if !d.shortages.is_empty() {
        return d;
    }
    let mut groups = rule_groups(bp, pool);
    let all_units: Vec<usize> = (0..pool.units.len()).collect();
    let per_test = (time / (groups.len() + 3) as f64).clamp(0.5, 30.0);
    let probe = Probe { bp, pool, opts, all_units, per_test };
    let Some(forms) = probe.model_to_explain(&mut groups, failing, &mut d) else { return d };
    let (active, complete) = probe.deletion_filter(&groups, forms);
    d.conflict = active.into_iter().map(|g| describe_group(bp, pool, g, opts)).collect();
    d.conflict_complete = complete;
    d
}

/// Every rule group the blueprint and pool have, but overlap (which needs two forms).
fn rule_groups(bp: &Blueprint, pool: &Pool) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    groups.extend((0..bp.sections.len()).map(Group::Section));
    groups.extend((0..pool.cells.len()).map(Group::Cell));
    if !pool.enemy_pairs.is_empty() {
        groups.push(Group::Enemies);
    }
    if bp.exposure.is_some() {
        groups.push(Group::Exposure);
    }
    if bp.difficulty.as_ref().is_some_and(|d| d.mean_b.is_some()) {
        groups.push(Group::MeanB);
    }
    groups
}

/// Feasibility tests of the whole pool under some of the rules, each within `per_test` seconds.
struct Probe<'r, 'p> {
    bp: &'r Blueprint,
    pool: &'r Pool<'p>,
    opts: &'r AssemblyOptions,
    all_units: Vec<usize>,
    per_test: f64,
}

impl Probe<'_, '_> {
    /// Whether `forms` forms meet the `active` rules: `None` when the solver proved neither.
    fn test(&self, active: &[Group], forms: usize) -> Option<bool> {
        let rules = rules_of(self.bp, self.pool, active);
        let req = Request {
            bp: self.bp,
            pool: self.pool,
            candidates: &self.all_units,
            forms,
            fixed: &[],
            required: &[],
            keep: &[],
            start: &[],
            goal: Goal::Feasible,
            pair_count_rows: false,
            rules: &rules,
            solver: self.opts.solver,
            time_limit: self.per_test,
            gap: self.opts.gap,
        };
        match solve(&req).map(|o| o.status) {
            Ok(SolveStatus::Infeasible) => Some(false),
            Ok(SolveStatus::NoSolution) | Err(_) => None,
            Ok(_) => Some(true),
        }
    }

    /// Which model to explain: one form, or (when one form is possible) the forms placed so far
    /// plus the failing one, solved together (overlap joins the groups). `None` when there is
    /// no infeasible model to explain; `d` then says why.
    fn model_to_explain(&self, groups: &mut Vec<Group>, failing: usize, d: &mut Diagnosis) -> Option<usize> {
        match self.test(groups, 1) {
            Some(false) => {
                d.stage = "one form".to_string();
                Some(1)
            }
            Some(true) if failing > 1 => {
                let forms = failing;
                groups.push(Group::Overlap);
                match self.test(groups, forms) {
                    Some(false) => {
                        d.stage = format!("{forms} forms assembled together");
                        Some(forms)
                    }
                    Some(true) => {
                        d.notes.push(format!(
                            "One form meets every rule and {forms} forms can be assembled together, but form {forms} could \
                             not be added to the forms already placed: use `--strategy simultaneous` (smaller pools) or \
                             a larger max_overlap."
                        ));
                        None
                    }
                    None => {
                        d.notes.push(format!(
                            "One form meets every rule; whether {forms} forms can share the pool was not settled within the time limit."
                        ));
                        None
                    }
                }
            }
            Some(true) => {
                d.notes.push("One form meets every rule; the solver stopped before proving more.".into());
                None
            }
            None => {
                d.notes.push(
                    "The solver could not prove the blueprint infeasible within the time limit.".into(),
                );
                None
            }
        }
    }

    /// Drops one group at a time, keeping it dropped while the rest stays infeasible. Returns
    /// the groups left and whether every test ended with a proof.
    fn deletion_filter(&self, groups: &[Group], forms: usize) -> (Vec<Group>, bool) {
        let mut active = groups.to_vec();
        let mut complete = true;
        for g in groups {
            let without: Vec<Group> = active.iter().copied().filter(|x| x != g).collect();
            match self.test(&without, forms) {
                Some(false) => active = without,
                Some(true) => {}
                None => complete = false,
            }
        }
        (active, complete)
    }
}
