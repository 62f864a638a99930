//! Levelling on small pools, under every rule the moves check: the kept forms pass the
//! independent checker, the smallest information falls by at most the slack, the spread narrows
//! by at least [`TRADE`] × what fell — and from plain sequential forms (far apart) the pass
//! narrows the spread, so a pass that does nothing fails.

use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::{SLACK, TRADE, worth};
use crate::AssemblyOptions;
use crate::improve::Improver;
use crate::pair::tests::{EVERY_RULE, REDUCIBLE, blueprint, items, try_forms_as_units, violations};
use crate::pool::Pool;
use crate::pool::{smallest_of, spread_of};
use crate::run::Run;

/// (smallest, spread) before and after one levelling pass over the sequential forms (plain with
/// `balance` off), after checking every promise; `None` when the pool cannot hold the forms.
fn level_and_check(yaml: &str, forms: u32, n: usize, seed: u64, balance: bool) -> Option<[(f64, f64); 2]> {
    let bp = blueprint(yaml, forms);
    let items = items(n, seed);
    let pool = Pool::new(&bp, &items, false);
    let cand = pool.candidates(&bp, bp.forms);
    let before = try_forms_as_units(&bp, &items, &pool, balance)?;
    let opts = AssemblyOptions { time_limit: 60.0, gap: 0.01, ..Default::default() };
    let started = Instant::now();
    let clock = move || started.elapsed();
    let mut run = Run::new(&bp, &pool, &cand, &opts, &clock, Duration::ZERO, vec![]);
    let after = run.levelling(before.clone(), 20.0);
    assert_eq!(violations(&bp, &items, &pool, &after), vec![], "seed {seed}, {forms} forms");
    let old = (smallest_of(run.pool, &before), spread_of(run.pool, &before));
    let new = (smallest_of(run.pool, &after), spread_of(run.pool, &after));
    assert!(new.0 >= old.0 * (1.0 - SLACK * opts.gap) - 1e-9, "fell beyond the slack: {old:?} → {new:?}");
    assert!(after == before || worth(old.0, old.1, new.0, new.1), "not worth it: {old:?} → {new:?}");
    assert!(old.1 - new.1 >= TRADE * (old.0 - new.0) - 1e-9, "{old:?} → {new:?}");
    Some([old, new])
}

#[test]
fn levelling_narrows_plain_forms_and_keeps_every_rule() {
    for yaml in [EVERY_RULE, REDUCIBLE] {
        let [old, new] = level_and_check(yaml, 3, 260, 23, false).expect("the pool holds the forms");
        assert!(new.1 < old.1 - 0.1, "spread {old:?} → {new:?}: levelling did nothing");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    /// Over random pools, 2–4 forms, plain or balanced: every promise holds. Pools that cannot
    /// hold the forms are not cases.
    #[test]
    fn levelling_never_breaks_a_rule_nor_trades_badly(
        seed in 0u64..1_000, forms in 2u32..=4, every_rule in proptest::bool::ANY, balance in proptest::bool::ANY,
    ) {
        let outcome = level_and_check(if every_rule { EVERY_RULE } else { REDUCIBLE }, forms, 280, seed, balance);
        prop_assume!(outcome.is_some());
    }
}

/// Many short forms of one section, like the benchmark's 24 forms in small.
const MANY: &str = r#"name: "Kiểm tra"
subject: toan
duration_minutes: 45
forms: 6
versions: 1
max_overlap: 0.2
sections:
  - { kind: single_choice, count: 20, points: 0.5 }
information:
  objective: maximin
  thetas: [-1.0, 0.0, 1.0]
"#;

/// Where evening (the same moves without a floor to spend) has stopped, the narrowing move
/// with `floor_min` below the smallest information finds moves again, keeps every rule and
/// stays above `floor_min`: the slack is what moves the forms, not more time.
#[test]
fn a_floor_to_spend_moves_the_forms_where_evening_stopped() {
    let mut moved = vec![];
    for seed in 1..=8 {
        let bp = crate::Blueprint::from_yaml(MANY).expect("blueprint");
        let items =
            crate::sim::simulated_pool(&crate::sim::SimOptions { items: 500, seed, ..Default::default() });
        let pool = Pool::new(&bp, &items, false);
        let cand = pool.candidates(&bp, bp.forms);
        let Some(forms) = try_forms_as_units(&bp, &items, &pool, false) else { continue };
        let opts = AssemblyOptions { time_limit: 60.0, gap: 0.01, ..Default::default() };
        let clock = || Duration::ZERO;
        let mut run = Run::new(&bp, &pool, &cand, &opts, &clock, Duration::ZERO, vec![]);
        let evened = run.even_out(forms, 1.0);
        let rules = run.rules.clone();
        let mut strict = Improver::new(&pool, &bp, &rules, &cand, evened.clone());
        assert!(!strict.narrow(), "evening stopped with a narrowing move left");
        let mut imp = Improver::new(&pool, &bp, &rules, &cand, evened.clone());
        let least = 0.97 * smallest_of(run.pool, &evened);
        imp.floor_min = Some(least);
        let mut moves = 0;
        while moves < 50 && (imp.narrow() || imp.raise_floor_within(true)) {
            moves += 1;
        }
        assert_eq!(violations(&bp, &items, &pool, &imp.forms), vec![], "seed {seed}");
        assert!(smallest_of(run.pool, &imp.forms) >= least - 1e-9, "below floor_min");
        let (old, new) = (spread_of(run.pool, &evened), spread_of(run.pool, &imp.forms));
        assert!(new <= old + 1e-9, "widened: {old} → {new}");
        eprintln!("seed {seed}: {moves} moves, spread {old} → {new}");
        moved.push(new < old - 1e-6);
    }
    assert!(moved.iter().any(|m| *m), "no narrowing with a floor to spend: {moved:?}");
}
