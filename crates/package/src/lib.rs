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

mod ability;
mod adaptive;
mod build;
mod code;
mod keys;
pub mod result_file;
mod score;
mod seal;
pub mod site_report;

pub use ability::{ability_eap, item_model};
pub use adaptive::{ADAPTIVE_FORM, ADAPTIVE_VERSION, AdaptiveInput, build_adaptive_package};
pub use build::{PackageInput, build_package};
pub use code::ReleaseKey;
pub use keys::{BoardPublicKey, BoardSigningKey, SitePublicKey, SiteSigningKey};
pub use khaothi_irt::ability::{AbilityEstimate, AbilityStatus};
pub use result_file::{RAW_CSV_COLUMNS, ResultFile, ResultFileError, sign_result_file};
pub use score::{
    ItemScore, ScoreSheet, SectionScore, format_score10, is_answered, score_item, score_version,
    section_label, statement_points, to_ten, validate_answer,
};
pub use seal::{BuiltPackage, Manifest, PackageFile, SealedPackage, VersionSummary, verify_package};

use std::collections::BTreeMap;

use khaothi_domain::IrtParams;
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
    /// The images the items show (`/api/v1/media/<id>` in their HTML), by bank media id: the
    /// delivery server serves them at that path once the content is unlocked.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub media: BTreeMap<String, MediaFile>,
    /// An adaptive test's pool and design (issue 20; [`adaptive`]); absent for fixed forms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adaptive: Option<AdaptiveContent>,
}

/// One image carried in a package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaFile {
    pub content_type: String,
    /// The bytes, base64 (standard alphabet).
    pub data: String,
}

impl MediaFile {
    pub fn new(content_type: &str, bytes: &[u8]) -> Self {
        use base64::Engine;
        Self {
            content_type: content_type.to_string(),
            data: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }

    pub fn bytes(&self) -> Result<Vec<u8>, PackageError> {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(&self.data)
            .map_err(|e| PackageError::Malformed(format!("a media file is not base64: {e}")))
    }
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

/// The keys section: every version's key map, in the version's own (shuffled) terms, and what
/// results and exports need to speak in the bank's terms (shuffle maps, item versions, IRT
/// parameters). Released at the end of the event: nothing here reaches a candidate.
///
/// `orders` and `items` are absent from packages built before they existed (`serde(default)`);
/// such a package still scores, but cannot undo shuffles or estimate abilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageKeys {
    pub versions: BTreeMap<String, BTreeMap<String, VersionKey>>,
    /// Per version code, per item id: `order[k]` is the bank's index of the option (or statement)
    /// shown at position `k`. An item without an entry is shown in the bank's order.
    #[serde(default)]
    pub orders: BTreeMap<String, BTreeMap<String, Vec<u8>>>,
    /// Every item of the package once, in the forms' (bank) order: form 1's items, then the
    /// items of form 2 not on form 1, and so on. The calibration export's column order.
    #[serde(default)]
    pub items: Vec<BankItem>,
}

impl PackageKeys {
    pub fn item(&self, id: &str) -> Option<&BankItem> {
        self.items.iter().find(|i| i.id == id)
    }

    /// The permutation of `item` in version `code`, when its elements are shown shuffled.
    pub fn order(&self, code: &str, item: &str) -> Option<&[u8]> {
        self.orders.get(code)?.get(item).map(Vec::as_slice)
    }

    /// Whether the package carries the shuffle maps (built by a khaothi that records them).
    pub fn has_bank_terms(&self) -> bool {
        !self.items.is_empty()
    }
}

/// An item as the bank knows it: what a result names (`id@version`), the key in the bank's own
/// option order (what an unshuffled answer is compared with) and its calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankItem {
    pub id: String,
    /// The bank version the form pinned; `None` when the form named the item without a version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    pub key: VersionKey,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub irt: Option<IrtParams>,
}

impl BankItem {
    /// `id@version`, or the bare id when no version was pinned (the bank reads a bare id as the
    /// item's current version).
    pub fn column(&self) -> String {
        match self.version {
            Some(v) => format!("{}@{v}", self.id),
            None => self.id.clone(),
        }
    }
}

/// What the content section adds for an adaptive test: the engine's pool (parameters, content
/// attributes, exposure parameters) and design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdaptiveContent {
    pub pool: khaothi_cat::Pool,
    pub design: khaothi_cat::Design,
}

/// What the manifest says of an adaptive package before anything is opened: a delivery server
/// knows from it that the keys must be released with the content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdaptiveSummary {
    /// Items in the pool.
    pub pool_items: usize,
    /// The most items a candidate is given.
    pub max_items: u32,
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
