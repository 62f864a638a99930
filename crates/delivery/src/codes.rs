//! Login codes and resume tokens.
//!
//! A login code is not stored: it *is* `HMAC-SHA256(secret, event ‖ number ‖ generation)`, cut to
//! 50 bits and written as ten Crockford base32 characters (`XXXXX-XXXXX`). Checking is one HMAC and
//! a constant-time comparison — no slow password hash, since guessing is stopped by the
//! per-candidate attempt limit and 2⁵⁰ is far beyond any limit's reach. Room sheets can be
//! reprinted at any time; bumping the generation invalidates a leaked code.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#[derive(Clone)]
pub struct CodeSecret(Vec<u8>);

impl CodeSecret {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    fn mac(&self, event_id: &str, number: &str, generation: i32) -> [u8; 32] {
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes any key length");
        for part in [event_id.as_bytes(), number.as_bytes(), &generation.to_be_bytes()] {
            m.update(&(part.len() as u64).to_be_bytes());
            m.update(part);
        }
        m.finalize().into_bytes().into()
    }

    /// The code printed on the room sheet.
    pub fn code(&self, event_id: &str, number: &str, generation: i32) -> String {
        let mac = self.mac(event_id, number, generation);
        let mut bits = u64::from_be_bytes(mac[..8].try_into().expect("8 bytes")) >> 14;
        let mut chars = [0u8; 10];
        for c in chars.iter_mut().rev() {
            *c = ALPHABET[(bits & 31) as usize];
            bits >>= 5;
        }
        let s = String::from_utf8(chars.to_vec()).expect("ascii");
        format!("{}-{}", &s[..5], &s[5..])
    }

    /// Case, dashes and spaces are ignored; `O`, `I`, `L` read as `0`, `1`, `1`.
    pub fn check(&self, event_id: &str, number: &str, generation: i32, typed: &str) -> bool {
        let norm = |s: &str| -> Vec<u8> {
            s.chars()
                .filter(|c| !matches!(c, '-' | ' '))
                .map(|c| match c.to_ascii_uppercase() {
                    'O' => '0',
                    'I' | 'L' => '1',
                    c => c,
                } as u8)
                .collect()
        };
        let want = norm(&self.code(event_id, number, generation));
        let got = norm(typed);
        want.len() == got.len() && want.iter().zip(&got).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

/// A resume token: 32 random bytes, base64url; only its SHA-256 is stored.
pub fn new_resume_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Constant-time comparison of two hex hashes.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_check_and_differ() {
        let s = CodeSecret::new(b"secret".to_vec());
        let c = s.code("E", "010001", 0);
        assert_eq!(c.len(), 11);
        assert!(s.check("E", "010001", 0, &c));
        assert!(s.check("E", "010001", 0, &c.to_lowercase().replace('-', "")));
        assert!(!s.check("E", "010002", 0, &c));
        assert!(!s.check("E", "010001", 1, &c), "a new generation invalidates the old code");
        assert!(!s.check("E2", "010001", 0, &c));
        assert!(!CodeSecret::new(b"other".to_vec()).check("E", "010001", 0, &c));
        assert_ne!(s.code("E", "010001", 0), s.code("E", "010002", 0));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_resume_token(), new_resume_token());
        assert_ne!(a, b);
        assert!(same_hash(&token_hash(&a), &token_hash(&a)));
        assert!(!same_hash(&token_hash(&a), &token_hash(&b)));
    }
}
