//! What `khaothi omr read` prints: per sheet the candidate, the version, the answers valued as the
//! candidate websocket's answers are (docs/protocol.md), a confidence per key, and the flags a
//! person must decide. A key with a flag is never in `answers`: ambiguous sheets are not guessed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The whole output: `{"sheets": […]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadReport {
    pub sheets: Vec<SheetReading>,
}

/// One image read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SheetReading {
    /// The image's file name (as given to the reader).
    pub image: String,
    /// SHA-256 of the image file's bytes, hex (the answers' provenance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_sha256: Option<String>,
    /// The sheet id from the QR code (absent when the QR could not be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The event from the QR code (empty on sheets printed without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Số báo danh: the bubbled number, agreeing with the QR's (or the QR's alone when the
    /// candidate bubbled nothing); `null` when it is flagged.
    pub candidate: Option<String>,
    /// Mã đề, the same way.
    pub version: Option<String>,
    /// `"I.1": "B"`, `"II.2": [true, false, null, true]`, `"III.1": "-1,5"`; an unanswered
    /// question is absent.
    pub answers: BTreeMap<String, AnswerValue>,
    /// For every key read without a flag (answers, `candidate`, `version`): 0–1, how far the
    /// least clear bubble of the key was from the undecided band (1 = clean marks and clean blanks).
    pub confidence: BTreeMap<String, f64>,
    pub flags: Vec<Flag>,
}

/// An answer in the websocket's terms: a letter (part I) or a short answer's text (part III) is a
/// string; a true/false group (part II) is one entry per statement, `null` where not marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Text(String),
    Statements(Vec<Option<bool>>),
}

/// A key a person must decide, with the reader's best reading and the region's crop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// `I.5`, `II.2`, `III.1`, `candidate`, `version`, `qr` or `sheet` (the whole image).
    pub key: String,
    pub reason: FlagReason,
    /// What the marks would say if the doubtful ones counted as the reader leans (never written
    /// into `answers`); absent when there is no reading at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed: Option<AnswerValue>,
    /// The flagged region on the sheet, mm from its top-left corner: `[x, y, width, height]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<[f64; 4]>,
    /// The region cut from the straightened sheet: a PNG, base64 (standard alphabet, no
    /// `data:` prefix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crop: Option<String>,
    /// A sentence for the person deciding (English; the pages translate `reason`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// Why a key needs a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagReason {
    /// Two marks where one is allowed (two letters, Đúng and Sai together, two digits in a column).
    DoubleMark,
    /// A mark too light to count as filled and too dark to count as blank.
    FaintMark,
    /// A rubbed-out mark: mid darkness with an uneven texture.
    Erasure,
    /// The QR code could not be decoded.
    UnreadableQr,
    /// The bubbled number (candidate or version) disagrees with the QR code.
    QrMismatch,
    /// A number with a column left blank (and no QR to fall back on).
    IncompleteNumber,
    /// Part III characters that are not a number (`1-2`, `,5`, a gap between columns).
    InvalidShortAnswer,
    /// The four registration marks were not found: the image is not a sheet, or too cut off.
    MarksNotFound,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_use_the_issues_json_shape() {
        let reading = SheetReading {
            image: "a.png".into(),
            candidate: Some("010203".into()),
            version: Some("0101".into()),
            answers: BTreeMap::from([
                ("I.1".into(), AnswerValue::Text("B".into())),
                ("II.2".into(), AnswerValue::Statements(vec![Some(true), Some(false), None, Some(true)])),
                ("III.1".into(), AnswerValue::Text("-1,5".into())),
            ]),
            flags: vec![Flag {
                key: "I.2".into(),
                reason: FlagReason::DoubleMark,
                proposed: None,
                region: Some([1.0, 2.0, 3.0, 4.0]),
                crop: Some("iVBO".into()),
                detail: String::new(),
            }],
            ..SheetReading::default()
        };
        let json = serde_json::to_value(ReadReport { sheets: vec![reading.clone()] }).unwrap();
        let sheet = &json["sheets"][0];
        assert_eq!(sheet["answers"]["I.1"], "B");
        assert_eq!(sheet["answers"]["II.2"], serde_json::json!([true, false, null, true]));
        assert_eq!(sheet["answers"]["III.1"], "-1,5");
        assert_eq!(sheet["flags"][0]["reason"], "double_mark");
        assert_eq!(sheet["candidate"], "010203");
        let back: ReadReport = serde_json::from_value(json).unwrap();
        assert_eq!(back.sheets[0], reading);
    }
}
