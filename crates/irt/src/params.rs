//! Item parameters in and out: the interchange `irt` object, parameter files (the `calibrate`
//! output JSON or JSON Lines `{"id": …, "irt": {…}}`), and the `calibrate` JSON report.

use std::io::Read;

use serde_json::{Value, json};

use khaothi_domain::{IrtModelKind, IrtParams};

use crate::calibrate::{CalibratedItem, CalibrationResult};
use crate::error::IrtError;
use crate::information;
use crate::model::ItemModel;

/// The model of an item's `irt` parameters; the error names the missing or invalid field. A
/// `rasch` item that carries a common `a` other than 1 (a 1PL) is a 2PL with that `a`, so every
/// crate (assembler, package scoring, calibration anchors, the CLI) reads the same model.
impl TryFrom<&IrtParams> for ItemModel {
    type Error = String;

    fn try_from(p: &IrtParams) -> Result<Self, String> {
        let model = p.model.ok_or("irt.model is missing (rasch, 2pl, 3pl, gpcm or grm)")?;
        let need =
            |v: Option<f64>, name: &str| v.ok_or_else(|| format!("irt.{name} is required for {model}"));
        let thresholds =
            || p.thresholds.clone().ok_or_else(|| format!("irt.thresholds is required for {model}"));
        let m = match model {
            IrtModelKind::Rasch => match p.a {
                Some(a) if a != 1.0 => ItemModel::TwoPl { a, b: need(p.b, "b")? },
                _ => ItemModel::Rasch { b: need(p.b, "b")? },
            },
            IrtModelKind::TwoPl => ItemModel::TwoPl { a: need(p.a, "a")?, b: need(p.b, "b")? },
            IrtModelKind::ThreePl => {
                ItemModel::ThreePl { a: need(p.a, "a")?, b: need(p.b, "b")?, c: need(p.c, "c")? }
            }
            IrtModelKind::Gpcm => ItemModel::Gpcm { a: need(p.a, "a")?, thresholds: thresholds()? },
            IrtModelKind::Grm => ItemModel::Grm { a: need(p.a, "a")?, thresholds: thresholds()? },
        };
        m.validate()?;
        Ok(m)
    }
}

/// The interchange parameters of a model with optional standard errors (aligned with
/// [`ItemModel::params`]) and the calibration's sample size.
pub fn irt_params(m: &ItemModel, se: &[Option<f64>], n: Option<u64>) -> IrtParams {
    let se_at = |i: usize| se.get(i).copied().flatten();
    let mut o = IrtParams { model: Some(m.kind()), n, ..Default::default() };
    match m {
        ItemModel::Rasch { b } => {
            o.b = Some(*b);
            o.se_b = se_at(0);
        }
        ItemModel::TwoPl { a, b } => {
            (o.a, o.b) = (Some(*a), Some(*b));
            (o.se_a, o.se_b) = (se_at(0), se_at(1));
        }
        ItemModel::ThreePl { a, b, c } => {
            (o.a, o.b, o.c) = (Some(*a), Some(*b), Some(*c));
            (o.se_a, o.se_b, o.se_c) = (se_at(0), se_at(1), se_at(2));
        }
        ItemModel::Gpcm { a, thresholds } | ItemModel::Grm { a, thresholds } => {
            o.a = Some(*a);
            o.thresholds = Some(thresholds.clone());
            o.se_a = se_at(0);
            let ses: Vec<Option<f64>> = (1..=thresholds.len()).map(se_at).collect();
            o.se_thresholds = ses.iter().any(Option::is_some).then_some(ses);
        }
    }
    o
}

impl CalibratedItem {
    /// This item's calibration as interchange parameters (what the bank stores on the item).
    pub fn irt_params(&self) -> IrtParams {
        irt_params(&self.model, &self.se, Some(self.n as u64))
    }
}

/// Reads an `irt` object leniently: fields [`IrtParams`] does not know are ignored (parameter
/// files from other tools, or the flat items of the `calibrate` output), where an item import
/// refuses them.
fn lenient_params(v: &Value) -> Result<IrtParams, serde_json::Error> {
    let known = match v {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(k, _)| IrtParams::FIELDS.contains(&k.as_str()))
                .map(|(k, x)| (k.clone(), x.clone()))
                .collect(),
        ),
        other => other.clone(),
    };
    serde_json::from_value(known)
}

/// Reads item parameters: either the JSON written by `khaothi calibrate` (`{"items": [...]}`) or
/// JSON Lines `{"id": ..., "irt": {...}}` (lines without `irt` are skipped; blank lines too).
pub fn read_item_params<R: Read>(mut r: R) -> Result<Vec<(String, ItemModel)>, IrtError> {
    let mut text = String::new();
    r.read_to_string(&mut text)?;
    let bad = |line: usize, msg: String| IrtError::invalid(format!("parameter file, line {line}: {msg}"));
    // one JSON document with an "items" array?
    if let Ok(Value::Object(doc)) = serde_json::from_str::<Value>(&text)
        && let Some(Value::Array(items)) = doc.get("items")
    {
        return items
            .iter()
            .enumerate()
            .map(|(i, v)| item_from_value(v).map_err(|m| bad(i + 1, m)))
            .collect();
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| bad(i + 1, e.to_string()))?;
        if v.get("irt").is_none_or(Value::is_null) {
            continue;
        }
        out.push(item_from_value(&v).map_err(|m| bad(i + 1, m))?);
    }
    Ok(out)
}

fn item_from_value(v: &Value) -> Result<(String, ItemModel), String> {
    let id = v.get("id").and_then(Value::as_str).ok_or("missing string field 'id'")?.to_string();
    let irt = match v.get("irt") {
        Some(x) if !x.is_null() => x,
        _ => v, // calibrate output: flat fields beside the id
    };
    let params = lenient_params(irt).map_err(|e| format!("item '{id}': {e}"))?;
    let model = ItemModel::try_from(&params).map_err(|e| format!("item '{id}': {e}"))?;
    Ok((id, model))
}

/// Reads JSON Lines anchors (`{"id": ..., "irt": {...}}`) into the map [`crate::CalibrationOptions`]
/// takes.
pub fn read_anchors<R: Read>(r: R) -> Result<std::collections::BTreeMap<String, ItemModel>, IrtError> {
    Ok(read_item_params(r)?.into_iter().collect())
}

/// The `calibrate` command's JSON report.
pub fn calibration_json(r: &CalibrationResult) -> Value {
    let items: Vec<Value> = r
        .items
        .iter()
        .map(|it| {
            let irt = it.irt_params();
            let mut v = json!({
                "id": it.id,
                "model": it.model.kind(),
                "anchored": it.anchored,
                "n": it.n,
            });
            let o = v.as_object_mut().expect("object");
            let dich = !it.model.kind().is_polytomous();
            o.insert("a".into(), json!(it.model.a()));
            o.insert("b".into(), json!(irt.b));
            o.insert("c".into(), json!(if dich { Some(irt.c.unwrap_or(0.0)) } else { None }));
            o.insert("se_a".into(), json!(irt.se_a));
            o.insert("se_b".into(), json!(irt.se_b));
            o.insert("se_c".into(), json!(irt.se_c));
            if !dich {
                o.insert("thresholds".into(), json!(irt.thresholds));
                o.insert("se_thresholds".into(), json!(irt.se_thresholds));
            }
            o.insert("irt".into(), serde_json::to_value(&irt).expect("serialisable"));
            v
        })
        .collect();
    let mut out = json!({
        "model": r.model,
        "converged": r.converged,
        "iterations": r.iterations,
        "loglik": r.loglik,
        "log_posterior": r.log_posterior,
        "aic": r.aic,
        "bic": r.bic,
        "n_parameters": r.n_parameters,
        "max_change": r.max_change,
        "n_persons": r.n_persons,
        "n_unique_patterns": r.n_unique_patterns,
        "quadrature_points": r.quadrature_points,
        "theta_mean": r.theta_mean,
        "theta_sd": r.theta_sd,
        "theta_sd_se": r.theta_sd_se,
        "warnings": r.warnings,
        "items": items,
    });
    if !r.groups.is_empty() {
        out["groups"] = json!(r.groups);
    }
    if let Some(method) = r.se_method {
        out["se_method"] = json!(method);
    }
    // how precisely the calibrated items measure: along θ, and on average in the population
    let models: Vec<ItemModel> = r.items.iter().map(|i| i.model.clone()).collect();
    out["test_information"] = json!(information::test_information(&models, &information::report_grid()));
    out["marginal_reliability"] = json!(information::marginal_reliability(&models, r.theta_mean, r.theta_sd));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_lines_and_skips_items_without_parameters() {
        let text = r#"{"id":"Q1","irt":{"model":"2pl","a":1.2,"b":-0.3}}

{"id":"Q2","kind":"single_choice"}
{"id":"Q3","irt":{"model":"gpcm","a":0.9,"thresholds":[-1,0,1,2],"se_a":0.1}}
{"id":"Q4","irt":{"model":"3pl","a":1.0,"b":0.0,"c":0.2}}"#;
        let p = read_item_params(text.as_bytes()).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0], ("Q1".into(), ItemModel::TwoPl { a: 1.2, b: -0.3 }));
        assert_eq!(p[1].1.max_score(), 4);
        let e = read_item_params(r#"{"id":"Q1","irt":{"model":"2pl","a":1.2}}"#.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("line 1") && e.to_string().contains("irt.b"), "{e}");
        let e = read_item_params(r#"{"id":"Q1","irt":{"model":"2pl","a":-1,"b":0}}"#.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("positive"), "{e}");
    }

    #[test]
    fn bank_parameters_become_models() {
        let p = |text: &str| serde_json::from_str::<IrtParams>(text).unwrap();
        let model = |text: &str| ItemModel::try_from(&p(text));
        assert_eq!(model(r#"{"model":"rasch","b":-1.0}"#), Ok(ItemModel::Rasch { b: -1.0 }));
        assert_eq!(model(r#"{"model":"rasch","a":1.0,"b":-1.0}"#), Ok(ItemModel::Rasch { b: -1.0 }));
        // a 1PL with a common slope is a 2PL with that slope
        assert_eq!(model(r#"{"model":"rasch","a":1.3,"b":0.5}"#), Ok(ItemModel::TwoPl { a: 1.3, b: 0.5 }));
        assert_eq!(
            model(r#"{"model":"grm","a":0.9,"thresholds":[-1,0,1,2],"se_thresholds":[0.1,null,0.1,0.2]}"#),
            Ok(ItemModel::Grm { a: 0.9, thresholds: vec![-1.0, 0.0, 1.0, 2.0] })
        );
        assert_eq!(
            model(r#"{"a":1.0,"b":0.0}"#).unwrap_err(),
            "irt.model is missing (rasch, 2pl, 3pl, gpcm or grm)"
        );
        assert_eq!(model(r#"{"model":"3pl","a":1.0,"b":0.0}"#).unwrap_err(), "irt.c is required for 3pl");
        assert_eq!(model(r#"{"model":"gpcm","a":1.0}"#).unwrap_err(), "irt.thresholds is required for gpcm");
        assert!(model(r#"{"model":"grm","a":1.0,"thresholds":[1,0]}"#).unwrap_err().contains("increasing"));
    }

    #[test]
    fn parameter_files_ignore_fields_the_interchange_object_does_not_have() {
        let text = r#"{"id":"Q1","irt":{"model":"2pl","a":1.2,"b":-0.3,"source":"mirt","infit":0.98}}"#;
        assert_eq!(
            read_item_params(text.as_bytes()).unwrap(),
            vec![("Q1".into(), ItemModel::TwoPl { a: 1.2, b: -0.3 })]
        );
        // ... while the type itself refuses them (an item import must not lose a misspelt field)
        assert!(serde_json::from_str::<IrtParams>(r#"{"model":"2pl","a":1.2,"b":-0.3,"sb":0.1}"#).is_err());
        let e =
            read_item_params(r#"{"id":"Q1","irt":{"model":"2pl","a":"x","b":0}}"#.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("item 'Q1'"), "{e}");
    }

    #[test]
    fn calibrated_parameters_align_standard_errors() {
        let m = ItemModel::Gpcm { a: 1.1, thresholds: vec![-1.0, 0.0, 1.0] };
        let p = irt_params(&m, &[Some(0.1), None, Some(0.2), None], Some(500));
        assert_eq!((p.a, p.se_a, p.n), (Some(1.1), Some(0.1), Some(500)));
        assert_eq!(p.se_thresholds, Some(vec![None, Some(0.2), None]));
        assert_eq!(ItemModel::try_from(&p), Ok(m.clone()));
        assert_eq!(irt_params(&m, &[Some(0.1)], None).se_thresholds, None);
        let three =
            irt_params(&ItemModel::ThreePl { a: 1.0, b: 0.5, c: 0.2 }, &[None, Some(0.3), Some(0.05)], None);
        assert_eq!((three.se_a, three.se_b, three.se_c), (None, Some(0.3), Some(0.05)));
    }

    #[test]
    fn calibrate_output_round_trips() {
        let m = crate::calibrate::tests_support::lsat_result();
        let text = calibration_json(&m).to_string();
        let back = read_item_params(text.as_bytes()).unwrap();
        assert_eq!(back.len(), 5);
        for ((id, model), it) in back.iter().zip(&m.items) {
            assert_eq!(id, &it.id);
            for (x, y) in model.params().iter().zip(it.model.params()) {
                assert!((x - y).abs() < 1e-12);
            }
        }
        let v: Value = serde_json::from_str(&text).unwrap();
        for key in ["model", "converged", "iterations", "loglik", "aic", "bic", "items"] {
            assert!(v.get(key).is_some(), "{key}");
        }
        let item = &v["items"][0];
        for key in ["id", "a", "b", "c", "se_a", "se_b", "se_c", "irt"] {
            assert!(item.get(key).is_some(), "{key}");
        }
        assert!(item["se_b"].as_f64().unwrap() > 0.0);
    }
}
