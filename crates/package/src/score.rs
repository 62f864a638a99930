//! Answers as the candidate protocol carries them, and scoring under the THPT rules once the keys
//! are released. Points are integer hundredths (DESIGN §6), so totals never drift by a float.
//!
//! Answer values: `single_choice` a letter `"A"`–`"D"` as shown in the version; `true_false_group`
//! an array of four `true`/`false`/`null`; `short_answer` a string of at most 4 characters from
//! `0-9 , . -`. `null` clears an answer.
//!
//! Points (THPT 2025, docs/formats.md "Results and exports"): a `single_choice` item 0.25; a
//! `true_false_group` by the number of statements right, 1 → 0.10, 2 → 0.25, 3 → 0.50,
//! 4 → 1.00; a `short_answer` item 0.50 in mathematics (`subject == "toan"`), 0.25 in every other
//! subject. The 10-point score is the total scaled by `10 / max` and rounded half up to
//! hundredths; a THPT-shaped form has `max` = 10 points, so its score is its total exactly.

use std::collections::BTreeMap;

use khaothi_domain::form::VersionKey;
use khaothi_domain::{Choice, ItemKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{PackageError, VersionContent};

/// Checks an answer's shape against the item kind; the message names what is wrong.
pub fn validate_answer(kind: ItemKind, value: &Value) -> Result<(), String> {
    if value.is_null() {
        return Ok(());
    }
    match kind {
        ItemKind::SingleChoice => match value.as_str().and_then(Choice::parse) {
            Some(_) => Ok(()),
            None => Err("a single_choice answer is one of \"A\", \"B\", \"C\", \"D\" or null".into()),
        },
        ItemKind::TrueFalseGroup => match value.as_array() {
            Some(a) if a.len() == 4 && a.iter().all(|v| v.is_boolean() || v.is_null()) => Ok(()),
            _ => Err("a true_false_group answer is an array of 4 values, each true, false or null".into()),
        },
        ItemKind::ShortAnswer => match value.as_str() {
            Some(s)
                if !s.is_empty()
                    && s.chars().count() <= 4
                    && s.chars().all(|c| c.is_ascii_digit() || ",.-".contains(c)) =>
            {
                Ok(())
            }
            _ => Err("a short_answer answer is a string of 1 to 4 characters from 0-9 , . -".into()),
        },
        ItemKind::MultipleResponse => Err("multiple_response items are not delivered yet".into()),
    }
}

/// One item of a candidate's sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemScore {
    pub item: String,
    /// The blueprint section (0 = part I) the item belongs to.
    pub section: u32,
    /// Whether the newest answer says anything (a cleared answer, or four `null`s, does not).
    pub answered: bool,
    /// The scored response IRT and the calibration export use: 0/1, or the number of statements
    /// right (0–4) of a `true_false_group`. Not answered is 0.
    pub right: u8,
    /// Hundredths of a point.
    pub points: u32,
    pub max: u32,
}

/// The subtotal of one section, in hundredths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionScore {
    pub section: u32,
    pub points: u32,
    pub max: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreSheet {
    /// In the version's delivery order.
    pub items: Vec<ItemScore>,
    /// In section order.
    pub sections: Vec<SectionScore>,
    /// Total in hundredths of a point.
    pub total: u32,
    pub max: u32,
}

impl ScoreSheet {
    /// The 10-point score in hundredths (see [`to_ten`]).
    pub fn score10(&self) -> Option<u32> {
        to_ten(self.total, self.max)
    }

    /// Items with an answer.
    pub fn answered(&self) -> usize {
        self.items.iter().filter(|i| i.answered).count()
    }
}

/// Points of a `true_false_group` with `right` statements right (THPT part II), in hundredths.
pub fn statement_points(right: usize) -> u32 {
    [0, 10, 25, 50, 100][right.min(4)]
}

/// Scores one answer against the item's key in the same terms (the version's, or the bank's for
/// an unshuffled answer): `(right, points, max)` with points in hundredths.
pub fn score_item(subject: &str, key: &VersionKey, answer: Option<&Value>) -> (u8, u32, u32) {
    let answer = answer.filter(|v| !v.is_null());
    match key {
        VersionKey::SingleChoice(k) => {
            let right = answer.and_then(Value::as_str).and_then(Choice::parse) == Some(*k);
            (u8::from(right), if right { 25 } else { 0 }, 25)
        }
        VersionKey::TrueFalseGroup(k) => {
            let given = answer.and_then(Value::as_array);
            let right = k
                .iter()
                .enumerate()
                .filter(|(i, kv)| given.and_then(|g| g.get(*i)).and_then(Value::as_bool) == Some(**kv))
                .count();
            (right.min(4) as u8, statement_points(right), 100)
        }
        VersionKey::ShortAnswer(k) => {
            let max = if subject == "toan" { 50 } else { 25 };
            let right = answer.and_then(Value::as_str).is_some_and(|s| k.accepts(s));
            (u8::from(right), if right { max } else { 0 }, max)
        }
    }
}

/// The one definition of "answered" that the candidate's final page, the submit dialog, the
/// proctor's grid, the biên bản and the results share (docs/formats.md): a cleared answer (`null`,
/// a blank string) is not an answer; a true/false group counts once at least one statement is
/// answered. The candidate page's `isAnswered` (static/candidate-session.js) is its mirror.
pub fn is_answered(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(a) => a.iter().any(|v| !v.is_null()),
        _ => true,
    }
}

/// Scores a candidate's newest answers on one version: every item of the version in delivery
/// order (an item not answered scores 0), subtotals per section and the total.
pub fn score_version(
    subject: &str,
    version: &VersionContent,
    keys: &BTreeMap<String, VersionKey>,
    answers: &BTreeMap<String, Value>,
) -> Result<ScoreSheet, PackageError> {
    let mut items = Vec::with_capacity(version.items.len());
    let mut sections: BTreeMap<u32, SectionScore> = BTreeMap::new();
    for ci in &version.items {
        let id = &ci.rendered.id;
        let key = keys.get(id).ok_or_else(|| {
            PackageError::Invalid(format!("version {} has no key for item {id}", version.code))
        })?;
        let answer = answers.get(id);
        let (right, points, max) = score_item(subject, key, answer);
        let s = sections.entry(ci.section).or_insert(SectionScore { section: ci.section, points: 0, max: 0 });
        s.points += points;
        s.max += max;
        items.push(ItemScore {
            item: id.clone(),
            section: ci.section,
            answered: answer.is_some_and(is_answered),
            right,
            points,
            max,
        });
    }
    let total = items.iter().map(|i| i.points).sum();
    let max = items.iter().map(|i| i.max).sum();
    Ok(ScoreSheet { items, sections: sections.into_values().collect(), total, max })
}

/// The 10-point score in hundredths: `total · 10 / max`, rounded half up to a hundredth (the
/// regulation rounds scores to two decimals; the half goes up, 7.125 → 7.13). Exact integer
/// arithmetic. `None` for an empty form.
pub fn to_ten(total: u32, max: u32) -> Option<u32> {
    if max == 0 {
        return None;
    }
    let (t, m) = (u64::from(total), u64::from(max));
    u32::try_from((t * 1000 * 2 + m) / (2 * m)).ok()
}

/// Hundredths as printed on a Vietnamese score sheet: `725` → `"7,25"`, `1000` → `"10,00"`.
pub fn format_score10(hundredths: u32) -> String {
    format!("{},{:02}", hundredths / 100, hundredths % 100)
}

/// The THPT label of a section index: 0 → `I`, 1 → `II`, 2 → `III`, …
pub fn section_label(section: u32) -> String {
    let mut n = section + 1;
    let mut out = String::new();
    for (value, numeral) in
        [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL")]
            .into_iter()
            .chain([(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")])
    {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

#[cfg(test)]
#[path = "score_tests.rs"]
mod tests;
