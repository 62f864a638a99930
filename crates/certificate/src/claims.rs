//! The certificate's claims and their CBOR form (docs/formats.md "Certificate claims").
//!
//! Minimal on purpose (privacy): what a verifier needs to match the certificate to the person in
//! front of them and read the scores — candidate number, name, date of birth when the board has
//! it, and one entry per exam — and nothing else (no school, room, answers, ability estimate or
//! identity-card number). A CBOR map: the CWT registered keys 1 (`iss`) and 6 (`iat`), then text
//! keys: `v` (claims version, 1), `sbd` (số báo danh), `name`, `dob` (optional), `res` (an array
//! of `[event, subject, score in hundredths]`).

use std::collections::BTreeMap;

use ciborium::value::Value;
use serde::Serialize;

use crate::CertificateError;

/// One exam's score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExamResult {
    /// The event id (e.g. `THPT-2026-TOAN`).
    pub event: String,
    pub subject: String,
    /// The score out of 10 in hundredths (`825` = 8,25).
    pub score: u32,
}

/// What a certificate says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claims {
    /// The board (e.g. `Sở GD&ĐT Hà Nội`).
    pub issuer: String,
    /// Seconds since 1970-01-01 UTC.
    pub issued_at: i64,
    /// Số báo danh.
    pub candidate: String,
    pub name: String,
    /// As the candidate list gave it (`2008-03-14`), when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    pub results: Vec<ExamResult>,
}

/// The claims' version in `v`.
pub const CLAIMS_VERSION: i64 = 1;

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

impl Claims {
    /// The CBOR bytes (a definite-length map, keys in the documented order).
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut map = vec![
            (Value::Integer(1.into()), text(&self.issuer)),
            (Value::Integer(6.into()), Value::Integer(self.issued_at.into())),
            (text("v"), Value::Integer(CLAIMS_VERSION.into())),
            (text("sbd"), text(&self.candidate)),
            (text("name"), text(&self.name)),
        ];
        if let Some(dob) = &self.date_of_birth {
            map.push((text("dob"), text(dob)));
        }
        let res = self
            .results
            .iter()
            .map(|r| Value::Array(vec![text(&r.event), text(&r.subject), Value::Integer(r.score.into())]))
            .collect();
        map.push((text("res"), Value::Array(res)));
        let mut out = Vec::new();
        ciborium::into_writer(&Value::Map(map), &mut out).expect("writing CBOR to memory");
        out
    }

    /// Reads the CBOR claims; refuses anything outside the documented shape.
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, CertificateError> {
        let bad = |m: &str| CertificateError::Format(format!("claims: {m}"));
        let value: Value = ciborium::from_reader(bytes).map_err(|e| bad(&e.to_string()))?;
        let Value::Map(entries) = value else { return Err(bad("not a map")) };
        let mut by_key: BTreeMap<String, Value> = BTreeMap::new();
        for (k, v) in entries {
            let key = match k {
                Value::Integer(i) => i128::from(i).to_string(),
                Value::Text(t) => t,
                _ => return Err(bad("a key is neither an integer nor text")),
            };
            by_key.insert(key, v);
        }
        let text_of = |k: &str| match by_key.get(k) {
            Some(Value::Text(t)) => Ok(t.clone()),
            _ => Err(bad(&format!("`{k}` is missing or not text"))),
        };
        let int_of = |k: &str| match by_key.get(k) {
            Some(Value::Integer(i)) => {
                i64::try_from(i128::from(*i)).map_err(|_| bad(&format!("`{k}` is out of range")))
            }
            _ => Err(bad(&format!("`{k}` is missing or not an integer"))),
        };
        if int_of("v")? != CLAIMS_VERSION {
            return Err(bad("unknown claims version"));
        }
        let date_of_birth = by_key.contains_key("dob").then(|| text_of("dob")).transpose()?;
        let Some(Value::Array(res)) = by_key.get("res") else { return Err(bad("`res` is missing")) };
        let results = res
            .iter()
            .map(|r| result_of(r).ok_or_else(|| bad("a `res` entry is not [event, subject, score]")))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            issuer: text_of("1")?,
            issued_at: int_of("6")?,
            candidate: text_of("sbd")?,
            name: text_of("name")?,
            date_of_birth,
            results,
        })
    }
}

fn result_of(v: &Value) -> Option<ExamResult> {
    let Value::Array(a) = v else { return None };
    match a.as_slice() {
        [Value::Text(event), Value::Text(subject), Value::Integer(score)] => Some(ExamResult {
            event: event.clone(),
            subject: subject.clone(),
            score: u32::try_from(i128::from(*score)).ok().filter(|s| *s <= 1000)?,
        }),
        _ => None,
    }
}
