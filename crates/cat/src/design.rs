//! The CAT design: how a test starts, picks items, controls exposure and stops. Serialisable: it
//! travels in the exam package beside the pool.

use khaothi_assembly::Blueprint;
use serde::{Deserialize, Serialize};

use crate::error::{CatError, Result};
use crate::pool::Pool;

/// Item selection criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// Maximum Fisher information at the current EAP θ.
    #[default]
    Mfi,
    /// Kullback–Leibler information integrated over θ̂ ± δ, δ = 3/√n (Chang & Ying, 1996).
    Kl,
}

impl std::str::FromStr for Selection {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "mfi" => Ok(Self::Mfi),
            "kl" => Ok(Self::Kl),
            o => Err(format!("unknown selection '{o}' (mfi or kl)")),
        }
    }
}

/// When the test ends. Lengths count items (a true/false group is one item; a stimulus group of
/// three items counts three).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Stopping {
    /// Exactly `length` items (fewer only if the pool runs out).
    FixedLength { length: u32 },
    /// Stop once the posterior SD is at most `se` and at least `min_length` items were given;
    /// always stop at `max_length`.
    Precision { se: f64, min_length: u32, max_length: u32 },
}

impl Stopping {
    /// The most items a test can have.
    pub fn max_length(&self) -> u32 {
        match *self {
            Self::FixedLength { length } => length,
            Self::Precision { max_length, .. } => max_length,
        }
    }

    /// The fewest items a test has (unless the pool runs out).
    pub fn min_length(&self) -> u32 {
        match *self {
            Self::FixedLength { length } => length,
            Self::Precision { min_length, .. } => min_length,
        }
    }
}

/// A complete adaptive design. Defaults: θ starts at 0 with a N(0, 1) prior, MFI, no exposure
/// control, no blueprint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Design {
    /// Prior mean of θ, also the starting θ (the first item is picked there).
    #[serde(default)]
    pub prior_mean: f64,
    /// Prior SD of θ (1 unless a board knows its population differs).
    #[serde(default = "one")]
    pub prior_sd: f64,
    #[serde(default)]
    pub selection: Selection,
    /// Randomesque-k (Kohn & Kingsbury / Kingsbury & Zara, 1989): pick at random among the `k`
    /// best units; 1 = always the best.
    #[serde(default = "one_u32")]
    pub randomesque: u32,
    /// Sympson–Hetter: a selected item is given with probability its pool `exposure_k`, else the
    /// next best is tried ([`crate::exposure::calibrate_exposure`] sets the parameters).
    #[serde(default)]
    pub sympson_hetter: bool,
    pub stop: Stopping,
    /// Content balancing by shadow tests (van der Linden): at every step a full test meeting this
    /// blueprint, containing every item given, is assembled at the current θ, and its best free
    /// item is given. The test length is then the blueprint's form length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blueprint: Option<Blueprint>,
}

/// Longest test a design may ask for.
pub const MAX_LENGTH: u32 = 500;
/// Widest randomesque window.
pub const MAX_RANDOMESQUE: u32 = 50;

fn one() -> f64 {
    1.0
}

fn one_u32() -> u32 {
    1
}

impl Design {
    /// A fixed-length MFI design with no exposure control.
    pub fn fixed_length(length: u32) -> Self {
        Design {
            prior_mean: 0.0,
            prior_sd: 1.0,
            selection: Selection::Mfi,
            randomesque: 1,
            sympson_hetter: false,
            stop: Stopping::FixedLength { length },
            blueprint: None,
        }
    }

    /// The most items a test can have (the candidate page's "tối đa N").
    pub fn max_length(&self) -> u32 {
        self.stop.max_length()
    }

    /// The fewest items a test has.
    pub fn min_length(&self) -> u32 {
        self.stop.min_length()
    }

    /// Checks the design on its own and against `pool`; every problem is named.
    pub fn validate(&self, pool: &Pool) -> Result<()> {
        let mut problems = Vec::new();
        if !(self.prior_mean.is_finite() && self.prior_mean.abs() <= 5.0) {
            problems.push(format!("prior_mean must be within ±5, got {}", self.prior_mean));
        }
        if !(self.prior_sd > 0.05 && self.prior_sd <= 5.0) {
            problems.push(format!("prior_sd must be in (0.05, 5], got {}", self.prior_sd));
        }
        if !(1..=MAX_RANDOMESQUE).contains(&self.randomesque) {
            problems.push(format!("randomesque must be 1–{MAX_RANDOMESQUE}, got {}", self.randomesque));
        }
        match self.stop {
            Stopping::FixedLength { length } if !(1..=MAX_LENGTH).contains(&length) => {
                problems.push(format!("stop.length must be 1–{MAX_LENGTH}, got {length}"));
            }
            Stopping::Precision { se, min_length, max_length } => {
                if !(se > 0.0 && se < 1.0) {
                    problems.push(format!("stop.se must be in (0, 1), got {se}"));
                }
                if !(1..=MAX_LENGTH).contains(&max_length) || min_length > max_length {
                    problems.push(format!(
                        "stop.min_length ({min_length}) ≤ stop.max_length ({max_length}) ≤ {MAX_LENGTH} is required"
                    ));
                }
            }
            _ => {}
        }
        let max = self.stop.max_length() as usize;
        if max > pool.len() {
            problems.push(format!("the test may reach {max} items but the pool has {}", pool.len()));
        }
        if let Some(bp) = &self.blueprint {
            let n = bp.form_length();
            if self.stop != (Stopping::FixedLength { length: n }) {
                problems.push(format!(
                    "a blueprint fixes the test length: stop must be fixed_length with length {n} (the blueprint's form length)"
                ));
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(CatError::Design(problems.join("; "))) }
    }
}
