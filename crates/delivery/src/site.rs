//! The site key: the Ed25519 key a delivery server signs its result files with. Configured, or
//! generated once per data directory and kept in `site.key` (mode 0600), so every file a site
//! sends verifies against the one public key the bank registered for it.

use std::path::Path;

use khaothi_package::SiteSigningKey;
use secrecy::ExposeSecret;

use crate::config::DeliveryConfig;

pub const SITE_KEY_FILE: &str = "site.key";

/// The configured key, or the one in `<data_dir>/site.key`, created on first use.
pub fn load_or_create_site_key(config: &DeliveryConfig) -> Result<SiteSigningKey, String> {
    if let Some(k) = &config.site_key {
        return SiteSigningKey::parse(k.expose_secret()).map_err(|e| format!("site_key: {e}"));
    }
    let path = config.data_dir.join(SITE_KEY_FILE);
    load_or_create(&path)
}

fn load_or_create(path: &Path) -> Result<SiteSigningKey, String> {
    let text = khaothi_auth::load_or_create_private_text(path, || {
        format!("{}\n", SiteSigningKey::generate(&mut rand::rng()).to_text())
    })?;
    SiteSigningKey::parse(&text).map_err(|e| format!("{} is corrupt: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_key_is_generated_once_and_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        let config = DeliveryConfig { data_dir: dir.path().to_path_buf(), ..DeliveryConfig::default() };
        let first = load_or_create_site_key(&config).unwrap();
        let again = load_or_create_site_key(&config).unwrap();
        assert_eq!(first.public(), again.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SITE_KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let configured = DeliveryConfig {
            site_key: Some(first.to_text().into()),
            data_dir: dir.path().join("elsewhere"),
            ..DeliveryConfig::default()
        };
        assert_eq!(load_or_create_site_key(&configured).unwrap().public(), first.public());
        let bad = DeliveryConfig { site_key: Some("nonsense".into()), ..DeliveryConfig::default() };
        assert!(load_or_create_site_key(&bad).unwrap_err().contains("site_key"));
    }
}
