//! The simultaneous model of a blueprint (every form in one 0-1 MILP, the model of
//! `--strategy simultaneous`) written as a free-format MPS file, so that any MILP solver can check
//! how far the default assembly is from the optimum (`bench_assembly --write-mps`, then
//! `scripts/assembly-optimum.py`; docs/benchmarks.md). Pure: a string out.

use std::collections::HashMap;
use std::fmt::Write as _;

use good_lp::{IntoAffineExpression, Variable};
use khaothi_domain::Item;

use crate::blueprint::{Blueprint, Objective};
use crate::error::AssemblyError;
use crate::model::{Built, Goal, Request, Rules, build};
use crate::options::AssemblyOptions;
use crate::pool::Pool;

/// The simultaneous model of `bp` over `items` as free MPS. Maximin only (the objective row is
/// −y, minimised: the optimum is minus the file's objective). The units are the ones the
/// assembly sees after the exact dominance reduction, so the file's optimum is the blueprint's.
pub fn simultaneous_mps(
    bp: &Blueprint,
    items: &[Item],
    opts: &AssemblyOptions,
) -> Result<String, AssemblyError> {
    let maximin = bp.information.as_ref().is_some_and(|i| i.objective == Objective::Maximin);
    let Some(ceiling) = bp.information.as_ref().map(|i| i.ceiling).filter(|_| maximin) else {
        return Err(AssemblyError::InvalidRequest(
            "the MPS export needs a maximin information objective".into(),
        ));
    };
    let pool = Pool::new(bp, items, opts.allow_unapproved);
    let cand = pool.candidates(bp, bp.forms);
    let rules = Rules::all(bp, pool.cells.len());
    let built = build(&Request {
        bp,
        pool: &pool,
        candidates: &cand,
        forms: bp.forms as usize,
        fixed: &[],
        required: &[],
        keep: &[],
        start: &[],
        goal: Goal::Maximin { enough: None, cap: None, low: None, shape: None, ceiling },
        pair_count_rows: false,
        rules: &rules,
        solver: opts.solver,
        time_limit: opts.time_limit,
        gap: opts.gap,
    });
    Ok(write(&built))
}

/// Number formatting that round-trips an `f64`.
fn num(x: f64) -> String {
    format!("{x:?}")
}

fn write(built: &Built) -> String {
    let column: HashMap<Variable, usize> =
        built.vars.iter_variables_with_def().enumerate().map(|(k, (v, _))| (v, k)).collect();
    // column-major entries: (row name, coefficient); the objective row is "obj" (−objective)
    let mut entries: Vec<Vec<(String, f64)>> = vec![Vec::new(); column.len()];
    let sign = if built.maximise { -1.0 } else { 1.0 };
    for (v, a) in built.objective.clone().linear_coefficients() {
        entries[column[&v]].push(("obj".into(), sign * a));
    }
    let mut rows = String::new();
    let mut rhs = String::new();
    for (r, c) in built.constraints.iter().enumerate() {
        let name = format!("r{r}");
        let kind = if c.is_equality() { 'E' } else { 'L' };
        let _ = writeln!(rows, " {kind} {name}");
        // normalised: Σ a·x + constant ≤ 0 (or = 0)
        let e = c.expression();
        for (v, a) in e.clone().linear_coefficients() {
            if a != 0.0 {
                entries[column[&v]].push((name.clone(), a));
            }
        }
        let b = -e.constant();
        if b != 0.0 {
            let _ = writeln!(rhs, "    rhs {name} {}", num(b));
        }
    }
    let mut out = String::from("NAME khaothi-simultaneous\nROWS\n N obj\n");
    out.push_str(&rows);
    out.push_str("COLUMNS\n");
    let mut bounds = String::new();
    for (v, def) in built.vars.iter_variables_with_def() {
        let k = column[&v];
        let name = format!("c{k}");
        if entries[k].is_empty() {
            let _ = writeln!(out, "    {name} obj 0");
        }
        for (row, a) in &entries[k] {
            let _ = writeln!(out, "    {name} {row} {}", num(*a));
        }
        let (lo, hi) = (def.get_min(), def.get_max());
        if def.is_integer() && lo == 0.0 && hi == 1.0 {
            let _ = writeln!(bounds, " BV bnd {name}");
        } else if hi <= lo {
            let _ = writeln!(bounds, " FX bnd {name} {}", num(lo));
        } else {
            match lo.is_finite() {
                true => {
                    let _ = writeln!(bounds, " LO bnd {name} {}", num(lo));
                }
                false => {
                    let _ = writeln!(bounds, " MI bnd {name}");
                }
            }
            if hi.is_finite() {
                let _ = writeln!(bounds, " UP bnd {name} {}", num(hi));
            }
        }
    }
    out.push_str("RHS\n");
    out.push_str(&rhs);
    out.push_str("BOUNDS\n");
    out.push_str(&bounds);
    out.push_str("ENDATA\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{SimOptions, simulated_pool};

    /// The file names every column of the model once per row it is in, declares the binaries and
    /// ends properly; a non-maximin blueprint is refused.
    #[test]
    fn writes_the_simultaneous_model() {
        let yaml = r#"name: t
subject: toan
duration_minutes: 45
forms: 2
versions: 1
max_overlap: 0.2
sections:
  - { kind: single_choice, count: 6, points: 0.5 }
  - { kind: short_answer,  count: 2, points: 1.0 }
matrix:
  - { topic: "12.1", biet: 2 }
information: { objective: maximin, thetas: [-1.0, 0.0, 1.0] }
"#;
        let bp = Blueprint::from_yaml(yaml).expect("blueprint");
        let items = simulated_pool(&SimOptions { items: 120, seed: 3, ..SimOptions::default() });
        let mps = simultaneous_mps(&bp, &items, &AssemblyOptions::default()).expect("mps");
        assert!(mps.starts_with("NAME ") && mps.ends_with("ENDATA\n"));
        let pool = Pool::new(&bp, &items, false);
        let units = pool.candidates(&bp, 2).len();
        // y, x[2][units], z[units]
        assert_eq!(mps.lines().filter(|l| l.starts_with(" BV ")).count(), 2 * units);
        assert!(mps.contains("    c0 obj -1.0\n"), "the objective is −y");
        let rows = mps.lines().filter(|l| l.starts_with(" L ") || l.starts_with(" E ")).count();
        // per form: 2 sections, 1 cell, 3 information rows; z rows per unit and the overlap row
        assert_eq!(rows, 2 * (2 + 1 + 3) + units + 1);
        let target =
            Blueprint::from_yaml(&yaml.replace("maximin,", "target, target: [5, 5, 5],")).expect("bp");
        assert!(simultaneous_mps(&target, &items, &AssemblyOptions::default()).is_err());
    }
}
