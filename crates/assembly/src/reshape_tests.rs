//! Reshaping on small pools, under every rule the model holds (sections, matrix cells,
//! statements, enemies, `mean_b`, exposure with earlier uses, overlap, the ceiling) and without
//! `mean_b`: reshaped forms pass the independent checker, keep the ceiling, never lower the
//! smallest information and never widen the spread — and from plain sequential forms (far apart)
//! the pass narrows the spread, so a pass that does nothing fails.

use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::{infos_of, spread_of};
use crate::AssemblyOptions;
use crate::pair::tests::{EVERY_RULE, REDUCIBLE, blueprint, items, try_forms_as_units, violations};
use crate::pool::{Pool, smallest_of};
use crate::run::Run;

/// Spread before and after one reshaping pass of the sequential forms (plain with `balance`
/// off), after checking every promise; `None` when the pool cannot hold the forms.
fn reshape_and_check(yaml: &str, forms: u32, n: usize, seed: u64, balance: bool) -> Option<(f64, f64)> {
    let bp = blueprint(yaml, forms);
    let items = items(n, seed);
    let pool = Pool::new(&bp, &items, false);
    let cand = pool.candidates(&bp, bp.forms);
    let before = try_forms_as_units(&bp, &items, &pool, balance)?;
    let opts = AssemblyOptions { time_limit: 60.0, gap: 0.01, ..Default::default() };
    let started = Instant::now();
    let clock = move || started.elapsed();
    let mut run = Run::new(&bp, &pool, &cand, &opts, &clock, Duration::ZERO, vec![]);
    // the pass runs after fine lifting: the run's own solver (HiGHS with `--all-features`)
    run.fine = true;
    run.reshaping = true;
    let (after, _) = run.reshape(before.clone(), 10.0, 0.0).expect("solves");
    assert_eq!(violations(&bp, &items, &pool, &after), vec![], "seed {seed}, {forms} forms");
    assert!(
        smallest_of(&pool, &after) >= smallest_of(&pool, &before) - 1e-9,
        "lowered the smallest information"
    );
    let (old, new) = (spread_of(&infos_of(&pool, &before)), spread_of(&infos_of(&pool, &after)));
    assert!(new <= old + 1e-9, "widened the spread: {old} → {new}");
    if let Some(delta) = bp.information.as_ref().and_then(|i| i.ceiling) {
        for (k, info) in infos_of(&pool, &after).iter().enumerate() {
            let (lo, hi) = info.iter().fold((f64::INFINITY, 0.0f64), |(l, h), x| (l.min(*x), h.max(*x)));
            let was = &infos_of(&pool, &before)[k];
            let was_ratio =
                was.iter().cloned().fold(0.0, f64::max) / was.iter().cloned().fold(f64::INFINITY, f64::min);
            assert!(hi <= (1.0 + delta).max(was_ratio) * lo + 1e-9, "form {k} beyond the ceiling");
        }
    }
    Some((old, new))
}

#[test]
fn reshaping_narrows_plain_forms_and_keeps_every_rule() {
    // plain sequential forms: the first form is far above the last, so the spread must narrow
    for yaml in [EVERY_RULE, REDUCIBLE] {
        let (old, new) = reshape_and_check(yaml, 3, 260, 23, false).expect("the pool holds the forms");
        assert!(new < old - 0.1, "spread {old} → {new}: reshaping did nothing");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]
    /// Over random pools, 2–4 forms, plain or balanced: every promise holds. Pools that cannot
    /// hold the forms (exposure leaves a cell short) are not cases.
    #[test]
    fn reshaping_never_breaks_a_rule_nor_widens_nor_lowers(
        seed in 0u64..1_000, forms in 2u32..=4, every_rule in proptest::bool::ANY, balance in proptest::bool::ANY,
    ) {
        let outcome = reshape_and_check(if every_rule { EVERY_RULE } else { REDUCIBLE }, forms, 280, seed, balance);
        prop_assume!(outcome.is_some());
    }
}
