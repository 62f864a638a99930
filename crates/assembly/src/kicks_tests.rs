//! Kicks on small pools under every rule the moves check: every random move and every kept set
//! of forms passes the independent checker, no kick takes a changed form below the floor it was
//! given, the pass never lowers the smallest information nor widens the spread beyond what it
//! allows — and from forms where the local improvement has stopped it lifts the smallest
//! information, so a pass that does nothing fails.

use std::cell::Cell;
use std::time::Duration;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{DEPTH, HIGHS_KICK_SECONDS};
use crate::AssemblyOptions;
use crate::improve::Improver;
use crate::pair::tests::{EVERY_RULE, REDUCIBLE, blueprint, items, try_forms_as_units, violations};
use crate::pool::{Pool, floor_of};
use crate::pool::{smallest_of, spread_of};
use crate::run::Run;
use crate::sequential::Forms;

/// The forms as the local improvement leaves them: floor moves and narrowing while either moves.
fn climbed(imp: &mut Improver) {
    while imp.raise_floor() || imp.narrow() {}
}

/// (smallest, spread) of balanced forms after the local improvement, and after kicks on a clock
/// that advances 1 ms per reading (so the pass makes a fixed number of kicks: reproducible), once
/// every promise is checked; `None` when the pool cannot hold the forms.
fn kick_and_check(yaml: &str, forms: u32, n: usize, seed: u64) -> Option<[(f64, f64); 2]> {
    let bp = blueprint(yaml, forms);
    let items = items(n, seed);
    let pool = Pool::new(&bp, &items, false);
    let cand = pool.candidates(&bp, bp.forms);
    let balanced = try_forms_as_units(&bp, &items, &pool, true)?;
    let opts = AssemblyOptions { time_limit: 60.0, gap: 0.01, ..Default::default() };
    let rules = crate::model::Rules::all(&bp, pool.cells.len());
    let mut imp = Improver::new(&pool, &bp, &rules, &cand, balanced);
    climbed(&mut imp);
    let before: Forms = imp.forms;
    let ticks = Cell::new(0u64);
    let clock = || {
        ticks.set(ticks.get() + 1);
        Duration::from_millis(ticks.get())
    };
    let mut run = Run::new(&bp, &pool, &cand, &opts, &clock, Duration::ZERO, vec![]);
    let after = run.kicks(before.clone(), 3.0);
    assert_eq!(violations(&bp, &items, &pool, &after), vec![], "seed {seed}, {forms} forms");
    let old = (smallest_of(run.pool, &before), spread_of(run.pool, &before));
    let new = (smallest_of(run.pool, &after), spread_of(run.pool, &after));
    assert!(new.0 >= old.0 - 1e-9, "the smallest information fell: {old:?} → {new:?}");
    assert!(new.1 <= old.1.max(opts.gap * new.0) + 1e-9, "the spread widened: {old:?} → {new:?}");
    assert!(after == before || new.0 > old.0 + 1e-6, "new forms without a higher floor");
    assert_eq!(run.passes.last().map(|p| p.pass.as_str()), Some("kicks"));
    Some([old, new])
}

#[test]
fn kicks_lift_forms_the_local_improvement_left_and_keep_every_rule() {
    // which pools leave room depends on the forms the solver built (HiGHS or microlp), so the
    // first pool of the list where kicks lift counts; every pool's promises are checked
    let mut seen = Vec::new();
    for (yaml, forms, seed) in
        (0..8).flat_map(|seed| [(EVERY_RULE, 3, seed), (REDUCIBLE, 4, seed), (REDUCIBLE, 3, seed)])
    {
        let Some([old, new]) = kick_and_check(yaml, forms, 300, seed) else { continue };
        if new.0 > old.0 + 1e-3 {
            return;
        }
        seen.push(format!("{forms} forms, seed {seed}: {old:?} → {new:?}"));
    }
    panic!("kicks lifted no pool: {}", seen.join("; "));
}

#[test]
fn every_kick_keeps_every_rule_and_the_floor_it_was_given() {
    for yaml in [EVERY_RULE, REDUCIBLE] {
        let bp = blueprint(yaml, 3);
        let items = items(260, 23);
        let pool = Pool::new(&bp, &items, false);
        let cand = pool.candidates(&bp, bp.forms);
        let forms = try_forms_as_units(&bp, &items, &pool, false).expect("the pool holds the forms");
        let rules = crate::model::Rules::all(&bp, pool.cells.len());
        let mut imp = Improver::new(&pool, &bp, &rules, &cand, forms);
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut made = 0;
        for _ in 0..300 {
            let low = imp.smallest() * (1.0 - DEPTH);
            let before = imp.forms.clone();
            if !imp.kick(&mut rng, low) {
                continue;
            }
            made += 1;
            let changed: Vec<usize> = (0..before.len()).filter(|&f| before[f] != imp.forms[f]).collect();
            assert!(!changed.is_empty() && changed.len() <= 2, "one swap or exchange");
            for f in changed {
                assert!(floor_of(&pool, &imp.forms[f]) >= low - 1e-9, "form {f} fell below {low}");
            }
            assert_eq!(violations(&bp, &items, &pool, &imp.forms), vec![], "after kick {made}");
        }
        assert!(made > 100, "kicks found moves: {made}");
    }
}

/// Kicks take half of what fine lifting left; on HiGHS at least [`HIGHS_KICK_SECONDS`] from the
/// clock now (within the run's limit); with the user's own time limit none.
#[test]
fn kicks_get_seconds_of_their_own_only_on_highs_without_a_time_limit() {
    use crate::model::SolverChoice;
    let bp = blueprint(REDUCIBLE, 3);
    let items = items(120, 3);
    let pool = Pool::new(&bp, &items, false);
    let cand = pool.candidates(&bp, bp.forms);
    let clock = || Duration::from_secs(10);
    let end_with = |opts: AssemblyOptions, end: f64| {
        Run::new(&bp, &pool, &cand, &opts, &clock, Duration::ZERO, vec![]).kick_end(end)
    };
    let highs = AssemblyOptions { solver: SolverChoice::Highs, ..AssemblyOptions::default() };
    assert_eq!(end_with(highs.clone(), 11.0), 10.0 + HIGHS_KICK_SECONDS);
    assert_eq!(end_with(highs.clone(), 20.0), 15.0, "half of what fine lifting left");
    assert_eq!(end_with(AssemblyOptions { time_limit: 12.0, ..highs.clone() }, 11.0), 12.0);
    assert_eq!(end_with(AssemblyOptions { whole_budget: true, ..highs }, 30.0), 10.0);
    let microlp = AssemblyOptions { solver: SolverChoice::Microlp, ..AssemblyOptions::default() };
    assert_eq!(end_with(microlp.clone(), 11.0), 10.5);
    assert_eq!(end_with(AssemblyOptions { whole_budget: true, ..microlp }, 11.0), 10.0);
}
