//! What the board reads about each form: counts per section and matrix cell, the test information
//! function (TIF) on θ = −3…3, the expected score curve, and how far apart the forms are.

use std::collections::HashMap;

use khaothi_domain::form::Form;
use khaothi_domain::{Item, ItemKind};
use serde::Serialize;

use crate::blueprint::{Blueprint, Bounds};
use crate::info::{ItemModel, model_of};
use crate::pool::{cell_coefficient, cells};

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ThetaValue {
    pub theta: f64,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellCount {
    /// Blueprint key of the cell, e.g. `matrix[0].van_dung`.
    pub rule: String,
    pub topic: String,
    pub bounds: Bounds,
    pub count: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormReport {
    /// Items per section, in blueprint order.
    pub sections: Vec<u32>,
    pub cells: Vec<CellCount>,
    pub points: f64,
    /// Information at the blueprint's θ points.
    pub information: Vec<ThetaValue>,
    /// TIF on θ = −3, −2.5, …, 3.
    pub tif: Vec<ThetaValue>,
    /// Expected score in points (THPT part II scoring for true/false groups) on the same grid.
    pub expected_score: Vec<ThetaValue>,
    /// Items without IRT parameters (they add nothing to the curves).
    pub uncalibrated: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssemblyReport {
    /// Smallest information over forms and the blueprint's θ points.
    pub smallest_information: f64,
    /// Largest difference between two forms' information at one of the blueprint's θ points.
    pub spread: f64,
    /// The same on the θ = −3…3 grid.
    pub spread_grid: f64,
    /// Most items shared by two forms.
    pub largest_overlap: usize,
}

/// The θ grid of the report.
pub fn grid() -> Vec<f64> {
    (0..=12).map(|k| -3.0 + 0.5 * f64::from(k)).collect()
}

/// THPT part II: 1, 2, 3, 4 statements right earn 0.1, 0.25, 0.5, 1 of the group's point.
const TRUE_FALSE_SHARE: [f64; 5] = [0.0, 0.1, 0.25, 0.5, 1.0];

/// Expected points of one item at θ (THPT part II scoring for a true/false group).
pub fn expected_points(model: &ItemModel, kind: ItemKind, points: f64, theta: f64) -> f64 {
    let probs = model.category_probabilities(theta);
    if kind == ItemKind::TrueFalseGroup && probs.len() == 5 {
        points * probs.iter().zip(TRUE_FALSE_SHARE).map(|(p, s)| p * s).sum::<f64>()
    } else {
        points * model.expected_score(theta) / model.max_score() as f64
    }
}

pub fn form_report(bp: &Blueprint, items: &[Item], form: &Form) -> FormReport {
    let by_id: HashMap<&str, &Item> = items.iter().map(|i| (i.id.as_str(), i)).collect();
    let on_form: Vec<&Item> = form.item_ids().filter_map(|id| by_id.get(id).copied()).collect();
    let mut sections = vec![0u32; bp.sections.len()];
    let mut points = 0.0;
    for item in &on_form {
        if let Some(s) = bp.section_of(item.kind()) {
            sections[s] += 1;
            points += bp.sections[s].points;
        }
    }
    let cell_counts = cells(bp)
        .iter()
        .map(|c| {
            let row = &bp.matrix[c.row];
            CellCount {
                rule: format!("matrix[{}].{}", c.row, c.level.map_or("total", |l| l.as_str())),
                topic: row.topic.clone(),
                bounds: c.bounds,
                count: on_form.iter().map(|i| cell_coefficient(bp, row, c.level, i)).sum(),
            }
        })
        .collect();
    let models: Vec<(Option<ItemModel>, ItemKind, f64)> = on_form
        .iter()
        .map(|i| (model_of(i), i.kind(), bp.section_of(i.kind()).map_or(0.0, |s| bp.sections[s].points)))
        .collect();
    let tif_at =
        |theta: f64| models.iter().flat_map(|(m, _, _)| m).map(|m| m.information(theta)).sum::<f64>();
    let thetas = bp.information.as_ref().map(|i| i.thetas.clone()).unwrap_or_default();
    FormReport {
        sections,
        cells: cell_counts,
        points,
        information: thetas.iter().map(|&theta| ThetaValue { theta, value: tif_at(theta) }).collect(),
        tif: grid().into_iter().map(|theta| ThetaValue { theta, value: tif_at(theta) }).collect(),
        expected_score: grid()
            .into_iter()
            .map(|theta| ThetaValue {
                theta,
                value: models
                    .iter()
                    .filter_map(|(m, k, p)| m.as_ref().map(|m| expected_points(m, *k, *p, theta)))
                    .sum(),
            })
            .collect(),
        uncalibrated: models.iter().filter(|(m, _, _)| m.is_none()).count(),
    }
}

/// Largest difference between two rows at one column.
pub(crate) fn spread(values: &[Vec<f64>]) -> f64 {
    let cols = values.first().map_or(0, Vec::len);
    (0..cols)
        .map(|t| {
            let col = values.iter().map(|v| v[t]);
            col.clone().fold(f64::NEG_INFINITY, f64::max) - col.fold(f64::INFINITY, f64::min)
        })
        .fold(0.0, f64::max)
}

impl AssemblyReport {
    /// The measures across forms, from each form and its report.
    pub fn of(forms: &[(&Form, &FormReport)]) -> Self {
        let at: Vec<Vec<f64>> =
            forms.iter().map(|(_, r)| r.information.iter().map(|v| v.value).collect()).collect();
        let on_grid: Vec<Vec<f64>> =
            forms.iter().map(|(_, r)| r.tif.iter().map(|v| v.value).collect()).collect();
        let smallest = at.iter().flatten().copied().fold(f64::INFINITY, f64::min);
        let ids: Vec<Vec<&str>> = forms.iter().map(|(f, _)| f.item_ids().collect()).collect();
        let mut largest_overlap = 0;
        for (k, a) in ids.iter().enumerate() {
            for b in &ids[k + 1..] {
                largest_overlap = largest_overlap.max(a.iter().filter(|i| b.contains(i)).count());
            }
        }
        AssemblyReport {
            smallest_information: if smallest.is_finite() { smallest } else { 0.0 },
            spread: spread(&at),
            spread_grid: spread(&on_grid),
            largest_overlap,
        }
    }
}
