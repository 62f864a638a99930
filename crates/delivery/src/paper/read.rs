//! The reader's output as the ingest route takes it: the JSON `khaothi omr read` prints (issue 22
//! §2, docs/formats.md "Answer sheet"), one or many sheets, each with what the uploader adds — the
//! SHA-256 of the scan and the sheet id from the QR code. Fields the reader adds later (confidence,
//! timings) are kept in the stored reading but not needed here, so unknown fields are allowed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// `{"sheets": [...]}` as `khaothi omr read` prints it.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct ReadOutput {
    pub sheets: Vec<ReadSheet>,
}

/// One sheet as read.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct ReadSheet {
    /// The scan's file name.
    pub image: String,
    /// Số báo danh as read (bubbled, checked against the QR code).
    pub candidate: Option<String>,
    /// Mã đề as read.
    pub version: Option<String>,
    /// Answers by part and printed number (`"I.1": "B"`, `"II.2": [true, false, null, true]`,
    /// `"III.1": "-1,5"`), valued as the candidate websocket's answers are. A flagged key is absent.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, Value>,
    /// The reader's confidence per key (kept with the reading).
    #[serde(default)]
    #[schema(schema_with = schema::confidence)]
    pub confidence: Value,
    /// What the reader would not decide.
    #[serde(default)]
    pub flags: Vec<ReadFlag>,
    /// SHA-256 of the scan's bytes, hex (the uploader computes it; the reader may print it).
    #[serde(default)]
    pub image_sha256: Option<String>,
    /// The sheet id the QR code carries (`sheet` in the reader's output).
    #[serde(default, alias = "sheet")]
    pub sheet_id: Option<String>,
    /// The event the QR code carries, when the sheet was printed with one.
    #[serde(default)]
    pub event: Option<String>,
}

/// A mark for a person to decide.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct ReadFlag {
    /// Part and printed number (`I.3`), or a field of the sheet (`candidate`, `version`, `qr`).
    pub key: String,
    pub reason: String,
    /// The region's image: a PNG as a `data:` URL or bare base64, or an object with one of those
    /// in `png`/`data`/`data_url`.
    #[serde(default)]
    #[schema(schema_with = schema::crop)]
    pub crop: Option<Value>,
    /// A sentence for the person deciding, when the reader gives one.
    #[serde(default)]
    pub detail: Option<String>,
    /// What the reader thinks it says, if anything (`proposed`, or the reader's `reading`).
    #[serde(default, alias = "reading")]
    #[schema(schema_with = schema::answer)]
    pub proposed: Option<Value>,
}

impl ReadFlag {
    /// The crop as a `data:image/png;base64,…` URL, whichever way the reader gave it; `None`
    /// for anything that is not base64 (a file path stays on the reader's machine).
    pub fn crop_data_url(&self) -> Option<String> {
        let text = match self.crop.as_ref()? {
            Value::String(s) => s.clone(),
            Value::Object(o) => ["data_url", "png", "data", "png_base64"]
                .iter()
                .find_map(|k| o.get(*k).and_then(Value::as_str))?
                .to_string(),
            _ => return None,
        };
        data_url(&text)
    }
}

fn data_url(text: &str) -> Option<String> {
    use base64::Engine;
    if let Some(rest) = text.strip_prefix("data:image/") {
        let (_, b64) = rest.split_once(";base64,")?;
        return base64::engine::general_purpose::STANDARD.decode(b64).ok().map(|_| text.to_string());
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()?;
    let mime = if bytes.starts_with(b"\x89PNG") {
        "png"
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        "jpeg"
    } else {
        return None;
    };
    Some(format!("data:image/{mime};base64,{}", text.trim()))
}

/// A hex SHA-256 (64 hex digits), lower-cased.
pub fn checked_sha256(s: &str) -> Option<String> {
    let s = s.trim().to_ascii_lowercase();
    (s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())).then_some(s)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_readers_json_is_taken_as_printed() {
        let v = json!({"sheets": [{"image": "a.png", "candidate": "000001", "version": "101",
            "answers": {"I.1": "B", "II.2": [true, false, null, true], "III.1": "-1,5"},
            "confidence": {"I.1": 0.98}, "dpi": 300,
            "flags": [{"key": "I.2", "reason": "two marks", "crop": {"png": "iVBORw0KGgo=", "x": 1}}]}]});
        let out: ReadOutput = serde_json::from_value(v).unwrap();
        let s = &out.sheets[0];
        assert_eq!(s.answers["III.1"], json!("-1,5"));
        assert_eq!(s.flags[0].crop_data_url().as_deref(), Some("data:image/png;base64,iVBORw0KGgo="));
        assert!(s.image_sha256.is_none());
    }

    /// Exactly what `khaothi omr read` prints (crates/omr `ReadReport`): the QR's sheet id is
    /// `sheet`, reasons are snake_case words, crops bare base64 PNG with their region.
    #[test]
    fn the_omr_crates_output_is_taken() {
        let v = json!({"sheets": [{"image": "b.jpg", "image_sha256": "ab".repeat(32), "sheet": "S-7",
            "event": "E1", "candidate": "010203", "version": "0101", "answers": {"I.1": "B"},
            "confidence": {"I.1": 0.9, "candidate": 1.0},
            "flags": [{"key": "II.2", "reason": "double_mark", "proposed": [true, null, null, false],
                "region": [1.0, 2.0, 3.0, 4.0], "crop": "iVBORw0KGgo=", "detail": "Đúng and Sai both marked"}]}]});
        let out: ReadOutput = serde_json::from_value(v).unwrap();
        let s = &out.sheets[0];
        assert_eq!(s.sheet_id.as_deref(), Some("S-7"));
        assert_eq!(s.event.as_deref(), Some("E1"));
        assert_eq!(s.flags[0].reason, "double_mark");
        assert_eq!(s.flags[0].proposed, Some(json!([true, null, null, false])));
        assert_eq!(s.flags[0].crop_data_url().as_deref(), Some("data:image/png;base64,iVBORw0KGgo="));
    }

    #[test]
    fn crops_that_are_not_images_are_left_out() {
        let flag = |crop: Value| ReadFlag {
            key: "I.1".into(),
            reason: "faint".into(),
            crop: Some(crop),
            detail: None,
            proposed: None,
        };
        assert_eq!(flag(json!("/tmp/crop.png")).crop_data_url(), None);
        assert_eq!(flag(json!("data:image/png;base64,@@")).crop_data_url(), None);
        assert_eq!(flag(json!("/9j/")).crop_data_url().as_deref(), Some("data:image/jpeg;base64,/9j/"));
        assert_eq!(checked_sha256(&"AB".repeat(32)), Some("ab".repeat(32)));
        assert_eq!(checked_sha256("abc"), None);
    }
}

/// OpenAPI schemas of the JSON values the paper routes carry (a value type, not one Rust type).
pub(crate) mod schema {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};

    fn of(types: &[Type], description: &str) -> utoipa::openapi::Object {
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter(types.iter().cloned()))
            .description(Some(description))
            .build()
    }

    /// An answer as the websocket carries it.
    pub fn answer() -> utoipa::openapi::Object {
        of(
            &[Type::String, Type::Array, Type::Null],
            "an answer valued as the websocket's: \"B\", [true, false, null, true], \"-1,5\", or null",
        )
    }

    /// A crop: a data URL or base64 text, or an object holding one.
    pub fn crop() -> utoipa::openapi::Object {
        of(
            &[Type::String, Type::Object, Type::Null],
            "a PNG as a data: URL or base64, or an object with it in png/data/data_url",
        )
    }

    /// The reader's confidence per key.
    pub fn confidence() -> utoipa::openapi::Object {
        of(&[Type::Object, Type::Null], "the reader's confidence per key")
    }
}
