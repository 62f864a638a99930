//! The board's certificate keys, in the text form of `khaothi package keygen` (one Ed25519 type
//! for every khaothi signature): `ed25519-secret:<64 hex>` for the secret, `ed25519:<64 hex>` for
//! the public key. A certificate names its key by key id (kid): the first 8 bytes of SHA-256 of
//! the 32-byte public key, as the EU Digital COVID Certificate does. Verifiers hold a list of
//! trusted public keys; rotating the key adds a line, and old certificates keep verifying with
//! the old line.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::CertificateError;

const SECRET_PREFIX: &str = "ed25519-secret:";
const PUBLIC_PREFIX: &str = "ed25519:";

/// The first 8 bytes of SHA-256 of a public key.
pub type Kid = [u8; 8];

/// A board's certificate signing key.
pub struct IssuerKey(SigningKey);

impl std::fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IssuerKey({})", self.public())
    }
}

fn hex32(text: &str, prefix: &str, what: &str) -> Result<[u8; 32], CertificateError> {
    let rest = text.trim().strip_prefix(prefix).ok_or_else(|| {
        CertificateError::Key(format!("a {what} starts with `{prefix}` followed by 64 hex digits"))
    })?;
    let mut b = [0u8; 32];
    hex::decode_to_slice(rest, &mut b)
        .map_err(|e| CertificateError::Key(format!("the {what} is not 64 hex digits: {e}")))?;
    Ok(b)
}

impl IssuerKey {
    /// A key from 32 random bytes (the caller's randomness: this crate has no I/O).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self(SigningKey::from_bytes(&seed))
    }

    /// Reads `ed25519-secret:<64 hex>`.
    pub fn parse(text: &str) -> Result<Self, CertificateError> {
        Ok(Self(SigningKey::from_bytes(&hex32(text, SECRET_PREFIX, "Ed25519 secret key")?)))
    }

    pub fn to_text(&self) -> String {
        format!("{SECRET_PREFIX}{}", hex::encode(self.0.to_bytes()))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.0.sign(message).to_bytes().to_vec()
    }
}

/// A trusted public key.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl std::fmt::Display for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{PUBLIC_PREFIX}{}", hex::encode(self.0.to_bytes()))
    }
}

impl PublicKey {
    /// Reads `ed25519:<64 hex>`.
    pub fn parse(text: &str) -> Result<Self, CertificateError> {
        let b = hex32(text, PUBLIC_PREFIX, "Ed25519 public key")?;
        VerifyingKey::from_bytes(&b)
            .map(Self)
            .map_err(|_| CertificateError::Key("the public key is not a valid Ed25519 point".into()))
    }

    pub fn kid(&self) -> Kid {
        let d = Sha256::digest(self.0.to_bytes());
        let mut k = [0u8; 8];
        k.copy_from_slice(&d[..8]);
        k
    }

    /// Strict Ed25519 verification (no malleable signatures).
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = <[u8; 64]>::try_from(signature) else { return false };
        self.0.verify_strict(message, &Signature::from_bytes(&sig)).is_ok()
    }
}

/// The verifier's trusted keys, found by kid.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys(Vec<PublicKey>);

impl TrustedKeys {
    pub fn new(keys: Vec<PublicKey>) -> Self {
        Self(keys)
    }

    /// Reads a key list: one `ed25519:<hex>` a line; blank lines and `#` comments are skipped.
    pub fn parse(text: &str) -> Result<Self, CertificateError> {
        let mut keys = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            keys.push(
                PublicKey::parse(line).map_err(|e| CertificateError::Key(format!("line {}: {e}", i + 1)))?,
            );
        }
        if keys.is_empty() {
            return Err(CertificateError::Key("the key list holds no `ed25519:` line".into()));
        }
        Ok(Self(keys))
    }

    pub fn by_kid(&self, kid: &[u8]) -> Option<&PublicKey> {
        self.0.iter().find(|k| k.kid() == kid)
    }

    pub fn keys(&self) -> &[PublicKey] {
        &self.0
    }
}
