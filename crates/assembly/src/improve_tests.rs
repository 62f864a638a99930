//! Local improvement on sequentially assembled forms under every rule the moves check (sections,
//! matrix cells, statements, enemies, `mean_b`, exposure with earlier uses, overlap, the
//! ceiling): after every move — single swaps and exchanges — the independent checker
//! finds nothing, the smallest information never falls, and the spread phases only narrow.

use std::collections::HashMap;
use std::time::Instant;

use proptest::prelude::*;

use super::Improver;
use crate::blueprint::Blueprint;
use crate::model::Rules;
use crate::pool::Pool;
use crate::sim::{SimOptions, simulated_pool};
use crate::{AssemblyError, AssemblyOptions, Violation, assemble, check_forms};

const BLUEPRINT: &str = r#"name: "Kiểm tra – Toán 12"
subject: toan
duration_minutes: 45
forms: 3
versions: 1
max_overlap: 0.2
sections:
  - { kind: single_choice,    count: 6, points: 0.5 }
  - { kind: true_false_group, count: 2, points: 1.0 }
  - { kind: short_answer,     count: 3, points: 1.0 }
matrix:
  - { topic: "12.1", biet: 2, hieu: 1 }
  - { topic: "12.2", van_dung: { min: 1, max: 2 } }
  - { topic: "12", kind: true_false_group, unit: statements, biet: 2, van_dung: { max: 3 } }
information:
  objective: maximin
  thetas: [-1.0, 0.0, 1.0]
  ceiling: 1.0
difficulty: { item_b: { min: -2.5, max: 2.5 }, mean_b: { min: -0.3, max: 0.4 } }
exposure: { max_uses: 2 }
"#;

/// Plain sequential forms of `bp` from `items` (the starting point the moves improve on), as
/// units of the pool, handed to `run` with the improver over them and a checker of the forms.
/// Returns false (and runs nothing) when the pool cannot hold the forms (a random pool whose
/// earlier uses leave too few items of a cell: the diagnosis says so).
fn with_improver(
    bp: &Blueprint,
    items: &[khaothi_domain::Item],
    run: impl FnOnce(&mut Improver, &dyn Fn(&Improver) -> Vec<Violation>),
) -> bool {
    let opts =
        AssemblyOptions { balance: false, improve: false, time_limit: 30.0, gap: 0.02, ..Default::default() };
    let started = Instant::now();
    let r = match assemble(bp, items, &opts, &move || started.elapsed()) {
        Ok(r) => r,
        Err(AssemblyError::Infeasible(_)) => return false,
        Err(e) => panic!("assembles: {e}"),
    };
    let pool = Pool::new(bp, items, false);
    let cand = pool.candidates(bp, bp.forms);
    let unit_of: HashMap<&str, usize> = pool
        .units
        .iter()
        .enumerate()
        .flat_map(|(u, unit)| unit.items.iter().map(move |&k| (k, u)))
        .map(|(k, u)| (pool.items[k].id.as_str(), u))
        .collect();
    let forms: Vec<Vec<usize>> = r
        .forms
        .iter()
        .map(|f| {
            let mut units: Vec<usize> = f.items.iter().map(|id| unit_of[id.as_str()]).collect();
            units.sort_unstable();
            units.dedup();
            units
        })
        .collect();
    let rules = Rules::all(bp, pool.cells.len());
    let mut imp = Improver::new(&pool, bp, &rules, &cand, forms);
    let violations = |imp: &Improver| -> Vec<Violation> {
        let forms: Vec<_> = imp
            .forms
            .iter()
            .enumerate()
            .map(|(k, u)| crate::assemble::to_form(bp, &pool, u, k as u32 + 1))
            .collect();
        check_forms(bp, items, &forms)
    };
    assert_eq!(violations(&imp), vec![]);
    run(&mut imp, &violations);
    true
}

/// Runs `step` to exhaustion; after each move every rule holds and the smallest information has
/// not fallen (with `narrows`, the spread fell). Returns the number of moves.
fn exhaust<'a, 'p>(
    imp: &mut Improver<'a, 'p>,
    violations: &dyn Fn(&Improver) -> Vec<Violation>,
    step: impl Fn(&mut Improver<'a, 'p>) -> bool,
    narrows: bool,
    what: &str,
) -> usize {
    let mut moves = 0;
    let (mut floor, mut spread) = (imp.smallest(), imp.spread());
    while step(imp) {
        moves += 1;
        assert!(imp.smallest() >= floor - 1e-9, "{what} move {moves} lowered the floor");
        if narrows {
            assert!(imp.spread() < spread - 1e-12, "{what} move {moves} did not narrow");
        }
        assert_eq!(violations(imp), vec![], "after {what} move {moves}");
        (floor, spread) = (imp.smallest(), imp.spread());
        assert!(moves < 5_000, "{what} does not end");
    }
    moves
}

#[test]
fn moves_keep_every_rule_and_never_lower_the_forms() {
    let bp = Blueprint::from_yaml(BLUEPRINT).expect("blueprint");
    let mut items = simulated_pool(&SimOptions { items: 260, seed: 23, ..SimOptions::default() });
    for (k, i) in items.iter_mut().enumerate() {
        i.uses = (k % 3) as u32;
    }
    let ran = with_improver(&bp, &items, |imp, violations| {
        let start = imp.smallest();
        let raised = exhaust(imp, violations, |i| i.raise_floor(), false, "floor");
        assert!(raised > 0 && imp.smallest() > start + 1e-6, "plain sequential forms leave room");
        exhaust(imp, violations, |i| i.narrow(), true, "narrowing");
    });
    assert!(ran, "the pool holds the forms");
}

/// The phases as the assembly alternates them, on the same blueprint over several pools and
/// form counts: the forms always pass every rule, and the smallest information never falls.
fn alternate<'a, 'p>(imp: &mut Improver<'a, 'p>, violations: &dyn Fn(&Improver) -> Vec<Violation>) -> usize {
    let mut total = 0;
    loop {
        let floor = |imp: &mut Improver<'a, 'p>| imp.raise_floor();
        let narrow = |imp: &mut Improver<'a, 'p>| imp.narrow();
        let moves = exhaust(imp, violations, floor, false, "floor")
            + exhaust(imp, violations, narrow, true, "narrow");
        total += moves;
        if moves == 0 {
            return total;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]
    #[test]
    fn alternated_moves_keep_every_rule(seed in 0u64..1_000, forms in 2u32..=4, used in 0u32..3) {
        let bp = Blueprint::from_yaml(&BLUEPRINT.replace("forms: 3", &format!("forms: {forms}")))
            .expect("blueprint");
        let mut items = simulated_pool(&SimOptions { items: 300, seed, ..SimOptions::default() });
        for (k, i) in items.iter_mut().enumerate() {
            i.uses = (k as u32 + used) % 3;
        }
        let ran = with_improver(&bp, &items, |imp, violations| {
            let start = imp.smallest();
            alternate(imp, violations);
            assert!(imp.smallest() >= start - 1e-9);
        });
        // a pool whose earlier uses leave a cell short is another test's matter (diagnosis)
        prop_assume!(ran);
    }
}

/// Evening (phase 3) as the last pass runs it: narrowing, then evening moves, while either moves.
/// After every move every rule holds, the smallest information has not fallen and the spread has
/// not grown. Returns the spread when the first two phases were exhausted, and after evening.
fn even_after_alternate(forms: u32, seed: u64) -> (f64, f64) {
    let bp =
        Blueprint::from_yaml(&BLUEPRINT.replace("forms: 3", &format!("forms: {forms}"))).expect("blueprint");
    let mut items = simulated_pool(&SimOptions { items: 300, seed, ..SimOptions::default() });
    for (k, i) in items.iter_mut().enumerate() {
        i.uses = (k % 3) as u32;
    }
    let mut spreads = (0.0, 0.0);
    let ran = with_improver(&bp, &items, |imp, violations| {
        alternate(imp, violations);
        spreads.0 = imp.spread();
        loop {
            exhaust(imp, violations, |i| i.narrow(), true, "narrow");
            let evened = exhaust(imp, violations, |i| i.even(), false, "even");
            assert!(imp.spread() <= spreads.0 + 1e-9, "evening widened the spread");
            if evened == 0 {
                break;
            }
        }
        spreads.1 = imp.spread();
    });
    assert!(ran, "seed {seed}: the pool holds the forms");
    spreads
}

#[test]
fn evening_narrows_where_narrowing_alone_stops() {
    // narrowing alone stops where several forms hold the spread; evening the forms out lets it go
    // on. Phases 1 and 2 were exhausted first, so without evening the pool would not narrow any
    // further. Which pools gain depends on the forms the solver built first (HiGHS, the
    // all-features default: 4 forms seed 6 0.375 → 0.157, 5 forms seed 3 0.831 → 0.538; microlp
    // builds others), so the first pool of the list where evening narrows by more than 0.1 counts;
    // most pools of this blueprint gain nothing, and evening never widened one (asserted inside).
    let cases = [(4, 6), (5, 3)].into_iter().chain((0..24).map(|seed| (4, seed)));
    let mut seen = Vec::new();
    for (forms, seed) in cases {
        let (stuck, evened) = even_after_alternate(forms, seed);
        if evened < stuck - 0.1 {
            return;
        }
        seen.push(format!("{forms} forms, seed {seed}: {stuck:.3} → {evened:.3}"));
    }
    panic!("evening narrowed no pool by more than 0.1: {}", seen.join("; "));
}
