//! What `khaothi package build` and `khaothi package adaptive` read: item files, passages, and
//! the random part of a package id.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use khaothi_domain::{Item, ItemRecord};

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

pub(super) fn uuid_like() -> String {
    use rand::RngCore;
    let mut b = [0u8; 6];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}
