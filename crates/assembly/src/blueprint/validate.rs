//! From the blueprint as written to the validated [`Blueprint`]: every rule of docs/formats.md
//! ("Blueprint (YAML)") checked, and every problem reported at once, each with its key and line.

use std::collections::BTreeMap;

use khaothi_domain::Level;
use khaothi_domain::item::is_topic_code;
use serde_saphyr::Spanned;

use super::contract::{
    Blueprint, BlueprintError, BlueprintIssue, Bounds, CountUnit, Difficulty, Information, MatrixRow,
    Objective, Section, fmt_num,
};
use super::raw::{RawBlueprint, RawCount, RawInformation, RawRow, RawSection};

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

/// The form-level numbers of a blueprint: forms, versions, share two forms may have in common.
struct Counts {
    forms: u32,
    versions: u32,
    max_overlap: f64,
}

impl RawBlueprint {
    pub(super) fn validate(self) -> Result<Blueprint, BlueprintError> {
        let mut issues = Issues(Vec::new());
        let subject = self.check_names(&mut issues);
        let counts = self.counts(&mut issues);
        let sections = sections(&self.sections, &mut issues);
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
        let matrix =
            self.matrix.iter().enumerate().map(|(i, r)| matrix_row(i, r, &sections, &mut issues)).collect();
        let information = self.information.as_ref().map(|inf| information(inf, &mut issues));
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
            forms: counts.forms,
            versions: counts.versions,
            max_overlap: counts.max_overlap,
            sections,
            matrix,
            information,
            difficulty,
            exposure: self.exposure.map(|e| e.value),
            stimulus_across_sections: self.stimulus_across_sections,
            paper: self.paper,
        })
    }

    /// Name, subject code and grade; returns the trimmed subject.
    fn check_names(&self, issues: &mut Issues) -> String {
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
        subject
    }

    /// Forms, versions and the overlap share, each within its range.
    fn counts(&self, issues: &mut Issues) -> Counts {
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
        Counts { forms, versions, max_overlap }
    }
}

/// The sections in delivery order: positive counts and points, one section per item kind.
fn sections(raw: &Spanned<Vec<Spanned<RawSection>>>, issues: &mut Issues) -> Vec<Section> {
    let sections_line = line_of(raw);
    let mut sections = Vec::new();
    if raw.value.is_empty() {
        issues.push("sections", sections_line, "needs at least one section");
    }
    for (i, s) in raw.value.iter().enumerate() {
        let key = format!("sections[{i}]");
        let line = line_of(s);
        if s.value.count == 0 {
            issues.push(format!("{key}.count"), line, "must be at least 1");
        }
        if !(s.value.points.is_finite() && s.value.points > 0.0) {
            issues.push(format!("{key}.points"), line, "must be a positive number");
        }
        if !s.value.kind.is_thpt() {
            issues.push(
                format!("{key}.kind"),
                line,
                format!(
                    "{} items are not part of a THPT paper and delivery does not score them yet",
                    s.value.kind
                ),
            );
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
    sections
}

/// One matrix row: a topic code, a kind some section holds, and at least one count.
fn matrix_row(i: usize, r: &Spanned<RawRow>, sections: &[Section], issues: &mut Issues) -> MatrixRow {
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
            levels.insert(level, bounds(raw, &format!("{key}.{level}"), integral, issues));
        }
    }
    let total = row.total.as_ref().map(|t| bounds(t, &format!("{key}.total"), integral, issues));
    if levels.is_empty() && total.is_none() {
        issues.push(key.clone(), line, "gives no count: add biet, hieu, van_dung, van_dung_cao or total");
    }
    MatrixRow {
        topic: row.topic.trim_end_matches('.').to_string(),
        kind: row.kind,
        unit,
        levels,
        total,
        line,
    }
}

/// The information objective: θ points in range, and what each objective needs.
fn information(inf: &Spanned<RawInformation>, issues: &mut Issues) -> Information {
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
}
