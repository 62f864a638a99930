//! The blueprint (ma trận đề): the exam board's contract, read from YAML.
//!
//! Parsing keeps YAML locations (`serde_saphyr::Spanned`) so that every error names the key and
//! the line, e.g. ``line 14, `matrix[1].van_dung`: min 3 is above max 2``. Unknown keys are refused
//! (a typo such as `van_dun` must not silently drop a rule). docs/formats.md ("Blueprint (YAML)") documents every key.

use std::collections::BTreeMap;

use khaothi_domain::item::is_topic_code;
use khaothi_domain::{ItemKind, Level};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

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
    /// Parses and validates a YAML blueprint; every problem found is reported, each with its key
    /// and line.
    pub fn from_yaml(yaml: &str) -> Result<Self, BlueprintError> {
        let raw = parse_raw(yaml)?;
        raw.validate()
    }

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

fn parse_raw(yaml: &str) -> Result<RawBlueprint, BlueprintError> {
    let mut path = String::new();
    let options = serde_saphyr::options! { with_snippet: false };
    let result = serde_saphyr::with_deserializer_from_str_with_options(yaml, options, |de| {
        let mut track = serde_path_to_error::Track::new();
        let r = RawBlueprint::deserialize(serde_path_to_error::Deserializer::new(de, &mut track));
        if r.is_err() {
            path = track.path().to_string();
        }
        r
    });
    result.map_err(|e| {
        let loc = e.location();
        // `Spanned` wraps values in a synthetic `value` field; the board's key has no such level.
        let key = format!(".{path}.").replace(".value.", ".").replace(".value[", "[").replace(".value.", ".");
        let key = key.trim_matches('.').to_string();
        let key = if key.is_empty() || key == "." { "$".to_string() } else { key };
        BlueprintError(vec![BlueprintIssue {
            key,
            line: loc.map(|l| l.line()),
            column: loc.map(|l| l.column()),
            message: strip_location(&e.to_string()),
        }])
    })
}

/// serde-saphyr appends " at line L column C"; the issue carries the location separately.
fn strip_location(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or(msg);
    match first.find(" at line ") {
        Some(p) => first[..p].to_string(),
        None => first.to_string(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBlueprint {
    name: Spanned<String>,
    subject: Spanned<String>,
    #[serde(default)]
    grade: Option<Spanned<u8>>,
    #[serde(default)]
    duration_minutes: Option<u32>,
    #[serde(default)]
    total_points: Option<Spanned<f64>>,
    #[serde(default)]
    forms: Option<Spanned<u32>>,
    #[serde(default)]
    versions: Option<Spanned<u32>>,
    #[serde(default)]
    max_overlap: Option<Spanned<f64>>,
    sections: Spanned<Vec<Spanned<RawSection>>>,
    #[serde(default)]
    matrix: Vec<Spanned<RawRow>>,
    #[serde(default)]
    information: Option<Spanned<RawInformation>>,
    #[serde(default)]
    difficulty: Option<Spanned<RawDifficulty>>,
    #[serde(default)]
    exposure: Option<Spanned<Exposure>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    kind: ItemKind,
    count: u32,
    points: f64,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawCount {
    Exact(f64),
    Range {
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    topic: String,
    #[serde(default)]
    kind: Option<ItemKind>,
    #[serde(default)]
    unit: Option<CountUnit>,
    #[serde(default)]
    biet: Option<Spanned<RawCount>>,
    #[serde(default)]
    hieu: Option<Spanned<RawCount>>,
    #[serde(default)]
    van_dung: Option<Spanned<RawCount>>,
    #[serde(default)]
    van_dung_cao: Option<Spanned<RawCount>>,
    #[serde(default)]
    total: Option<Spanned<RawCount>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInformation {
    objective: Objective,
    thetas: Vec<f64>,
    #[serde(default)]
    target: Option<Vec<f64>>,
    #[serde(default)]
    reference_form: Option<Vec<String>>,
    #[serde(default)]
    ceiling: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDifficulty {
    #[serde(default)]
    item_b: Option<Spanned<RawCount>>,
    #[serde(default)]
    mean_b: Option<Spanned<RawCount>>,
}

struct Issues(Vec<BlueprintIssue>);

impl Issues {
    fn push(&mut self, key: impl Into<String>, line: Option<u64>, message: impl Into<String>) {
        self.0.push(BlueprintIssue { key: key.into(), line, column: None, message: message.into() });
    }
}

fn line_of<T>(s: &Spanned<T>) -> Option<u64> {
    let l = s.referenced.line();
    (l > 0).then_some(l)
}

fn bounds(raw: &Spanned<RawCount>, key: &str, integral: bool, issues: &mut Issues) -> Bounds {
    let line = line_of(raw);
    let b = match raw.value {
        RawCount::Exact(n) => Bounds::exact(n),
        RawCount::Range { min, max } => {
            if min.is_none() && max.is_none() {
                issues.push(key, line, "give a number or {min, max}");
            }
            Bounds { min: min.unwrap_or(0.0), max }
        }
    };
    let nums = [Some(b.min), b.max];
    if nums.iter().flatten().any(|x| !x.is_finite()) {
        issues.push(key, line, "must be finite numbers");
    } else if integral && nums.iter().flatten().any(|x| *x < 0.0 || x.fract() != 0.0) {
        issues.push(key, line, "counts must be whole numbers ≥ 0");
    } else if let Some(m) = b.max
        && m < b.min
    {
        issues.push(key, line, format!("min {} is above max {}", fmt_num(b.min), fmt_num(m)));
    }
    b
}

impl RawBlueprint {
    fn validate(self) -> Result<Blueprint, BlueprintError> {
        let mut issues = Issues(Vec::new());
        if self.name.value.trim().is_empty() {
            issues.push("name", line_of(&self.name), "is empty");
        }
        let subject = self.subject.value.trim().to_string();
        if subject.is_empty()
            || !subject.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            issues.push(
                "subject",
                line_of(&self.subject),
                format!("\"{subject}\" is not a subject code such as toan"),
            );
        }
        if let Some(g) = &self.grade
            && !(1..=12).contains(&g.value)
        {
            issues.push("grade", line_of(g), format!("must be 1–12, got {}", g.value));
        }
        let forms = self.forms.as_ref().map_or(1, |f| f.value);
        if let Some(f) = &self.forms
            && !(1..=99).contains(&f.value)
        {
            issues.push("forms", line_of(f), format!("must be 1–99, got {}", f.value));
        }
        let versions = self.versions.as_ref().map_or(1, |v| v.value);
        if let Some(v) = &self.versions
            && !(1..=99).contains(&v.value)
        {
            issues.push(
                "versions",
                line_of(v),
                format!("must be 1–99 (codes have two digits), got {}", v.value),
            );
        }
        let max_overlap = self.max_overlap.as_ref().map_or(0.0, |o| o.value);
        if let Some(o) = &self.max_overlap
            && !(0.0..=1.0).contains(&o.value)
        {
            issues.push("max_overlap", line_of(o), format!("is a share of a form, 0–1, got {}", o.value));
        }

        let sections_line = line_of(&self.sections);
        let mut sections = Vec::new();
        if self.sections.value.is_empty() {
            issues.push("sections", sections_line, "needs at least one section");
        }
        for (i, s) in self.sections.value.iter().enumerate() {
            let key = format!("sections[{i}]");
            let line = line_of(s);
            if s.value.count == 0 {
                issues.push(format!("{key}.count"), line, "must be at least 1");
            }
            if !(s.value.points.is_finite() && s.value.points > 0.0) {
                issues.push(format!("{key}.points"), line, "must be a positive number");
            }
            if sections.iter().any(|p: &Section| p.kind == s.value.kind) {
                issues.push(
                    format!("{key}.kind"),
                    line,
                    format!("a second {} section; give each kind one section", s.value.kind),
                );
            }
            sections.push(Section {
                kind: s.value.kind,
                count: s.value.count,
                points: s.value.points,
                name: s.value.name.clone(),
                line,
            });
        }
        let total: f64 = sections.iter().map(|s| f64::from(s.count) * s.points).sum();
        if let Some(tp) = &self.total_points
            && (tp.value - total).abs() > 1e-6
        {
            issues.push(
                "total_points",
                line_of(tp),
                format!("is {} but the sections give {}", fmt_num(tp.value), fmt_num(total)),
            );
        }

        let mut matrix = Vec::new();
        for (i, r) in self.matrix.iter().enumerate() {
            let key = format!("matrix[{i}]");
            let line = line_of(r);
            let row = &r.value;
            if !is_topic_code(row.topic.trim_end_matches('.')) {
                issues.push(
                    format!("{key}.topic"),
                    line,
                    format!("\"{}\" is not a topic code (dot-separated segments, e.g. 12.1)", row.topic),
                );
            }
            if let Some(k) = row.kind
                && !sections.iter().any(|s| s.kind == k)
            {
                issues.push(format!("{key}.kind"), line, format!("no section holds {k} items"));
            }
            let unit = row.unit.unwrap_or_default();
            let integral = unit != CountUnit::Points;
            let mut levels = BTreeMap::new();
            for (level, raw) in [
                (Level::Biet, &row.biet),
                (Level::Hieu, &row.hieu),
                (Level::VanDung, &row.van_dung),
                (Level::VanDungCao, &row.van_dung_cao),
            ] {
                if let Some(raw) = raw {
                    levels.insert(level, bounds(raw, &format!("{key}.{level}"), integral, &mut issues));
                }
            }
            let total = row.total.as_ref().map(|t| bounds(t, &format!("{key}.total"), integral, &mut issues));
            if levels.is_empty() && total.is_none() {
                issues.push(
                    key.clone(),
                    line,
                    "gives no count: add biet, hieu, van_dung, van_dung_cao or total",
                );
            }
            matrix.push(MatrixRow {
                topic: row.topic.trim_end_matches('.').to_string(),
                kind: row.kind,
                unit,
                levels,
                total,
                line,
            });
        }

        let information = self.information.as_ref().map(|inf| {
            let line = line_of(inf);
            let v = &inf.value;
            if v.thetas.is_empty() {
                issues.push("information.thetas", line, "needs at least one θ point");
            }
            if v.thetas.iter().any(|t| !(t.is_finite() && (-6.0..=6.0).contains(t))) {
                issues.push("information.thetas", line, "θ points must lie in −6…6");
            }
            match v.objective {
                Objective::Target => match &v.target {
                    None => issues.push("information.target", line, "is required with objective: target"),
                    Some(t) if t.len() != v.thetas.len() => issues.push(
                        "information.target",
                        line,
                        format!("has {} values for {} θ points", t.len(), v.thetas.len()),
                    ),
                    Some(t) if t.iter().any(|x| !(x.is_finite() && *x >= 0.0)) => {
                        issues.push("information.target", line, "values must be numbers ≥ 0")
                    }
                    Some(_) => {}
                },
                Objective::Reference => {
                    if v.reference_form.as_ref().is_none_or(Vec::is_empty) {
                        issues.push(
                            "information.reference_form",
                            line,
                            "is required with objective: reference (the item ids of the reference form)",
                        );
                    }
                }
                Objective::Maximin => {
                    if v.target.is_some() {
                        issues.push("information.target", line, "only applies with objective: target");
                    }
                }
            }
            if let Some(c) = v.ceiling
                && !(c.is_finite() && c >= 0.0)
            {
                issues.push("information.ceiling", line, "must be a number ≥ 0, e.g. 0.1 for 10%");
            }
            Information {
                objective: v.objective,
                thetas: v.thetas.clone(),
                target: v.target.clone(),
                reference_form: v.reference_form.clone(),
                ceiling: v.ceiling,
            }
        });

        let difficulty = self.difficulty.as_ref().map(|d| Difficulty {
            item_b: d.value.item_b.as_ref().map(|b| bounds(b, "difficulty.item_b", false, &mut issues)),
            mean_b: d.value.mean_b.as_ref().map(|b| bounds(b, "difficulty.mean_b", false, &mut issues)),
        });
        if let Some(d) = &self.difficulty
            && d.value.item_b.is_none()
            && d.value.mean_b.is_none()
        {
            issues.push("difficulty", line_of(d), "give item_b and/or mean_b");
        }
        if let Some(e) = &self.exposure
            && e.value.max_uses == 0
        {
            issues.push("exposure.max_uses", line_of(e), "must be at least 1");
        }

        if !issues.0.is_empty() {
            return Err(BlueprintError(issues.0));
        }
        Ok(Blueprint {
            name: self.name.value,
            subject,
            grade: self.grade.map(|g| g.value),
            duration_minutes: self.duration_minutes,
            total_points: self.total_points.map(|t| t.value),
            forms,
            versions,
            max_overlap,
            sections,
            matrix,
            information,
            difficulty,
            exposure: self.exposure.map(|e| e.value),
        })
    }
}

#[cfg(test)]
mod tests;
