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

#[cfg(test)]
mod tests {
    use super::*;

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
