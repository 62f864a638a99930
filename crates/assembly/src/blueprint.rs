//! The blueprint (ma trận đề): the exam board's contract, read from YAML.
//!
//! Parsing keeps YAML locations (`serde_saphyr::Spanned`) so that every error names the key and
//! the line, e.g. ``line 14, `matrix[1].van_dung`: min 3 is above max 2``. Unknown keys are refused
//! (a typo such as `van_dun` must not silently drop a rule). docs/formats.md ("Blueprint (YAML)") documents every key.
//!
//! Three steps, one module each: `raw` (the YAML as written, parsed with its locations),
//! `validate` (every rule checked, every problem reported at once) and `contract` (the validated
//! blueprint the rest of the crate reads).

mod contract;
mod raw;
mod validate;

pub(crate) use contract::fmt_num;
pub use contract::{
    Blueprint, BlueprintError, BlueprintIssue, Bounds, CountUnit, Difficulty, Exposure, Information,
    MatrixRow, Objective, PaperText, Section,
};

impl Blueprint {
    /// Parses and validates a YAML blueprint; every problem found is reported, each with its key
    /// and line.
    pub fn from_yaml(yaml: &str) -> Result<Self, BlueprintError> {
        raw::parse_raw(yaml)?.validate()
    }
}

#[cfg(test)]
mod tests;
