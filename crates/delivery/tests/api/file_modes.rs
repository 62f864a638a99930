//! Issue 16, finding 9: a delivery server started on a fresh data directory keeps it, its
//! database (which holds the content keys after unlock) and its secrets private whatever the umask
//! (0700, 0600), and names what it finds looser at start. SQLite only: a PostgreSQL database is no
//! file of ours.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use khaothi_delivery::{Application, DeliveryConfig, bootstrap};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_site_keeps_its_files_private_and_names_looser_ones() {
    let root = tempfile::tempdir().unwrap();
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = root.path().join("site-data");
    let config = DeliveryConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.clone(),
        demo: true,
        ..DeliveryConfig::default()
    };
    let app = Application::build(config.clone()).await.expect("the delivery server starts");
    assert_eq!(mode(&dir), 0o700, "the data directory");
    for file in ["delivery.db", "jwt.secret", "code.secret", "site.key"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    for companion in ["delivery.db-wal", "delivery.db-shm"] {
        if dir.join(companion).exists() {
            assert_eq!(mode(&dir.join(companion)), 0o600, "{companion} follows the database");
        }
    }
    assert!(bootstrap::loose_file_modes(&config).is_empty());
    drop(app);

    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o750)).unwrap();
    std::fs::set_permissions(dir.join("code.secret"), std::fs::Permissions::from_mode(0o640)).unwrap();
    let warnings = bootstrap::loose_file_modes(&config);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings.iter().any(|w| w.contains("site-data has mode 750") && w.contains("chmod 700")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains("code.secret has mode 640") && w.contains("chmod 600")),
        "{warnings:?}"
    );
}
