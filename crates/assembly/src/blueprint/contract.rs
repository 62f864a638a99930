//! The validated blueprint: what the rest of the crate reads. Built only by validation (module
//! `validate`) from the YAML as written (module `raw`); serialisable so the bank can store it as
//! JSON.

use std::collections::BTreeMap;

use khaothi_domain::{ItemKind, Level};
use serde::{Deserialize, Serialize};

/// A validated blueprint. Serialisable so the bank can store it as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Blueprint {
    pub name: String,
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_points: Option<f64>,
    /// Parallel forms assembled together.
    pub forms: u32,
    /// Shuffled versions (mã đề) of each form.
    pub versions: u32,
    /// Largest share of a form's items that any two forms may have in common.
    pub max_overlap: f64,
    /// In delivery order; one section per item kind.
    pub sections: Vec<Section>,
    #[serde(default)]
    pub matrix: Vec<MatrixRow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub information: Option<Information>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difficulty: Option<Difficulty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposure: Option<Exposure>,
    /// A passage (stimulus) may feed groups in several sections of one form. Off by default: a
    /// passage feeds one item group per form, since an item of one part may give away another's
    /// answer (a statement of part II restating a part I question on the same passage).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stimulus_across_sections: bool,
    /// What the printed paper's masthead says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paper: Option<PaperText>,
}

/// The printed paper's masthead lines (docs/formats.md, "Blueprint (YAML)", key `paper`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PaperText {
    /// The issuing body, e.g. "BỘ GIÁO DỤC VÀ ĐÀO TẠO" (the default) or "SỞ GIÁO DỤC VÀ ĐÀO TẠO HÀ NỘI".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// The examination, e.g. "KỲ THI TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG NĂM 2025" (default: the
    /// blueprint's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exam: Option<String>,
    /// "ĐỀ THI CHÍNH THỨC" (the default), "ĐỀ THI THAM KHẢO", …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub kind: ItemKind,
    pub count: u32,
    /// Points of each item of the section.
    pub points: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// YAML line, for messages.
    #[serde(skip)]
    pub line: Option<u64>,
}

/// What a matrix cell counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CountUnit {
    /// Items whose own level is the cell's level.
    #[default]
    Items,
    /// Scored units by level: each statement of a `true_false_group` with its own level, any other
    /// item as one unit (THPT counts part II by statement).
    Statements,
    /// Points of the items (their section's points) whose level is the cell's level.
    Points,
}

impl CountUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Items => "items",
            Self::Statements => "statements",
            Self::Points => "points",
        }
    }
}

/// An exact count (`min == max`) or a range; `max: None` is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    pub min: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl Bounds {
    pub fn exact(n: f64) -> Self {
        Self { min: n, max: Some(n) }
    }

    pub fn contains(&self, x: f64) -> bool {
        x >= self.min - 1e-9 && self.max.is_none_or(|m| x <= m + 1e-9)
    }

    /// `3`, `1–2` or `≥ 1`, as a board writes it.
    pub fn describe(&self) -> String {
        match self.max {
            Some(m) if (m - self.min).abs() < 1e-12 => fmt_num(m),
            Some(m) => format!("{}–{}", fmt_num(self.min), fmt_num(m)),
            None => format!("at least {}", fmt_num(self.min)),
        }
    }
}

pub(crate) fn fmt_num(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 { format!("{}", x.round() as i64) } else { format!("{x}") }
}

/// One row of the matrix: a topic prefix (whole dot-separated segments), optionally one item kind,
/// and bounds per level and/or in total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixRow {
    pub topic: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ItemKind>,
    #[serde(default)]
    pub unit: CountUnit,
    pub levels: BTreeMap<Level, Bounds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Bounds>,
    #[serde(skip)]
    pub line: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Maximise the smallest information over the θ points.
    Maximin,
    /// Minimise the largest deviation from `target` at the θ points.
    Target,
    /// Minimise the largest deviation from the information of `reference_form`.
    Reference,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Information {
    pub objective: Objective,
    pub thetas: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_form: Option<Vec<String>>,
    /// Maximin only: each form's information at every θ is at most (1 + ceiling) × its floor, so
    /// forms are flat across the θ points and cannot run far above each other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceiling: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difficulty {
    /// Every item's difficulty (b, or mean threshold) within these limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_b: Option<Bounds>,
    /// The form's mean item difficulty within these limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_b: Option<Bounds>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exposure {
    /// An item may appear on at most this many forms, counting its past `uses`.
    pub max_uses: u32,
}

/// A problem in a blueprint, located.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlueprintIssue {
    /// Path of the key, e.g. `matrix[1].van_dung`.
    pub key: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

impl std::fmt::Display for BlueprintIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}, `{}`: {}", self.key, self.message),
            None => write!(f, "`{}`: {}", self.key, self.message),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid blueprint: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct BlueprintError(pub Vec<BlueprintIssue>);

impl Blueprint {
    /// Total points of a form: Σ count × points over the sections.
    pub fn form_points(&self) -> f64 {
        self.sections.iter().map(|s| f64::from(s.count) * s.points).sum()
    }

    /// Items on each form.
    pub fn form_length(&self) -> u32 {
        self.sections.iter().map(|s| s.count).sum()
    }

    /// Most items two forms may share: ⌊max_overlap × form length⌋.
    pub fn overlap_items(&self) -> u32 {
        (self.max_overlap * f64::from(self.form_length()) + 1e-9).floor() as u32
    }

    pub fn section_of(&self, kind: ItemKind) -> Option<usize> {
        self.sections.iter().position(|s| s.kind == kind)
    }
}
