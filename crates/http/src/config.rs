//! How both services read their configuration: the struct's defaults, then the service's table of
//! an optional TOML file (`[bank]`, `[delivery]`), then `KHAOTHI__<SERVICE>__<KEY>` environment
//! variables — one order, so an operator learns it once.

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Reads the `section` table (`bank`, `delivery`) over `T::default()`; an error names the key and
/// the source (file or variable) that was wrong.
pub fn load_section<T>(section: &str, file: Option<&Path>) -> Result<T, Box<figment::Error>>
where
    T: Default + Serialize + DeserializeOwned,
{
    let mut fig = Figment::from(Serialized::default(section, T::default()));
    if let Some(f) = file {
        fig = fig.merge(Toml::file_exact(f));
    }
    fig.merge(Env::prefixed("KHAOTHI__").split("__").lowercase(true)).extract_inner(section).map_err(Box::new)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        listen: String,
        max_body_bytes: u64,
    }

    #[test]
    fn the_file_overrides_the_defaults_and_unknown_keys_are_named() {
        let dir = std::env::temp_dir().join(format!("khaothi-http-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("k.toml");
        std::fs::write(&file, "[sample]\nlisten = \"127.0.0.1:1\"\n[other]\nx = 1\n").unwrap();
        let s: Sample = load_section("sample", Some(&file)).unwrap();
        assert_eq!(s, Sample { listen: "127.0.0.1:1".into(), max_body_bytes: 0 });
        std::fs::write(&file, "[sample]\nlisten_typo = \"x\"\n").unwrap();
        let e = load_section::<Sample>("sample", Some(&file)).unwrap_err();
        assert!(e.to_string().contains("listen_typo"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
