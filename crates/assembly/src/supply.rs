//! The blueprint as a grid the board reads before assembling: for each matrix cell (row × level,
//! and the row's total) and each section, what one form asks for, what N forms need in distinct
//! items under the overlap rule, and what the bank holds that the assembler may use.
//!
//! "Needed" and "supply" are the diagnosis's own numbers (module `diagnose`): the same eligibility
//! (approved, the blueprint's subject, a section for the kind, calibrated when the blueprint has an
//! information objective, within `difficulty.item_b` and `exposure.max_uses`; a stimulus group is
//! one unit) and the same distinct-unit count, so a cell marked short here is one the assembler
//! will report as short.
//!
//! States, by how much the supply exceeds the need: `short` below it (assembly cannot succeed),
//! `tight` from the need up to [`TIGHT_MARGIN`] × the need (assembly may succeed but has little
//! room to balance information or to honour enemies), `ok` above.

use khaothi_domain::{Item, ItemKind, Level};
use serde::Serialize;

use crate::blueprint::Blueprint;
use crate::diagnose::distinct_needed;
use crate::pool::Pool;

/// Supply below this multiple of the need is `tight`: less than half as much again to choose from.
pub const TIGHT_MARGIN: f64 = 1.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SupplyState {
    Ok,
    Tight,
    Short,
}

impl SupplyState {
    pub fn of(needed: f64, supply: f64) -> Self {
        if supply + 1e-9 < needed {
            Self::Short
        } else if needed > 0.0 && supply + 1e-9 < TIGHT_MARGIN * needed {
            Self::Tight
        } else {
            Self::Ok
        }
    }
}

/// One matrix cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellSupply {
    /// The matrix row (`matrix[i]`) and its YAML line.
    pub row: usize,
    pub line: Option<u64>,
    /// The item kind the row counts, when it names one (its section's kind).
    pub section: Option<ItemKind>,
    pub topic: String,
    /// `None`: the row's `total`.
    pub level: Option<Level>,
    /// What the row counts: items, statements or points.
    pub unit: &'static str,
    /// The least one form may hold, and the most (`None`: no upper limit).
    pub per_form: f64,
    pub per_form_max: Option<f64>,
    /// Distinct units N forms need, given that two forms share at most the overlap.
    pub needed: f64,
    /// What the eligible pool holds for the cell.
    pub supply: f64,
    pub state: SupplyState,
}

/// One section (item kind): items a form holds, distinct items N forms need, items eligible.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionSupply {
    pub section: usize,
    pub kind: ItemKind,
    pub name: Option<String>,
    pub per_form: u32,
    pub needed: f64,
    pub supply: f64,
    pub state: SupplyState,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupplyGrid {
    pub forms: u32,
    /// Most items two forms may share (⌊max_overlap × form length⌋).
    pub overlap_items: u32,
    pub eligible_items: usize,
    pub sections: Vec<SectionSupply>,
    pub cells: Vec<CellSupply>,
}

/// The grid of `bp` against the bank's current items `all` (any status: eligibility is decided
/// here, as the assembler decides it).
pub fn supply_grid(bp: &Blueprint, all: &[Item]) -> SupplyGrid {
    let pool = Pool::new(bp, all, false);
    let forms = bp.forms;
    let o = f64::from(bp.overlap_items());
    let sections = bp
        .sections
        .iter()
        .enumerate()
        .map(|(s, section)| {
            let supply = f64::from(pool.section_supply(s));
            let largest = pool.units.iter().map(|u| u.section_counts[s]).max().unwrap_or(1).max(1);
            let o_unit = o * f64::from(largest);
            let needed = distinct_needed(f64::from(section.count), forms, o_unit.min(o.max(o_unit)));
            SectionSupply {
                section: s,
                kind: section.kind,
                name: section.name.clone(),
                per_form: section.count,
                needed,
                supply,
                state: SupplyState::of(needed, supply),
            }
        })
        .collect();
    let cells = pool
        .cells
        .iter()
        .enumerate()
        .map(|(c, cell)| {
            let row = &bp.matrix[cell.row];
            let supply = pool.cell_supply(c);
            let max_coef = pool
                .units
                .iter()
                .flat_map(|u| &u.cells)
                .filter(|(cc, _)| *cc == c)
                .map(|(_, v)| *v)
                .fold(1.0, f64::max);
            let needed = if cell.bounds.min > 0.0 {
                distinct_needed(cell.bounds.min, forms, o * max_coef)
            } else {
                0.0
            };
            CellSupply {
                row: cell.row,
                line: row.line,
                section: row.kind,
                topic: row.topic.clone(),
                level: cell.level,
                unit: row.unit.as_str(),
                per_form: cell.bounds.min,
                per_form_max: cell.bounds.max,
                needed,
                supply,
                state: SupplyState::of(needed, supply),
            }
        })
        .collect();
    SupplyGrid { forms, overlap_items: bp.overlap_items(), eligible_items: pool.items.len(), sections, cells }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_the_documented_thresholds() {
        assert_eq!(SupplyState::of(10.0, 9.0), SupplyState::Short);
        assert_eq!(SupplyState::of(10.0, 10.0), SupplyState::Tight);
        assert_eq!(SupplyState::of(10.0, 14.0), SupplyState::Tight);
        assert_eq!(SupplyState::of(10.0, 15.0), SupplyState::Ok);
        assert_eq!(SupplyState::of(0.0, 0.0), SupplyState::Ok);
    }

    #[test]
    fn two_disjoint_forms_need_twice_a_cell_and_the_grid_counts_only_eligible_items() {
        let yaml = "name: t\nsubject: toan\nforms: 2\nmax_overlap: 0\nsections:\n  - {kind: single_choice, count: 2, points: 0.25}\nmatrix:\n  - topic: \"12.1\"\n    biet: 2\n";
        let bp = Blueprint::from_yaml(yaml).unwrap();
        let item = |id: &str, status: &str| -> Item {
            let rec = format!(
                r#"{{"id":"{id}","subject":"toan","grade":12,"topic":"12.1.1","level":"biet","kind":"single_choice","stem":"s","options":["a","b","c","d"],"key":"A","status":"{status}"}}"#
            );
            khaothi_domain::ItemRecord::from_json_line(&rec).unwrap().into_item().unwrap().0
        };
        let items =
            vec![item("A1", "approved"), item("A2", "approved"), item("A3", "approved"), item("D1", "draft")];
        let grid = supply_grid(&bp, &items);
        assert_eq!(grid.eligible_items, 3);
        let cell = &grid.cells[0];
        assert_eq!((cell.per_form, cell.needed, cell.supply), (2.0, 4.0, 3.0));
        assert_eq!(cell.state, SupplyState::Short);
        assert_eq!(grid.sections[0].needed, 4.0);
    }
}
