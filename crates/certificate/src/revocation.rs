//! The signed revocation list (docs/formats.md "Certificate revocation list"): the certificate ids
//! the board has withdrawn, signed with one of its certificate keys so a verifier can trust a copy
//! fetched from anywhere. JSON:
//! `{"format": "khaothi-revocations/1", "kid": "<16 hex>", "payload": "<base64>", "signature": "<base64>"}`
//! where the payload is the JSON `{"issuer", "issued_at", "revoked": [ids]}` and the signature is
//! Ed25519 over `khaothi-revocations/1\n` followed by the payload bytes (signing the bytes as
//! sent, so no canonical JSON is needed to check it).

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::CertificateError;
use crate::keys::{IssuerKey, TrustedKeys};

pub const FORMAT: &str = "khaothi-revocations/1";

/// The withdrawn certificates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationList {
    pub issuer: String,
    /// Seconds since 1970-01-01 UTC.
    pub issued_at: i64,
    /// Certificate ids (32 hex digits, as `verify` prints them).
    pub revoked: BTreeSet<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Signed {
    format: String,
    kid: String,
    payload: String,
    signature: String,
}

fn message(payload: &[u8]) -> Vec<u8> {
    let mut m = format!("{FORMAT}\n").into_bytes();
    m.extend_from_slice(payload);
    m
}

/// Whether `id` is a certificate id (32 lowercase hex digits).
pub fn is_certificate_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl RevocationList {
    pub fn contains(&self, id: &str) -> bool {
        self.revoked.contains(id)
    }

    /// The signed JSON text.
    pub fn sign(&self, key: &IssuerKey) -> String {
        let payload = serde_json::to_vec(self).expect("serialising a list");
        let signed = Signed {
            format: FORMAT.into(),
            kid: hex::encode(key.public().kid()),
            signature: STANDARD.encode(key.sign(&message(&payload))),
            payload: STANDARD.encode(payload),
        };
        serde_json::to_string_pretty(&signed).expect("serialising a list") + "\n"
    }

    /// Reads a signed list and checks its signature against the trusted keys.
    pub fn verify(text: &str, keys: &TrustedKeys) -> Result<Self, CertificateError> {
        let bad = |m: String| CertificateError::Revocations(m);
        let signed: Signed =
            serde_json::from_str(text).map_err(|e| bad(format!("not a revocation list: {e}")))?;
        if signed.format != FORMAT {
            return Err(bad(format!("format is `{}`, not `{FORMAT}`", signed.format)));
        }
        let kid = hex::decode(&signed.kid).map_err(|_| bad("kid is not hex".into()))?;
        let key = keys
            .by_kid(&kid)
            .ok_or_else(|| bad(format!("signed by an untrusted key (kid {})", signed.kid)))?;
        let payload = STANDARD.decode(&signed.payload).map_err(|_| bad("payload is not base64".into()))?;
        let signature =
            STANDARD.decode(&signed.signature).map_err(|_| bad("signature is not base64".into()))?;
        if !key.verify(&message(&payload), &signature) {
            return Err(bad("the signature does not match the list".into()));
        }
        let list: Self = serde_json::from_slice(&payload).map_err(|e| bad(format!("payload: {e}")))?;
        if let Some(id) = list.revoked.iter().find(|id| !is_certificate_id(id)) {
            return Err(bad(format!("`{id}` is not a certificate id")));
        }
        Ok(list)
    }
}
