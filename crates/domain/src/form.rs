//! Forms (đề) and their shuffled versions (mã đề): what the assembler produces, the bank stores and
//! the delivery server puts in an exam package.
//!
//! A form is a list of item ids in delivery order, split into sections. A version is the same form
//! with items shuffled within sections and options shuffled within items; it carries its own key
//! map so that scoring never has to undo the shuffle.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::item::{Choice, ItemKind, ShortAnswerKey};

/// One parallel form: the items a candidate answers, in delivery order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Form {
    /// Stable id within an assembly run or the bank (`F1`, `F2`, … from the assembler).
    pub id: String,
    /// 1-based number of the form; the first two digits of its versions' codes (`01` in `0103`).
    pub number: u32,
    /// Items in delivery order. Items of one section are contiguous.
    pub items: Vec<FormItem>,
}

/// One item of a form, pinned to the version the board approved when the bank knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormItem {
    pub item_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// Index of the blueprint section (part I, II, III …) the item fills; versions shuffle only
    /// within a section.
    #[serde(default)]
    pub section: u32,
}

impl Form {
    pub fn item_ids(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|i| i.item_id.as_str())
    }
}

/// One shuffled version (mã đề) of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Version {
    /// THPT-style code: two digits of the form number, two of the version number (`0101`, `0102`).
    pub code: String,
    pub form_id: String,
    /// Item ids in this version's delivery order.
    pub items: Vec<String>,
    /// For each `single_choice` item: `perm[k]` is the original index of the option shown at
    /// position `k` (so the option shown as `A` is `options[perm[0]]`). Identity for items whose
    /// options may not be shuffled.
    pub options: BTreeMap<String, Vec<u8>>,
    /// The key of every item as this version shows it.
    pub keys: BTreeMap<String, VersionKey>,
}

/// An item's key in a version's terms: the shown letter for a single choice; statements and short
/// answers are never permuted, so their keys are the item's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionKey {
    SingleChoice(Choice),
    TrueFalseGroup(Vec<bool>),
    ShortAnswer(ShortAnswerKey),
}

impl VersionKey {
    pub fn kind(&self) -> ItemKind {
        match self {
            Self::SingleChoice(_) => ItemKind::SingleChoice,
            Self::TrueFalseGroup(_) => ItemKind::TrueFalseGroup,
            Self::ShortAnswer(_) => ItemKind::ShortAnswer,
        }
    }
}

/// The code of version `version` (1-based) of form `form` (1-based), as printed on THPT papers.
pub fn version_code(form: u32, version: u32) -> String {
    format!("{form:02}{version:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_look_like_thpt_papers() {
        assert_eq!(version_code(1, 1), "0101");
        assert_eq!(version_code(1, 24), "0124");
        assert_eq!(version_code(12, 3), "1203");
    }

    #[test]
    fn versions_round_trip_as_json() {
        let v = Version {
            code: "0101".into(),
            form_id: "F1".into(),
            items: vec!["A".into(), "B".into()],
            options: BTreeMap::from([("A".to_string(), vec![2, 0, 1, 3])]),
            keys: BTreeMap::from([
                ("A".to_string(), VersionKey::SingleChoice(Choice::B)),
                ("B".to_string(), VersionKey::TrueFalseGroup(vec![true, false, true, true])),
            ]),
        };
        let json = serde_json::to_string(&v).unwrap();
        assert!(json.contains(r#""A":{"single_choice":"B"}"#), "{json}");
        let back: Version = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
    }
}
