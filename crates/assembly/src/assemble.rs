//! Assembly of parallel forms: the public entry point [`assemble`] and what it returns. The
//! strategies run in modules `run` (simultaneous) and `sequential` (the default for
//! several forms: sequential with balancing).

use std::collections::BTreeMap;

use khaothi_domain::Item;
use khaothi_domain::form::{Form, FormItem, Version};
use serde::Serialize;

use crate::blueprint::{Blueprint, Objective};
use crate::clock::Clock;
use crate::error::AssemblyError;
use crate::model::{SolveStatus, SolverChoice};
pub use crate::options::{AssemblyOptions, Strategy};
use crate::pool::{Exclusions, Pool};
use crate::report::{AssemblyReport, FormReport, ThetaValue, form_report};
pub use crate::run::PassSummary;
use crate::run::Run;
use crate::versions::{key_counts, make_versions};

/// One assembled form with its versions and statistics.
#[derive(Debug, Clone, Serialize)]
pub struct AssembledForm {
    pub id: String,
    /// Item ids in delivery order.
    pub items: Vec<String>,
    /// Information at the blueprint's θ points.
    pub information: Vec<ThetaValue>,
    pub versions: Vec<Version>,
    /// Each version's count of single-choice keys per letter, by version code: A–D differ by at
    /// most one wherever the items' `shuffle_options` allow it.
    pub key_counts: BTreeMap<String, BTreeMap<char, u32>>,
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
    /// Near-duplicate pairs kept apart as enemies because of `auto_enemies` (none otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub auto_enemies: Vec<SuggestedEnemy>,
    /// What each pass of sequential assembly achieved (several forms, maximin).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub passes: Vec<PassSummary>,
}

/// A near-duplicate pair used as enemies without confirmation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuggestedEnemy {
    pub a: String,
    pub b: String,
    pub similarity: f64,
}

/// The items with every near-duplicate pair among them added to both items' enemies.
fn with_suggested_enemies(items: &[Item]) -> (Vec<Item>, Vec<SuggestedEnemy>) {
    let pairs = khaothi_similarity::suggested_enemies(items, khaothi_similarity::DEFAULT_THRESHOLD);
    let mut items = items.to_vec();
    let index: std::collections::HashMap<String, usize> =
        items.iter().enumerate().map(|(k, i)| (i.id.clone(), k)).collect();
    let mut used = Vec::new();
    for (a, b, similarity) in pairs {
        let (ka, kb) = (index[&a], index[&b]);
        if items[ka].enemies.contains(&b) || items[kb].enemies.contains(&a) {
            continue;
        }
        items[ka].enemies.push(b.clone());
        used.push(SuggestedEnemy { a, b, similarity });
    }
    (items, used)
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

/// Assembles `bp.forms` parallel forms from `items` and makes `bp.versions` versions of each.
///
/// The run's time budget (`opts.time_limit`) is measured on the caller's `clock` from this call
/// on; the crate never reads the time itself.
pub fn assemble(
    bp: &Blueprint,
    items: &[Item],
    opts: &AssemblyOptions,
    clock: &dyn Clock,
) -> Result<AssemblyResult, AssemblyError> {
    if !(opts.gap.is_finite() && opts.gap >= 0.0 && opts.time_limit.is_finite() && opts.time_limit > 0.0) {
        return Err(AssemblyError::InvalidRequest("time limit must be positive and gap ≥ 0".into()));
    }
    let start = clock.elapsed();
    let (suggested, auto_enemies) =
        if opts.auto_enemies { with_suggested_enemies(items) } else { (Vec::new(), Vec::new()) };
    let items = if opts.auto_enemies { &suggested[..] } else { items };
    let target = target_of(bp, items)?;
    let pool = Pool::new(bp, items, opts.allow_unapproved);
    let cand = pool.candidates(bp, bp.forms);
    let mut run = Run::new(bp, &pool, &cand, opts, clock, start, target);
    let (forms, status, bound, solver_gap) = match opts.strategy {
        Strategy::Simultaneous => run.simultaneous()?,
        Strategy::Sequential => run.sequential()?,
    };
    let seconds = run.spent();
    let passes = std::mem::take(&mut run.passes);
    let mut result = finish(bp, items, &pool, cand.len(), forms, status, bound, solver_gap, opts, seconds)?;
    result.passes = passes;
    result.auto_enemies = auto_enemies;
    Ok(result)
}

/// Forms in delivery order: sections in blueprint order, units in pool order, stimulus groups
/// together.
pub(crate) fn to_form(bp: &Blueprint, pool: &Pool, units: &[usize], number: u32) -> Form {
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
            key_counts: versions.iter().map(|v| (v.code.clone(), key_counts(v))).collect(),
            versions,
            report,
            form,
        });
    }
    let report = AssemblyReport::of(&forms.iter().map(|f| (&f.form, &f.report)).collect::<Vec<_>>());
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
        auto_enemies: vec![],
    })
}
