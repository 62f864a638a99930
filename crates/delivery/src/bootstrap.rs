//! What the server sets up once at start, before it listens: its secrets, the first board
//! account, and the content of events unlocked before a restart (decrypted again with the keys
//! stored at unlock).

use std::sync::Arc;

use khaothi_auth::{Role, hash_password};
use khaothi_package::ReleaseKey;
use sea_orm::DatabaseConnection;
use secrecy::{ExposeSecret, SecretString};

use crate::StartError;
use crate::access::sealed_package;
use crate::config::DeliveryConfig;
use crate::state::{AppState, EventContent};
use crate::store;
use crate::store::staff::NewStaff;

/// The demo board account's published password (demo mode only).
pub const DEMO_PASSWORD: &str = "khaothi-demo";

/// The data directory, created owner-only (0700), and the SQLite database file, created 0600
/// before the first connection (issue 16, finding 9: after unlock the database holds the
/// events' content keys). Existing ones are left as they are and checked by [`loose_file_modes`].
pub fn prepare_data_dir(config: &DeliveryConfig) -> Result<(), StartError> {
    Ok(khaothi_auth::prepare_private_data_dir(&config.data_dir, &config.database_url())?)
}

/// The data directory, database and secret files that other accounts on the machine could read
/// (one line each, with the `chmod` that fixes it); logged as warnings at start.
pub fn loose_file_modes(config: &DeliveryConfig) -> Vec<String> {
    khaothi_auth::loose_data_files(
        &config.data_dir,
        &config.database_url(),
        &["jwt.secret", "code.secret", crate::site::SITE_KEY_FILE],
    )
}

/// A configured secret, or one generated once and kept (mode 0600) in the data directory.
pub fn secret(
    config: &DeliveryConfig,
    configured: Option<&SecretString>,
    file: &str,
) -> Result<Vec<u8>, StartError> {
    khaothi_auth::load_or_create_secret(configured.map(|s| s.expose_secret()), &config.data_dir.join(file))
        .map_err(StartError)
}

/// The first board account: the demo one in demo mode, else `initial_board` on an empty table.
/// `write` is the writer's connection (the writer has not started yet).
pub async fn ensure_board(write: &DatabaseConnection, config: &DeliveryConfig) -> Result<(), StartError> {
    let err = |e: sea_orm::DbErr| StartError(e.to_string());
    let Some(username) = &config.initial_board else { return Ok(()) };
    let board = |display_name, hash| NewStaff {
        username,
        display_name,
        password_hash: hash,
        role: Role::ExamBoard,
        rooms: &[],
    };
    if config.demo {
        if store::staff::by_username(write, username).await.map_err(err)?.is_none() {
            store::staff::create(write, board("Exam board (demo)", &hash_password(DEMO_PASSWORD)))
                .await
                .map_err(err)?;
        }
        return Ok(());
    }
    if store::staff::count(write).await.map_err(err)? > 0 {
        return Ok(());
    }
    let (password, generated) = match &config.initial_board_password {
        Some(p) => (p.expose_secret().to_string(), false),
        None => (khaothi_auth::generate_password(), true),
    };
    store::staff::create(write, board("Exam board", &hash_password(&password))).await.map_err(err)?;
    if generated {
        eprintln!(
            "khaothi delivery: created the board account \"{username}\" with the one-time password: {password}"
        );
    }
    Ok(())
}

/// At start: decrypt the content (and keys) of every unlocked event with the stored keys.
pub async fn load_unlocked(s: &AppState) -> Result<(), StartError> {
    let open = store::events::unlocked(&s.db.read).await.map_err(|e| e.to_string())?;
    for e in open {
        let ec = open_stored(s, &e)?;
        s.hub.set_content(&e.id, Arc::new(ec));
    }
    Ok(())
}

/// An unlocked event's content (and keys, once released) opened with the stored keys.
fn open_stored(s: &AppState, e: &crate::store::entity::event::Model) -> Result<EventContent, String> {
    let sealed = sealed_package(s, e).map_err(|err| format!("event {}: {err}", e.id))?;
    let ck =
        ReleaseKey::parse(e.content_key.as_deref().unwrap_or_default()).map_err(|err| err.to_string())?;
    let content = sealed.open_content(&ck).map_err(|err| format!("event {}: {err}", e.id))?;
    let ec = EventContent::new(e.subject.clone(), e.title.clone(), content);
    if let Some(k) = &e.keys_key {
        let kk = ReleaseKey::parse(k).map_err(|err| err.to_string())?;
        ec.set_keys(sealed.open_keys(&kk).map_err(|err| err.to_string())?)
            .map_err(|err| format!("event {}: {err}", e.id))?;
    }
    Ok(ec)
}

/// Another node unlocked the event or released its keys (crate::cluster): opened here too, from
/// the keys it stored.
pub async fn reopen_event(s: &AppState, id: &str) -> Result<(), String> {
    let Some(e) = store::event(&s.db.read, id).await.map_err(|e| e.to_string())? else { return Ok(()) };
    if e.content_key.is_none() {
        return Ok(());
    }
    match s.hub.content(id) {
        Some(c) if c.keys.read().expect("keys lock").is_some() || e.keys_key.is_none() => Ok(()),
        Some(c) => {
            let fresh = open_stored(s, &e)?;
            let keys = fresh.keys.write().expect("keys lock").take();
            match keys {
                Some(keys) => c.set_keys(keys),
                None => Ok(()),
            }
        }
        None => {
            s.hub.set_content(id, Arc::new(open_stored(s, &e)?));
            Ok(())
        }
    }
}
