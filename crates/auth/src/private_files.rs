//! Private files and directories (issue 16, finding 9). A service's data directory holds its
//! database (the bank's items and keys, the delivery server's decrypted content keys after unlock),
//! its token secret and its signing key: no other account on the machine has a reason to read any
//! of it. What a service creates it creates private (directories 0700, files 0600, whatever the
//! umask); what it finds looser — an older install, a copy made by hand — it reports at start so
//! the operator can `chmod`, without changing it (an operator may have a reason, e.g. a backup
//! group).

use std::path::{Path, PathBuf};

/// Creates `dir` and any missing parent, each new one readable by its owner only (0700 on
/// Unix). An existing directory is left as it is (see [`looser_than_private`]).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates `path` as an empty file readable by its owner only (0600) unless it exists. Called on
/// a SQLite database before the first connection, so the database (and its `-wal` and `-shm`
/// files, which SQLite creates with the database's mode) is private from its first byte; SQLite
/// takes an empty file as a new database.
pub fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// One warning per path in `paths` that exists and that the group or other accounts may read,
/// write or enter (mode & 0o077 ≠ 0), naming the mode and the `chmod` that fixes it. Missing paths
/// are skipped. Always empty off Unix.
pub fn looser_than_private(paths: &[PathBuf]) -> Vec<String> {
    let mut warnings = Vec::new();
    #[cfg(unix)]
    for path in paths {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(path) else { continue };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            let want = if meta.is_dir() { "700" } else { "600" };
            warnings.push(format!(
                "{} has mode {mode:o}: other accounts on this machine can reach it; run chmod {want} {}",
                path.display(),
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = paths;
    warnings
}

/// The file of a `sqlite://PATH?…` URL (`None` for another database or an in-memory one).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// The database file of `url` and its SQLite companions (`-wal`, `-shm`), for
/// [`looser_than_private`]; empty for PostgreSQL.
pub fn sqlite_files(url: &str) -> Vec<PathBuf> {
    let Some(db) = sqlite_file(url) else { return Vec::new() };
    let with = |suffix: &str| PathBuf::from(format!("{}{suffix}", db.display()));
    vec![with("-wal"), with("-shm"), db]
}

/// A service's data directory made private before its first start: the directory 0700 and its
/// SQLite database (if `database_url` names one) created 0600 before the first connection.
/// Existing ones are left as they are; [`loose_data_files`] reports them.
pub fn prepare_private_data_dir(dir: &Path, database_url: &str) -> Result<(), String> {
    create_private_dir(dir)
        .map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
    if let Some(db) = sqlite_file(database_url) {
        create_private_file(&db).map_err(|e| format!("cannot create the database {}: {e}", db.display()))?;
    }
    Ok(())
}

/// The data directory, its database files and the named secret files in it that other accounts
/// could read (one line each with the `chmod` that fixes it), for the start-up warnings.
pub fn loose_data_files(dir: &Path, database_url: &str, secrets: &[&str]) -> Vec<String> {
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(sqlite_files(database_url));
    paths.extend(secrets.iter().map(|f| dir.join(f)));
    looser_than_private(&paths)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn created_private_whatever_the_umask_and_looser_ones_are_named() {
        let root = std::env::temp_dir().join(format!("khaothi-private-{}", uuid::Uuid::new_v4()));
        let dir = root.join("data").join("site");
        create_private_dir(&dir).unwrap();
        assert_eq!(mode(&root.join("data")), 0o700);
        assert_eq!(mode(&dir), 0o700);
        let db = dir.join("delivery.db");
        create_private_file(&db).unwrap();
        std::fs::write(&db, b"kept").unwrap();
        create_private_file(&db).unwrap();
        assert_eq!(std::fs::read(&db).unwrap(), b"kept", "an existing file is left as it is");
        assert_eq!(mode(&db), 0o600);
        assert!(looser_than_private(&[dir.clone(), db.clone(), dir.join("missing")]).is_empty());

        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        let warnings = looser_than_private(&[dir.clone(), db.clone()]);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("mode 755") && warnings[0].contains("chmod 700"), "{warnings:?}");
        assert!(warnings[1].contains("mode 644") && warnings[1].contains("chmod 600"), "{warnings:?}");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn sqlite_urls_name_their_files() {
        assert_eq!(sqlite_file("sqlite:///srv/k/bank.db?mode=rwc"), Some(PathBuf::from("/srv/k/bank.db")));
        assert_eq!(sqlite_file("sqlite://data/bank.db"), Some(PathBuf::from("data/bank.db")));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://u@h/db"), None);
        assert_eq!(sqlite_files("sqlite://d/x.db?mode=rwc").len(), 3);
        assert!(sqlite_files("postgres://u@h/db").is_empty());
    }
}
