//! The package file and its seal: sections encrypted with XChaCha20-Poly1305, then the whole
//! signed with Ed25519 (encrypt-then-sign).
//!
//! File: JSON `{"format", "manifest" (the manifest's JSON text, kept verbatim so the signed bytes
//! never depend on a serializer), "sections": [{"name","nonce","ciphertext"}], "signature"}` with
//! base64 binary fields. Signed bytes: the format tag, then each of manifest text, and per section
//! name, nonce and ciphertext, each prefixed by its length as 8 bytes big-endian.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};

use crate::{BoardPublicKey, CONTENT, FORMAT, KEYS, PackageContent, PackageError, PackageKeys, ReleaseKey};

/// What anyone may read before release: identification, timing and a summary of versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub package_id: String,
    pub event_id: String,
    pub title: String,
    pub subject: String,
    pub duration_minutes: u32,
    pub created_at: String,
    pub versions: Vec<VersionSummary>,
    /// Fingerprint of the signer's public key, for messages only; never trusted for verification.
    pub signer: String,
    /// Present for an adaptive test (issue 20): its keys are released with its content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adaptive: Option<crate::AdaptiveSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionSummary {
    pub code: String,
    pub form_id: String,
    pub items: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageFile {
    pub format: String,
    pub manifest: String,
    pub sections: Vec<SectionFile>,
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionFile {
    pub name: String,
    pub nonce: String,
    pub ciphertext: String,
}

/// A freshly built package and the two keys the board keeps until release.
#[derive(Debug)]
pub struct BuiltPackage {
    pub manifest: Manifest,
    /// The package file's bytes (JSON).
    pub bytes: Vec<u8>,
    pub content_key: ReleaseKey,
    pub keys_key: ReleaseKey,
}

/// A package whose signature has been checked; its sections are still sealed.
#[derive(Debug, Clone)]
pub struct SealedPackage {
    pub manifest: Manifest,
    sections: Vec<Section>,
}

#[derive(Debug, Clone)]
struct Section {
    name: String,
    nonce: [u8; 24],
    ciphertext: Vec<u8>,
}

fn aad(package_id: &str, event_id: &str, section: &str) -> Vec<u8> {
    // Lengths first so that no two (package, event, section) triples share associated data.
    let mut out = Vec::new();
    for part in [FORMAT, package_id, event_id, section] {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

fn signed_bytes(manifest_text: &str, sections: &[Section]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut put = |b: &[u8]| {
        out.extend_from_slice(&(b.len() as u64).to_be_bytes());
        out.extend_from_slice(b);
    };
    put(FORMAT.as_bytes());
    put(manifest_text.as_bytes());
    for s in sections {
        put(s.name.as_bytes());
        put(&s.nonce);
        put(&s.ciphertext);
    }
    out
}

pub(crate) fn seal(
    manifest: Manifest,
    content: &PackageContent,
    keys: &PackageKeys,
    signer: &crate::BoardSigningKey,
    rng: &mut impl rand::RngCore,
) -> Result<BuiltPackage, PackageError> {
    let content_key = ReleaseKey::random(rng);
    let keys_key = ReleaseKey::random(rng);
    let json = |r: serde_json::Result<String>| r.map_err(|e| PackageError::Invalid(e.to_string()));
    let plain = [
        (CONTENT, json(serde_json::to_string(content))?, &content_key),
        (KEYS, json(serde_json::to_string(keys))?, &keys_key),
    ];
    let mut sections = Vec::new();
    for (name, text, key) in plain {
        let mut nonce = [0u8; 24];
        rng.fill_bytes(&mut nonce);
        let cipher = XChaCha20Poly1305::new(&Key::from(*key.as_bytes()));
        let ciphertext = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload { msg: text.as_bytes(), aad: &aad(&manifest.package_id, &manifest.event_id, name) },
            )
            .map_err(|_| PackageError::Invalid("encryption failed".into()))?;
        sections.push(Section { name: name.to_string(), nonce, ciphertext });
    }
    let manifest_text = serde_json::to_string(&manifest).map_err(|e| PackageError::Invalid(e.to_string()))?;
    let signature = signer.sign(&signed_bytes(&manifest_text, &sections));
    let file = PackageFile {
        format: FORMAT.to_string(),
        manifest: manifest_text,
        sections: sections
            .iter()
            .map(|s| SectionFile {
                name: s.name.clone(),
                nonce: B64.encode(s.nonce),
                ciphertext: B64.encode(&s.ciphertext),
            })
            .collect(),
        signature: B64.encode(signature),
    };
    let bytes = serde_json::to_vec(&file).map_err(|e| PackageError::Invalid(e.to_string()))?;
    Ok(BuiltPackage { manifest, bytes, content_key, keys_key })
}

/// Parses a package file and checks its signature against the pinned board key. Nothing in the
/// file is trusted before this returns `Ok`; the manifest is parsed only after the check.
pub fn verify_package(bytes: &[u8], board: &BoardPublicKey) -> Result<SealedPackage, PackageError> {
    let file: PackageFile = serde_json::from_slice(bytes)
        .map_err(|e| PackageError::Malformed(format!("not a khaothi package file: {e}")))?;
    if file.format != FORMAT {
        return Err(PackageError::Malformed(format!("format `{}` is not `{FORMAT}`", file.format)));
    }
    let mut sections = Vec::new();
    for s in &file.sections {
        let nonce =
            B64.decode(&s.nonce).ok().and_then(|n| <[u8; 24]>::try_from(n).ok()).ok_or_else(|| {
                PackageError::Malformed(format!("section `{}`: the nonce is not 24 bytes", s.name))
            })?;
        let ciphertext = B64
            .decode(&s.ciphertext)
            .map_err(|e| PackageError::Malformed(format!("section `{}`: ciphertext: {e}", s.name)))?;
        sections.push(Section { name: s.name.clone(), nonce, ciphertext });
    }
    let signature =
        B64.decode(&file.signature).map_err(|e| PackageError::Malformed(format!("signature: {e}")))?;
    if !board.verify(&signed_bytes(&file.manifest, &sections), &signature) {
        return Err(PackageError::BadSignature);
    }
    let manifest: Manifest = serde_json::from_str(&file.manifest)
        .map_err(|e| PackageError::Malformed(format!("manifest: {e}")))?;
    for name in [CONTENT, KEYS] {
        if sections.iter().filter(|s| s.name == name).count() != 1 {
            return Err(PackageError::Malformed(format!(
                "the package must have exactly one `{name}` section"
            )));
        }
    }
    Ok(SealedPackage { manifest, sections })
}

impl SealedPackage {
    fn open(&self, name: &'static str, key: &ReleaseKey) -> Result<Vec<u8>, PackageError> {
        let s = self.sections.iter().find(|s| s.name == name).ok_or(PackageError::WrongKey(name))?;
        let cipher = XChaCha20Poly1305::new(&Key::from(*key.as_bytes()));
        cipher
            .decrypt(
                &XNonce::from(s.nonce),
                Payload {
                    msg: &s.ciphertext,
                    aad: &aad(&self.manifest.package_id, &self.manifest.event_id, name),
                },
            )
            .map_err(|_| PackageError::WrongKey(name))
    }

    /// The candidates' content, with the key released at the start time.
    pub fn open_content(&self, key: &ReleaseKey) -> Result<PackageContent, PackageError> {
        let plain = self.open(CONTENT, key)?;
        serde_json::from_slice(&plain).map_err(|e| PackageError::Malformed(format!("content section: {e}")))
    }

    /// The keys, with the key released at the end of the event (scoring).
    pub fn open_keys(&self, key: &ReleaseKey) -> Result<PackageKeys, PackageError> {
        let plain = self.open(KEYS, key)?;
        serde_json::from_slice(&plain).map_err(|e| PackageError::Malformed(format!("keys section: {e}")))
    }
}
