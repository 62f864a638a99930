//! Ed25519 keypairs. The board's: the secret stays with the board (a file written by
//! `khaothi package keygen`); the public key is pinned in every delivery server's configuration.
//! A delivery site's (signs result files): the secret stays in the site's data directory; the
//! public key is registered in the bank. One type serves both, so both share one text form:
//! `ed25519-secret:<64 hex>` and `ed25519:<64 hex>`.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::PackageError;

const SECRET_PREFIX: &str = "ed25519-secret:";
const PUBLIC_PREFIX: &str = "ed25519:";

pub struct BoardSigningKey(SigningKey);

/// A delivery site's signing key (the same Ed25519 type and text form as the board's).
pub type SiteSigningKey = BoardSigningKey;
/// A delivery site's public key, as registered in the bank.
pub type SitePublicKey = BoardPublicKey;

impl std::fmt::Debug for BoardSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BoardSigningKey({})", self.public())
    }
}

impl BoardSigningKey {
    pub fn generate(rng: &mut impl rand::RngCore) -> Self {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        Self(SigningKey::from_bytes(&seed))
    }

    pub fn public(&self) -> BoardPublicKey {
        BoardPublicKey(self.0.verifying_key())
    }

    pub fn to_text(&self) -> String {
        format!("{SECRET_PREFIX}{}", hex::encode(self.0.to_bytes()))
    }

    pub fn parse(text: &str) -> Result<Self, PackageError> {
        let bytes = parse_hex32(text.trim(), SECRET_PREFIX, "Ed25519 secret key")?;
        Ok(Self(SigningKey::from_bytes(&bytes)))
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct BoardPublicKey(VerifyingKey);

impl std::fmt::Debug for BoardPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BoardPublicKey({self})")
    }
}

impl std::fmt::Display for BoardPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{PUBLIC_PREFIX}{}", hex::encode(self.0.to_bytes()))
    }
}

impl BoardPublicKey {
    pub fn parse(text: &str) -> Result<Self, PackageError> {
        let bytes = parse_hex32(text.trim(), PUBLIC_PREFIX, "Ed25519 public key")?;
        VerifyingKey::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| PackageError::BadKeyText("the public key is not a valid Ed25519 point".into()))
    }

    /// A short fingerprint for logs and manifests (first 8 bytes, hex).
    pub fn fingerprint(&self) -> String {
        hex::encode(&self.0.to_bytes()[..8])
    }

    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = <[u8; 64]>::try_from(signature) else { return false };
        self.0.verify_strict(message, &Signature::from_bytes(&sig)).is_ok()
    }
}

fn parse_hex32(text: &str, prefix: &str, what: &str) -> Result<[u8; 32], PackageError> {
    let hexpart = text.strip_prefix(prefix).ok_or_else(|| {
        PackageError::BadKeyText(format!("a {what} starts with `{prefix}` followed by 64 hex digits"))
    })?;
    let mut b = [0u8; 32];
    hex::decode_to_slice(hexpart, &mut b)
        .map_err(|e| PackageError::BadKeyText(format!("the {what} is not 64 hex digits: {e}")))?;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn keys_round_trip_as_text_and_secret_is_not_public() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let k = BoardSigningKey::generate(&mut rng);
        let back = BoardSigningKey::parse(&k.to_text()).unwrap();
        assert_eq!(back.public(), k.public());
        assert_eq!(BoardPublicKey::parse(&k.public().to_string()).unwrap(), k.public());
        assert!(BoardPublicKey::parse(&k.to_text()).is_err(), "a secret key is not a public key");
        let sig = k.sign(b"m");
        assert!(k.public().verify(b"m", &sig));
        assert!(!k.public().verify(b"n", &sig));
    }
}
