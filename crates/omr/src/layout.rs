//! `layout.json`: where everything on the answer sheet is, for khaothi's reader and anyone else's.
//!
//! Centres and radii are in millimetres from the page's top-left corner; pages are numbered from 1.
//! Each bubble carries its meaning in the issue's shapes (docs/formats.md, "Answer sheet"):
//! `{"field": "candidate", "digit": 3, "value": 7}` (digit 0 = the leftmost digit),
//! `{"part": "I", "item": 5, "value": "B"}`, `{"part": "II", "item": 2, "statement": "c", "value":
//! true}`, `{"part": "III", "item": 1, "column": 2, "value": ","}` (column 0 = the leftmost). Items
//! are numbered per part as printed (Câu 1, 2, …).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The whole sheet: its page size, registration marks, bubbles and QR code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// Width and height of the page, mm (A4: `[210, 297]`).
    pub page_mm: [f64; 2],
    /// The solid square registration marks, one near each corner, by centre.
    pub marks: Vec<Mark>,
    pub bubbles: Vec<Bubble>,
    /// Where the QR code is (absent on a layout written by another tool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr: Option<QrBox>,
    /// The form and version code the sheets in this folder were printed for (informative: the
    /// reader takes the version from the sheet's own bubbles and QR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A registration mark: a solid black square of side `size` mm centred on (`x`, `y`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub page: u32,
    pub x: f64,
    pub y: f64,
    #[serde(default = "default_mark_size")]
    pub size: f64,
}

fn default_mark_size() -> f64 {
    7.0
}

/// The QR code: a square of side `size` mm (its modules, without the quiet zone) centred on
/// (`x`, `y`). Its text is described in docs/formats.md (`KT1|…`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QrBox {
    pub page: u32,
    pub x: f64,
    pub y: f64,
    pub size: f64,
}

/// Which written-and-bubbled number a digit bubble belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberField {
    /// Số báo danh.
    Candidate,
    /// Mã đề.
    Version,
}

/// What filling a bubble says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Meaning {
    /// Digit `digit` (0 = leftmost) of a number field has value `value` (0–9).
    Number { field: NumberField, digit: u32, value: u8 },
    /// Part I question `item` answered with letter `value` (`A`–`D`).
    Choice { item: u32, value: char },
    /// Part II question `item`, statement `statement` (`a`–`d`), judged true (Đúng) or false (Sai).
    Statement { item: u32, statement: char, value: bool },
    /// Part III question `item`, character `column` (0 = leftmost) is `value` (`-`, `,`, `0`–`9`).
    Character { item: u32, column: u32, value: char },
}

impl Meaning {
    /// The answer key the bubble belongs to: `I.5`, `II.2`, `III.1`, `candidate`, `version`.
    pub fn key(&self) -> String {
        match self {
            Self::Number { field: NumberField::Candidate, .. } => "candidate".into(),
            Self::Number { field: NumberField::Version, .. } => "version".into(),
            Self::Choice { item, .. } => format!("I.{item}"),
            Self::Statement { item, .. } => format!("II.{item}"),
            Self::Character { item, .. } => format!("III.{item}"),
        }
    }
}

/// One bubble: centre (`x`, `y`) and radius `r` in mm, and its meaning (flattened into the same
/// JSON object, in the issue's shapes).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawBubble", into = "RawBubble")]
pub struct Bubble {
    pub page: u32,
    pub x: f64,
    pub y: f64,
    pub r: f64,
    pub meaning: Meaning,
}

/// The JSON object of a bubble: every meaning's keys, the ones not used absent.
#[derive(Serialize, Deserialize)]
struct RawBubble {
    page: u32,
    x: f64,
    y: f64,
    r: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<NumberField>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    digit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    part: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    item: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    statement: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    column: Option<u32>,
    value: Value,
}

impl From<Bubble> for RawBubble {
    fn from(b: Bubble) -> Self {
        let mut raw = RawBubble {
            page: b.page,
            x: b.x,
            y: b.y,
            r: b.r,
            field: None,
            digit: None,
            part: None,
            item: None,
            statement: None,
            column: None,
            value: Value::Null,
        };
        match b.meaning {
            Meaning::Number { field, digit, value } => {
                (raw.field, raw.digit, raw.value) = (Some(field), Some(digit), Value::from(value));
            }
            Meaning::Choice { item, value } => {
                (raw.part, raw.item, raw.value) =
                    (Some("I".into()), Some(item), Value::from(value.to_string()));
            }
            Meaning::Statement { item, statement, value } => {
                raw.part = Some("II".into());
                (raw.item, raw.statement, raw.value) =
                    (Some(item), Some(statement.to_string()), Value::from(value));
            }
            Meaning::Character { item, column, value } => {
                raw.part = Some("III".into());
                (raw.item, raw.column, raw.value) =
                    (Some(item), Some(column), Value::from(value.to_string()));
            }
        }
        raw
    }
}

impl TryFrom<RawBubble> for Bubble {
    type Error = String;

    fn try_from(raw: RawBubble) -> Result<Self, String> {
        let one_char = |v: &Value, allowed: &str| -> Result<char, String> {
            let s = v.as_str().ok_or("value must be a string")?;
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if allowed.contains(c) => Ok(c),
                _ => Err(format!("value {s:?} is not one of {allowed:?}")),
            }
        };
        let item = || raw.item.filter(|&n| n >= 1).ok_or("item (from 1) is required");
        let meaning = match (raw.field, raw.part.as_deref()) {
            (Some(field), None) => {
                let digit = raw.digit.ok_or("digit is required")?;
                let value = raw.value.as_u64().filter(|&v| v <= 9).ok_or("value must be a digit 0–9")?;
                Meaning::Number { field, digit, value: value as u8 }
            }
            (None, Some("I")) => Meaning::Choice { item: item()?, value: one_char(&raw.value, "ABCD")? },
            (None, Some("II")) => {
                let statement = raw.statement.as_deref().map(|s| one_char(&Value::from(s), "abcdefgh"));
                let statement = statement.ok_or("statement is required")??;
                let value = raw.value.as_bool().ok_or("value must be true or false")?;
                Meaning::Statement { item: item()?, statement, value }
            }
            (None, Some("III")) => {
                let column = raw.column.ok_or("column is required")?;
                Meaning::Character { item: item()?, column, value: one_char(&raw.value, "-,0123456789")? }
            }
            _ => return Err("a bubble has either a field or a part I, II or III".into()),
        };
        Ok(Bubble { page: raw.page, x: raw.x, y: raw.y, r: raw.r, meaning })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bubbles_use_the_issues_json_shapes() {
        let cases = [
            (
                Meaning::Number { field: NumberField::Candidate, digit: 3, value: 7 },
                r#""field":"candidate","digit":3,"value":7"#,
            ),
            (Meaning::Choice { item: 5, value: 'B' }, r#""part":"I","item":5,"value":"B""#),
            (
                Meaning::Statement { item: 2, statement: 'c', value: true },
                r#""part":"II","item":2,"statement":"c","value":true"#,
            ),
            (
                Meaning::Character { item: 1, column: 2, value: ',' },
                r#""part":"III","item":1,"column":2,"value":",""#,
            ),
        ];
        for (meaning, shape) in cases {
            let b = Bubble { page: 1, x: 10.5, y: 20.0, r: 1.6, meaning };
            let json = serde_json::to_string(&b).unwrap();
            assert_eq!(json, format!(r#"{{"page":1,"x":10.5,"y":20.0,"r":1.6,{shape}}}"#));
            assert_eq!(serde_json::from_str::<Bubble>(&json).unwrap(), b);
        }
    }

    #[test]
    fn malformed_bubbles_are_refused() {
        for bad in [
            r#"{"page":1,"x":1,"y":1,"r":1,"part":"I","item":1,"value":"E"}"#,
            r#"{"page":1,"x":1,"y":1,"r":1,"part":"IV","item":1,"value":"A"}"#,
            r#"{"page":1,"x":1,"y":1,"r":1,"field":"candidate","digit":0,"value":12}"#,
            r#"{"page":1,"x":1,"y":1,"r":1,"part":"II","item":1,"value":true}"#,
            r#"{"page":1,"x":1,"y":1,"r":1,"part":"III","item":0,"column":0,"value":"1"}"#,
        ] {
            assert!(serde_json::from_str::<Bubble>(bad).is_err(), "{bad}");
        }
    }
}
