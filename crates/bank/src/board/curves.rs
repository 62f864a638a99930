//! The curves and tables the Assembly page shows for the forms of one job: test information and
//! its standard error over θ ∈ [−4, 4], the expected score (in points, THPT scoring) along θ and
//! for an N(0, 1) population, and the pairwise overlap of the forms. Information and
//! probabilities are `khaothi_irt`'s (through the assembler's `model_of`, so an item counts as
//! calibrated here exactly when it did for the assembler).

use std::collections::BTreeSet;

use khaothi_assembly::Blueprint;
use khaothi_assembly::info::model_of;
use khaothi_assembly::report::expected_points;
use khaothi_domain::Item;
use serde::Serialize;
use utoipa::ToSchema;

use super::{normal_quadrature, theta_grid};

/// One form's curves; the arrays are aligned with [`FormCurves::thetas`].
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FormCurves {
    pub thetas: Vec<f64>,
    /// Test information I(θ).
    pub information: Vec<f64>,
    /// Standard error of θ: 1/√I(θ); `null` where the form carries no information.
    pub se: Vec<Option<f64>>,
    /// Expected score in points at each θ (items without parameters add nothing).
    pub expected_score: Vec<f64>,
    /// Expected score of a candidate drawn from N(0, 1).
    pub expected_score_population: f64,
    /// Points of the whole form (every item, calibrated or not).
    pub max_points: f64,
    /// Items of the form without usable IRT parameters.
    pub uncalibrated: usize,
}

/// Items two forms share.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Overlap {
    pub a: String,
    pub b: String,
    pub shared: usize,
    /// `shared` over the smaller form's item count.
    pub proportion: f64,
}

/// The curves of a form holding `items` under blueprint `bp` (whose sections give the points).
pub fn form_curves(bp: &Blueprint, items: &[Item]) -> FormCurves {
    let scored: Vec<_> = items
        .iter()
        .map(|i| {
            let points = bp.section_of(i.kind()).map_or(0.0, |s| bp.sections[s].points);
            (model_of(i), i.kind(), points)
        })
        .collect();
    let information_at =
        |theta: f64| scored.iter().filter_map(|(m, _, _)| m.as_ref()).map(|m| m.information(theta)).sum();
    let expected_at = |theta: f64| -> f64 {
        scored.iter().filter_map(|(m, k, p)| m.as_ref().map(|m| expected_points(m, *k, *p, theta))).sum()
    };
    let thetas = theta_grid();
    let information: Vec<f64> = thetas.iter().map(|&t| information_at(t)).collect();
    FormCurves {
        se: information.iter().map(|&i| (i > 0.0).then(|| 1.0 / i.sqrt())).collect(),
        expected_score: thetas.iter().map(|&t| expected_at(t)).collect(),
        expected_score_population: normal_quadrature().iter().map(|&(t, w)| w * expected_at(t)).sum(),
        max_points: scored.iter().map(|(_, _, p)| p).sum(),
        uncalibrated: scored.iter().filter(|(m, _, _)| m.is_none()).count(),
        information,
        thetas,
    }
}

/// Shared items of every pair of forms, in the order given.
pub fn pairwise_overlap(forms: &[(String, Vec<String>)]) -> Vec<Overlap> {
    let sets: Vec<BTreeSet<&str>> =
        forms.iter().map(|(_, items)| items.iter().map(String::as_str).collect()).collect();
    let mut out = Vec::new();
    for i in 0..forms.len() {
        for j in i + 1..forms.len() {
            let shared = sets[i].intersection(&sets[j]).count();
            let smaller = sets[i].len().min(sets[j].len()).max(1);
            out.push(Overlap {
                a: forms[i].0.clone(),
                b: forms[j].0.clone(),
                shared,
                proportion: shared as f64 / smaller as f64,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use khaothi_domain::ItemRecord;

    use super::*;

    const BLUEPRINT: &str = "name: t\nsubject: toan\nduration_minutes: 45\nforms: 1\nsections:\n  - { kind: single_choice, count: 2, points: 0.25 }\n  - { kind: true_false_group, count: 1, points: 1.0 }\n";

    fn item(id: &str, kind: serde_json::Value, irt: Option<serde_json::Value>) -> Item {
        let mut rec = serde_json::json!({"id": id, "subject": "toan", "grade": 12, "topic": "12.1",
            "level": "hieu", "stem": "x"});
        for (k, v) in kind.as_object().unwrap() {
            rec[k] = v.clone();
        }
        if let Some(irt) = irt {
            rec["irt"] = irt;
        }
        ItemRecord::from_json_line(&rec.to_string()).unwrap().into_item().unwrap().0
    }

    fn sc(id: &str, a: f64, b: f64) -> Item {
        item(
            id,
            serde_json::json!({"kind": "single_choice", "options": ["a", "b", "c", "d"], "key": "A"}),
            Some(serde_json::json!({"model": "2pl", "a": a, "b": b})),
        )
    }

    #[test]
    fn information_is_the_sum_of_the_items_and_se_its_inverse_root() {
        let bp = Blueprint::from_yaml(BLUEPRINT).unwrap();
        let c = form_curves(&bp, &[sc("A", 1.0, 0.0), sc("B", 2.0, 0.0)]);
        // 2PL information at θ = b is a²/4.
        assert!((c.information[16] - (0.25 + 1.0)).abs() < 1e-12, "{:?}", c.information);
        assert!((c.se[16].unwrap() - 1.0 / 1.25f64.sqrt()).abs() < 1e-12);
        // At θ = b each item's expected score is half its points; symmetric items average half.
        assert!((c.expected_score[16] - 0.25).abs() < 1e-12);
        assert!((c.expected_score_population - 0.25).abs() < 1e-9);
        assert_eq!(c.max_points, 0.5);
        assert_eq!(c.uncalibrated, 0);
        assert!(c.information[0] < c.information[16], "peaks at b");
    }

    #[test]
    fn an_uncalibrated_form_has_no_information_and_no_se() {
        let bp = Blueprint::from_yaml(BLUEPRINT).unwrap();
        let tf = item(
            "T",
            serde_json::json!({"kind": "true_false_group", "statements": ["a", "b", "c", "d"],
                "keys": [true, false, true, false]}),
            None,
        );
        let c = form_curves(&bp, &[tf]);
        assert!(c.information.iter().all(|&i| i == 0.0));
        assert!(c.se.iter().all(Option::is_none));
        assert_eq!(c.uncalibrated, 1);
        assert_eq!(c.max_points, 1.0);
    }

    #[test]
    fn overlap_counts_shared_items_of_each_pair() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let forms = vec![
            ("F1".to_string(), ids(&["a", "b", "c", "d"])),
            ("F2".to_string(), ids(&["c", "d", "e", "f"])),
            ("F3".to_string(), ids(&["x", "y"])),
        ];
        let o = pairwise_overlap(&forms);
        assert_eq!(o.len(), 3);
        assert_eq!((o[0].a.as_str(), o[0].b.as_str(), o[0].shared), ("F1", "F2", 2));
        assert_eq!(o[0].proportion, 0.5);
        assert_eq!(o[1].shared, 0);
        assert_eq!(o[2].shared, 0);
    }
}
