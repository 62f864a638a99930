//! The hashes SEB sends with a request, and their check (SEB's "Config Key" and "Browser Exam
//! Key" documents): `X-SafeExamBrowser-ConfigKeyHash` = hex(SHA-256(absolute URL without its
//! fragment + Config Key)), `X-SafeExamBrowser-RequestHash` the same with the Browser Exam Key.
//! SEB's JavaScript API (`SafeExamBrowser.security.configKey` / `.browserExamKey`) gives the same
//! two values for the page's URL.
//!
//! This is a configuration check, not authentication: a hash is fixed for a URL and a key, so a
//! browser that replays a captured header passes it.

use sha2::{Digest, Sha256};

/// The header with the Config Key hash.
pub const CONFIG_KEY_HEADER: &str = "x-safeexambrowser-configkeyhash";
/// The header with the Browser Exam Key hash.
pub const REQUEST_HASH_HEADER: &str = "x-safeexambrowser-requesthash";

/// The URL without its fragment (`#…`), as SEB hashes it.
pub fn without_fragment(url: &str) -> &str {
    url.split_once('#').map_or(url, |(u, _)| u)
}

/// hex(SHA-256(URL without fragment + key)).
pub fn request_hash(url: &str, key: &str) -> String {
    let mut h = Sha256::new();
    h.update(without_fragment(url).as_bytes());
    h.update(key.as_bytes());
    hex::encode(h.finalize())
}

/// Whether `key` looks like a Config Key or Browser Exam Key: 64 hex digits.
pub fn is_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A key as stored and compared: lower-case hex.
pub fn normalize_key(key: &str) -> String {
    key.trim().to_ascii_lowercase()
}

/// Whether `presented` is the hash of `url` with one of `keys`. Compared without an early exit.
pub fn matches_any(url: &str, presented: &str, keys: &[String]) -> bool {
    let presented = presented.trim().to_ascii_lowercase();
    keys.iter().fold(false, |found, key| found | same(&request_hash(url, key), &presented))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_the_url_without_its_fragment() {
        let key = "81aad4ab9dfd447cc479e6a4a7c9a544e2cafc7f3adeb68b2a21efad68eca4dc";
        let h = request_hash("http://10.0.0.5:8090/?event=e1#top", key);
        assert_eq!(h, request_hash("http://10.0.0.5:8090/?event=e1", key));
        // Independently: printf %s "http://10.0.0.5:8090/?event=e1<key>" | sha256sum
        assert_eq!(h, "c559c4e7b648f08211a8158d66a8c8dda111d760df1ad3b860d503803c0e861b");
        assert!(matches_any("http://10.0.0.5:8090/?event=e1", &h.to_uppercase(), &[key.into()]));
        assert!(!matches_any("http://10.0.0.5:8090/?event=e2", &h, &[key.into()]));
        assert!(!matches_any("http://10.0.0.5:8090/?event=e1", &h, &[]));
        assert!(is_key(key) && !is_key("81aad4") && !is_key(&"g".repeat(64)));
    }
}
