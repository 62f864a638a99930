//! A demo exam event on a running delivery server: a package built from sample items, signed by a
//! board key kept in the data directory, one room of demo candidates, content unlocked. Used by
//! `khaothi demo`, the load test and tests.

use std::collections::BTreeMap;
use std::path::Path;

use khaothi_domain::form::{Form, FormItem};
use khaothi_domain::{Item, ItemKind};
use khaothi_package::{BoardSigningKey, BuiltPackage, PackageInput, build_package};
use rand::SeedableRng;

use serde_json::Value;

use crate::board::{BoardClient, ClientError, EventSetup};

/// A THPT-shaped form (up to 12 single choice, 4 true/false groups, 6 short answers) from the
/// subject with the most items; falls back to whatever kinds exist.
pub fn demo_form(items: &[Item]) -> Result<(Form, String), String> {
    let mut by_subject: BTreeMap<&str, usize> = BTreeMap::new();
    for i in items {
        *by_subject.entry(i.subject.as_str()).or_default() += 1;
    }
    let subject = by_subject.iter().max_by_key(|(_, n)| **n).map(|(s, _)| s.to_string()).ok_or("no items")?;
    let mut form_items = Vec::new();
    for (section, (kind, count)) in
        [(ItemKind::SingleChoice, 12), (ItemKind::TrueFalseGroup, 4), (ItemKind::ShortAnswer, 6)]
            .into_iter()
            .enumerate()
    {
        form_items.extend(
            items
                .iter()
                .filter(|i| i.subject == subject && i.kind() == kind && i.stimulus.is_none())
                .take(count)
                .map(|i| FormItem { item_id: i.id.clone(), version: None, section: section as u32 }),
        );
    }
    if form_items.is_empty() {
        return Err(format!("no deliverable items in subject {subject}"));
    }
    Ok((Form { id: "F1".into(), number: 1, items: form_items }, subject))
}

/// Builds and signs a package of `versions` shuffled versions of [`demo_form`].
pub fn demo_package(
    items: &[Item],
    event_id: &str,
    title: &str,
    duration_minutes: u32,
    versions: u32,
    signer: &BoardSigningKey,
    seed: u64,
) -> Result<BuiltPackage, String> {
    let (form, subject) = demo_form(items)?;
    let vs = khaothi_assembly::make_versions(&form, items, versions, seed).map_err(|e| e.to_string())?;
    let stimuli = BTreeMap::new();
    let input = PackageInput {
        package_id: format!("{event_id}-PKG"),
        event_id: event_id.into(),
        title: title.into(),
        subject,
        duration_minutes,
        created_at: chrono::Utc::now().to_rfc3339(),
        items,
        stimuli: &stimuli,
        media: &BTreeMap::new(),
        forms: std::slice::from_ref(&form),
        versions: &vs,
    };
    build_package(&input, signer, &mut rand::rngs::StdRng::seed_from_u64(seed)).map_err(|e| e.to_string())
}

/// The board key of a data directory (`board.key`), created on first use. The demo server's
/// `board_public_key` must be this key's public half.
pub fn demo_board_key(data_dir: &Path) -> std::io::Result<BoardSigningKey> {
    let path = data_dir.join("board.key");
    let text = khaothi_auth::load_or_create_private_text(&path, || {
        BoardSigningKey::generate(&mut rand::rng()).to_text()
    })
    .map_err(std::io::Error::other)?;
    BoardSigningKey::parse(&text).map_err(|e| std::io::Error::other(e.to_string()))
}

#[derive(Debug, Clone)]
pub struct DemoCandidate {
    pub number: String,
    pub full_name: String,
    pub code: String,
}

#[derive(Debug, Clone)]
pub struct DemoEvent {
    pub event_id: String,
    pub room: String,
    pub candidates: Vec<DemoCandidate>,
    /// The websocket URL candidates connect to.
    pub ws_url: String,
    /// The keys section's release key (typed code), known when the event was created now; the
    /// demo keeps it so a user can end the exam and see results.
    pub keys_key: Option<String>,
}

pub const DEMO_EVENT: &str = "DEMO";

/// The demo's proctor account `proctor` (the demo password), bound to the demo event's rooms.
async fn add_demo_proctor(board: &BoardClient) -> Result<(), ClientError> {
    let rooms = board.get(&format!("/api/v1/events/{DEMO_EVENT}/rooms")).await?;
    let ids: Vec<Value> = rooms["rooms"].as_array().into_iter().flatten().map(|r| r["id"].clone()).collect();
    board
        .post(
            "/api/v1/staff",
            serde_json::json!({"username": "proctor", "display_name": "Giám thị (demo)",
                "password": khaothi_delivery::routes::staff::DEMO_PASSWORD, "role": "proctor", "rooms": ids}),
        )
        .await?;
    Ok(())
}

/// Creates (once) the demo event on the server at `base_url` (started with `demo = true` and
/// `board_public_key = signer.public()`): a 60-minute test, one room of `candidates`, unlocked.
/// On an existing demo database it only reads the room sheet again.
pub async fn setup_demo_event(
    base_url: &str,
    items: &[Item],
    signer: &BoardSigningKey,
    candidates: usize,
) -> Result<DemoEvent, ClientError> {
    let board = BoardClient::login(base_url, "board", khaothi_delivery::routes::staff::DEMO_PASSWORD).await?;
    let exists = board.get(&format!("/api/v1/events/{DEMO_EVENT}")).await.is_ok();
    let mut keys_key = None;
    let list = if exists {
        let sheet = board.get(&format!("/api/v1/events/{DEMO_EVENT}/rooms/P001/sheet")).await?;
        sheet["candidates"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
                (s("number"), s("full_name"), s("code"))
            })
            .collect()
    } else {
        let pkg = demo_package(items, DEMO_EVENT, "Thi thử (demo)", 60, 4, signer, 1).map_err(ClientError)?;
        let key = pkg.content_key.to_hex();
        keys_key = Some(pkg.keys_key.to_code());
        let list = board
            .set_up_event(&EventSetup {
                event_id: DEMO_EVENT,
                title: "Thi thử (demo)",
                package: &pkg.bytes,
                content_key: Some(&key),
                candidates,
                room_size: candidates.max(1),
                number_prefix: "DEMO",
                score_at_submit: false,
                duration_seconds: None,
            })
            .await?;
        add_demo_proctor(&board).await?;
        list
    };
    let ws_url = format!("{}/ws/candidate", base_url.replacen("http", "ws", 1));
    Ok(DemoEvent {
        event_id: DEMO_EVENT.into(),
        room: "P001".into(),
        candidates: list
            .into_iter()
            .map(|(number, full_name, code)| DemoCandidate { number, full_name, code })
            .collect(),
        ws_url,
        keys_key,
    })
}
