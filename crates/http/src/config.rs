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

/// The outcome of `khaothi bank|delivery check-config`: what would stop the service at start
/// (`errors`) and what should not go to an exam unnoticed (`warnings`), each naming its key. The
/// JSON is the command's output contract (docs/operations.md).
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct ConfigCheck {
    pub errors: Vec<ConfigProblem>,
    pub warnings: Vec<ConfigProblem>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ConfigProblem {
    pub key: String,
    pub message: String,
}

impl ConfigCheck {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn error(&mut self, key: &str, message: impl Into<String>) {
        self.errors.push(ConfigProblem { key: key.into(), message: message.into() });
    }

    pub fn warn(&mut self, key: &str, message: impl Into<String>) {
        self.warnings.push(ConfigProblem { key: key.into(), message: message.into() });
    }

    /// `postgres://…` or `sqlite:…`; unset means the embedded SQLite file.
    pub fn database_url(&mut self, key: &str, url: Option<&str>) {
        if let Some(u) = url
            && !(u.starts_with("postgres://") || u.starts_with("postgresql://") || u.starts_with("sqlite:"))
        {
            self.error(key, "must start with postgres://, postgresql:// or sqlite:");
        }
    }

    /// An `http(s)://host[:port]` base address; plain http is allowed but warned about.
    pub fn http_url(&mut self, key: &str, url: &str) {
        let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
        match rest {
            Some(r) if !r.is_empty() && !r.starts_with('/') => {
                if url.starts_with("http://") {
                    self.warn(key, "plain http: passwords and results cross the network unencrypted");
                }
            }
            _ => self.error(key, "must be an http:// or https:// address with a host"),
        }
    }

    /// A configured secret must have at least 32 characters (unset: generated and kept on disk).
    pub fn secret_length(&mut self, key: &str, secret: Option<&str>) {
        if secret.is_some_and(|s| s.len() < 32) {
            self.error(key, "a configured secret must have at least 32 characters");
        }
    }

    pub fn positive(&mut self, key: &str, value: u64) {
        if value == 0 {
            self.error(key, "must be greater than 0");
        }
    }

    /// Access tokens are meant to be short-lived; refresh tokens must outlive them.
    pub fn tokens(&mut self, access_minutes: i64, refresh_hours: i64) {
        if access_minutes <= 0 {
            self.error("access_token_minutes", "must be greater than 0");
        } else if access_minutes > 60 {
            self.warn("access_token_minutes", "more than 60 minutes: a stolen token stays useful long");
        }
        if refresh_hours <= 0 || refresh_hours * 60 < access_minutes {
            self.error("refresh_token_hours", "must be greater than 0 and outlive an access token");
        }
    }

    pub fn demo(&mut self, demo: bool) {
        if demo {
            self.warn("demo", "demo mode: accounts with the published password exist. Never in production");
        }
    }
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

    #[test]
    fn a_check_names_each_bad_key() {
        let mut c = ConfigCheck::default();
        c.database_url("database_url", Some("mysql://x"));
        c.http_url("bank_url", "ftp://bank");
        c.http_url("other_url", "http://bank.example.vn");
        c.secret_length("jwt_secret", Some("short"));
        c.tokens(0, 1);
        c.demo(true);
        let keys: Vec<&str> = c.errors.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["database_url", "bank_url", "jwt_secret", "access_token_minutes"]);
        let warned: Vec<&str> = c.warnings.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(warned, ["other_url", "demo"]);
        assert!(!c.is_ok());
        let mut fine = ConfigCheck::default();
        fine.database_url("database_url", Some("postgres://u@h/db"));
        fine.http_url("bank_url", "https://bank.example.vn");
        fine.tokens(15, 12);
        assert!(fine.is_ok() && fine.warnings.is_empty(), "{fine:?}");
    }
}
