//! Local improvement on sequentially assembled forms under every rule the moves check (sections,
//! matrix cells, statements, enemies, `mean_b`, exposure with earlier uses, overlap, the
//! ceiling): after every move the independent checker finds nothing, the smallest information
//! never falls, and the spread pass only narrows.

use std::collections::HashMap;
use std::time::Instant;

use super::Improver;
use crate::blueprint::Blueprint;
use crate::model::Rules;
use crate::pool::Pool;
use crate::sim::{SimOptions, simulated_pool};
use crate::{AssemblyOptions, Violation, assemble, check_forms};

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

#[test]
fn moves_keep_every_rule_and_never_lower_the_forms() {
    let bp = Blueprint::from_yaml(BLUEPRINT).expect("blueprint");
    let mut items = simulated_pool(&SimOptions { items: 260, seed: 23, ..SimOptions::default() });
    for (k, i) in items.iter_mut().enumerate() {
        i.uses = (k % 3) as u32;
    }
    // plain sequential forms: the starting point the moves improve on
    let opts =
        AssemblyOptions { balance: false, improve: false, time_limit: 30.0, gap: 0.02, ..Default::default() };
    let started = Instant::now();
    let r = assemble(&bp, &items, &opts, &move || started.elapsed()).expect("assembles");
    let pool = Pool::new(&bp, &items, false);
    let cand = pool.candidates(&bp, bp.forms);
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
    let rules = Rules::all(&bp, pool.cells.len());
    let mut imp = Improver::new(&pool, &bp, &rules, &cand, forms);
    let violations = |imp: &Improver| -> Vec<Violation> {
        let forms: Vec<_> = imp
            .forms
            .iter()
            .enumerate()
            .map(|(k, u)| crate::assemble::to_form(&bp, &pool, u, k as u32 + 1))
            .collect();
        check_forms(&bp, &items, &forms)
    };
    assert_eq!(violations(&imp), vec![]);
    let start = imp.smallest();
    let (mut floor, mut raised) = (start, 0);
    while imp.raise_floor() {
        raised += 1;
        assert!(imp.smallest() >= floor - 1e-9, "move {raised} lowered the floor");
        floor = imp.smallest();
        assert_eq!(violations(&imp), vec![], "after move {raised}");
    }
    assert!(raised > 0 && floor > start + 1e-6, "plain sequential forms leave room: {start} → {floor}");
    let mut spread = imp.spread();
    let mut narrowed = 0;
    while imp.narrow() {
        narrowed += 1;
        assert!(imp.spread() < spread, "move {narrowed} did not narrow");
        assert!(imp.smallest() >= floor - 1e-9, "narrowing lowered the floor");
        spread = imp.spread();
        assert_eq!(violations(&imp), vec![], "after narrowing move {narrowed}");
    }
}
