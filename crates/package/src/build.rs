//! Building a package from frozen forms and versions (a pure function the bank endpoint and
//! `khaothi package` share).

use std::collections::{BTreeMap, HashMap};

use khaothi_domain::form::{Form, Version, VersionKey};
use khaothi_domain::{Item, ItemBody, ItemKind};
use khaothi_render::{RenderOptions, render_item, render_markdown};

use crate::seal::{BuiltPackage, Manifest, VersionSummary, seal};
use crate::{
    AdaptiveContent, AdaptiveSummary, BankItem, BoardSigningKey, ContentItem, FORMAT, MediaFile,
    PackageContent, PackageError, PackageKeys, VersionContent, item_model,
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
    /// Images by bank media id; every `/api/v1/media/<id>` an item or passage shows must be here.
    pub media: &'a BTreeMap<String, MediaFile>,
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
    build_sealed(input, None, signer, rng)
}

/// [`build_package`], with an adaptive test's pool and design when `adaptive` is given
/// ([`crate::adaptive`]).
pub(crate) fn build_sealed(
    input: &PackageInput<'_>,
    adaptive: Option<(AdaptiveContent, AdaptiveSummary)>,
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
    let (adaptive, summary) = adaptive.unzip();
    let mut content =
        PackageContent { versions: Vec::new(), stimuli: BTreeMap::new(), media: BTreeMap::new(), adaptive };
    let mut keys =
        PackageKeys { versions: BTreeMap::new(), orders: BTreeMap::new(), items: bank_items(input, &items)? };
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
        let mut shown =
            Shown { input, items: &items, stimuli: &mut content.stimuli, orders: &mut keys.orders };
        let (rendered, version_keys) = shown.version(v, form)?;
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
        adaptive: summary,
    };
    content.media = media_used(&content, input.media)?;
    seal(manifest, &content, &keys, signer, rng)
}

/// Where the package's HTML finds an image: beside the content, under `media/`.
fn media_path(name: &str) -> Option<String> {
    Some(format!("media/{name}"))
}

/// What the versions show, collected as they are rendered: the passages their items refer to
/// and the option orders a version's keys must be read through.
struct Shown<'s, 'a> {
    input: &'s PackageInput<'a>,
    items: &'s HashMap<&'a str, &'a Item>,
    stimuli: &'s mut BTreeMap<String, String>,
    orders: &'s mut BTreeMap<String, BTreeMap<String, Vec<u8>>>,
}

impl Shown<'_, '_> {
    /// One version's items rendered (no keys), and its keys, each checked against the item.
    fn version(
        &mut self,
        v: &Version,
        form: &Form,
    ) -> Result<(Vec<ContentItem>, BTreeMap<String, VersionKey>), PackageError> {
        let section_of: HashMap<&str, u32> =
            form.items.iter().map(|fi| (fi.item_id.as_str(), fi.section)).collect();
        let mut rendered = Vec::with_capacity(v.items.len());
        let mut version_keys = BTreeMap::new();
        for id in &v.items {
            let item = self.items.get(id.as_str()).ok_or_else(|| {
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
            // The renderer permutes the options of a single choice only; statements keep the
            // bank's order, so only single-choice orders are shuffles to undo.
            let shuffle = v.options.get(id).filter(|_| item.kind() == ItemKind::SingleChoice);
            let order: Option<Vec<usize>> = shuffle.map(|p| p.iter().map(|&i| usize::from(i)).collect());
            let r = render_item(item, order.as_deref(), &media_path)
                .map_err(|e| PackageError::Invalid(format!("version {}: {e}", v.code)))?;
            let key = checked_key(v, id, item, shuffle.map(Vec::as_slice))?;
            if let Some(p) = shuffle {
                self.orders.entry(v.code.clone()).or_default().insert(id.clone(), p.clone());
            }
            if let Some(s) = &item.stimulus
                && !self.stimuli.contains_key(s)
            {
                let html = self.stimulus(id, s)?;
                self.stimuli.insert(s.clone(), html);
            }
            version_keys.insert(id.clone(), key);
            rendered.push(ContentItem { rendered: r, section });
        }
        Ok((rendered, version_keys))
    }

    /// The passage `s` that item `id` refers to, rendered.
    fn stimulus(&self, id: &str, s: &str) -> Result<String, PackageError> {
        let text = self.input.stimuli.get(s).ok_or_else(|| {
            PackageError::Invalid(format!("item {id} refers to stimulus {s}, which was not supplied"))
        })?;
        let opts = RenderOptions { media: Some(&media_path), annotate: true };
        render_markdown(text, &opts).map_err(|e| PackageError::Invalid(format!("stimulus {s}: {e}")))
    }
}

/// Version `v`'s key of item `id`: present, of the item's kind, and the item's own key once the
/// version's option order is undone.
fn checked_key(
    v: &Version,
    id: &str,
    item: &Item,
    shuffle: Option<&[u8]>,
) -> Result<VersionKey, PackageError> {
    let key = v
        .keys
        .get(id)
        .cloned()
        .ok_or_else(|| PackageError::Invalid(format!("version {} has no key for item {id}", v.code)))?;
    if key.kind() != item.kind() {
        return Err(PackageError::Invalid(format!(
            "version {}: the key of item {id} is a {} key but the item is {}",
            v.code,
            key.kind().as_str(),
            item.kind().as_str()
        )));
    }
    if unshuffle(&key, shuffle) != bank_key(item) {
        return Err(PackageError::Invalid(format!(
            "version {}: the key of item {id} does not match the item's own key under the version's option order",
            v.code
        )));
    }
    Ok(key)
}

/// The item's key in the bank's own option order; `None` for a kind delivery does not score
/// (`multiple_response`).
pub(crate) fn bank_key(item: &Item) -> Option<VersionKey> {
    Some(match &item.body {
        ItemBody::SingleChoice { key, .. } => VersionKey::SingleChoice(*key),
        ItemBody::TrueFalseGroup { keys, .. } => VersionKey::TrueFalseGroup(keys.clone()),
        ItemBody::ShortAnswer { answer } => VersionKey::ShortAnswer(answer.clone()),
        ItemBody::MultipleResponse { .. } => return None,
    })
}

/// A version's key in the bank's order: the shown letter mapped through the option order.
fn unshuffle(key: &VersionKey, order: Option<&[u8]>) -> Option<VersionKey> {
    match (key, order) {
        (VersionKey::SingleChoice(shown), Some(order)) => {
            let bank = *order.get(shown.index())?;
            khaothi_domain::Choice::from_index(usize::from(bank)).map(VersionKey::SingleChoice)
        }
        _ => Some(key.clone()),
    }
}

/// Every item of the forms once, in the forms' order, with the version the forms pin (one item
/// pinned to two versions is refused: results could not say which was answered), its key in the
/// bank's terms and its IRT parameters, checked to be usable for ability estimates.
fn bank_items(input: &PackageInput<'_>, items: &HashMap<&str, &Item>) -> Result<Vec<BankItem>, PackageError> {
    let mut out: Vec<BankItem> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for form in input.forms {
        for fi in &form.items {
            let id = fi.item_id.as_str();
            if let Some(&at) = seen.get(id) {
                let pinned = out[at].version;
                if pinned != fi.version {
                    return Err(PackageError::Invalid(format!(
                        "item {id} is pinned to version {} on one form and {} on form {}",
                        pinned.map_or("none".into(), |v| v.to_string()),
                        fi.version.map_or("none".into(), |v| v.to_string()),
                        form.id
                    )));
                }
                continue;
            }
            let item = items.get(id).ok_or_else(|| {
                PackageError::Invalid(format!(
                    "form {} uses item {id}, which is not in the item file",
                    form.id
                ))
            })?;
            let key = bank_key(item).ok_or_else(|| {
                PackageError::Invalid(format!(
                    "form {} uses item {id}, a {} item: delivery does not score that kind yet",
                    form.id,
                    item.kind()
                ))
            })?;
            if let Some(p) = &item.irt {
                let model = item_model(p)
                    .map_err(|e| PackageError::Invalid(format!("item {id}: IRT parameters: {e}")))?;
                let top = if item.kind() == ItemKind::TrueFalseGroup { 4 } else { 1 };
                if model.max_score() != top {
                    return Err(PackageError::Invalid(format!(
                        "item {id}: a {} item scores 0–{top} but its IRT model scores 0–{}",
                        item.kind(),
                        model.max_score()
                    )));
                }
            }
            seen.insert(id, out.len());
            out.push(BankItem { id: id.to_string(), version: fi.version, key, irt: item.irt.clone() });
        }
    }
    Ok(out)
}

/// The images the rendered content shows, each of which must have been supplied.
fn media_used(
    content: &PackageContent,
    supplied: &BTreeMap<String, MediaFile>,
) -> Result<BTreeMap<String, MediaFile>, PackageError> {
    let mut used = BTreeMap::new();
    let mut visit = |owner: &str, html: &str| -> Result<(), PackageError> {
        for id in khaothi_render::image_media_ids(html) {
            let file = supplied.get(id).ok_or_else(|| {
                PackageError::Invalid(format!(
                    "{owner} shows image {id}, which was not supplied with the items"
                ))
            })?;
            used.insert(id.to_string(), file.clone());
        }
        Ok(())
    };
    for v in &content.versions {
        for i in &v.items {
            let r = &i.rendered;
            let owner = format!("item {}", r.id);
            for html in std::iter::once(&r.stem_html).chain(&r.options_html).chain(&r.statements_html) {
                visit(&owner, html)?;
            }
        }
    }
    for (id, html) in &content.stimuli {
        visit(&format!("stimulus {id}"), html)?;
    }
    Ok(used)
}
