//! Adaptive packages (issue 20 §3): the pool a delivery server picks from, the CAT design it picks
//! by, and every pool item rendered, sealed and signed like any package.
//!
//! The pool's items travel as one version, [`ADAPTIVE_VERSION`], whose form holds every pool item
//! in the pool's order, unshuffled (an adaptive test gives items one by one, so there is no order
//! to shuffle and no mã đề to deal out). Keys stay in the keys section, in the bank's terms. What
//! differs is *when* that section opens: the server scores every answer as it arrives to choose
//! the next item, so an adaptive event's keys are released with its content, at the start
//! (docs/formats.md "Adaptive packages" and docs/protocol.md §Security state the trade-off).

use khaothi_cat::{Design, Pool};
use khaothi_domain::form::{Form, FormItem, Version};
use khaothi_domain::{Item, ItemKind};

use crate::build::{bank_key, build_sealed};
use crate::seal::BuiltPackage;
use crate::{AdaptiveContent, AdaptiveSummary, BoardSigningKey, PackageError, PackageInput};

/// The code of an adaptive package's one version (every candidate "sits" it).
pub const ADAPTIVE_VERSION: &str = "CAT";
/// The id of the form that holds an adaptive package's pool.
pub const ADAPTIVE_FORM: &str = "CAT-POOL";

/// Everything an adaptive package is made of. `items` must hold every pool item (the bank's
/// current version of each); passages and images as for [`PackageInput`].
#[derive(Debug, Clone)]
pub struct AdaptiveInput<'a> {
    pub package_id: String,
    pub event_id: String,
    pub title: String,
    pub subject: String,
    pub duration_minutes: u32,
    pub created_at: String,
    pub items: &'a [Item],
    pub stimuli: &'a std::collections::BTreeMap<String, String>,
    pub media: &'a std::collections::BTreeMap<String, crate::MediaFile>,
    pub pool: &'a Pool,
    pub design: &'a Design,
}

/// The section of an item in an adaptive package's form: THPT's parts by kind.
fn section_of(kind: ItemKind) -> u32 {
    match kind {
        ItemKind::SingleChoice => 0,
        ItemKind::TrueFalseGroup => 1,
        _ => 2,
    }
}

/// Checks the design against the pool, renders every pool item, seals and signs.
pub fn build_adaptive_package(
    input: &AdaptiveInput<'_>,
    signer: &BoardSigningKey,
    rng: &mut impl rand::RngCore,
) -> Result<BuiltPackage, PackageError> {
    input.design.validate(input.pool).map_err(|e| PackageError::Invalid(e.to_string()))?;
    let ids: Vec<&str> = input.pool.items().iter().map(|i| i.id.as_str()).collect();
    if ids.is_empty() {
        return Err(PackageError::Invalid("the adaptive pool has no items".into()));
    }
    let mut form = Form { id: ADAPTIVE_FORM.into(), number: 1, items: Vec::with_capacity(ids.len()) };
    let mut version = Version {
        code: ADAPTIVE_VERSION.into(),
        form_id: ADAPTIVE_FORM.into(),
        items: Vec::with_capacity(ids.len()),
        options: Default::default(),
        keys: Default::default(),
    };
    for id in ids {
        let item = input.items.iter().find(|i| i.id == id).ok_or_else(|| {
            PackageError::Invalid(format!("pool item {id} is not among the items supplied"))
        })?;
        let key = bank_key(item).ok_or_else(|| {
            PackageError::Invalid(format!(
                "pool item {id} is a {} item: delivery does not score that kind",
                item.kind()
            ))
        })?;
        if item.irt.is_none() {
            return Err(PackageError::Invalid(format!("pool item {id} has no IRT parameters")));
        }
        form.items.push(FormItem {
            item_id: id.to_string(),
            version: None,
            section: section_of(item.kind()),
        });
        version.items.push(id.to_string());
        version.keys.insert(id.to_string(), key);
    }
    let summary = AdaptiveSummary { pool_items: version.items.len(), max_items: input.design.max_length() };
    let adaptive = AdaptiveContent { pool: input.pool.clone(), design: input.design.clone() };
    let plain = PackageInput {
        package_id: input.package_id.clone(),
        event_id: input.event_id.clone(),
        title: input.title.clone(),
        subject: input.subject.clone(),
        duration_minutes: input.duration_minutes,
        created_at: input.created_at.clone(),
        items: input.items,
        stimuli: input.stimuli,
        media: input.media,
        forms: std::slice::from_ref(&form),
        versions: std::slice::from_ref(&version),
    };
    build_sealed(&plain, Some((adaptive, summary)), signer, rng)
}
