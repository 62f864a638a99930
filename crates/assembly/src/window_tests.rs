//! Window solves on small pools: the window keeps every unit of the forms; on HiGHS the pass
//! lifts forms the local improvement left (so a pass that does nothing fails), and every kept set
//! of forms passes the independent checker, with the smallest information never lower and the
//! spread within the band; on microlp it does nothing.

use std::time::{Duration, Instant};

use super::{WINDOW_SECONDS, window_candidates};
use crate::AssemblyOptions;
use crate::improve::Improver;
use crate::model::SolverChoice;
use crate::pair::tests::{REDUCIBLE, blueprint, items, try_forms_as_units};
use crate::pool::Pool;
use crate::run::Run;
use crate::sequential::Forms;

#[test]
fn the_window_keeps_every_unit_on_a_form_and_the_strongest_of_each_class() {
    let bp = blueprint(REDUCIBLE, 4);
    let items = items(400, 5);
    let pool = Pool::new(&bp, &items, false);
    let cand = pool.candidates(&bp, bp.forms);
    let forms = try_forms_as_units(&bp, &items, &pool, false).expect("the pool holds the forms");
    let window = window_candidates(&pool, &cand, &forms, 2);
    assert!(forms.iter().flatten().all(|u| window.contains(u)), "every unit on a form");
    assert!(window.iter().all(|u| cand.contains(u)), "candidates only");
    assert!(window.len() < cand.len(), "{} of {} units", window.len(), cand.len());
    // the unit with the most information at each θ is in
    for t in 0..pool.thetas.len() {
        let top = cand.iter().max_by(|a, b| pool.units[**a].info[t].total_cmp(&pool.units[**b].info[t]));
        assert!(top.is_some_and(|u| window.contains(u)), "θ {t}");
    }
}

/// The forms as the local improvement leaves them from balanced forms; `None` when the pool
/// cannot hold them.
fn climbed_forms(bp: &crate::Blueprint, items: &[khaothi_domain::Item], pool: &Pool) -> Option<Forms> {
    let cand = pool.candidates(bp, bp.forms);
    let balanced = try_forms_as_units(bp, items, pool, true)?;
    let rules = crate::model::Rules::all(bp, pool.cells.len());
    let mut imp = Improver::new(pool, bp, &rules, &cand, balanced);
    while imp.raise_floor() || imp.narrow() {}
    Some(imp.forms)
}

#[test]
fn window_solves_do_nothing_on_microlp_nor_outside_their_forms() {
    for (forms, solver) in [(4, SolverChoice::Microlp), (3, SolverChoice::Highs), (5, SolverChoice::Highs)] {
        let bp = blueprint(REDUCIBLE, forms);
        let items = items(300, 1);
        let pool = Pool::new(&bp, &items, false);
        let cand = pool.candidates(&bp, bp.forms);
        let Some(before) = climbed_forms(&bp, &items, &pool) else { continue };
        let opts = AssemblyOptions { solver, ..AssemblyOptions::default() };
        let started = Instant::now();
        let clock = move || started.elapsed();
        let mut run = Run::new(&bp, &pool, &cand, &opts, &clock, Duration::ZERO, vec![]);
        let after = run.window_solve(before.clone(), 5.0).expect("no solver error");
        assert_eq!(after, before);
        assert!(run.passes.is_empty(), "{forms} forms on {solver:?}: no pass recorded");
    }
}

/// [`WINDOW_SECONDS`] from the clock now, within the run's limit less its reserve; with the
/// user's own time limit also by fine lifting's end.
#[test]
fn window_solves_get_their_seconds_within_the_limit() {
    let bp = blueprint(REDUCIBLE, 4);
    let items = items(120, 3);
    let pool = Pool::new(&bp, &items, false);
    let cand = pool.candidates(&bp, bp.forms);
    let clock = || Duration::from_secs(10);
    let end_with = |opts: AssemblyOptions, end: f64| {
        Run::new(&bp, &pool, &cand, &opts, &clock, Duration::ZERO, vec![]).window_end(end)
    };
    let highs = AssemblyOptions { solver: SolverChoice::Highs, ..AssemblyOptions::default() };
    assert_eq!(end_with(highs.clone(), 11.0), 10.0 + WINDOW_SECONDS);
    assert!((end_with(AssemblyOptions { time_limit: 12.0, ..highs.clone() }, 11.0) - 11.7).abs() < 1e-9);
    assert_eq!(end_with(AssemblyOptions { whole_budget: true, ..highs }, 11.0), 11.0);
}

#[cfg(feature = "highs")]
#[test]
fn window_solves_lift_forms_the_local_improvement_left_and_keep_every_rule() {
    use crate::pair::tests::EVERY_RULE;
    use crate::pair::tests::violations;
    use crate::pool::{smallest_of, spread_of};
    // which pools leave room depends on the forms built, so the first pool of the list where the
    // window lifts counts; every pool's promises are checked
    let mut seen = Vec::new();
    for (yaml, seed) in (0..6).flat_map(|seed| [(REDUCIBLE, seed), (EVERY_RULE, seed)]) {
        let bp = blueprint(yaml, 4);
        let items = items(300, seed);
        let pool = Pool::new(&bp, &items, false);
        let cand = pool.candidates(&bp, bp.forms);
        let Some(before) = climbed_forms(&bp, &items, &pool) else { continue };
        let opts =
            AssemblyOptions { solver: SolverChoice::Highs, time_limit: 60.0, ..AssemblyOptions::default() };
        let started = Instant::now();
        let clock = move || started.elapsed();
        let mut run = Run::new(&bp, &pool, &cand, &opts, &clock, Duration::ZERO, vec![]);
        let after = run.window_solve(before.clone(), 3.0).expect("no solver error");
        assert_eq!(violations(&bp, &items, &pool, &after), vec![], "seed {seed}");
        let old = (smallest_of(&pool, &before), spread_of(&pool, &before));
        let new = (smallest_of(&pool, &after), spread_of(&pool, &after));
        assert!(new.0 >= old.0 - 1e-9, "the smallest information fell: {old:?} → {new:?}");
        assert!(new.1 <= old.1.max(super::BAND * new.0) + 1e-9, "the spread widened: {old:?} → {new:?}");
        assert!(after == before || new.0 > old.0 + 1e-6, "new forms without a higher floor");
        assert!(run.passes.last().is_some_and(|p| p.pass == "window" && p.solves > 0));
        if new.0 > old.0 + 1e-3 {
            return;
        }
        seen.push(format!("seed {seed}: {old:?} → {new:?}"));
    }
    panic!("window solves lifted no pool: {}", seen.join("; "));
}
