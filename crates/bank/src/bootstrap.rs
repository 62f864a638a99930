//! First start: the token secret and the first accounts. A real deployment gets one admin, from
//! configuration or with a one-time password printed once; only demo mode has the published
//! demo password.

use khaothi_auth::{Role, generate_password, hash_password};
use khaothi_store::{DEFAULT_ORG, DatabaseConnection, users};
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

/// The data directory, created owner-only (0700), and the SQLite database file, created 0600
/// before the first connection (issue 16, finding 9: the database holds every item's key).
/// Existing ones are left as they are and checked by [`loose_file_modes`].
pub fn prepare_data_dir(config: &BankConfig) -> Result<(), StartError> {
    Ok(khaothi_auth::prepare_private_data_dir(&config.data_dir, &config.database_url())?)
}

/// The data directory, database and key files that other accounts on the machine could read
/// (one line each, with the `chmod` that fixes it); logged as warnings at start.
pub fn loose_file_modes(config: &BankConfig) -> Vec<String> {
    khaothi_auth::loose_data_files(&config.data_dir, &config.database_url(), &["jwt.secret", "board.key"])
}

/// The configured token secret, or one generated once and kept in the data directory.
pub fn jwt_secret(config: &BankConfig) -> Result<Vec<u8>, StartError> {
    let configured = config.jwt_secret.as_ref().map(|s| s.expose_secret());
    khaothi_auth::load_or_create_secret(configured, &config.data_dir.join("jwt.secret")).map_err(StartError)
}

/// The key that signs exam packages: configured, or generated once into `<data_dir>/board.key`.
pub fn board_key(config: &BankConfig) -> Result<khaothi_package::BoardSigningKey, StartError> {
    use khaothi_package::BoardSigningKey;
    let parse =
        |text: &str, from: &str| BoardSigningKey::parse(text).map_err(|e| StartError(format!("{from}: {e}")));
    if let Some(k) = &config.board_signing_key {
        return parse(k.expose_secret(), "board_signing_key");
    }
    let path = config.data_dir.join("board.key");
    let text = khaothi_auth::load_or_create_private_text(&path, || {
        BoardSigningKey::generate(&mut rand::rng()).to_text()
    })
    .map_err(StartError)?;
    let key = parse(&text, &path.display().to_string())?;
    tracing::info!(public_key = %key.public(), path = %path.display(), "board signing key");
    Ok(key)
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

/// The per-request account check of access tokens (khaothi_auth::AccountCheck): a deactivated
/// account or a changed role ends its tokens at once.
pub struct Accounts(pub DatabaseConnection);

impl khaothi_auth::AccountCheck for Accounts {
    fn account<'a>(
        &'a self,
        user_id: &'a str,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<Option<khaothi_auth::AccountNow>, String>> + Send + 'a>>
    {
        Box::pin(async move {
            let status = users::status(&self.0, user_id).await.map_err(|e| e.to_string())?;
            Ok(status.map(|(active, role)| khaothi_auth::AccountNow { active, role }))
        })
    }
}
