//! Building a package from frozen forms and versions (a pure function the bank endpoint and
//! `khaothi package` share).

use std::collections::{BTreeMap, HashMap};

use khaothi_domain::Item;
use khaothi_domain::form::{Form, Version};
use khaothi_render::{RenderOptions, render_item, render_markdown};

use crate::seal::{BuiltPackage, Manifest, VersionSummary, seal};
use crate::{
    BoardSigningKey, ContentItem, FORMAT, PackageContent, PackageError, PackageKeys, VersionContent,
};

/// Everything a package is made of. Items are the pinned versions the forms name.
#[derive(Debug, Clone)]
pub struct PackageInput<'a> {
    pub package_id: String,
    pub event_id: String,
    pub title: String,
    pub subject: String,
    pub duration_minutes: u32,
    /// RFC 3339 time of building (passed in: this crate reads no clock).
    pub created_at: String,
    pub items: &'a [Item],
    /// Shared passages (Markdown) by stimulus id; items naming a missing one are refused.
    pub stimuli: &'a BTreeMap<String, String>,
    pub forms: &'a [Form],
    pub versions: &'a [Version],
}

/// Renders every version's items (no keys), collects the keys into their own section, seals and
/// signs. Returns the file bytes and the two release keys the board keeps.
pub fn build_package(
    input: &PackageInput<'_>,
    signer: &BoardSigningKey,
    rng: &mut impl rand::RngCore,
) -> Result<BuiltPackage, PackageError> {
    if input.versions.is_empty() {
        return Err(PackageError::Invalid("a package needs at least one version".into()));
    }
    if input.event_id.trim().is_empty() || input.package_id.trim().is_empty() {
        return Err(PackageError::Invalid("the package id and the event id must not be empty".into()));
    }
    let items: HashMap<&str, &Item> = input.items.iter().map(|i| (i.id.as_str(), i)).collect();
    let forms: HashMap<&str, &Form> = input.forms.iter().map(|f| (f.id.as_str(), f)).collect();
    let media = |name: &str| Some(format!("media/{name}"));
    let mut content = PackageContent { versions: Vec::new(), stimuli: BTreeMap::new() };
    let mut keys = PackageKeys { versions: BTreeMap::new() };
    let mut summaries = Vec::new();
    for v in input.versions {
        let form = forms.get(v.form_id.as_str()).ok_or_else(|| {
            PackageError::Invalid(format!(
                "version {} names form {}, which is not in the package",
                v.code, v.form_id
            ))
        })?;
        if keys.versions.contains_key(&v.code) {
            return Err(PackageError::Invalid(format!("version code {} appears twice", v.code)));
        }
        let section_of: HashMap<&str, u32> =
            form.items.iter().map(|fi| (fi.item_id.as_str(), fi.section)).collect();
        let mut rendered = Vec::with_capacity(v.items.len());
        let mut version_keys = BTreeMap::new();
        for id in &v.items {
            let item = items.get(id.as_str()).ok_or_else(|| {
                PackageError::Invalid(format!(
                    "version {} uses item {id}, which is not in the item file",
                    v.code
                ))
            })?;
            let section = *section_of.get(id.as_str()).ok_or_else(|| {
                PackageError::Invalid(format!(
                    "version {} uses item {id}, which is not on form {}",
                    v.code, form.id
                ))
            })?;
            let order: Option<Vec<usize>> =
                v.options.get(id).map(|p| p.iter().map(|&i| usize::from(i)).collect());
            let r = render_item(item, order.as_deref(), &media)
                .map_err(|e| PackageError::Invalid(format!("version {}: {e}", v.code)))?;
            let key = v.keys.get(id).cloned().ok_or_else(|| {
                PackageError::Invalid(format!("version {} has no key for item {id}", v.code))
            })?;
            if key.kind() != item.kind() {
                return Err(PackageError::Invalid(format!(
                    "version {}: the key of item {id} is a {} key but the item is {}",
                    v.code,
                    key.kind().as_str(),
                    item.kind().as_str()
                )));
            }
            if let Some(s) = &item.stimulus
                && !content.stimuli.contains_key(s)
            {
                let text = input.stimuli.get(s).ok_or_else(|| {
                    PackageError::Invalid(format!("item {id} refers to stimulus {s}, which was not supplied"))
                })?;
                let opts = RenderOptions { media: Some(&media), annotate: true };
                let html = render_markdown(text, &opts)
                    .map_err(|e| PackageError::Invalid(format!("stimulus {s}: {e}")))?;
                content.stimuli.insert(s.clone(), html);
            }
            version_keys.insert(id.clone(), key);
            rendered.push(ContentItem { rendered: r, section });
        }
        summaries.push(VersionSummary {
            code: v.code.clone(),
            form_id: v.form_id.clone(),
            items: rendered.len(),
        });
        content.versions.push(VersionContent {
            code: v.code.clone(),
            form_id: v.form_id.clone(),
            items: rendered,
        });
        keys.versions.insert(v.code.clone(), version_keys);
    }
    let manifest = Manifest {
        format: FORMAT.to_string(),
        package_id: input.package_id.clone(),
        event_id: input.event_id.clone(),
        title: input.title.clone(),
        subject: input.subject.clone(),
        duration_minutes: input.duration_minutes,
        created_at: input.created_at.clone(),
        versions: summaries,
        signer: signer.public().fingerprint(),
    };
    seal(manifest, &content, &keys, signer, rng)
}
