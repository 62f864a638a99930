//! The pictures of a package's items: each reference in an item's text (`![alt](REF)`) or in its
//! `media` list is found in the package — relative to the item file, else among the files its
//! resource and the resources it depends on list — checked to be a picture by its bytes, and
//! named once per package: the file's own name, unless another picture already has it (then
//! `{item id}-{name}`). The same bytes under two paths are one picture.

use std::collections::BTreeMap;

use khaothi_domain::ItemRecord;
use khaothi_domain::interchange::StatementRecord;

use super::manifest::Resource;
use crate::document::{MediaFile, sniff_image};
use crate::docx::archive::{Archive, resolve_target};

/// The package's pictures so far, by name.
#[derive(Default)]
pub(super) struct MediaSet {
    pub files: Vec<MediaFile>,
}

impl MediaSet {
    /// A name for these bytes: the existing one for the same bytes, else `wanted` or, when taken,
    /// `{owner}-{wanted}`.
    fn name_for(&mut self, wanted: &str, owner: &str, bytes: &[u8], content_type: &str) -> String {
        if let Some(same) = self.files.iter().find(|f| f.bytes == bytes) {
            return same.name.clone();
        }
        let mut name = wanted.to_string();
        let mut n = 1;
        while self.files.iter().any(|f| f.name == name) {
            name = if n == 1 { format!("{owner}-{wanted}") } else { format!("{owner}-{n}-{wanted}") };
            n += 1;
        }
        self.files.push(MediaFile {
            name: name.clone(),
            content_type: content_type.into(),
            bytes: bytes.to_vec(),
        });
        name
    }
}

/// Where the package files an item's pictures may be: its resource's and its dependencies'.
pub(super) fn listed_files<'a>(item: &'a Resource, by_id: &BTreeMap<&str, &'a Resource>) -> Vec<&'a str> {
    let mut files: Vec<&str> = item.files.iter().map(String::as_str).collect();
    for dep in item.dependencies.iter().filter_map(|d| by_id.get(d.as_str())) {
        files.extend(dep.files.iter().map(String::as_str));
        files.extend(dep.href.as_deref());
    }
    files
}

/// Finds, names and lists every picture the record refers to; the references in its text are
/// rewritten to the names. Problems are warnings for the item (`field`, message).
pub(super) fn collect(
    rec: &mut ItemRecord,
    item_path: &str,
    listed: &[&str],
    archive: &Archive,
    set: &mut MediaSet,
) -> Vec<(String, String)> {
    let dir = item_path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut refs: Vec<String> = rec.media.clone();
    for text in texts(rec) {
        for r in image_refs(text) {
            if !refs.contains(&r) {
                refs.push(r);
            }
        }
    }
    let mut warnings = Vec::new();
    let mut names = Vec::new();
    let mut renames = Vec::new();
    for r in refs {
        if r.contains("://") || r.starts_with("data:") {
            warnings.push(("media".into(), format!("picture {r} is outside the package; not fetched")));
            continue;
        }
        let Some((path, bytes)) = find(&r, dir, listed, archive) else {
            warnings.push(("media".into(), format!("picture {r} is not in the package")));
            continue;
        };
        let Some(content_type) = sniff_image(bytes) else {
            warnings
                .push(("media".into(), format!("{path} is not a PNG, JPEG, GIF or WebP picture; not kept")));
            continue;
        };
        let base = path.rsplit('/').next().unwrap_or(&path);
        let name = set.name_for(base, &rec.id, bytes, content_type);
        if name != r {
            renames.push((r, name.clone()));
        }
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if !renames.is_empty() {
        rename(rec, &renames);
    }
    rec.media = names;
    warnings
}

fn find<'a>(r: &str, dir: &str, listed: &[&str], archive: &'a Archive) -> Option<(String, &'a [u8])> {
    if let Some(path) = resolve_target(dir, r)
        && let Some(bytes) = archive.get(&path)
    {
        return Some((path, bytes));
    }
    let base = r.rsplit('/').next().unwrap_or(r);
    listed
        .iter()
        .filter(|f| f.rsplit('/').next() == Some(base))
        .find_map(|f| archive.get(f).map(|b| (f.to_string(), b)))
}

/// The texts a picture may appear in.
fn texts(rec: &ItemRecord) -> Vec<&str> {
    let mut out = vec![rec.stem.as_str()];
    out.extend(rec.options.iter().flatten().map(String::as_str));
    out.extend(rec.statements.iter().flatten().map(|s| match s {
        StatementRecord::Text(t) | StatementRecord::Full { text: t, .. } => t.as_str(),
    }));
    out.extend(rec.solution.as_deref());
    out
}

/// The targets of `![alt](target)` in Markdown.
pub(crate) fn image_refs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("![") {
        rest = &rest[start + 2..];
        let Some(close) = rest.find("](") else { break };
        let after = &rest[close + 2..];
        let Some(end) = after.find(')') else { break };
        out.push(after[..end].trim().to_string());
        rest = &after[end..];
    }
    out
}

/// Rewrites `](old)` to `](new)` in every text of the record.
fn rename(rec: &mut ItemRecord, renames: &[(String, String)]) {
    let apply = |t: &mut String| {
        for (old, new) in renames {
            *t = t.replace(&format!("]({old})"), &format!("]({new})"));
        }
    };
    apply(&mut rec.stem);
    rec.options.iter_mut().flatten().for_each(apply);
    rec.statements.iter_mut().flatten().for_each(|s| match s {
        StatementRecord::Text(t) | StatementRecord::Full { text: t, .. } => apply(t),
    });
    if let Some(s) = rec.solution.as_mut() {
        apply(s);
    }
}
