//! First start: the token secret and the first accounts. A real deployment gets one admin, from
//! configuration or with a one-time password printed once; only demo mode has the published
//! demo password.

use khaothi_auth::{Role, generate_password, hash_password};
use khaothi_store::{DEFAULT_ORG, DatabaseConnection, users};
use rand::RngCore;
use secrecy::ExposeSecret;

use crate::StartError;
use crate::config::BankConfig;

/// The demo accounts of the README; password [`DEMO_PASSWORD`], demo mode only.
pub const DEMO_ACCOUNTS: &[(&str, &str, Role)] = &[
    ("admin", "Quản trị viên", Role::Admin),
    ("writer", "Nguyễn Văn Soạn", Role::ItemWriter),
    ("reviewer", "Trần Thị Duyệt", Role::Reviewer),
    ("board", "Hội đồng ra đề", Role::ExamBoard),
    ("proctor", "Lê Văn Coi Thi", Role::Proctor),
];
pub const DEMO_PASSWORD: &str = "khaothi-demo";

/// The configured secret, or one generated once and kept (mode 0600) in the data directory.
pub fn jwt_secret(config: &BankConfig) -> Result<Vec<u8>, StartError> {
    if let Some(s) = &config.jwt_secret {
        let s = s.expose_secret();
        if s.len() < 32 {
            return Err(StartError("jwt_secret must have at least 32 characters".into()));
        }
        return Ok(s.as_bytes().to_vec());
    }
    let path = config.data_dir.join("jwt.secret");
    if let Ok(hexed) = std::fs::read_to_string(&path) {
        return hex::decode(hexed.trim())
            .map_err(|e| StartError(format!("{} is corrupt: {e}", path.display())));
    }
    let mut secret = vec![0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    write_private(&path, &hex::encode(&secret))
        .map_err(|e| StartError(format!("cannot write {}: {e}", path.display())))?;
    Ok(secret)
}

fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)?.write_all(contents.as_bytes())
}

/// Creates the demo accounts (demo mode) or the first admin (empty database).
pub async fn ensure_users(db: &DatabaseConnection, config: &BankConfig) -> Result<(), StartError> {
    let err = |e: khaothi_store::StoreError| StartError(e.to_string());
    if config.demo {
        let hash = hash_password(DEMO_PASSWORD);
        for (username, name, role) in DEMO_ACCOUNTS {
            if users::find_by_username(db, username).await.map_err(err)?.is_none() {
                users::create(
                    db,
                    users::NewUser {
                        org_id: DEFAULT_ORG,
                        username,
                        display_name: name,
                        password_hash: &hash,
                        role: role.as_str(),
                    },
                )
                .await
                .map_err(err)?;
            }
        }
        return Ok(());
    }
    if users::count(db).await.map_err(err)? > 0 {
        return Ok(());
    }
    let Some(username) = &config.initial_admin else {
        return Err(StartError("the database has no user and no initial_admin is configured".into()));
    };
    let (password, generated) = match &config.initial_admin_password {
        Some(p) => (p.expose_secret().to_string(), false),
        None => (generate_password(), true),
    };
    users::create(
        db,
        users::NewUser {
            org_id: DEFAULT_ORG,
            username,
            display_name: "Administrator",
            password_hash: &hash_password(&password),
            role: Role::Admin.as_str(),
        },
    )
    .await
    .map_err(err)?;
    if generated {
        // Printed once, to the operator's terminal; it is not stored anywhere in clear.
        eprintln!(
            "khaothi: created the first admin account \"{username}\" with the one-time password: {password}"
        );
        eprintln!("khaothi: log in and create named accounts; this password is not shown again.");
    }
    Ok(())
}
