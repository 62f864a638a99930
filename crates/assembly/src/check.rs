//! An independent checker: every blueprint rule recomputed from the items and the forms alone,
//! without the pool, the model or the solver. Tests run it on every assembly; the bank can run it
//! on forms edited by hand.

use std::collections::{HashMap, HashSet};

use khaothi_domain::form::Form;
use khaothi_domain::{Item, Level, ReviewStatus, topic_has_prefix};
use serde::Serialize;

use crate::blueprint::{Blueprint, Bounds, CountUnit, MatrixRow, fmt_num};
use crate::info::model_of;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// The blueprint rule, e.g. `sections[1].count`, `matrix[0].van_dung`, `max_overlap`.
    pub rule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    pub message: String,
}

/// Every rule of `bp` that `forms` break. Empty means the forms meet the blueprint.
pub fn check_forms(bp: &Blueprint, items: &[Item], forms: &[Form]) -> Vec<Violation> {
    let mut c =
        Checker { bp, items, by_id: items.iter().map(|i| (i.id.as_str(), i)).collect(), out: Vec::new() };
    if forms.len() != bp.forms as usize {
        c.flag("forms", None, format!("{} forms, the blueprint asks for {}", forms.len(), bp.forms));
    }
    for form in forms {
        let on = c.items_on(form);
        c.item_rules(form, &on);
        c.sections(form, &on);
        c.matrix(form, &on);
        c.enemies(form, &on);
        c.stimuli(form, &on);
        c.difficulty(form, &on);
    }
    c.overlap(forms);
    c.exposure(forms);
    c.out
}

/// The rules checked one group at a time, collecting violations in rule order.
struct Checker<'a> {
    bp: &'a Blueprint,
    items: &'a [Item],
    by_id: HashMap<&'a str, &'a Item>,
    out: Vec<Violation>,
}

impl<'a> Checker<'a> {
    fn flag(&mut self, rule: &str, form: Option<&Form>, message: String) {
        self.out.push(Violation { rule: rule.to_string(), form: form.map(|f| f.id.clone()), message })
    }

    fn section_of(&self, i: &Item) -> Option<usize> {
        self.bp.sections.iter().position(|s| s.kind == i.kind())
    }

    /// The form's items, in order; an item listed twice or not among the items is a violation.
    fn items_on(&mut self, form: &Form) -> Vec<&'a Item> {
        let mut seen = HashSet::new();
        let mut on: Vec<&Item> = Vec::new();
        for id in form.item_ids() {
            if !seen.insert(id) {
                self.flag("items", Some(form), format!("item {id} appears twice"));
            }
            match self.by_id.get(id) {
                Some(i) => on.push(i),
                None => self.flag("items", Some(form), format!("item {id} is not among the items")),
            }
        }
        on
    }

    /// Each item's subject, status and calibration.
    fn item_rules(&mut self, form: &Form, on: &[&Item]) {
        for item in on {
            if item.subject != self.bp.subject {
                self.flag("subject", Some(form), format!("item {} is of subject {}", item.id, item.subject));
            }
            if item.status == ReviewStatus::Retired {
                self.flag("status", Some(form), format!("item {} is retired", item.id));
            }
            if self.bp.information.is_some() && model_of(item).is_none() {
                self.flag("information", Some(form), format!("item {} is not calibrated", item.id));
            }
        }
    }

    /// Sections: counts and delivery order (each section contiguous, in blueprint order).
    fn sections(&mut self, form: &Form, on: &[&Item]) {
        let order: Vec<Option<usize>> = on.iter().map(|i| self.section_of(i)).collect();
        if order.iter().any(Option::is_none) {
            self.flag("sections", Some(form), "an item's kind has no section".into());
        }
        if order.windows(2).any(|w| w[0] > w[1]) {
            self.flag("sections", Some(form), "items are not in section order".into());
        }
        for (s, section) in self.bp.sections.iter().enumerate() {
            let n = order.iter().filter(|o| **o == Some(s)).count();
            if n != section.count as usize {
                self.flag(
                    &format!("sections[{s}].count"),
                    Some(form),
                    format!("{n} {} items, not {}", section.kind, section.count),
                );
            }
        }
    }

    /// Matrix cells: each level's (and the row total's) count within its bounds.
    fn matrix(&mut self, form: &Form, on: &[&Item]) {
        let bp = self.bp;
        for (r, row) in bp.matrix.iter().enumerate() {
            let cells = row.levels.iter().map(|(l, b)| (Some(*l), *b)).chain(row.total.map(|t| (None, t)));
            for (level, bounds) in cells {
                let count = self.cell_count(row, level, on);
                if !bounds.contains(count) {
                    self.flag_cell(form, r, row, level, count, bounds);
                }
            }
        }
    }

    /// What one matrix cell counts on a form: items, statements or points at `level` (`None`:
    /// any level) in the row's topic and kind.
    fn cell_count(&self, row: &MatrixRow, level: Option<Level>, on: &[&Item]) -> f64 {
        on.iter()
            .filter(|i| row.kind.is_none_or(|k| k == i.kind()) && topic_has_prefix(&i.topic, &row.topic))
            .map(|i| match row.unit {
                CountUnit::Items => f64::from(u8::from(level.is_none_or(|l| l == i.level))),
                CountUnit::Statements => {
                    i.unit_levels().iter().filter(|x| level.is_none_or(|l| l == **x)).count() as f64
                }
                CountUnit::Points => {
                    if level.is_none_or(|l| l == i.level) {
                        self.section_of(i).map_or(0.0, |s| self.bp.sections[s].points)
                    } else {
                        0.0
                    }
                }
            })
            .sum()
    }

    fn flag_cell(
        &mut self,
        form: &Form,
        r: usize,
        row: &MatrixRow,
        level: Option<Level>,
        count: f64,
        bounds: Bounds,
    ) {
        let key = format!("matrix[{r}].{}", level.map_or("total", |l| l.as_str()));
        self.flag(
            &key,
            Some(form),
            format!(
                "{} in topic {}, the blueprint asks for {}",
                fmt_num(count),
                row.topic,
                bounds.describe()
            ),
        );
    }

    fn enemies(&mut self, form: &Form, on: &[&Item]) {
        for (x, a) in on.iter().enumerate() {
            for b in &on[x + 1..] {
                if a.enemies.contains(&b.id) || b.enemies.contains(&a.id) {
                    self.flag("enemies", Some(form), format!("enemies {} and {} share the form", a.id, b.id));
                }
            }
        }
    }

    /// Stimulus groups: all or none, and together within their section; one section per passage
    /// unless the blueprint says `stimulus_across_sections: true`.
    fn stimuli(&mut self, form: &Form, on: &[&Item]) {
        let ids: HashSet<&str> = on.iter().map(|i| i.id.as_str()).collect();
        let stimuli: HashSet<&str> = on.iter().filter_map(|i| i.stimulus.as_deref()).collect();
        let (bp, items) = (self.bp, self.items);
        for s in stimuli {
            let sections: HashSet<Option<usize>> =
                on.iter().filter(|i| i.stimulus.as_deref() == Some(s)).map(|i| self.section_of(i)).collect();
            if sections.len() > 1 && !bp.stimulus_across_sections {
                self.flag(
                    "stimulus_across_sections",
                    Some(form),
                    format!(
                        "stimulus {s} feeds {} sections: a passage feeds one item group per form",
                        sections.len()
                    ),
                );
            }
            let fed: HashSet<Option<usize>> =
                if bp.stimulus_across_sections { HashSet::new() } else { sections };
            for member in items.iter().filter(|i| {
                i.stimulus.as_deref() == Some(s)
                    && i.subject == bp.subject
                    && i.status == ReviewStatus::Approved
                    && (bp.stimulus_across_sections || fed.contains(&bp.section_of(i.kind())))
            }) {
                if !ids.contains(member.id.as_str()) {
                    self.flag(
                        "stimulus",
                        Some(form),
                        format!("item {} of stimulus {s} is missing: a group is all or none", member.id),
                    );
                }
            }
            let pos: Vec<(Option<usize>, usize)> = on
                .iter()
                .enumerate()
                .filter(|(_, i)| i.stimulus.as_deref() == Some(s))
                .map(|(p, i)| (self.section_of(i), p))
                .collect();
            for w in pos.windows(2) {
                if w[0].0 == w[1].0 && w[1].1 != w[0].1 + 1 {
                    self.flag("stimulus", Some(form), format!("the items of stimulus {s} are not together"));
                }
            }
        }
    }

    /// Each item's difficulty and the form's mean difficulty within their bounds.
    fn difficulty(&mut self, form: &Form, on: &[&Item]) {
        let Some(d) = &self.bp.difficulty else { return };
        let bs: Vec<f64> = on.iter().filter_map(|i| model_of(i)).map(|m| m.difficulty()).collect();
        if let Some(lim) = d.item_b {
            for (i, b) in on.iter().zip(&bs) {
                if !lim.contains(*b) {
                    self.flag(
                        "difficulty.item_b",
                        Some(form),
                        format!("item {} has difficulty {b:.2}", i.id),
                    );
                }
            }
        }
        if let Some(lim) = d.mean_b {
            let mean = bs.iter().sum::<f64>() / bs.len().max(1) as f64;
            if !lim.contains(mean) {
                self.flag(
                    "difficulty.mean_b",
                    Some(form),
                    format!("mean difficulty {mean:.3} outside {}", lim.describe()),
                );
            }
        }
    }

    /// Items shared by two forms.
    fn overlap(&mut self, forms: &[Form]) {
        let n_items = self.bp.sections.iter().map(|s| s.count as usize).sum::<usize>();
        let overlap = (self.bp.max_overlap * n_items as f64 + 1e-9).floor() as usize;
        for (k, a) in forms.iter().enumerate() {
            let sa: HashSet<&str> = a.item_ids().collect();
            for b in &forms[k + 1..] {
                let shared = b.item_ids().filter(|i| sa.contains(i)).count();
                if shared > overlap {
                    self.flag(
                        "max_overlap",
                        None,
                        format!("{} and {} share {shared} items; at most {overlap} allowed", a.id, b.id),
                    );
                }
            }
        }
    }

    /// Uses of each item, past and on these forms, within the exposure cap.
    fn exposure(&mut self, forms: &[Form]) {
        let Some(e) = &self.bp.exposure else { return };
        let mut count: HashMap<&str, u32> = HashMap::new();
        for f in forms {
            for id in f.item_ids() {
                *count.entry(id).or_default() += 1;
            }
        }
        for (id, n) in count {
            let past = self.by_id.get(id).map_or(0, |i| i.uses);
            if past + n > e.max_uses {
                self.flag(
                    "exposure.max_uses",
                    None,
                    format!("item {id}: {past} past uses + {n} forms > {}", e.max_uses),
                );
            }
        }
    }
}
