//! Server secrets (token signing, login codes): configured, or generated once and kept in the
//! data directory with mode 0600, so a restart keeps tokens and codes valid.

use std::path::Path;

use rand::RngCore;

/// The configured secret (at least 32 characters), or the one stored at `path`, created on first use.
pub fn load_or_create_secret(configured: Option<&str>, path: &Path) -> Result<Vec<u8>, String> {
    if let Some(s) = configured {
        if s.len() < 32 {
            return Err(format!("{}: a configured secret must have at least 32 characters", path.display()));
        }
        return Ok(s.as_bytes().to_vec());
    }
    if let Ok(hexed) = std::fs::read_to_string(path) {
        return hex::decode(hexed.trim()).map_err(|e| format!("{} is corrupt: {e}", path.display()));
    }
    let mut secret = vec![0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    write_private(path, &hex::encode(&secret))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(secret)
}

/// The text kept at `path`, or `create()`'s, written there (0600) on first use and returned.
/// For private keys kept as text (`ed25519-secret:…`): the caller parses what comes back.
pub fn load_or_create_private_text(path: &Path, create: impl FnOnce() -> String) -> Result<String, String> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return Ok(text);
    }
    if let Some(dir) = path.parent() {
        crate::create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let text = create();
    write_private(path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(text)
}

/// Creates `path` (never overwrites) readable by its owner only (0600 on Unix): for secrets and
/// private keys.
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)?.write_all(contents.as_bytes())
}

/// Writes `contents` to `path` readable by its owner only (0600), replacing a file there: for a
/// secret that is written again (the demo's release code of a new event).
pub fn replace_private(path: &Path, contents: &str) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    write_private(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_text_is_created_once_owner_only_and_then_kept() {
        let dir = std::env::temp_dir().join(format!("khaothi-text-{}", uuid::Uuid::new_v4()));
        let path = dir.join("sub").join("key");
        assert_eq!(load_or_create_private_text(&path, || "first".into()).unwrap(), "first");
        assert_eq!(load_or_create_private_text(&path, || "second".into()).unwrap(), "first");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    #[cfg(unix)]
    fn a_replaced_secret_is_private_even_where_a_readable_file_was() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("khaothi-replace-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("release-code.txt");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        replace_private(&path, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_generated_secret_is_kept_and_short_ones_are_refused() {
        let dir = std::env::temp_dir().join(format!("khaothi-secret-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("jwt.secret");
        let first = load_or_create_secret(None, &path).unwrap();
        assert_eq!(first.len(), 32);
        assert_eq!(load_or_create_secret(None, &path).unwrap(), first);
        assert!(load_or_create_secret(Some("short"), &path).is_err());
        let long = "x".repeat(40);
        assert_eq!(load_or_create_secret(Some(&long), &path).unwrap(), long.as_bytes());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
