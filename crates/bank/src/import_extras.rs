//! What a Word or LaTeX document brings besides its items, stored in the import's transaction:
//! its pictures become bank media (as an upload through `POST media` would) and its shared
//! passages become draft stimuli, reviewed like any other. Items name a picture by its file name
//! in the document (`P-0003-1.png`); once stored, the name is replaced by the media id, which the
//! bank renders as `/api/v1/media/<id>` (docs/formats.md §4.4).

use std::collections::HashMap;

use khaothi_domain::{Item, ItemRecord};
use khaothi_interop::{MediaFile, StimulusDraft};
use khaothi_store::audit::Actor;
use khaothi_store::{ConnectionTrait, StoreError, media, stimuli};
use sha2::{Digest, Sha256};

/// The pictures and passages of one document.
#[derive(Debug, Default)]
pub(crate) struct Extras {
    pub media: Vec<MediaFile>,
    pub stimuli: Vec<StimulusDraft>,
}

impl Extras {
    pub fn stimulus_ids(&self) -> Vec<String> {
        self.stimuli.iter().map(|s| s.id.clone()).collect()
    }
}

/// Stores every picture as media of `writer`'s organisation; the map from the document's name to
/// the media id. A picture whose bytes the organisation already has (an earlier import, the same
/// figure in two questions) is not stored again: its name maps to the existing media.
pub(crate) async fn store_media<C: ConnectionTrait>(
    txn: &C,
    writer: &Actor,
    files: &[MediaFile],
) -> Result<HashMap<String, String>, StoreError> {
    let mut ids = HashMap::new();
    for f in files {
        let sha = hex::encode(Sha256::digest(&f.bytes));
        let id = match media::find_by_sha256(txn, &writer.org_id, &sha).await? {
            Some(existing) => existing.id,
            None => {
                let new = media::NewMedia {
                    org_id: &writer.org_id,
                    filename: &f.name,
                    content_type: &f.content_type,
                    sha256: &sha,
                    data: f.bytes.clone(),
                    created_by: &writer.username,
                };
                media::insert(txn, new).await?.id
            }
        };
        ids.insert(f.name.clone(), id);
    }
    Ok(ids)
}

/// Creates (or adds a draft version to) every passage, in the subject of its first item; its
/// title is the passage's opening words.
pub(crate) async fn store_stimuli<C: ConnectionTrait>(
    txn: &C,
    writer: &Actor,
    drafts: &[StimulusDraft],
    items: &[Item],
    media_ids: &HashMap<String, String>,
) -> Result<(), StoreError> {
    for s in drafts {
        let subject =
            items.iter().find(|i| s.item_ids.contains(&i.id)).map(|i| i.subject.clone()).unwrap_or_default();
        let title: String = s.text.chars().take(60).collect();
        let text = replace_names(&s.text, media_ids);
        stimuli::upsert(txn, &writer.org_id, &s.id, &subject, title.trim(), &text, &writer.username).await?;
    }
    Ok(())
}

/// The item with every picture name replaced by its media id (text and `media`). Items without
/// pictures are returned unchanged.
pub(crate) fn with_media_ids(item: &Item, media_ids: &HashMap<String, String>) -> Item {
    if media_ids.is_empty() || !item.media.iter().any(|m| media_ids.contains_key(m)) {
        return item.clone();
    }
    let json = match serde_json::to_string(&ItemRecord::from_item(item)) {
        Ok(j) => j,
        Err(_) => return item.clone(),
    };
    let renamed = replace_names(&json, media_ids);
    ItemRecord::from_json_line(&renamed)
        .ok()
        .and_then(|r| r.into_item().ok())
        .map(|(i, _)| i)
        .unwrap_or_else(|| item.clone())
}

/// Replaces each picture name where Markdown points at it (`](NAME)`) and where a JSON list holds
/// it (`"NAME"`), so a name inside another (`a.png` in `data.png`) is left alone.
fn replace_names(text: &str, media_ids: &HashMap<String, String>) -> String {
    let mut out = text.to_string();
    for (name, id) in media_ids {
        out = out.replace(&format!("]({name})"), &format!("]({id})"));
        out = out.replace(&format!("\"{name}\""), &format!("\"{id}\""));
    }
    out
}
