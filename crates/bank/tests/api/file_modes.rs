//! Issue 16, finding 9: a bank started on a fresh data directory keeps it, its database and its
//! key files private whatever the umask (0700, 0600), and names what it finds looser at start.
//! SQLite only: the PostgreSQL database is no file of ours.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use khaothi_bank::{Application, BankConfig, bootstrap};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_bank_keeps_its_files_private_and_names_looser_ones() {
    let root = tempfile::tempdir().unwrap();
    // A group- and world-readable parent, as a umask of 022 makes them: the data directory is
    // new, so it is the server's to create.
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = root.path().join("bank-data");
    let config = BankConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.clone(),
        demo: true,
        ..BankConfig::default()
    };
    let app = Application::build(config.clone()).await.expect("the bank starts");
    assert_eq!(mode(&dir), 0o700, "the data directory");
    for file in ["bank.db", "jwt.secret", "board.key"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    for companion in ["bank.db-wal", "bank.db-shm"] {
        if dir.join(companion).exists() {
            assert_eq!(mode(&dir.join(companion)), 0o600, "{companion} follows the database");
        }
    }
    assert!(bootstrap::loose_file_modes(&config).is_empty());
    drop(app);

    // An install made before (or copied by hand) with the umask's modes: named, with the fix.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(dir.join("bank.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let warnings = bootstrap::loose_file_modes(&config);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings.iter().any(|w| w.contains("bank-data has mode 755") && w.contains("chmod 700")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains("bank.db has mode 644") && w.contains("chmod 600")),
        "{warnings:?}"
    );
    // The server still starts (a warning, not a refusal) and leaves the modes to the operator.
    let again = Application::build(config).await.expect("the bank starts with a warning");
    assert_eq!(mode(&dir), 0o755);
    drop(again);
}
