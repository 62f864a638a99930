//! What `khaothi package build` and `khaothi package adaptive` share: the item files, passages and
//! signing key they read, the package's id and title, and the file and JSON they write.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use khaothi_domain::{Item, ItemRecord};
use khaothi_package::{BoardSigningKey, BuiltPackage, ReleaseKey};

pub(super) fn read_items(path: &PathBuf) -> anyhow::Result<Vec<Item>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut items = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let rec = ItemRecord::from_json_line(line)
            .map_err(|e| anyhow::anyhow!("{}:{}: {e}", path.display(), n + 1))?;
        items.push(rec.into_item().map_err(|e| anyhow::anyhow!("{}:{}: {e}", path.display(), n + 1))?.0);
    }
    Ok(items)
}

/// Stimuli (shared passages), JSON Lines `{"id","text"}`, by id.
pub(super) fn read_stimuli(path: Option<&PathBuf>) -> anyhow::Result<BTreeMap<String, String>> {
    let mut stimuli = BTreeMap::new();
    if let Some(p) = path {
        let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line)?;
            if let (Some(id), Some(text)) = (v["id"].as_str(), v["text"].as_str()) {
                stimuli.insert(id.to_string(), text.to_string());
            }
        }
    }
    Ok(stimuli)
}

/// The board's secret key file (from `khaothi package keygen`).
pub(super) fn read_signing_key(path: &Path) -> anyhow::Result<BoardSigningKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(BoardSigningKey::parse(&text)?)
}

/// A new package's id (the event and a random part) and its title (the event's id when none).
pub(super) fn package_id_and_title(event: &str, title: &str) -> (String, String) {
    let title = if title.is_empty() { event } else { title };
    (format!("{event}-{}", uuid_like()), title.to_string())
}

/// Writes the package file and prints what the board keeps:
/// `{"package","manifest",…extra,"content_key","keys_key"}` (each key as hex and as a code).
pub(super) fn write_package(
    out: &Path,
    built: &BuiltPackage,
    extra: serde_json::Map<String, serde_json::Value>,
) -> anyhow::Result<()> {
    std::fs::write(out, &built.bytes).with_context(|| format!("writing {}", out.display()))?;
    println!("{}", serde_json::to_string_pretty(&package_report(out, built, extra))?);
    Ok(())
}

fn package_report(
    out: &Path,
    built: &BuiltPackage,
    extra: serde_json::Map<String, serde_json::Value>,
) -> serde_json::Value {
    let key = |k: &ReleaseKey| serde_json::json!({"hex": k.to_hex(), "code": k.to_code()});
    let mut report = serde_json::json!({
        "package": out,
        "manifest": built.manifest,
        "content_key": key(&built.content_key),
        "keys_key": key(&built.keys_key),
    });
    if let Some(map) = report.as_object_mut() {
        map.extend(extra);
    }
    report
}

pub(super) fn uuid_like() -> String {
    use rand::RngCore;
    let mut b = [0u8; 6];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use khaothi_domain::ItemRecord;
    use khaothi_domain::form::{Form, FormItem};
    use khaothi_package::{BoardSigningKey, PackageInput, build_package, verify_package};

    use super::{package_id_and_title, package_report, write_package};

    fn built(signer: &BoardSigningKey) -> khaothi_package::BuiltPackage {
        let line = |id: &str| {
            format!(
                r#"{{"id":"{id}","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Tính $1+1$.","options":["$1$","$2$","$3$","$4$"],"key":"B"}}"#
            )
        };
        let items: Vec<_> = ["Q1", "Q2"]
            .iter()
            .map(|id| ItemRecord::from_json_line(&line(id)).unwrap().into_item().unwrap().0)
            .collect();
        let fi = |id: &str| FormItem { item_id: id.into(), version: None, section: 0 };
        let forms = vec![Form { id: "F1".into(), number: 1, items: vec![fi("Q1"), fi("Q2")] }];
        let versions = khaothi_assembly::make_versions(&forms[0], &items, 2, 7).unwrap();
        let (package_id, title) = package_id_and_title("KT-1", "");
        let input = PackageInput {
            package_id,
            event_id: "KT-1".into(),
            title,
            subject: "toan".into(),
            duration_minutes: 45,
            created_at: "2026-12-05T07:00:00Z".into(),
            items: &items,
            stimuli: &BTreeMap::new(),
            media: &BTreeMap::new(),
            forms: &forms,
            versions: &versions,
        };
        build_package(&input, signer, &mut rand::rng()).unwrap()
    }

    #[test]
    fn an_id_per_package_and_the_event_as_the_default_title() {
        let (a, title) = package_id_and_title("KT-1", "");
        let (b, named) = package_id_and_title("KT-1", "Kiểm tra giữa kỳ");
        assert!(a.starts_with("KT-1-") && b.starts_with("KT-1-") && a != b, "{a} {b}");
        assert_eq!((title.as_str(), named.as_str()), ("KT-1", "Kiểm tra giữa kỳ"));
    }

    /// Both package commands print this report: the file, the manifest, each key as hex and as a
    /// code, and what the command adds.
    #[test]
    fn the_report_names_the_file_the_manifest_both_keys_and_the_extras() {
        let signer = BoardSigningKey::generate(&mut rand::rng());
        let built = built(&signer);
        assert_eq!(built.manifest.title, "KT-1");
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("KT-1.pkg");
        let mut extra = serde_json::Map::new();
        extra.insert("pool_items".into(), 2.into());
        let report = package_report(&out, &built, extra.clone());
        let keys: Vec<_> = report.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["content_key", "keys_key", "manifest", "package", "pool_items"]);
        assert_eq!(report["package"], out.to_str().unwrap());
        assert_eq!(report["content_key"]["hex"], built.content_key.to_hex());
        assert_eq!(report["keys_key"]["code"], built.keys_key.to_code());
        assert_eq!(report["manifest"]["event_id"], "KT-1");

        write_package(&out, &built, extra).unwrap();
        let written = std::fs::read(&out).unwrap();
        assert_eq!(verify_package(&written, &signer.public()).unwrap().manifest.event_id, "KT-1");
        let gone = dir.path().join("no-such-dir").join("x.pkg");
        let e = format!("{:#}", write_package(&gone, &built, serde_json::Map::new()).unwrap_err());
        assert!(e.starts_with(&format!("writing {}", gone.display())), "{e}");
    }
}
