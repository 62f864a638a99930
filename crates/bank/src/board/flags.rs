//! Flags on a calibration run's items, for the Calibration page: S-X² misfit, Mantel–Haenszel DIF
//! of ETS class B or C, low discrimination and extreme difficulty (thresholds below and in
//! docs/psychometrics.md), each item's category curves over θ for its characteristic-curve plot,
//! and the distribution of total scores. The statistics are `khaothi_irt`'s; the run's stored
//! parameters are the model, the responses are the data the run was calibrated from.

use std::collections::{BTreeMap, HashMap};

use khaothi_domain::IrtParams;
use khaothi_irt::dif::{DifResult, EtsClass, mantel_haenszel};
use khaothi_irt::fit::{FitOptions, ItemFit, s_x2};
use khaothi_irt::{ItemModel, ResponseMatrix};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::theta_grid;

/// S-X² p-values below this flag misfit (1%: a bank runs many items, so 5% flags too many).
pub const MISFIT_P: f64 = 0.01;
/// Discrimination below this flags a weak item (logistic metric, no 1.7).
pub const LOW_A: f64 = 0.5;
/// |b| (or a polytomous item's mean threshold) above this flags an extreme difficulty.
pub const EXTREME_B: f64 = 3.0;

/// One item of a stored run's report (the `khaothi calibrate` JSON), as far as flags need it.
#[derive(Debug, Clone, Deserialize)]
pub struct RunItem {
    pub id: String,
    pub irt: IrtParams,
    #[serde(default)]
    pub anchored: bool,
}

/// The reference and focal groups of a DIF analysis: each person's group (`Some(true)` focal).
#[derive(Debug)]
pub struct DifGroups {
    pub reference: String,
    pub focal: String,
    pub membership: Vec<Option<bool>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// S-X² p below [`MISFIT_P`].
    Misfit,
    /// Mantel–Haenszel DIF, ETS class B (moderate).
    DifB,
    /// Mantel–Haenszel DIF, ETS class C (large).
    DifC,
    /// a below [`LOW_A`].
    LowDiscrimination,
    /// |difficulty| above [`EXTREME_B`].
    ExtremeDifficulty,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemFlags {
    pub id: String,
    pub anchored: bool,
    #[schema(value_type = Object)]
    pub irt: IrtParams,
    #[schema(value_type = Option<Object>)]
    pub fit: Option<ItemFit>,
    #[schema(value_type = Option<Object>)]
    pub dif: Option<DifResult>,
    pub flags: Vec<Flag>,
    /// Category probabilities along [`CalibrationFlags::thetas`]: `curves[k][i]` = P(score k | θᵢ).
    pub curves: Vec<Vec<f64>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Thresholds {
    pub misfit_p: f64,
    pub low_a: f64,
    pub extreme_b: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScoreCount {
    pub score: u32,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalibrationFlags {
    pub thresholds: Thresholds,
    pub thetas: Vec<f64>,
    /// `{reference, focal}` when a grouping column was given.
    pub dif_groups: Option<BTreeMap<String, String>>,
    /// Why S-X² is missing, when it could not be computed (e.g. no complete cases).
    pub fit_note: Option<String>,
    pub items: Vec<ItemFlags>,
    /// Persons per total score (answered items summed).
    pub score_distribution: Vec<ScoreCount>,
}

/// Flags every item of a run. `items[j]` must describe column `j` of `m` (the route checks that
/// the responses have exactly the run's columns).
pub fn flag_items(
    items: &[RunItem],
    m: &ResponseMatrix,
    dif: Option<&DifGroups>,
) -> Result<CalibrationFlags, String> {
    let models = items
        .iter()
        .map(|it| ItemModel::try_from(&it.irt).map_err(|e| format!("item {}: {e}", it.id)))
        .collect::<Result<Vec<_>, _>>()?;
    let (fits, fit_note) = match s_x2(&models, m, &FitOptions::default()) {
        Ok(f) => (f.into_iter().map(Some).collect(), None),
        Err(e) => (vec![None; items.len()], Some(e.to_string())),
    };
    let difs: Vec<Option<DifResult>> = match dif {
        Some(g) => mantel_haenszel(m, &g.membership).into_iter().map(Some).collect(),
        None => vec![None; items.len()],
    };
    let thetas = theta_grid();
    let flagged = items
        .iter()
        .zip(models)
        .zip(fits.into_iter().zip(difs))
        .map(|((it, model), (fit, dif))| ItemFlags {
            id: it.id.clone(),
            anchored: it.anchored,
            flags: flags_of(&model, fit.as_ref(), dif.as_ref()),
            curves: category_curves(&model, &thetas),
            irt: it.irt.clone(),
            fit,
            dif,
        })
        .collect();
    Ok(CalibrationFlags {
        thresholds: Thresholds { misfit_p: MISFIT_P, low_a: LOW_A, extreme_b: EXTREME_B },
        dif_groups: dif.map(|g| {
            BTreeMap::from([("reference".into(), g.reference.clone()), ("focal".into(), g.focal.clone())])
        }),
        thetas,
        fit_note,
        items: flagged,
        score_distribution: score_distribution(m),
    })
}

/// The flags one item earns.
fn flags_of(model: &ItemModel, fit: Option<&ItemFit>, dif: Option<&DifResult>) -> Vec<Flag> {
    let mut flags = Vec::new();
    if fit.and_then(|f| f.p_value).is_some_and(|p| p < MISFIT_P) {
        flags.push(Flag::Misfit);
    }
    match dif.and_then(|d| d.class) {
        Some(EtsClass::B) => flags.push(Flag::DifB),
        Some(EtsClass::C) => flags.push(Flag::DifC),
        _ => {}
    }
    // A Rasch item's a is fixed at 1 by the model, not estimated: it cannot be "low".
    if !matches!(model, ItemModel::Rasch { .. }) && model.a() < LOW_A {
        flags.push(Flag::LowDiscrimination);
    }
    if model.difficulty().abs() > EXTREME_B {
        flags.push(Flag::ExtremeDifficulty);
    }
    flags
}

/// `out[k][i]` = P(score k | θᵢ).
fn category_curves(model: &ItemModel, thetas: &[f64]) -> Vec<Vec<f64>> {
    let at: Vec<Vec<f64>> = thetas.iter().map(|&t| model.category_probabilities(t)).collect();
    (0..model.n_categories()).map(|k| at.iter().map(|p| p[k]).collect()).collect()
}

fn score_distribution(m: &ResponseMatrix) -> Vec<ScoreCount> {
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for t in m.total_scores() {
        *counts.entry(t.round() as u32).or_default() += 1;
    }
    let max = counts.keys().next_back().copied().unwrap_or(0);
    (0..=max).map(|score| ScoreCount { score, count: counts.get(&score).copied().unwrap_or(0) }).collect()
}

/// Each person's DIF group from a column of group labels: `reference` and `focal` name the
/// groups, or, when both are omitted and the column has exactly two labels, the larger group is
/// the reference. Empty labels and labels of neither group leave the person out.
pub fn dif_groups(
    labels: &[String],
    reference: Option<&str>,
    focal: Option<&str>,
) -> Result<DifGroups, String> {
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    for l in labels.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        *sizes.entry(l).or_default() += 1;
    }
    let (reference, focal) = match (reference, focal) {
        (Some(r), Some(f)) => (r.to_string(), f.to_string()),
        (None, None) => {
            let mut by_size: Vec<(&str, usize)> = sizes.iter().map(|(k, v)| (*k, *v)).collect();
            if by_size.len() != 2 {
                let mut names: Vec<&str> = by_size.iter().map(|(k, _)| *k).collect();
                names.sort_unstable();
                return Err(format!(
                    "the group column has {} labels ({}); name the reference and focal groups",
                    names.len(),
                    names.join(", ")
                ));
            }
            by_size.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            (by_size[0].0.to_string(), by_size[1].0.to_string())
        }
        _ => return Err("name both the reference and the focal group, or neither".into()),
    };
    for g in [&reference, &focal] {
        if !sizes.contains_key(g.as_str()) {
            return Err(format!("no person is in group \"{g}\""));
        }
    }
    let membership = labels
        .iter()
        .map(|l| match l.trim() {
            l if l == reference => Some(false),
            l if l == focal => Some(true),
            _ => None,
        })
        .collect();
    Ok(DifGroups { reference, focal, membership })
}

#[cfg(test)]
mod tests {
    use khaothi_irt::simulate::{draw_thetas, simulate_responses_with_ids};

    use super::*;

    fn run_item(id: &str, irt: serde_json::Value) -> RunItem {
        RunItem { id: id.into(), irt: serde_json::from_value(irt).unwrap(), anchored: false }
    }

    fn data(models: &[ItemModel], n: usize, seed: u64) -> ResponseMatrix {
        let ids = (0..models.len()).map(|j| format!("Q{j}")).collect();
        simulate_responses_with_ids(models, ids, &draw_thetas(n, 0.0, 1.0, seed), seed + 1)
    }

    #[test]
    fn weak_and_extreme_items_are_flagged_and_good_ones_are_not() {
        let truth: Vec<ItemModel> =
            (0..10).map(|j| ItemModel::TwoPl { a: 1.2, b: -1.0 + 0.2 * j as f64 }).collect();
        let m = data(&truth, 2000, 3);
        let mut items: Vec<RunItem> = (0..10)
            .map(|j| {
                run_item(
                    &format!("Q{j}"),
                    serde_json::json!({"model": "2pl", "a": 1.2, "b": -1.0 + 0.2 * j as f64}),
                )
            })
            .collect();
        items[3].irt.a = Some(0.3);
        items[7].irt.b = Some(3.5);
        let out = flag_items(&items, &m, None).unwrap();
        assert!(out.items[3].flags.contains(&Flag::LowDiscrimination), "{:?}", out.items[3].flags);
        assert!(out.items[7].flags.contains(&Flag::ExtremeDifficulty), "{:?}", out.items[7].flags);
        assert!(!out.items[0].flags.contains(&Flag::LowDiscrimination));
        assert!(out.items[0].fit.is_some());
        assert_eq!(out.items[0].curves.len(), 2, "two categories");
        let p1 = &out.items[0].curves[1];
        assert!(p1.windows(2).all(|w| w[1] >= w[0]), "P(correct) rises with θ");
        assert_eq!(out.score_distribution.iter().map(|s| s.count).sum::<usize>(), 2000);
    }

    #[test]
    fn a_wrong_model_misfits() {
        // Data from steep items, scored against flat parameters: S-X² sees the misfit.
        let truth: Vec<ItemModel> =
            (0..12).map(|j| ItemModel::TwoPl { a: 2.5, b: -1.1 + 0.2 * j as f64 }).collect();
        let m = data(&truth, 3000, 5);
        let mut items: Vec<RunItem> = (0..12)
            .map(|j| {
                run_item(
                    &format!("Q{j}"),
                    serde_json::json!({"model": "2pl", "a": 2.5, "b": -1.1 + 0.2 * j as f64}),
                )
            })
            .collect();
        items[5].irt.a = Some(0.6);
        let out = flag_items(&items, &m, None).unwrap();
        assert!(out.items[5].flags.contains(&Flag::Misfit), "{:?}", out.items[5].fit);
    }

    #[test]
    fn groups_default_to_the_larger_as_reference() {
        let labels: Vec<String> = ["M", "F", "M", "", "M", "F"].iter().map(|s| s.to_string()).collect();
        let g = dif_groups(&labels, None, None).unwrap();
        assert_eq!((g.reference.as_str(), g.focal.as_str()), ("M", "F"));
        assert_eq!(g.membership, vec![Some(false), Some(true), Some(false), None, Some(false), Some(true)]);
        let three: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert!(dif_groups(&three, None, None).unwrap_err().contains("3 labels"));
        assert!(dif_groups(&labels, Some("M"), None).is_err());
        assert!(dif_groups(&labels, Some("M"), Some("X")).unwrap_err().contains("\"X\""));
    }

    #[test]
    fn a_true_false_group_has_five_category_curves_summing_to_one() {
        let item = run_item(
            "T",
            serde_json::json!({"model": "gpcm", "a": 0.9, "thresholds": [-1.5, -0.5, 0.3, 1.2]}),
        );
        let model = ItemModel::try_from(&item.irt).unwrap();
        let curves = category_curves(&model, &theta_grid());
        assert_eq!(curves.len(), 5);
        for i in 0..33 {
            let s: f64 = curves.iter().map(|c| c[i]).sum();
            assert!((s - 1.0).abs() < 1e-9);
        }
    }
}
