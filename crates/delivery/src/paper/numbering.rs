//! Part and printed number → the version's item (issue 22: "items are numbered per part as
//! printed"). The sheet (`khaothi omr sheet`) prints a part per kind of question — PHẦN I the
//! single-choice items (A–D bubbles), PHẦN II the true/false groups (Đúng/Sai per statement),
//! PHẦN III the short answers (digit columns) — each numbered Câu 1, 2, … in the version's delivery
//! order, so `II.2` is the version's second true/false group. (On a THPT-shaped form the parts are
//! also its sections I, II, III.) Values are checked exactly as the candidate websocket checks them
//! ([`khaothi_package::validate_answer`]).

use std::collections::BTreeMap;

use khaothi_domain::ItemKind;
use khaothi_package::{VersionContent, validate_answer};
use serde_json::Value;

/// One printed question of a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    pub item_id: String,
    pub kind: ItemKind,
}

/// The sheet's part of a kind of question; `None` for a kind the THPT sheet has no part for
/// (exam packages refuse such items, so a delivered version never holds one).
pub fn part_of(kind: ItemKind) -> Option<&'static str> {
    match kind {
        ItemKind::SingleChoice => Some("I"),
        ItemKind::TrueFalseGroup => Some("II"),
        ItemKind::ShortAnswer => Some("III"),
        ItemKind::MultipleResponse => None,
    }
}

/// Every printed question of a version by its key (`I.1`, `II.3`, …).
#[derive(Debug, Clone, Default)]
pub struct Numbering(BTreeMap<String, Printed>);

impl Numbering {
    pub fn of(version: &VersionContent) -> Self {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let mut keys = BTreeMap::new();
        for item in &version.items {
            let Some(part) = part_of(item.rendered.kind) else { continue };
            let n = counts.entry(part).or_default();
            *n += 1;
            keys.insert(
                format!("{part}.{n}"),
                Printed { item_id: item.rendered.id.clone(), kind: item.rendered.kind },
            );
        }
        Self(keys)
    }

    pub fn get(&self, key: &str) -> Option<&Printed> {
        self.0.get(key)
    }

    /// The item a key names and the value checked for it; `Ok(None)` when the value says nothing
    /// was marked (null, an empty string, four nulls), so that it overrides nothing.
    pub fn answer(
        &self,
        version: &str,
        key: &str,
        value: &Value,
    ) -> Result<Option<(&Printed, Value)>, String> {
        let printed = self.get(key).ok_or_else(|| format!("{key} is not a question of version {version}"))?;
        if !khaothi_package::is_answered(value) {
            return Ok(None);
        }
        validate_answer(printed.kind, value).map_err(|m| format!("{key}: {m}"))?;
        Ok(Some((printed, value.clone())))
    }
}

#[cfg(test)]
mod tests {
    use khaothi_package::ContentItem;
    use serde_json::json;

    use super::*;

    /// A version of `sections` items (section of each, in delivery order), ids `Q1`, `Q2`, ….
    fn version(sections: &[u32]) -> VersionContent {
        let items = sections
            .iter()
            .enumerate()
            .map(|(i, &section)| {
                let kind = match section {
                    0 => "single_choice",
                    1 => "true_false_group",
                    _ => "short_answer",
                };
                let rendered = serde_json::from_value(json!({"id": format!("Q{}", i + 1), "kind": kind,
                    "stem_html": "<p>x</p>"}))
                .expect("a rendered item");
                ContentItem { rendered, section }
            })
            .collect();
        VersionContent { code: "101".into(), form_id: "F".into(), items }
    }

    #[test]
    fn questions_are_numbered_per_part_in_the_versions_order() {
        let n = Numbering::of(&version(&[0, 0, 0, 1, 1, 2]));
        assert_eq!(n.get("I.3").unwrap().item_id, "Q3");
        assert_eq!(n.get("II.1").unwrap().item_id, "Q4");
        assert_eq!(n.get("II.2").unwrap().kind, ItemKind::TrueFalseGroup);
        assert_eq!(n.get("III.1").unwrap().item_id, "Q6");
        assert!(n.get("I.4").is_none() && n.get("III.2").is_none());
    }

    #[test]
    fn parts_follow_the_kind_printed_not_the_section() {
        // A form whose section 0 mixes a true/false group among its single-choice items.
        let mut v = version(&[0, 0, 2]);
        v.items[1].rendered.kind = ItemKind::TrueFalseGroup;
        let n = Numbering::of(&v);
        assert_eq!(n.get("I.1").unwrap().item_id, "Q1");
        assert_eq!(n.get("II.1").unwrap().item_id, "Q2");
        assert_eq!(n.get("III.1").unwrap().item_id, "Q3");
        assert!(n.get("I.2").is_none());
    }

    #[test]
    fn values_are_checked_as_the_websocket_checks_them() {
        let n = Numbering::of(&version(&[0, 1, 2]));
        assert_eq!(n.answer("101", "I.1", &json!("B")).unwrap().unwrap().1, json!("B"));
        assert!(n.answer("101", "I.1", &json!("E")).unwrap_err().contains("I.1"));
        assert!(n.answer("101", "II.1", &json!([true, false])).is_err());
        assert!(n.answer("101", "III.1", &json!("-1,5")).unwrap().is_some());
        assert!(n.answer("101", "III.1", &json!("12345")).is_err());
        assert!(n.answer("101", "I.9", &json!("A")).unwrap_err().contains("not a question"));
        // Nothing marked overrides nothing.
        assert!(n.answer("101", "II.1", &json!([null, null, null, null])).unwrap().is_none());
        assert!(n.answer("101", "III.1", &json!("")).unwrap().is_none());
    }
}
