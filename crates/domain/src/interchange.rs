//! The JSON Lines interchange record (DESIGN §3, docs/formats.md): one item a line, flat, as authors
//! and other systems write it. Unknown fields are kept and reported (the format grows); the bank's
//! API refuses them instead.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{DomainError, FieldError};
use crate::irt::IrtParams;
use crate::item::{
    Choice, Item, ItemBody, ItemKind, Level, ResponseScoring, ShortAnswerKey, Statement,
    normalise_short_answer,
};
use crate::review::ReviewStatus;
use crate::text::normalize;

/// A statement is either plain text or `{"text": …, "level": …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StatementRecord {
    Text(String),
    Full {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        level: Option<Level>,
    },
}

/// A short answer key: one accepted string or several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerRecord {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ItemRecord {
    pub id: String,
    pub subject: String,
    pub grade: u8,
    pub topic: String,
    pub level: Level,
    pub kind: ItemKind,
    pub stem: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statements: Option<Vec<StatementRecord>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<Vec<bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<AnswerRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// `multiple_response` only: `all_or_nothing` (the default) or `partial`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoring: Option<ResponseScoring>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stimulus: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enemies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ReviewStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub irt: Option<IrtParams>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shuffle_options: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses: Option<u32>,
    /// A worked solution (Markdown with LaTeX); confidential as the key is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solution: Option<String>,
    /// Fields this version does not know; kept so a round trip loses nothing.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A field kept but not understood.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordWarning {
    pub field: String,
    pub message: String,
}

/// The text of option `index` without the letter an author typed before it ("A. $x=1$",
/// "B) 12", "(C) …", "D: …", "**A.** …"), when the letter is the option's own (A for the first
/// option, B for the second, …) and text follows it. The letter would be printed twice ("A. A.")
/// and be wrong once the options are shuffled.
pub fn strip_option_letter(option: &str, index: usize) -> Option<&str> {
    let letter = char::from(b'A' + u8::try_from(index).ok().filter(|&i| i < 26)?);
    let t = option.trim_start();
    let forms = [
        format!("**{letter}.**"),
        format!("**{letter}**."),
        format!("({letter})"),
        format!("{letter}."),
        format!("{letter})"),
        format!("{letter}:"),
    ];
    let rest = forms.iter().find_map(|f| t.strip_prefix(f.as_str()))?;
    // "A.5" or "A)x" is not a label: a label is followed by a space.
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let rest = rest.trim_start();
    (!rest.is_empty()).then_some(rest)
}

impl ItemRecord {
    /// Parses one JSON line; the error names the JSON path and column of the bad field.
    pub fn from_json_line(line: &str) -> Result<Self, FieldError> {
        let de = &mut serde_json::Deserializer::from_str(line);
        let rec: ItemRecord = serde_path_to_error_lite(de)?;
        Ok(rec)
    }

    /// Validates and converts to an [`Item`]; text is normalised to NFC.
    pub fn into_item(self) -> Result<(Item, Vec<RecordWarning>), DomainError> {
        let mut warnings: Vec<RecordWarning> = self
            .extra
            .keys()
            .map(|k| RecordWarning {
                field: k.clone(),
                message: format!("unknown field \"{k}\" kept but not used"),
            })
            .collect();
        let mut errors = Vec::new();
        let body = match self.kind {
            ItemKind::SingleChoice => self.single_choice(&mut errors, &mut warnings),
            ItemKind::TrueFalseGroup => self.true_false_group(&mut errors),
            ItemKind::ShortAnswer => self.short_answer(&mut errors),
            ItemKind::MultipleResponse => self.multiple_response(&mut errors, &mut warnings),
        };
        if self.kind != ItemKind::ShortAnswer && self.tolerance.is_some() {
            errors.push(FieldError::new("tolerance", "only a short_answer item has a tolerance"));
        }
        if self.kind != ItemKind::MultipleResponse && self.scoring.is_some() {
            errors.push(FieldError::new("scoring", "only a multiple_response item has a scoring rule"));
        }
        let item = Item {
            id: normalize(self.id.trim()),
            subject: self.subject.trim().to_string(),
            grade: self.grade,
            topic: self.topic.trim().to_string(),
            level: self.level,
            stem: normalize(&self.stem),
            body,
            stimulus: self.stimulus.as_deref().map(|s| normalize(s.trim())),
            enemies: self.enemies.iter().map(|e| normalize(e.trim())).collect(),
            status: self.status.unwrap_or_default(),
            irt: self.irt,
            shuffle_options: self.shuffle_options.unwrap_or(true),
            media: self.media,
            uses: self.uses.unwrap_or(0),
            solution: self.solution.as_deref().map(normalize),
        };
        errors.extend(item.validate());
        if errors.is_empty() {
            Ok((item, warnings))
        } else {
            Err(DomainError::Invalid { item: Some(item.id), errors })
        }
    }

    /// An error for each field given that belongs to another kind of item.
    fn wrong_fields(&self, fields: &[(&str, bool)], errors: &mut Vec<FieldError>) {
        for (f, present) in fields {
            if *present {
                errors.push(FieldError::new(*f, format!("does not belong to a {} item", self.kind)));
            }
        }
    }

    fn single_choice(&self, errors: &mut Vec<FieldError>, warnings: &mut Vec<RecordWarning>) -> ItemBody {
        self.wrong_fields(
            &[
                ("statements", self.statements.is_some()),
                ("keys", self.keys.is_some()),
                ("answer", self.answer.is_some()),
            ],
            errors,
        );
        let options = self.options_without_letters(warnings);
        if self.options.is_none() {
            errors.push(FieldError::new("options", "is required for single_choice"));
        }
        let key = match self.key.as_deref() {
            None => {
                errors.push(FieldError::new("key", "is required for single_choice (A–D)"));
                Choice::A
            }
            Some(k) => Choice::parse(k).unwrap_or_else(|| {
                errors.push(FieldError::new("key", format!("must be A, B, C or D, got \"{k}\"")));
                Choice::A
            }),
        };
        ItemBody::SingleChoice { options, key }
    }

    /// Options and one key flag per option; no `key` letter (several may be correct).
    fn multiple_response(&self, errors: &mut Vec<FieldError>, warnings: &mut Vec<RecordWarning>) -> ItemBody {
        self.wrong_fields(
            &[
                ("key", self.key.is_some()),
                ("statements", self.statements.is_some()),
                ("answer", self.answer.is_some()),
            ],
            errors,
        );
        if self.options.is_none() {
            errors.push(FieldError::new("options", "is required for multiple_response"));
        }
        if self.keys.is_none() {
            errors.push(FieldError::new(
                "keys",
                "is required for multiple_response (one true/false per option)",
            ));
        }
        ItemBody::MultipleResponse {
            options: self.options_without_letters(warnings),
            keys: self.keys.clone().unwrap_or_default(),
            scoring: self.scoring.unwrap_or_default(),
        }
    }

    /// The options, NFC, each without a leading letter an author typed (with a warning).
    fn options_without_letters(&self, warnings: &mut Vec<RecordWarning>) -> Vec<String> {
        let mut options: Vec<String> =
            self.options.clone().unwrap_or_default().iter().map(|o| normalize(o)).collect();
        for (i, option) in options.iter_mut().enumerate() {
            if let Some(rest) = strip_option_letter(option, i) {
                warnings.push(RecordWarning {
                    field: format!("options[{i}]"),
                    message: format!(
                        "leading option letter \"{}\" removed: letters are added when the options \
                         are shown (and change when they are shuffled)",
                        option[..option.len() - rest.len()].trim()
                    ),
                });
                *option = rest.to_string();
            }
        }
        options
    }

    fn true_false_group(&self, errors: &mut Vec<FieldError>) -> ItemBody {
        self.wrong_fields(
            &[
                ("options", self.options.is_some()),
                ("key", self.key.is_some()),
                ("answer", self.answer.is_some()),
            ],
            errors,
        );
        if self.statements.is_none() {
            errors.push(FieldError::new("statements", "is required for true_false_group"));
        }
        if self.keys.is_none() {
            errors.push(FieldError::new("keys", "is required for true_false_group ([true,false,…])"));
        }
        let statements = self
            .statements
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|s| match s {
                StatementRecord::Text(text) => Statement { text: normalize(&text), level: None },
                StatementRecord::Full { text, level } => Statement { text: normalize(&text), level },
            })
            .collect();
        ItemBody::TrueFalseGroup { statements, keys: self.keys.clone().unwrap_or_default() }
    }

    fn short_answer(&self, errors: &mut Vec<FieldError>) -> ItemBody {
        self.wrong_fields(
            &[
                ("options", self.options.is_some()),
                ("key", self.key.is_some()),
                ("statements", self.statements.is_some()),
                ("keys", self.keys.is_some()),
            ],
            errors,
        );
        let accepted = match &self.answer {
            None => {
                errors.push(FieldError::new("answer", "is required for short_answer"));
                vec![]
            }
            Some(AnswerRecord::One(a)) => vec![normalise_short_answer(a)],
            Some(AnswerRecord::Many(v)) => v.iter().map(|a| normalise_short_answer(a)).collect(),
        };
        ItemBody::ShortAnswer { answer: ShortAnswerKey { accepted, tolerance: self.tolerance } }
    }

    /// The record of an item, as written by an export.
    pub fn from_item(item: &Item) -> Self {
        let mut rec = ItemRecord {
            id: item.id.clone(),
            subject: item.subject.clone(),
            grade: item.grade,
            topic: item.topic.clone(),
            level: item.level,
            kind: item.kind(),
            stem: item.stem.clone(),
            stimulus: item.stimulus.clone(),
            enemies: item.enemies.clone(),
            status: Some(item.status),
            irt: item.irt.clone(),
            shuffle_options: (!item.shuffle_options).then_some(false),
            media: item.media.clone(),
            uses: (item.uses > 0).then_some(item.uses),
            solution: item.solution.clone(),
            ..Default::default()
        };
        match &item.body {
            ItemBody::SingleChoice { options, key } => {
                rec.options = Some(options.clone());
                rec.key = Some(key.letter().to_string());
            }
            ItemBody::TrueFalseGroup { statements, keys } => {
                rec.statements = Some(
                    statements
                        .iter()
                        .map(|s| match s.level {
                            None => StatementRecord::Text(s.text.clone()),
                            Some(level) => StatementRecord::Full { text: s.text.clone(), level: Some(level) },
                        })
                        .collect(),
                );
                rec.keys = Some(keys.clone());
            }
            ItemBody::ShortAnswer { answer } => {
                rec.answer = Some(if answer.accepted.len() == 1 {
                    AnswerRecord::One(answer.accepted[0].clone())
                } else {
                    AnswerRecord::Many(answer.accepted.clone())
                });
                rec.tolerance = answer.tolerance;
            }
            ItemBody::MultipleResponse { options, keys, scoring } => {
                rec.options = Some(options.clone());
                rec.keys = Some(keys.clone());
                rec.scoring = (*scoring != ResponseScoring::AllOrNothing).then_some(*scoring);
            }
        }
        rec
    }
}

/// Deserialises while tracking the JSON path, so an error says `irt.a` rather than "line 1 column 80".
fn serde_path_to_error_lite(
    de: &mut serde_json::Deserializer<serde_json::de::StrRead<'_>>,
) -> Result<ItemRecord, FieldError> {
    let mut track = serde_path_to_error::Track::new();
    let pd = serde_path_to_error::Deserializer::new(&mut *de, &mut track);
    match ItemRecord::deserialize(pd) {
        Ok(rec) => {
            de.end().map_err(|e| FieldError::new("$", format!("trailing characters: {e}")))?;
            Ok(rec)
        }
        Err(e) => {
            let path = track.path().to_string();
            let field = if path.is_empty() || path == "." { "$".to_string() } else { path };
            Err(FieldError::new(field, e.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SC: &str = r#"{"id":"TOAN12-0001","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Hàm số $y=x^3-3x$ đồng biến trên khoảng nào?","options":["$(-1;1)$","$(1;+\\infty)$","$(-\\infty;1)$","$(-2;2)$"],"key":"B","irt":{"model":"2pl","a":1.2,"b":-0.3}}"#;

    #[test]
    fn parses_and_round_trips_the_design_example() {
        let rec = ItemRecord::from_json_line(SC).unwrap();
        let (item, warnings) = rec.into_item().unwrap();
        assert!(warnings.is_empty());
        assert_eq!(item.kind(), ItemKind::SingleChoice);
        let back = ItemRecord::from_item(&item);
        let (again, _) = back.into_item().unwrap();
        assert_eq!(item, again);
    }

    #[test]
    fn a_leading_option_letter_is_stripped_with_a_warning() {
        let typed = SC
            .replace(r#""$(-1;1)$""#, r#""A. $(-1;1)$""#)
            .replace(r#""$(1;+\\infty)$""#, r#""(B) $(1;+\\infty)$""#);
        let (item, warnings) = ItemRecord::from_json_line(&typed).unwrap().into_item().unwrap();
        let ItemBody::SingleChoice { options, .. } = &item.body else { panic!() };
        assert_eq!(options[0], "$(-1;1)$");
        assert_eq!(options[1], r"$(1;+\infty)$");
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert_eq!(warnings[0].field, "options[0]");
        assert!(warnings[0].message.contains("\"A.\" removed"), "{}", warnings[0].message);
        // Not a label: another position's letter, a letter without a space, a lone letter.
        assert_eq!(strip_option_letter("B. $x$", 0), None);
        assert_eq!(strip_option_letter("A.5 kg", 0), None);
        assert_eq!(strip_option_letter("A.", 0), None);
        assert_eq!(strip_option_letter("Anh ấy", 0), None);
        assert_eq!(strip_option_letter("**C.** 12", 2), Some("12"));
        assert_eq!(strip_option_letter("D: 3", 3), Some("3"));
    }

    #[test]
    fn a_solution_is_kept_and_must_not_be_blank() {
        let line = SC.replace("\"key\":\"B\"", "\"key\":\"B\",\"solution\":\"Ta có $y'=3x^2-3$.\"");
        let (item, warnings) = ItemRecord::from_json_line(&line).unwrap().into_item().unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(item.solution.as_deref(), Some("Ta có $y'=3x^2-3$."));
        assert_eq!(ItemRecord::from_item(&item).solution, item.solution, "exports carry it");
        let blank = SC.replace("\"key\":\"B\"", "\"key\":\"B\",\"solution\":\"  \"");
        let Err(DomainError::Invalid { errors, .. }) =
            ItemRecord::from_json_line(&blank).unwrap().into_item()
        else {
            panic!("a blank solution is refused")
        };
        assert_eq!(errors[0].field, "solution");
    }

    #[test]
    fn unknown_fields_are_kept_with_a_warning() {
        let line = SC.replace("\"key\":\"B\"", "\"key\":\"B\",\"source\":\"SGK\"");
        let rec = ItemRecord::from_json_line(&line).unwrap();
        let (_, warnings) = rec.clone().into_item().unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].field, "source");
        let json = serde_json::to_string(&rec).unwrap();
        assert!(json.contains("\"source\":\"SGK\""));
    }

    #[test]
    fn bad_fields_are_named() {
        let err = ItemRecord::from_json_line(&SC.replace("\"grade\":12", "\"grade\":\"12\"")).unwrap_err();
        assert_eq!(err.field, "grade");
        let err = ItemRecord::from_json_line(&SC.replace("\"a\":1.2", "\"a\":\"x\"")).unwrap_err();
        assert_eq!(err.field, "irt.a");
        let rec = ItemRecord::from_json_line(&SC.replace("\"key\":\"B\"", "\"key\":\"E\"")).unwrap();
        let msg = rec.into_item().unwrap_err().to_string();
        assert!(msg.contains("key") && msg.contains("TOAN12-0001"), "{msg}");
    }

    #[test]
    fn multiple_response_records() {
        let mr = r#"{"id":"TA-1","subject":"tieng_anh","grade":12,"topic":"12.1","level":"biet","kind":"multiple_response","stem":"Chọn các từ đúng.","options":["A. go","went","gone"],"keys":[true,false,true],"scoring":"partial"}"#;
        let (item, warnings) = ItemRecord::from_json_line(mr).unwrap().into_item().unwrap();
        assert_eq!(warnings.len(), 1, "the typed letter is removed: {warnings:?}");
        let ItemBody::MultipleResponse { options, keys, scoring } = &item.body else { panic!() };
        assert_eq!(
            (options[0].as_str(), keys.as_slice(), *scoring),
            ("go", &[true, false, true][..], ResponseScoring::Partial)
        );
        let (again, _) = ItemRecord::from_item(&item).into_item().unwrap();
        assert_eq!(item, again);
        let plain = mr.replace(",\"scoring\":\"partial\"", "");
        let (item, _) = ItemRecord::from_json_line(&plain).unwrap().into_item().unwrap();
        assert!(matches!(
            item.body,
            ItemBody::MultipleResponse { scoring: ResponseScoring::AllOrNothing, .. }
        ));
        assert_eq!(ItemRecord::from_item(&item).scoring, None, "the default is not written");
        for (bad, field) in [
            (mr.replace("[true,false,true]", "[true,false]"), "keys"),
            (mr.replace("[true,false,true]", "[false,false,false]"), "keys"),
            (
                mr.replace("[\"A. go\",\"went\",\"gone\"]", "[\"go\"]")
                    .replace("[true,false,true]", "[true]"),
                "options",
            ),
            (mr.replace("\"keys\"", "\"key\":\"A\",\"keys\""), "key"),
            (SC.replace("\"key\":\"B\"", "\"key\":\"B\",\"scoring\":\"partial\""), "scoring"),
        ] {
            let Err(DomainError::Invalid { errors, .. }) =
                ItemRecord::from_json_line(&bad).unwrap().into_item()
            else {
                panic!("{bad}")
            };
            assert!(errors.iter().any(|e| e.field == field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn true_false_groups_and_short_answers() {
        let tf = r#"{"id":"LY-1","subject":"vat_ly","grade":12,"topic":"12.2","level":"hieu","kind":"true_false_group","stem":"Xét khí lý tưởng.","statements":["a","b",{"text":"c","level":"van_dung"},"d"],"keys":[true,false,true,false]}"#;
        let (item, _) = ItemRecord::from_json_line(tf).unwrap().into_item().unwrap();
        assert_eq!(item.unit_levels(), vec![Level::Hieu, Level::Hieu, Level::VanDung, Level::Hieu]);
        let sa = r#"{"id":"HOA-1","subject":"hoa_hoc","grade":12,"topic":"12.3","level":"van_dung","kind":"short_answer","stem":"Tính pH.","answer":["2.5","2,505"]}"#;
        let err = ItemRecord::from_json_line(sa).unwrap().into_item().unwrap_err().to_string();
        assert!(err.contains("answer[1]"), "{err}");
        let sa_ok = sa.replace("\"2,505\"", "\"2,6\"");
        let (item, _) = ItemRecord::from_json_line(&sa_ok).unwrap().into_item().unwrap();
        match item.body {
            ItemBody::ShortAnswer { answer } => assert_eq!(answer.accepted, vec!["2,5", "2,6"]),
            _ => unreachable!(),
        }
        let three = tf.replace(",\"d\"]", "]");
        let err = ItemRecord::from_json_line(&three).unwrap().into_item().unwrap_err().to_string();
        assert!(err.contains("exactly 4 statements"), "{err}");
    }
}
