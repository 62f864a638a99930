//! The certificate string: claims (CBOR) → COSE_Sign1 with EdDSA and the kid in the protected
//! header (tagged, CBOR tag 18) → zlib → Base45 → `KT1:` — the EU Digital COVID Certificate's
//! proven chain with khaothi's prefix. Every character of the result is in the QR alphanumeric
//! set, so the QR code holds it in alphanumeric mode.
//!
//! Verification returns a [`Verdict`]: `Valid`, `Invalid` (with the reason: not a certificate,
//! unknown key, bad signature, …) or `Revoked` (valid signature, but on the revocation list).

use std::io::{Read, Write};

use coset::{CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana};
use flate2::Compression;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::claims::Claims;
use crate::keys::{IssuerKey, TrustedKeys};
use crate::revocation::RevocationList;

/// The prefix of every certificate string (version 1 of this chain).
pub const PREFIX: &str = "KT1:";

/// The largest decompressed COSE message read (a certificate is a few hundred bytes): a guard
/// against a crafted string that inflates without end.
const MAX_INFLATED: u64 = 16 * 1024;

/// Signs the claims into a certificate string.
pub fn issue(claims: &Claims, key: &IssuerKey) -> String {
    let protected =
        HeaderBuilder::new().algorithm(iana::Algorithm::EdDSA).key_id(key.public().kid().to_vec()).build();
    let sign1 = CoseSign1Builder::new()
        .protected(protected)
        .payload(claims.to_cbor())
        .create_signature(b"", |m| key.sign(m))
        .build();
    let cose = sign1.to_tagged_vec().expect("encoding COSE to memory");
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Compression::best());
    z.write_all(&cose).expect("compressing to memory");
    let compressed = z.finish().expect("compressing to memory");
    format!("{PREFIX}{}", base45::encode(compressed))
}

/// A certificate whose signature checked out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verified {
    /// The certificate id: the first 16 bytes of SHA-256 of the signature, hex. What a
    /// revocation list names.
    pub id: String,
    /// The signing key's id, hex.
    pub kid: String,
    pub claims: Claims,
}

/// What a verifier concludes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "lowercase")]
pub enum Verdict {
    Valid(Verified),
    Invalid { reason: String },
    Revoked(Verified),
}

fn invalid(reason: impl Into<String>) -> Verdict {
    Verdict::Invalid { reason: reason.into() }
}

/// The certificate id of a signature.
pub fn certificate_id(signature: &[u8]) -> String {
    hex::encode(&Sha256::digest(signature)[..16])
}

/// Unwraps the string to its COSE_Sign1 (prefix, Base45, zlib, CBOR), without checking the
/// signature.
pub fn unwrap(text: &str) -> Result<CoseSign1, String> {
    let body = text.trim().strip_prefix(PREFIX).ok_or_else(|| format!("does not start with `{PREFIX}`"))?;
    let compressed = base45::decode(body).map_err(|e| format!("not Base45: {e:?}"))?;
    let mut cose = Vec::new();
    flate2::read::ZlibDecoder::new(compressed.as_slice())
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut cose)
        .map_err(|e| format!("not zlib: {e}"))?;
    if cose.len() as u64 > MAX_INFLATED {
        return Err("the message is too large for a certificate".into());
    }
    CoseSign1::from_tagged_slice(&cose)
        .or_else(|_| CoseSign1::from_slice(&cose))
        .map_err(|e| format!("not a COSE_Sign1 message: {e}"))
}

/// Verifies a certificate string against the trusted keys and, when given, a revocation list
/// (whose own signature the caller has checked: [`RevocationList::verify`]).
pub fn verify(text: &str, keys: &TrustedKeys, revoked: Option<&RevocationList>) -> Verdict {
    let sign1 = match unwrap(text) {
        Ok(s) => s,
        Err(e) => return invalid(format!("not a certificate: {e}")),
    };
    let alg_ok = matches!(
        sign1.protected.header.alg,
        Some(coset::RegisteredLabelWithPrivate::Assigned(iana::Algorithm::EdDSA))
    );
    if !alg_ok {
        return invalid("the signature algorithm is not EdDSA");
    }
    let kid = &sign1.protected.header.key_id;
    let Some(key) = keys.by_kid(kid) else {
        return invalid(format!("signed by a key that is not trusted (kid {})", hex::encode(kid)));
    };
    if sign1.verify_signature(b"", |sig, data| if key.verify(data, sig) { Ok(()) } else { Err(()) }).is_err()
    {
        return invalid("the signature does not match the content");
    }
    let claims = match sign1.payload.as_deref().map(Claims::from_cbor) {
        Some(Ok(c)) => c,
        Some(Err(e)) => return invalid(e.to_string()),
        None => return invalid("the certificate has no claims"),
    };
    let verified = Verified { id: certificate_id(&sign1.signature), kid: hex::encode(kid), claims };
    if revoked.is_some_and(|l| l.contains(&verified.id)) {
        Verdict::Revoked(verified)
    } else {
        Verdict::Valid(verified)
    }
}
