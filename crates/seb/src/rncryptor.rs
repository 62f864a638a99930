//! Password encryption of `.seb` files: the RNCryptor data format (versions 2 and 3), which SEB's
//! "File Format" document specifies for `pswd` blocks.
//!
//! `version | options | encryption salt (8) | HMAC salt (8) | IV (16) | AES-256-CBC ciphertext |
//! HMAC-SHA256 (32)`; both keys are PBKDF2-HMAC-SHA1 of the password's UTF-8 bytes, 10,000
//! rounds, 32 bytes; the HMAC covers everything before it. SEB for Windows writes version 2,
//! macOS version 3; the formats differ only in that RNCryptor's version-2 code passed a
//! multi-byte password truncated to its character count, which [`decrypt`] tries as well.
//! The HMAC is checked (in constant time) before anything is decrypted.

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::Sha256;

use crate::Error;

const ROUNDS: u32 = 10_000;
const HEADER: usize = 2 + 8 + 8 + 16;
const MAC: usize = 32;

/// The random parts of one encryption (the caller draws them: this crate does no I/O).
#[derive(Debug, Clone, Copy)]
pub struct Salts {
    pub encryption: [u8; 8],
    pub hmac: [u8; 8],
    pub iv: [u8; 16],
}

fn key(password: &[u8], salt: &[u8]) -> [u8; 32] {
    pbkdf2::pbkdf2_hmac_array::<Sha1, 32>(password, salt, ROUNDS)
}

fn mac(key: &[u8], data: &[u8]) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m
}

/// Encrypts `plain` with `password` in RNCryptor's version 3.
pub fn encrypt(plain: &[u8], password: &str, salts: Salts) -> Vec<u8> {
    let enc_key = key(password.as_bytes(), &salts.encryption);
    let hmac_key = key(password.as_bytes(), &salts.hmac);
    let mut out = Vec::with_capacity(HEADER + plain.len() + 16 + MAC);
    out.extend_from_slice(&[3, 1]);
    out.extend_from_slice(&salts.encryption);
    out.extend_from_slice(&salts.hmac);
    out.extend_from_slice(&salts.iv);
    let cipher =
        cbc::Encryptor::<aes::Aes256>::new_from_slices(&enc_key, &salts.iv).expect("32-byte key, 16-byte IV");
    out.extend_from_slice(&cipher.encrypt_padded_vec::<Pkcs7>(plain));
    let tag = mac(&hmac_key, &out).finalize().into_bytes();
    out.extend_from_slice(&tag);
    out
}

/// Decrypts an RNCryptor message (version 2 or 3, password-based). A wrong password and a
/// damaged file are the same error: the HMAC cannot tell them apart.
pub fn decrypt(message: &[u8], password: &str) -> Result<Vec<u8>, Error> {
    if message.len() < HEADER + 16 + MAC {
        return Err(Error::Encrypted("the encrypted block is too short".into()));
    }
    let version = message[0];
    if version != 2 && version != 3 {
        return Err(Error::Encrypted(format!("unknown RNCryptor version {version}")));
    }
    if message[1] & 1 == 0 {
        return Err(Error::Encrypted("the block is encrypted with a key, not a password".into()));
    }
    let (signed, tag) = message.split_at(message.len() - MAC);
    let ciphertext = &signed[HEADER..];
    if ciphertext.len() % 16 != 0 {
        return Err(Error::Encrypted("the ciphertext is not whole AES blocks".into()));
    }
    let mut candidates = vec![password.as_bytes().to_vec()];
    let chars = password.chars().count();
    if version == 2 && chars < password.len() {
        candidates.push(password.as_bytes()[..chars].to_vec());
    }
    let password = candidates
        .into_iter()
        .find(|p| mac(&key(p, &signed[10..18]), signed).verify_slice(tag).is_ok())
        .ok_or(Error::WrongPassword)?;
    let enc_key = key(&password, &signed[2..10]);
    let cipher = cbc::Decryptor::<aes::Aes256>::new_from_slices(&enc_key, &signed[18..34])
        .expect("32-byte key, 16-byte IV");
    cipher.decrypt_padded_vec::<Pkcs7>(ciphertext).map_err(|_| Error::Encrypted("bad padding".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    /// RNCryptor-Spec's published v3 password vectors (vectors/v3/password): "One byte",
    /// "More than one block" and "Multibyte password".
    #[test]
    fn matches_the_published_v3_vectors() {
        let vectors = [
            (
                "thepassword",
                "0001020304050607",
                "0102030405060708",
                "02030405060708090a0b0c0d0e0f0001",
                "01",
                "03010001 02030405 06070102 03040506 07080203 04050607 08090a0b 0c0d0e0f 0001a1f8 730e0bf4 80eb7b70 f690abf2 1e029514 164ad3c4 74a51b30 c7eaa1ca 545b7de3 de5b010a cbad0a9a 13857df6 96a8",
            ),
            (
                "thepassword",
                "0203040506070001",
                "0304050607080102",
                "0405060708090a0b0c0d0e0f00010203",
                "0123456789abcdef01234567",
                "03010203 04050607 00010304 05060708 01020405 06070809 0a0b0c0d 0e0f0001 0203e01b bda5df2c a8adace3 8f6c588d 291e03f9 51b78d34 17bc2816 581dc6b7 67f1a2e5 7597512b 18e1638f 21235fa5 928c",
            ),
            (
                "中文密码",
                "0304050607000102",
                "0405060708010203",
                "05060708090a0b0c0d0e0f0001020304",
                "23456789abcdef0123456701",
                "03010304 05060700 01020405 06070801 02030506 0708090a 0b0c0d0e 0f000102 03048a9e 08bdec1c 4bfe13e8 1fb85f00 9ab3ddb9 1387e809 c4ad86d9 e8a60145 57716657 bd317d4b b6a76446 15b3de40 2341",
            ),
        ];
        for (password, enc, hm, iv, plain, cipher) in vectors {
            let salts = Salts {
                encryption: unhex(enc).try_into().unwrap(),
                hmac: unhex(hm).try_into().unwrap(),
                iv: unhex(iv).try_into().unwrap(),
            };
            assert_eq!(encrypt(&unhex(plain), password, salts), unhex(cipher), "{password}");
            assert_eq!(decrypt(&unhex(cipher), password).unwrap(), unhex(plain));
        }
    }

    #[test]
    fn refuses_a_wrong_password_and_a_damaged_file() {
        let salts = Salts { encryption: [1; 8], hmac: [2; 8], iv: [3; 16] };
        let mut m = encrypt(b"<plist/>", "đúng", salts);
        assert!(matches!(decrypt(&m, "sai"), Err(Error::WrongPassword)));
        let n = m.len();
        m[n / 2] ^= 1;
        assert!(matches!(decrypt(&m, "đúng"), Err(Error::WrongPassword)));
        assert!(decrypt(&m[..40], "đúng").is_err());
    }

    #[test]
    fn reads_version_2_written_by_seb_for_windows() {
        // SEB for Windows: version byte 2, the whole UTF-8 password.
        let salts = Salts { encryption: [4; 8], hmac: [5; 8], iv: [6; 16] };
        let mut m = encrypt(b"settings", "mật khẩu", salts);
        m[0] = 2;
        let hmac_key = key("mật khẩu".as_bytes(), &[5; 8]);
        let n = m.len();
        let tag = mac(&hmac_key, &m[..n - MAC]).finalize().into_bytes();
        m[n - MAC..].copy_from_slice(&tag);
        assert_eq!(decrypt(&m, "mật khẩu").unwrap(), b"settings");
    }
}
