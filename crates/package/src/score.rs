//! Answers as the candidate protocol carries them, and scoring under the THPT rules once the keys
//! are released. Points are integer hundredths (DESIGN §6).
//!
//! Answer values: `single_choice` a letter `"A"`–`"D"` as shown in the version; `true_false_group`
//! an array of four `true`/`false`/`null`; `short_answer` a string of at most 4 characters from
//! `0-9 , . -`. `null` clears an answer.

use std::collections::BTreeMap;

use khaothi_domain::form::VersionKey;
use khaothi_domain::{Choice, ItemKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemScore {
    pub item: String,
    pub points: u32,
    pub max: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreSheet {
    pub items: Vec<ItemScore>,
    /// Total in hundredths of a point.
    pub total: u32,
    pub max: u32,
}

/// THPT 2025 points: part I 0.25 a question; part II 0.1/0.25/0.5/1 for 1/2/3/4 statements right;
/// part III 0.5 in mathematics (`subject == "toan"`), 0.25 elsewhere.
pub fn score_answers(
    subject: &str,
    keys: &BTreeMap<String, VersionKey>,
    answers: &BTreeMap<String, Value>,
) -> ScoreSheet {
    let mut items = Vec::new();
    for (id, key) in keys {
        let answer = answers.get(id).filter(|v| !v.is_null());
        let (points, max) = match key {
            VersionKey::SingleChoice(k) => {
                let right = answer.and_then(Value::as_str).and_then(Choice::parse) == Some(*k);
                (if right { 25 } else { 0 }, 25)
            }
            VersionKey::TrueFalseGroup(k) => {
                let given = answer.and_then(Value::as_array);
                let right = k
                    .iter()
                    .enumerate()
                    .filter(|(i, kv)| given.and_then(|g| g.get(*i)).and_then(Value::as_bool) == Some(**kv))
                    .count();
                ([0, 10, 25, 50, 100][right.min(4)], 100)
            }
            VersionKey::ShortAnswer(k) => {
                let max = if subject == "toan" { 50 } else { 25 };
                let right = answer.and_then(Value::as_str).is_some_and(|s| k.accepts(s));
                (if right { max } else { 0 }, max)
            }
        };
        items.push(ItemScore { item: id.clone(), points, max });
    }
    let total = items.iter().map(|i| i.points).sum();
    let max = items.iter().map(|i| i.max).sum();
    ScoreSheet { items, total, max }
}

#[cfg(test)]
mod tests {
    use super::*;
    use khaothi_domain::ShortAnswerKey;
    use serde_json::json;

    #[test]
    fn thpt_points() {
        let keys = BTreeMap::from([
            ("a".to_string(), VersionKey::SingleChoice(Choice::B)),
            ("b".to_string(), VersionKey::TrueFalseGroup(vec![true, false, true, true])),
            (
                "c".to_string(),
                VersionKey::ShortAnswer(ShortAnswerKey { accepted: vec!["1,5".into()], tolerance: None }),
            ),
        ]);
        let answers = BTreeMap::from([
            ("a".to_string(), json!("B")),
            ("b".to_string(), json!([true, false, false, null])),
            ("c".to_string(), json!("1.5")),
        ]);
        let s = score_answers("toan", &keys, &answers);
        assert_eq!(s.items.iter().map(|i| i.points).collect::<Vec<_>>(), vec![25, 25, 50]);
        assert_eq!((s.total, s.max), (100, 175));
        assert_eq!(score_answers("vat_ly", &keys, &BTreeMap::new()).total, 0);
    }

    #[test]
    fn answer_shapes_are_checked() {
        assert!(validate_answer(ItemKind::SingleChoice, &json!("C")).is_ok());
        assert!(validate_answer(ItemKind::SingleChoice, &json!("E")).is_err());
        assert!(validate_answer(ItemKind::SingleChoice, &json!(null)).is_ok());
        assert!(validate_answer(ItemKind::TrueFalseGroup, &json!([true, null, false, true])).is_ok());
        assert!(validate_answer(ItemKind::TrueFalseGroup, &json!([true])).is_err());
        assert!(validate_answer(ItemKind::ShortAnswer, &json!("-1,5")).is_ok());
        assert!(validate_answer(ItemKind::ShortAnswer, &json!("12345")).is_err());
        assert!(validate_answer(ItemKind::ShortAnswer, &json!(3)).is_err());
    }
}
