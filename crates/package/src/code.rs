//! Release keys and the code a site head can type when the lab has no internet: Crockford base32
//! of the 32 key bytes (52 characters) and two check characters, in groups of five. The first
//! check character is a weighted sum with odd weights modulo 32, so *every* single mistyped
//! character is caught; the second is 5 bits of SHA-256 of the key, catching most other slips.
//! A typo is reported before any decryption is tried.

use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::PackageError;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A 256-bit section key. Zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct ReleaseKey(pub(crate) [u8; 32]);

impl Drop for ReleaseKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for ReleaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReleaseKey(…)")
    }
}

impl ReleaseKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn random(rng: &mut impl rand::RngCore) -> Self {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        Self(b)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The typed form: 54 base32 characters in groups of five.
    pub fn to_code(&self) -> String {
        let mut chars = base32(&self.0);
        let values: Vec<usize> = chars.bytes().map(value_of).collect();
        chars.push(ALPHABET[weighted_check(&values)] as char);
        chars.push(ALPHABET[usize::from(Sha256::digest(self.0)[0] & 31)] as char);
        chars
            .as_bytes()
            .chunks(5)
            .map(|c| std::str::from_utf8(c).expect("ascii"))
            .collect::<Vec<_>>()
            .join("-")
    }

    /// Reads either 64 hex digits or the typed code (case, dashes and spaces ignored; `O` read as
    /// `0`, `I`/`L` as `1`).
    pub fn parse(text: &str) -> Result<Self, PackageError> {
        let t = text.trim();
        if t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()) {
            let mut b = [0u8; 32];
            hex::decode_to_slice(t, &mut b).map_err(|e| PackageError::BadKeyText(e.to_string()))?;
            return Ok(Self(b));
        }
        let cleaned: String = t.chars().filter(|c| !matches!(c, '-' | ' ' | '\t' | '\n' | '\r')).collect();
        let values = values_of(&cleaned)?;
        if values.len() != 54 {
            return Err(PackageError::BadKeyText(format!(
                "a release code has 54 characters (without dashes); this one has {}",
                values.len()
            )));
        }
        let typo = || {
            PackageError::BadKeyText(
                "the release code has a typo: its check characters do not match; read it again".into(),
            )
        };
        if weighted_check(&values[..52]) != values[52] {
            return Err(typo());
        }
        let bytes = unbase32(&values[..52]);
        let mut b = [0u8; 32];
        b.copy_from_slice(&bytes[..32]);
        if usize::from(Sha256::digest(b)[0] & 31) != values[53] {
            return Err(typo());
        }
        Ok(Self(b))
    }
}

fn base32(data: &[u8]) -> String {
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in data {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn value_of(c: u8) -> usize {
    ALPHABET.iter().position(|&a| a == c).expect("alphabet character")
}

/// Σ (2i+1)·vᵢ mod 32: odd weights are units modulo 32, so changing one character always changes
/// the sum.
fn weighted_check(values: &[usize]) -> usize {
    values.iter().enumerate().map(|(i, v)| (2 * i + 1) * v).sum::<usize>() % 32
}

fn values_of(text: &str) -> Result<Vec<usize>, PackageError> {
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            ALPHABET.iter().position(|&a| a as char == c).ok_or_else(|| {
                PackageError::BadKeyText(format!(
                    "character {} (`{c}`) cannot appear in a release code",
                    i + 1
                ))
            })
        })
        .collect()
}

fn unbase32(values: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &v in values {
        acc = (acc << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn code_round_trips(bytes in proptest::array::uniform32(any::<u8>())) {
            let k = ReleaseKey(bytes);
            let code = k.to_code();
            prop_assert_eq!(code.replace('-', "").len(), 54);
            prop_assert_eq!(ReleaseKey::parse(&code).unwrap(), k.clone());
            prop_assert_eq!(ReleaseKey::parse(&code.to_lowercase()).unwrap(), k.clone());
            prop_assert_eq!(ReleaseKey::parse(&k.to_hex()).unwrap(), k);
        }

        #[test]
        fn one_changed_character_is_caught(bytes in proptest::array::uniform32(any::<u8>()), pos in 0usize..54, d in 1usize..32) {
            let code: Vec<u8> = ReleaseKey(bytes).to_code().replace('-', "").into_bytes();
            let mut typo = code.clone();
            let old = ALPHABET.iter().position(|&a| a == code[pos]).unwrap();
            typo[pos] = ALPHABET[(old + d) % 32];
            let typo = String::from_utf8(typo).unwrap();
            prop_assert!(ReleaseKey::parse(&typo).is_err());
        }
    }

    #[test]
    fn confusable_letters_are_read_as_digits() {
        let k = ReleaseKey([0u8; 32]);
        let code = k.to_code().replace('0', "O");
        assert_eq!(ReleaseKey::parse(&code).unwrap(), k);
    }

    #[test]
    fn wrong_length_is_explained() {
        let err = ReleaseKey::parse("ABCDE-FGH").unwrap_err().to_string();
        assert!(err.contains("54 characters"), "{err}");
    }
}
