//! Word-level differences between two versions of an item, field by field, for the history view
//! and the reviewer's "what changed since the last approved version".
//!
//! Fields are named by the same JSON paths authors see in the interchange format and in
//! validation messages (`stem`, `options[2]`, `statements[1]`, `statements[1].level`, `key`,
//! `keys[0]`, `answer[1]`, `tolerance`, `topic`, `irt.b`, …). The record is flattened generically
//! from its JSON form, so a field the format gains later (a solution, say) is compared without a
//! change here. Text is split into words and the whitespace between them (`similar`'s word diff),
//! so Vietnamese text with diacritics compares word by word.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use crate::interchange::ItemRecord;

/// What one run of words did between the two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffOp {
    Equal,
    Insert,
    Delete,
}

/// A run of consecutive words with the same operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffSpan {
    pub op: DiffOp,
    pub text: String,
}

/// The difference in one field; `ops` read in order rebuild the old text (equal + delete) and the
/// new text (equal + insert).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDiff {
    pub field: String,
    pub changed: bool,
    pub ops: Vec<DiffSpan>,
}

/// Fields that give the answer away: a reader who may not see keys gets none of them compared.
pub const KEY_FIELDS: &[&str] = &["key", "keys", "answer", "tolerance", "solution", "irt"];

/// Every field of either version, in a stable order (the record's own first, then new ones), with
/// the word-level difference of its text. Fields absent from one version count as empty there.
pub fn diff_records(from: &ItemRecord, to: &ItemRecord) -> Vec<FieldDiff> {
    let old = flatten_record(from);
    let new = flatten_record(to);
    let mut names: Vec<&String> = old.iter().map(|(k, _)| k).collect();
    // A field only the new version has goes right after its predecessor there.
    let mut at = 0;
    for (k, _) in &new {
        match names.iter().position(|n| *n == k) {
            Some(p) => at = p + 1,
            None => {
                names.insert(at, k);
                at += 1;
            }
        }
    }
    let old: BTreeMap<&String, &String> = old.iter().map(|(k, v)| (k, v)).collect();
    let new: BTreeMap<&String, &String> = new.iter().map(|(k, v)| (k, v)).collect();
    names
        .into_iter()
        .map(|name| {
            let a = old.get(name).map_or("", |s| s.as_str());
            let b = new.get(name).map_or("", |s| s.as_str());
            FieldDiff { field: name.clone(), changed: a != b, ops: diff_words(a, b) }
        })
        .collect()
}

/// The word-level operations turning `old` into `new`, consecutive words of one kind merged.
pub fn diff_words(old: &str, new: &str) -> Vec<DiffSpan> {
    let diff = TextDiff::from_words(old, new);
    let mut out: Vec<DiffSpan> = Vec::new();
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => DiffOp::Equal,
            ChangeTag::Insert => DiffOp::Insert,
            ChangeTag::Delete => DiffOp::Delete,
        };
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(change.value()),
            _ => out.push(DiffSpan { op, text: change.value().to_string() }),
        }
    }
    out
}

/// `(path, text)` of every leaf of the record. A statement written as plain text and one written
/// as `{text, level}` both give `statements[i]` for the text, so adding a level shows as a new
/// `statements[i].level` and not as a rewritten statement.
fn flatten_record(record: &ItemRecord) -> Vec<(String, String)> {
    let value = serde_json::to_value(record).unwrap_or(Value::Null);
    let mut out = Vec::new();
    if let Value::Object(map) = value {
        let mut fields: Vec<(String, Value)> = map.into_iter().collect();
        fields.sort_by_key(|(key, _)| FIELD_ORDER.iter().position(|f| f == key).unwrap_or(FIELD_ORDER.len()));
        for (key, v) in fields {
            if key == "status" {
                // The review workflow's, not the writer's: shown by the history, not the diff.
                continue;
            }
            flatten(&key, &v, &mut out);
        }
    }
    out
}

/// The order an editor shows the fields in: content first, then the keys, then metadata; fields
/// not named here follow in name order.
const FIELD_ORDER: &[&str] = &[
    "stem",
    "options",
    "statements",
    "key",
    "keys",
    "answer",
    "tolerance",
    "solution",
    "id",
    "subject",
    "grade",
    "topic",
    "level",
    "kind",
    "stimulus",
    "enemies",
    "media",
    "shuffle_options",
    "irt",
    "uses",
];

fn flatten(path: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (key, v) in map {
                if key == "text" {
                    flatten(path, v, out);
                } else {
                    flatten(&format!("{path}.{key}"), v, out);
                }
            }
        }
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) && is_list(path) => {
            // Short lists of names (enemies, media) read best as one line of words.
            let words: Vec<String> = items.iter().map(scalar).collect();
            out.push((path.to_string(), words.join(" ")));
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{path}[{i}]"), v, out);
            }
        }
        other => out.push((path.to_string(), scalar(other))),
    }
}

/// Lists compared as one field rather than element by element.
fn is_list(path: &str) -> bool {
    matches!(path, "enemies" | "media")
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> ItemRecord {
        serde_json::from_str(json).unwrap()
    }

    fn rebuild(ops: &[DiffSpan], keep: DiffOp) -> String {
        ops.iter().filter(|s| s.op == DiffOp::Equal || s.op == keep).map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn a_changed_word_is_one_delete_and_one_insert_between_equal_runs() {
        let ops = diff_words("Hàm số đồng biến trên khoảng", "Hàm số nghịch biến trên khoảng");
        assert_eq!(
            ops,
            vec![
                DiffSpan { op: DiffOp::Equal, text: "Hàm số ".into() },
                DiffSpan { op: DiffOp::Delete, text: "đồng".into() },
                DiffSpan { op: DiffOp::Insert, text: "nghịch".into() },
                DiffSpan { op: DiffOp::Equal, text: " biến trên khoảng".into() },
            ]
        );
        assert_eq!(rebuild(&ops, DiffOp::Delete), "Hàm số đồng biến trên khoảng");
        assert_eq!(rebuild(&ops, DiffOp::Insert), "Hàm số nghịch biến trên khoảng");
    }

    #[test]
    fn fields_are_named_by_interchange_paths_and_unchanged_ones_say_so() {
        let a = record(
            r#"{"id":"T1","subject":"toan","grade":12,"topic":"12.1.1","level":"biet","kind":"single_choice",
                "stem":"Chọn đáp án đúng","options":["1","2","3","4"],"key":"A"}"#,
        );
        let b = record(
            r#"{"id":"T1","subject":"toan","grade":12,"topic":"12.1.2","level":"biet","kind":"single_choice",
                "stem":"Chọn đáp án đúng","options":["1","2","5","4"],"key":"C","enemies":["T2"]}"#,
        );
        let diff = diff_records(&a, &b);
        let changed: Vec<&str> = diff.iter().filter(|f| f.changed).map(|f| f.field.as_str()).collect();
        assert_eq!(changed, ["options[2]", "key", "topic", "enemies"]);
        let stem = diff.iter().find(|f| f.field == "stem").unwrap();
        assert_eq!(stem.ops, vec![DiffSpan { op: DiffOp::Equal, text: "Chọn đáp án đúng".into() }]);
        let enemies = diff.iter().find(|f| f.field == "enemies").unwrap();
        assert_eq!(enemies.ops, vec![DiffSpan { op: DiffOp::Insert, text: "T2".into() }]);
    }

    #[test]
    fn a_statement_gaining_a_level_keeps_its_text_field() {
        let a = record(
            r#"{"id":"T1","subject":"toan","grade":12,"topic":"12.1.1","level":"biet","kind":"true_false_group",
                "stem":"Xét","statements":["a","b","c","d"],"keys":[true,false,true,false]}"#,
        );
        let b = record(
            r#"{"id":"T1","subject":"toan","grade":12,"topic":"12.1.1","level":"biet","kind":"true_false_group",
                "stem":"Xét","statements":[{"text":"a","level":"hieu"},"b","c","d"],"keys":[true,true,true,false]}"#,
        );
        let diff = diff_records(&a, &b);
        let changed: Vec<&str> = diff.iter().filter(|f| f.changed).map(|f| f.field.as_str()).collect();
        assert_eq!(changed, ["statements[0].level", "keys[1]"]);
        assert!(!diff.iter().find(|f| f.field == "statements[0]").unwrap().changed);
    }
}
