//! Item response theory parameters as the bank stores them and the interchange `irt` object
//! carries them (docs/formats.md §1.3). This is the one definition: the psychometrics crate reads
//! its models from [`IrtParams`] and writes calibrations back into it, so the bank, the package
//! builder, the assembler and the CLI all speak the same type.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::kind::ItemKind;

/// The model family of an item's parameters (no parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IrtModelKind {
    #[serde(rename = "rasch")]
    Rasch,
    #[serde(rename = "2pl")]
    TwoPl,
    #[serde(rename = "3pl")]
    ThreePl,
    #[serde(rename = "gpcm")]
    Gpcm,
    #[serde(rename = "grm")]
    Grm,
}

impl IrtModelKind {
    /// The name used in the interchange format and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rasch => "rasch",
            Self::TwoPl => "2pl",
            Self::ThreePl => "3pl",
            Self::Gpcm => "gpcm",
            Self::Grm => "grm",
        }
    }

    /// GPCM and GRM score `0..=thresholds`; the others score 0/1.
    pub fn is_polytomous(self) -> bool {
        matches!(self, Self::Gpcm | Self::Grm)
    }
}

/// Reads a model name as typed on the command line or in a query: case-insensitive, `1pl` for Rasch.
impl std::str::FromStr for IrtModelKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "rasch" | "1pl" => Ok(Self::Rasch),
            "2pl" => Ok(Self::TwoPl),
            "3pl" => Ok(Self::ThreePl),
            "gpcm" => Ok(Self::Gpcm),
            "grm" => Ok(Self::Grm),
            other => Err(format!("unknown model '{other}' (rasch, 2pl, 3pl, gpcm or grm)")),
        }
    }
}

impl std::fmt::Display for IrtModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Calibrated item parameters (logistic metric, no D constant), with their precision when known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct IrtParams {
    pub model: Option<IrtModelKind>,
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
    /// One SE per threshold, aligned with `thresholds`; a threshold whose SE could not be
    /// estimated has `null` (a calibration writes the list only when at least one SE is known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_thresholds: Option<Vec<Option<f64>>>,
    /// Sample size of the calibration that produced these parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
}

impl IrtParams {
    /// The field names of the serialized object, in order. Readers that must ignore unknown
    /// fields (parameter files from other tools) keep only these before deserializing, since the
    /// type itself refuses unknown fields (a misspelt `se_b` in an item must not be lost).
    pub const FIELDS: [&'static str; 10] =
        ["model", "a", "b", "c", "thresholds", "se_a", "se_b", "se_c", "se_thresholds", "n"];

    /// Checks the parameters against the item kind: dichotomous models for single choice and short
    /// answer, a polytomous model with 4 thresholds (scores 0–4) for a true/false group.
    pub fn validate(&self, kind: ItemKind, errors: &mut Vec<FieldError>) {
        let Some(model) = self.model else {
            errors.push(FieldError::new("irt.model", "is missing (rasch, 2pl, 3pl, gpcm or grm)"));
            return;
        };
        let finite = |v: Option<f64>, name: &str, errors: &mut Vec<FieldError>| match v {
            Some(x) if !x.is_finite() => {
                errors.push(FieldError::new(format!("irt.{name}"), "must be a finite number"))
            }
            _ => {}
        };
        finite(self.a, "a", errors);
        finite(self.b, "b", errors);
        finite(self.c, "c", errors);
        if let Some(a) = self.a
            && a <= 0.0
        {
            errors.push(FieldError::new("irt.a", format!("must be positive, got {a}")));
        }
        if let Some(c) = self.c
            && !(0.0..1.0).contains(&c)
        {
            errors.push(FieldError::new("irt.c", format!("must be in [0, 1), got {c}")));
        }
        match kind {
            ItemKind::TrueFalseGroup => {
                if !model.is_polytomous() {
                    errors.push(FieldError::new(
                        "irt.model",
                        "a true_false_group is scored 0–4 and needs a polytomous model (gpcm or grm)",
                    ));
                }
            }
            _ => {
                if model.is_polytomous() {
                    errors.push(FieldError::new(
                        "irt.model",
                        format!("a {kind} item is scored 0/1 and needs rasch, 2pl or 3pl"),
                    ));
                }
            }
        }
        match model {
            IrtModelKind::Rasch => {
                if self.b.is_none() {
                    errors.push(FieldError::new("irt.b", "is required for the rasch model"));
                }
            }
            IrtModelKind::TwoPl | IrtModelKind::ThreePl => {
                if self.a.is_none() {
                    errors.push(FieldError::new("irt.a", "is required"));
                }
                if self.b.is_none() {
                    errors.push(FieldError::new("irt.b", "is required"));
                }
                if model == IrtModelKind::ThreePl && self.c.is_none() {
                    errors.push(FieldError::new("irt.c", "is required for the 3pl model"));
                }
            }
            IrtModelKind::Gpcm | IrtModelKind::Grm => {
                if self.a.is_none() {
                    errors.push(FieldError::new("irt.a", "is required"));
                }
                match &self.thresholds {
                    None => errors.push(FieldError::new("irt.thresholds", "is required")),
                    Some(t) => {
                        if kind == ItemKind::TrueFalseGroup && t.len() != 4 {
                            errors.push(FieldError::new(
                                "irt.thresholds",
                                format!("needs 4 values (scores 0–4), got {}", t.len()),
                            ));
                        }
                        if t.iter().any(|x| !x.is_finite()) {
                            errors.push(FieldError::new("irt.thresholds", "must be finite numbers"));
                        }
                        if model == IrtModelKind::Grm && t.windows(2).any(|w| w[0] >= w[1]) {
                            errors.push(FieldError::new(
                                "irt.thresholds",
                                "must be strictly increasing for the grm model",
                            ));
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_name_every_serialized_field() {
        let full = IrtParams {
            model: Some(IrtModelKind::Gpcm),
            a: Some(1.0),
            b: Some(0.0),
            c: Some(0.1),
            thresholds: Some(vec![0.0]),
            se_a: Some(0.1),
            se_b: Some(0.1),
            se_c: Some(0.1),
            se_thresholds: Some(vec![None]),
            n: Some(10),
        };
        let value = serde_json::to_value(&full).unwrap();
        let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        let mut fields = IrtParams::FIELDS.to_vec();
        fields.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, fields);
    }

    #[test]
    fn threshold_standard_errors_keep_their_serialized_form() {
        // Stored data has plain numbers; a missing SE is null; both read back and write out as they were.
        for text in [
            r#"{"model":"gpcm","a":1.0,"thresholds":[-1.0,1.0],"se_thresholds":[0.2,0.3]}"#,
            r#"{"model":"gpcm","a":1.0,"thresholds":[-1.0,1.0],"se_thresholds":[null,0.3]}"#,
        ] {
            let p: IrtParams = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&p).unwrap(), text);
        }
    }

    #[test]
    fn model_names_parse_and_print_alike() {
        for kind in [
            IrtModelKind::Rasch,
            IrtModelKind::TwoPl,
            IrtModelKind::ThreePl,
            IrtModelKind::Gpcm,
            IrtModelKind::Grm,
        ] {
            assert_eq!(kind.as_str().parse::<IrtModelKind>(), Ok(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.to_string());
        }
        assert_eq!("1PL".parse::<IrtModelKind>(), Ok(IrtModelKind::Rasch));
        assert!("4pl".parse::<IrtModelKind>().unwrap_err().contains("unknown model"));
    }
}
