//! The sheet's QR code: its text and its modules.
//!
//! Text: `KT1|<event>|<candidate>|<version>|<sheet>` — fields with `%` and `|` escaped as `%25` and
//! `%7C`; the candidate is empty on a blank sheet. The sheet id is the first 12 hex digits of
//! SHA-256 over event, form, version and candidate, so reprinting a candidate's sheet gives the same id.

use sha2::{Digest, Sha256};

use crate::OmrError;

/// What a sheet's QR code says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QrPayload {
    pub event: String,
    pub candidate: String,
    pub version: String,
    pub sheet: String,
}

const PREFIX: &str = "KT1";

impl QrPayload {
    /// The payload of a sheet printed for `candidate` (empty: a blank sheet) with its derived id.
    pub fn new(event: &str, form: &str, version: &str, candidate: &str) -> Self {
        let mut h = Sha256::new();
        for part in [event, form, version, candidate] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        let sheet = hex::encode(h.finalize())[..12].to_string();
        QrPayload { event: event.into(), candidate: candidate.into(), version: version.into(), sheet }
    }

    pub fn to_text(&self) -> String {
        let fields = [&self.event, &self.candidate, &self.version, &self.sheet];
        let escaped: Vec<String> = fields.iter().map(|f| f.replace('%', "%25").replace('|', "%7C")).collect();
        format!("{PREFIX}|{}", escaped.join("|"))
    }

    /// Reads a QR text; `None` when it is not a khaothi sheet's.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('|');
        if parts.next()? != PREFIX {
            return None;
        }
        let fields: Vec<String> = parts.map(|p| p.replace("%7C", "|").replace("%25", "%")).collect();
        let [event, candidate, version, sheet]: [String; 4] = fields.try_into().ok()?;
        Some(QrPayload { event, candidate, version, sheet })
    }
}

/// The QR modules of `text`: `(width, dark[y * width + x])`, without the quiet zone.
pub fn modules(text: &str) -> Result<(usize, Vec<bool>), OmrError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| OmrError::Unsupported(format!("QR code: {e}")))?;
    let width = code.width();
    let dark = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
    Ok((width, dark))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_with_separators_escaped() {
        let p = QrPayload::new("Thi thử | đợt 1 100%", "F1", "0101", "010203");
        assert_eq!(p.sheet.len(), 12);
        assert_eq!(QrPayload::parse(&p.to_text()), Some(p.clone()));
        assert_eq!(p, QrPayload::new("Thi thử | đợt 1 100%", "F1", "0101", "010203"));
        assert_ne!(p.sheet, QrPayload::new("Thi thử | đợt 1 100%", "F1", "0101", "010204").sheet);
        assert_eq!(QrPayload::parse("https://example.invalid"), None);
        assert_eq!(QrPayload::parse("KT1|a|b"), None);
    }
}
