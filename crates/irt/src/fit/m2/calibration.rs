//! The `fit` of a calibration: M2 on the data the run was calibrated from, at its estimates —
//! one population, per complete block with forms, or the multiple-group M2 of a multiple-group
//! run.

use super::{M2Options, ModelFitReport, Sample, m2_samples, model_fit};
use crate::calibrate::{CalibrationOptions, CalibrationResult, PersonGroups};
use crate::matrix::{MISSING, ResponseMatrix};
use crate::model::ItemModel;

/// M2 of a calibration run on the data it was calibrated from (`opts` as given to `calibrate`).
pub fn calibration_fit(
    m: &ResponseMatrix,
    opts: &CalibrationOptions,
    r: &CalibrationResult,
) -> ModelFitReport {
    let items: Vec<ItemModel> = r.items.iter().map(|i| i.model.clone()).collect();
    let fixed: Vec<bool> = r.items.iter().map(|i| i.anchored).collect();
    let has_anchors = fixed.iter().any(|&f| f);
    let free_rasch_sd = !has_anchors
        && opts.estimate_rasch_sd
        && r.items.iter().any(|i| matches!(i.model, ItemModel::Rasch { .. }));
    if let Some(groups) = &opts.groups {
        return groups_fit(&items, &fixed, m, groups, r, (has_anchors, free_rasch_sd));
    }
    let o = M2Options {
        theta_mean: r.theta_mean,
        theta_sd: r.theta_sd,
        free_mean: has_anchors,
        free_sd: has_anchors || free_rasch_sd,
        ..Default::default()
    };
    model_fit(&items, &fixed, m, &o)
}

/// The multiple-group M2 ([`m2_samples`]) of a multiple-group calibration on complete data: every
/// group at its estimated mean and SD, free as the calibration had them (the reference group's
/// only with anchors, or its SD for a free Rasch calibration; every other group's both).
fn groups_fit(
    items: &[ItemModel],
    fixed: &[bool],
    m: &ResponseMatrix,
    groups: &PersonGroups,
    r: &CalibrationResult,
    (has_anchors, free_rasch_sd): (bool, bool),
) -> ModelFitReport {
    let none = |reason: String| ModelFitReport { overall: None, blocks: vec![], reason: Some(reason) };
    if m.data().contains(&MISSING) {
        return none(
            "M2 needs every item answered by every person; a multiple-group calibration with items not \
             presented to everyone gets no M2"
                .into(),
        );
    }
    if r.groups.len() != groups.names.len() {
        return none("the calibration reports no populations for its groups".into());
    }
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); groups.names.len()];
    for (p, &g) in groups.of_person.iter().enumerate() {
        rows[g].push(p);
    }
    let populations: Vec<M2Options> = r
        .groups
        .iter()
        .enumerate()
        .map(|(g, pop)| {
            let reference = g == groups.reference;
            M2Options {
                theta_mean: pop.mean,
                theta_sd: pop.sd,
                free_mean: !reference || has_anchors,
                free_sd: !reference || has_anchors || free_rasch_sd,
                ..Default::default()
            }
        })
        .collect();
    let samples: Vec<Sample<'_>> =
        rows.iter().zip(&populations).map(|(rows, population)| Sample { rows, population }).collect();
    match m2_samples(items, fixed, m, &samples) {
        Ok(f) => ModelFitReport { overall: Some(f), blocks: vec![], reason: None },
        Err(e) => none(e),
    }
}
