//! The signed result file (docs/formats.md, "Signed result file"): what a delivery site sends the
//! bank after an event — the results, the calibration CSV and the raw responses as named text
//! parts — signed with the site's Ed25519 key together with the heads of the site's hash-chained
//! response and audit logs. It lives here, beside the package format, so the bank can verify a
//! file without depending on the delivery server.
//!
//! File: JSON `{"format","event_id","site":{"name","public_key"},"created_at","parts":{name:text},
//! "chains":{"responses":{"length","head"},"audit":{"length","head"}},"signature"}`; the signature
//! is base64 Ed25519 over [`ResultFile::signed_bytes`], a length-prefixed encoding that never
//! depends on a JSON serializer (whitespace, key order and escapes of the file do not matter).
//!
//! Pure: no I/O.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::keys::{SitePublicKey, SiteSigningKey};

/// The format tag, also the first field of the signed bytes (so a package signature can never
/// pass for a result-file signature and back).
pub const RESULTS_FORMAT: &str = "khaothi-results/1";

/// The part the bank turns into a calibration response set.
pub const CALIBRATION_PART: &str = "calibration.csv";

/// The columns of the raw responses part (`raw.csv`, docs/formats.md "Raw responses CSV"), in
/// order, for a delivery site and for a paper test read in the bank alike. New columns are
/// appended (`source`, `sheet`: issue 22; `shown`: issue 19) so earlier ones keep their places.
pub const RAW_CSV_COLUMNS: [&str; 13] = [
    "person",
    "item",
    "kind",
    "version",
    "position",
    "value",
    "correct",
    "epoch",
    "seq",
    "answered_at",
    "source",
    "sheet",
    "shown",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultFile {
    pub format: String,
    pub event_id: String,
    pub site: SiteInfo,
    /// RFC 3339, the site's clock.
    pub created_at: String,
    /// Part name → text, signed in the bytewise order of the names.
    pub parts: BTreeMap<String, String>,
    pub chains: ChainHeads,
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteInfo {
    pub name: String,
    /// `ed25519:<64 hex>`; the bank trusts it only if an administrator registered it.
    pub public_key: String,
}

/// The heads of the site's two hash chains when the file was signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainHeads {
    pub responses: ChainHead,
    pub audit: ChainHead,
}

/// A chain's length (rows linked) and the hash of its last row (64 hex digits; all zeros when
/// the chain is empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainHead {
    pub length: u64,
    pub head: String,
}

/// Everything a result file says, before it is signed.
#[derive(Debug, Clone)]
pub struct UnsignedResults {
    pub event_id: String,
    pub site_name: String,
    pub created_at: String,
    pub parts: BTreeMap<String, String>,
    pub chains: ChainHeads,
}

#[derive(Debug, thiserror::Error)]
pub enum ResultFileError {
    #[error("the result file is malformed: {0}")]
    Malformed(String),
    #[error(
        "the result file's signature does not verify against the site's registered key: the file was changed after it was signed"
    )]
    BadSignature,
}

/// Signs the results with the site's key.
pub fn sign_result_file(input: UnsignedResults, key: &SiteSigningKey) -> ResultFile {
    let mut file = ResultFile {
        format: RESULTS_FORMAT.to_string(),
        event_id: input.event_id,
        site: SiteInfo { name: input.site_name, public_key: key.public().to_string() },
        created_at: input.created_at,
        parts: input.parts,
        chains: input.chains,
        signature: String::new(),
    };
    file.signature = B64.encode(key.sign(&file.signed_bytes()));
    file
}

impl ResultFile {
    /// Reads a file and checks its shape (not yet its signature: see [`ResultFile::verify`]).
    pub fn parse(bytes: &[u8]) -> Result<Self, ResultFileError> {
        let file: ResultFile = serde_json::from_slice(bytes)
            .map_err(|e| ResultFileError::Malformed(format!("not a result file: {e}")))?;
        file.check_shape()?;
        Ok(file)
    }

    fn check_shape(&self) -> Result<(), ResultFileError> {
        let bad = |m: String| Err(ResultFileError::Malformed(m));
        if self.format != RESULTS_FORMAT {
            return bad(format!("format is \"{}\", expected \"{RESULTS_FORMAT}\"", self.format));
        }
        if self.event_id.trim().is_empty() {
            return bad("event_id is empty".into());
        }
        if self.parts.keys().any(|k| k.trim().is_empty()) {
            return bad("a part has an empty name".into());
        }
        for (name, c) in [("responses", &self.chains.responses), ("audit", &self.chains.audit)] {
            if c.head.len() != 64 || !c.head.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                return bad(format!("chains.{name}.head is not 64 lowercase hex digits"));
            }
        }
        Ok(())
    }

    /// The site key the file names. Never trusted by itself: the bank looks it up among the
    /// keys an administrator registered.
    pub fn site_key(&self) -> Result<SitePublicKey, ResultFileError> {
        SitePublicKey::parse(&self.site.public_key)
            .map_err(|e| ResultFileError::Malformed(format!("site.public_key: {e}")))
    }

    /// Checks the signature against a trusted key.
    pub fn verify(&self, trusted: &SitePublicKey) -> Result<(), ResultFileError> {
        self.check_shape()?;
        let sig = B64
            .decode(self.signature.trim())
            .map_err(|e| ResultFileError::Malformed(format!("the signature is not base64: {e}")))?;
        if trusted.verify(&self.signed_bytes(), &sig) { Ok(()) } else { Err(ResultFileError::BadSignature) }
    }

    /// The signed bytes: each field as its length (8 bytes, big-endian) then its UTF-8 bytes, in
    /// this order: format, event_id, created_at, site name, site public key, the number of parts
    /// (decimal), each part's name and text (names in bytewise order), then `responses`, its
    /// length (decimal) and head, `audit`, its length and head.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.parts.values().map(|t| t.len() + 64).sum::<usize>());
        let mut field = |b: &[u8]| {
            out.extend_from_slice(&(b.len() as u64).to_be_bytes());
            out.extend_from_slice(b);
        };
        field(self.format.as_bytes());
        field(self.event_id.as_bytes());
        field(self.created_at.as_bytes());
        field(self.site.name.as_bytes());
        field(self.site.public_key.as_bytes());
        field(self.parts.len().to_string().as_bytes());
        for (name, text) in &self.parts {
            field(name.as_bytes());
            field(text.as_bytes());
        }
        for (name, c) in [("responses", &self.chains.responses), ("audit", &self.chains.audit)] {
            field(name.as_bytes());
            field(c.length.to_string().as_bytes());
            field(c.head.as_bytes());
        }
        out
    }

    /// SHA-256 (hex) of the signed bytes: the file's identity, the same however the JSON is laid out.
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.signed_bytes()))
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a result file serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn key(seed: u64) -> SiteSigningKey {
        SiteSigningKey::generate(&mut rand::rngs::StdRng::seed_from_u64(seed))
    }

    fn sample(k: &SiteSigningKey) -> ResultFile {
        let parts = BTreeMap::from([
            ("results.json".to_string(), "{\"candidates\":[]}".to_string()),
            ("calibration.csv".to_string(), "person,SC1@1\n000001,1\n".to_string()),
        ]);
        let head = |n: u64, c: char| ChainHead { length: n, head: c.to_string().repeat(64) };
        sign_result_file(
            UnsignedResults {
                event_id: "E1".into(),
                site_name: "Trường THPT A".into(),
                created_at: "2025-06-27T10:00:00Z".into(),
                parts,
                chains: ChainHeads { responses: head(12, 'a'), audit: head(3, 'b') },
            },
            k,
        )
    }

    #[test]
    fn a_signed_file_verifies_after_a_round_trip_and_any_change_is_caught() {
        let k = key(1);
        let file = sample(&k);
        let back = ResultFile::parse(&file.to_json()).unwrap();
        back.verify(&k.public()).unwrap();
        assert_eq!(back.site_key().unwrap(), k.public());
        assert_eq!(back.digest(), file.digest());
        // Pretty-printed JSON is the same file.
        let pretty = serde_json::to_vec_pretty(&file).unwrap();
        ResultFile::parse(&pretty).unwrap().verify(&k.public()).unwrap();

        let mut changes: Vec<Box<dyn Fn(&mut ResultFile)>> = vec![
            Box::new(|f| f.event_id.push('X')),
            Box::new(|f| f.created_at = "2025-06-27T10:00:01Z".into()),
            Box::new(|f| f.site.name.push('!')),
            Box::new(|f| {
                f.parts.insert("calibration.csv".into(), "person,SC1@1\n000001,0\n".into());
            }),
            Box::new(|f| {
                f.parts.remove("results.json");
            }),
            Box::new(|f| {
                f.parts.insert("extra".into(), String::new());
            }),
            Box::new(|f| f.chains.responses.length += 1),
            Box::new(|f| f.chains.audit.head = "c".repeat(64)),
        ];
        for (n, change) in changes.iter_mut().enumerate() {
            let mut f = file.clone();
            change(&mut f);
            assert!(
                matches!(f.verify(&k.public()), Err(ResultFileError::BadSignature)),
                "change {n} not caught"
            );
        }
        // Another key does not verify it.
        assert!(matches!(file.verify(&key(2).public()), Err(ResultFileError::BadSignature)));
    }

    #[test]
    fn moving_bytes_between_fields_changes_the_signed_bytes() {
        let k = key(1);
        let mut a = sample(&k);
        a.parts = BTreeMap::from([("ab".into(), "c".into())]);
        let mut b = a.clone();
        b.parts = BTreeMap::from([("a".into(), "bc".into())]);
        assert_ne!(a.signed_bytes(), b.signed_bytes());
    }

    #[test]
    fn malformed_files_are_refused_with_the_field_named() {
        let k = key(1);
        let mut v: serde_json::Value = serde_json::from_slice(&sample(&k).to_json()).unwrap();
        v["format"] = "khaothi-results/9".into();
        let e = ResultFile::parse(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert!(e.to_string().contains("khaothi-results/9"), "{e}");
        let mut v: serde_json::Value = serde_json::from_slice(&sample(&k).to_json()).unwrap();
        v["chains"]["audit"]["head"] = "XYZ".into();
        let e = ResultFile::parse(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert!(e.to_string().contains("chains.audit.head"), "{e}");
        assert!(ResultFile::parse(b"not json").is_err());
    }
}
