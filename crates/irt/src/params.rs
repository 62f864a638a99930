//! Item parameters in and out: the interchange `irt` object, parameter files (the `calibrate`
//! output JSON or JSON Lines `{"id": …, "irt": {…}}`), and the `calibrate` JSON report.

use std::io::Read;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::calibrate::CalibrationResult;
use crate::error::IrtError;
use crate::model::{ItemModel, ModelKind};

/// The interchange `irt` object, read leniently (unknown fields ignored, SEs optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IrtObject {
    pub model: Option<ModelKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_a: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_b: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_c: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_thresholds: Option<Vec<Option<f64>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
}

impl IrtObject {
    /// The model these parameters describe, validated.
    pub fn to_model(&self) -> Result<ItemModel, String> {
        let model = self.model.ok_or("irt.model is missing (rasch, 2pl, 3pl, gpcm or grm)")?;
        let need =
            |v: Option<f64>, name: &str| v.ok_or_else(|| format!("irt.{name} is required for {model}"));
        let m = match model {
            ModelKind::Rasch => ItemModel::Rasch { b: need(self.b, "b")? },
            ModelKind::TwoPl => ItemModel::TwoPl { a: need(self.a, "a")?, b: need(self.b, "b")? },
            ModelKind::ThreePl => {
                ItemModel::ThreePl { a: need(self.a, "a")?, b: need(self.b, "b")?, c: need(self.c, "c")? }
            }
            ModelKind::Gpcm | ModelKind::Grm => {
                let thresholds = self
                    .thresholds
                    .clone()
                    .ok_or_else(|| format!("irt.thresholds is required for {model}"))?;
                let a = need(self.a, "a")?;
                if model == ModelKind::Gpcm {
                    ItemModel::Gpcm { a, thresholds }
                } else {
                    ItemModel::Grm { a, thresholds }
                }
            }
        };
        m.validate()?;
        Ok(m)
    }

    /// The interchange object for a model with optional standard errors (aligned with
    /// [`ItemModel::params`]).
    pub fn from_model(m: &ItemModel, se: &[Option<f64>], n: Option<u64>) -> Self {
        let se_at = |i: usize| se.get(i).copied().flatten();
        let mut o = IrtObject { model: Some(m.kind()), n, ..Default::default() };
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
        Some(x) if !x.is_null() => x.clone(),
        _ => v.clone(), // calibrate output: flat fields beside the id
    };
    let obj: IrtObject = serde_json::from_value(irt).map_err(|e| format!("item '{id}': {e}"))?;
    let model = obj.to_model().map_err(|e| format!("item '{id}': {e}"))?;
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
            let irt = IrtObject::from_model(&it.model, &it.se, Some(it.n as u64));
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
    json!({
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
    })
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
