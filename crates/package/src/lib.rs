//! Exam packages (DESIGN §6): what the board sends a test site. A package holds a manifest, the
//! rendered item content of every version (mã đề) and, in a separate section, the keys.
//!
//! Encrypt-then-sign: each section is sealed with XChaCha20-Poly1305 under its own random key,
//! with associated data binding the package id, the event id and the section name; an Ed25519
//! signature covers the manifest, the nonces and the ciphertexts. A delivery server therefore
//! checks the signature against the board's public key *from its own configuration* before any
//! key exists on site, and the content key (released at the start time) cannot open the keys
//! section (released at the end of the event, when scoring runs).
//!
//! Pure: no I/O, randomness comes from the caller's RNG.

mod build;
mod code;
mod keys;
pub mod result_file;
mod score;
mod seal;

pub use build::{PackageInput, build_package};
pub use code::ReleaseKey;
pub use keys::{BoardPublicKey, BoardSigningKey, SitePublicKey, SiteSigningKey};
pub use result_file::{ResultFile, ResultFileError, sign_result_file};
pub use score::{ItemScore, ScoreSheet, score_answers, validate_answer};
pub use seal::{BuiltPackage, Manifest, PackageFile, SealedPackage, VersionSummary, verify_package};

use std::collections::BTreeMap;

use khaothi_domain::form::VersionKey;
use khaothi_render::RenderedItem;
use serde::{Deserialize, Serialize};

/// The format tag written into every package and into the signed bytes.
pub const FORMAT: &str = "khaothi-package/1";

/// The two sealed sections; their names are bound into the associated data.
pub const CONTENT: &str = "content";
pub const KEYS: &str = "keys";

/// What candidates may see once the content key is released: every version's items, rendered,
/// without keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageContent {
    pub versions: Vec<VersionContent>,
    /// Shared passages by id, rendered to HTML.
    #[serde(default)]
    pub stimuli: BTreeMap<String, String>,
}

impl PackageContent {
    pub fn version(&self, code: &str) -> Option<&VersionContent> {
        self.versions.iter().find(|v| v.code == code)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionContent {
    pub code: String,
    pub form_id: String,
    pub items: Vec<ContentItem>,
}

/// One item as a candidate sees it, with the section (part I, II, III) it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentItem {
    #[serde(flatten)]
    pub rendered: RenderedItem,
    pub section: u32,
}

/// The keys section: every version's key map, in the version's own (shuffled) terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageKeys {
    pub versions: BTreeMap<String, BTreeMap<String, VersionKey>>,
}

#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("the package file is malformed: {0}")]
    Malformed(String),
    #[error(
        "the package signature does not verify against the board's public key: the package was altered or signed by someone else"
    )]
    BadSignature,
    #[error("the key does not open the {0} section (wrong key, or the section was altered)")]
    WrongKey(&'static str),
    #[error("the package cannot be built: {0}")]
    Invalid(String),
    #[error("{0}")]
    BadKeyText(String),
}
