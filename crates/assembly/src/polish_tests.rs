//! Polishing on small pools under every rule the model holds: from plain sequential forms (the
//! first far above the last) HiGHS's simultaneous solve started from them lifts the smallest
//! information, and the forms pass the independent checker; with microlp nothing changes.

use std::time::{Duration, Instant};

use crate::model::SolverChoice;
use crate::pair::tests::{EVERY_RULE, REDUCIBLE, blueprint, items, try_forms_as_units};
use crate::pool::{Pool, floor_of};
use crate::run::Run;
use crate::{AssemblyOptions, check_forms};

/// (smallest information before, after) one polishing of the plain sequential forms with
/// `solver`, after checking the forms; `None` when the pool cannot hold them.
fn polish_and_check(yaml: &str, forms: u32, seed: u64, solver: SolverChoice) -> Option<(f64, f64)> {
    let bp = blueprint(yaml, forms);
    let items = items(260, seed);
    let pool = Pool::new(&bp, &items, false);
    let cand = pool.candidates(&bp, bp.forms);
    let before = try_forms_as_units(&bp, &items, &pool, false)?;
    let opts = AssemblyOptions { solver, time_limit: 60.0, gap: 0.01, ..Default::default() };
    let started = Instant::now();
    let clock = move || started.elapsed();
    let mut run = Run::new(&bp, &pool, &cand, &opts, &clock, Duration::ZERO, vec![]);
    let after = run.polishing(before.clone(), 10.0, 0.002).expect("solves");
    let as_forms = |units: &[Vec<usize>]| -> Vec<_> {
        units.iter().enumerate().map(|(k, u)| crate::assemble::to_form(&bp, &pool, u, k as u32 + 1)).collect()
    };
    assert_eq!(check_forms(&bp, &items, &as_forms(&after)), vec![], "seed {seed}, {forms} forms");
    let smallest = |f: &[Vec<usize>]| f.iter().map(|u| floor_of(&pool, u)).fold(f64::INFINITY, f64::min);
    assert!(smallest(&after) >= smallest(&before) - 1e-9, "lowered the smallest information");
    Some((smallest(&before), smallest(&after)))
}

#[cfg(feature = "highs")]
#[test]
fn polishing_lifts_plain_forms_and_keeps_every_rule() {
    for yaml in [EVERY_RULE, REDUCIBLE] {
        let (old, new) =
            polish_and_check(yaml, 3, 23, SolverChoice::Highs).expect("the pool holds the forms");
        assert!(new > old + 0.05, "smallest information {old} → {new}: polishing did nothing");
    }
}

#[test]
fn polishing_needs_highs() {
    let (old, new) =
        polish_and_check(REDUCIBLE, 3, 23, SolverChoice::Microlp).expect("the pool holds the forms");
    assert_eq!(old, new);
}
