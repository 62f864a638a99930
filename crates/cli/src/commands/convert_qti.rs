//! `khaothi convert --to qti3|qti21 -o FILE.zip`: a QTI content package instead of one file per
//! item (docs/cli.md). With `--form`, the package carries that form as an assessment test whose
//! sections are the paper's parts; the pictures the items show travel inside the package.

use std::path::Path;

use anyhow::{Context, bail};
use khaothi_domain::form::{Form, FormItem};
use khaothi_domain::{Item, ItemKind};
use khaothi_interop::{DocumentImport, MediaFile, QtiVersion, TestOutline};
use serde_json::Value;

/// What `--to qti3|qti21 -o FILE.zip [--form F [--form-id ID]]` asks for.
pub struct PackageRequest<'a> {
    pub to: &'a str,
    pub output: Option<&'a Path>,
    pub form: Option<&'a Path>,
    pub form_id: Option<&'a str>,
}

/// A picture read from beside an item file, at most this large.
const MAX_PICTURE_BYTES: u64 = 10 * 1024 * 1024;

impl PackageRequest<'_> {
    /// Whether the output is a package: a QTI target and an `-o` ending in `.zip`.
    pub fn is_package(&self) -> bool {
        self.to.starts_with("qti")
            && self.output.and_then(Path::extension).is_some_and(|e| e.eq_ignore_ascii_case("zip"))
    }
}

/// Writes the package to `-o`; `input` is the item file (pictures are looked for beside it).
pub fn write_package(
    items: &[Item],
    doc: &DocumentImport,
    input: &Path,
    args: &PackageRequest<'_>,
) -> anyhow::Result<()> {
    let Some(output) = args.output else { bail!("--to {} needs -o FILE.zip", args.to) };
    let version = if args.to == "qti3" { QtiVersion::V3_0 } else { QtiVersion::V2_1 };
    let test = match args.form {
        Some(path) => Some(read_outline(path, args.form_id, items)?),
        None => None,
    };
    let media = pictures(items, doc, input);
    // A document's shared passages travel with their items (stimuli/ID.xml).
    let bytes = khaothi_interop::write_qti_package_with(items, &media, &doc.stimuli, test.as_ref(), version)?;
    std::fs::write(output, bytes).with_context(|| format!("writing {}", output.display()))
}

/// The document's pictures, and for item files (JSON Lines, CSV, …) the pictures they list,
/// read from `media/NAME` or `NAME` beside the input (where `convert -o` writes them).
fn pictures(items: &[Item], doc: &DocumentImport, input: &Path) -> Vec<MediaFile> {
    let mut media = doc.media.clone();
    let dir = input.parent().unwrap_or(Path::new("."));
    for name in items.iter().flat_map(|i| &i.media) {
        let inside = Path::new(name).components().all(|c| matches!(c, std::path::Component::Normal(_)));
        if media.iter().any(|m| m.name == *name) || !inside {
            continue;
        }
        let found = [dir.join("media").join(name), dir.join(name)].into_iter().find_map(|path| {
            let small = std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= MAX_PICTURE_BYTES);
            small.then(|| std::fs::read(&path).ok()).flatten()
        });
        if let Some(bytes) = found
            && let Some(content_type) = khaothi_interop::sniff_image(&bytes)
        {
            media.push(MediaFile { name: name.clone(), content_type: content_type.into(), bytes });
        }
    }
    media
}

/// The test of `--form`: a form object (`{"id","number","items":[{"item_id","section"}]}`), the
/// JSON `khaothi assemble` writes (the form `--form-id` names, else the first), or an array of
/// item ids. Without sections, parts follow the kinds (I single choice, II true/false, III short
/// answer).
fn read_outline(path: &Path, form_id: Option<&str>, items: &[Item]) -> anyhow::Result<TestOutline> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let value: Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("form");
    let form = if let Ok(form) = serde_json::from_value::<Form>(value.clone()) {
        form
    } else if let Some(forms) = value.get("forms").and_then(Value::as_array) {
        let chosen = match form_id {
            Some(id) => forms.iter().find(|f| f.get("id").and_then(Value::as_str) == Some(id)),
            None => forms.first(),
        };
        let Some(chosen) = chosen else {
            bail!("{}: no form {}", path.display(), form_id.unwrap_or("at all"))
        };
        let id = chosen.get("id").and_then(Value::as_str).unwrap_or("F1").to_string();
        let ids: Vec<String> = serde_json::from_value(chosen.get("items").cloned().unwrap_or_default())
            .with_context(|| format!("{}: form {id} has no item list", path.display()))?;
        by_kind(id, &ids, items)
    } else if let Ok(ids) = serde_json::from_value::<Vec<String>>(value) {
        by_kind(name.to_string(), &ids, items)
    } else {
        bail!("{}: neither a form, the output of khaothi assemble, nor an array of item ids", path.display())
    };
    let title = format!("{name} – {}", form.id);
    Ok(TestOutline::of_form(&form, &title))
}

fn by_kind(id: String, ids: &[String], items: &[Item]) -> Form {
    let section = |item_id: &str| match items.iter().find(|i| i.id == item_id).map(Item::kind) {
        Some(ItemKind::SingleChoice) => 0,
        Some(ItemKind::TrueFalseGroup) => 1,
        _ => 2,
    };
    let mut fi: Vec<FormItem> =
        ids.iter().map(|i| FormItem { item_id: i.clone(), version: None, section: section(i) }).collect();
    fi.sort_by_key(|f| f.section);
    Form { id, number: 1, items: fi }
}
