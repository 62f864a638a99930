//! An independent checker: every blueprint rule recomputed from the items and the forms alone,
//! without the pool, the model or the solver. Tests run it on every assembly; the bank can run it
//! on forms edited by hand.

use std::collections::{HashMap, HashSet};

use khaothi_domain::form::Form;
use khaothi_domain::{Item, ReviewStatus, topic_has_prefix};
use serde::Serialize;

use crate::blueprint::{Blueprint, CountUnit, fmt_num};
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
    let by_id: HashMap<&str, &Item> = items.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut out = Vec::new();
    let mut v = |rule: &str, form: Option<&Form>, message: String| {
        out.push(Violation { rule: rule.to_string(), form: form.map(|f| f.id.clone()), message })
    };
    let n_items = bp.sections.iter().map(|s| s.count as usize).sum::<usize>();
    let overlap = (bp.max_overlap * n_items as f64 + 1e-9).floor() as usize;
    if forms.len() != bp.forms as usize {
        v("forms", None, format!("{} forms, the blueprint asks for {}", forms.len(), bp.forms));
    }
    for form in forms {
        let mut seen = HashSet::new();
        let mut on: Vec<&Item> = Vec::new();
        for id in form.item_ids() {
            if !seen.insert(id) {
                v("items", Some(form), format!("item {id} appears twice"));
            }
            match by_id.get(id) {
                Some(i) => on.push(i),
                None => v("items", Some(form), format!("item {id} is not among the items")),
            }
        }
        for item in &on {
            if item.subject != bp.subject {
                v("subject", Some(form), format!("item {} is of subject {}", item.id, item.subject));
            }
            if item.status == ReviewStatus::Retired {
                v("status", Some(form), format!("item {} is retired", item.id));
            }
            if bp.information.is_some() && model_of(item).is_none() {
                v("information", Some(form), format!("item {} is not calibrated", item.id));
            }
        }
        // Sections: counts and delivery order (each section contiguous, in blueprint order).
        let section_of = |i: &Item| bp.sections.iter().position(|s| s.kind == i.kind());
        let order: Vec<Option<usize>> = on.iter().map(|i| section_of(i)).collect();
        if order.iter().any(Option::is_none) {
            v("sections", Some(form), "an item's kind has no section".into());
        }
        if order.windows(2).any(|w| w[0] > w[1]) {
            v("sections", Some(form), "items are not in section order".into());
        }
        for (s, section) in bp.sections.iter().enumerate() {
            let n = order.iter().filter(|o| **o == Some(s)).count();
            if n != section.count as usize {
                v(
                    &format!("sections[{s}].count"),
                    Some(form),
                    format!("{n} {} items, not {}", section.kind, section.count),
                );
            }
        }
        // Matrix cells.
        for (r, row) in bp.matrix.iter().enumerate() {
            let cells = row.levels.iter().map(|(l, b)| (Some(*l), *b)).chain(row.total.map(|t| (None, t)));
            for (level, bounds) in cells {
                let count: f64 = on
                    .iter()
                    .filter(|i| {
                        row.kind.is_none_or(|k| k == i.kind()) && topic_has_prefix(&i.topic, &row.topic)
                    })
                    .map(|i| match row.unit {
                        CountUnit::Items => f64::from(u8::from(level.is_none_or(|l| l == i.level))),
                        CountUnit::Statements => {
                            i.unit_levels().iter().filter(|x| level.is_none_or(|l| l == **x)).count() as f64
                        }
                        CountUnit::Points => {
                            if level.is_none_or(|l| l == i.level) {
                                section_of(i).map_or(0.0, |s| bp.sections[s].points)
                            } else {
                                0.0
                            }
                        }
                    })
                    .sum();
                if !bounds.contains(count) {
                    let key = format!("matrix[{r}].{}", level.map_or("total", |l| l.as_str()));
                    v(
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
            }
        }
        // Enemies.
        let ids: HashSet<&str> = on.iter().map(|i| i.id.as_str()).collect();
        for (x, a) in on.iter().enumerate() {
            for b in &on[x + 1..] {
                if a.enemies.contains(&b.id) || b.enemies.contains(&a.id) {
                    v("enemies", Some(form), format!("enemies {} and {} share the form", a.id, b.id));
                }
            }
        }
        // Stimulus groups: all or none, and together within their section.
        let stimuli: HashSet<&str> = on.iter().filter_map(|i| i.stimulus.as_deref()).collect();
        for s in stimuli {
            for member in items.iter().filter(|i| {
                i.stimulus.as_deref() == Some(s)
                    && i.subject == bp.subject
                    && i.status == ReviewStatus::Approved
            }) {
                if !ids.contains(member.id.as_str()) {
                    v(
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
                .map(|(p, i)| (section_of(i), p))
                .collect();
            for w in pos.windows(2) {
                if w[0].0 == w[1].0 && w[1].1 != w[0].1 + 1 {
                    v("stimulus", Some(form), format!("the items of stimulus {s} are not together"));
                }
            }
        }
        // Difficulty.
        if let Some(d) = &bp.difficulty {
            let bs: Vec<f64> = on.iter().filter_map(|i| model_of(i)).map(|m| m.difficulty()).collect();
            if let Some(lim) = d.item_b {
                for (i, b) in on.iter().zip(&bs) {
                    if !lim.contains(*b) {
                        v("difficulty.item_b", Some(form), format!("item {} has difficulty {b:.2}", i.id));
                    }
                }
            }
            if let Some(lim) = d.mean_b {
                let mean = bs.iter().sum::<f64>() / bs.len().max(1) as f64;
                if !lim.contains(mean) {
                    v(
                        "difficulty.mean_b",
                        Some(form),
                        format!("mean difficulty {mean:.3} outside {}", lim.describe()),
                    );
                }
            }
        }
    }
    // Overlap between forms.
    for (k, a) in forms.iter().enumerate() {
        let sa: HashSet<&str> = a.item_ids().collect();
        for b in &forms[k + 1..] {
            let shared = b.item_ids().filter(|i| sa.contains(i)).count();
            if shared > overlap {
                v(
                    "max_overlap",
                    None,
                    format!("{} and {} share {shared} items; at most {overlap} allowed", a.id, b.id),
                );
            }
        }
    }
    // Exposure.
    if let Some(e) = &bp.exposure {
        let mut count: HashMap<&str, u32> = HashMap::new();
        for f in forms {
            for id in f.item_ids() {
                *count.entry(id).or_default() += 1;
            }
        }
        for (id, n) in count {
            let past = by_id.get(id).map_or(0, |i| i.uses);
            if past + n > e.max_uses {
                v(
                    "exposure.max_uses",
                    None,
                    format!("item {id}: {past} past uses + {n} forms > {}", e.max_uses),
                );
            }
        }
    }
    out
}
