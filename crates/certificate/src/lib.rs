//! Verifiable score certificates (issue 21): a candidate's scores as CBOR claims
//! ([`claims`]), signed as COSE_Sign1 with the board's Ed25519 key and its key id ([`keys`]),
//! compressed, Base45-encoded and prefixed `KT1:` ([`codec`]) into an alphanumeric QR code at
//! error correction Q ([`qr`]) on a printable A4 page ([`html`]). Anyone with the board's public
//! key list verifies offline; a signed list withdraws certificates ([`revocation`]).
//!
//! Pure: keys, claims and strings in; strings, bytes and verdicts out. Randomness (key seeds) and
//! clocks (issue time) come from the caller.

pub mod claims;
pub mod codec;
pub mod gather;
pub mod html;
pub mod keys;
pub mod qr;
pub mod revocation;

pub use claims::{Claims, ExamResult};
pub use codec::{PREFIX, Verdict, Verified, certificate_id, issue, verify};
pub use keys::{IssuerKey, PublicKey, TrustedKeys};
pub use revocation::RevocationList;

/// Why a key, list or certificate could not be read or made.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    #[error("key: {0}")]
    Key(String),
    #[error("certificate: {0}")]
    Format(String),
    #[error("revocation list: {0}")]
    Revocations(String),
    #[error("QR code: {0}")]
    Qr(String),
}

/// A certificate ready to hand out: the string, its id, the QR as SVG and the printable page.
#[derive(Debug, Clone)]
pub struct Issued {
    pub text: String,
    pub id: String,
    pub qr_svg: String,
    pub html: String,
}

/// Issues a certificate with everything printed around it.
pub fn issue_printable(claims: &Claims, key: &IssuerKey) -> Result<Issued, CertificateError> {
    let text = issue(claims, key);
    let sign1 = codec::unwrap(&text).map_err(CertificateError::Format)?;
    let id = certificate_id(&sign1.signature);
    let matrix = qr::encode(&text)?;
    let qr_svg = matrix.svg(240, &format!("Mã QR của giấy chứng nhận, số báo danh {}", claims.candidate));
    let html = html::certificate_html(claims, &text, &id, &qr_svg);
    Ok(Issued { text, id, qr_svg, html })
}
