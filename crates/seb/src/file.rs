//! `.seb` files (SEB's "File Format" document): gzip around a four-byte prefix and its data.
//!
//! - `plnd` — plain: the gzip'ed plist XML follows;
//! - `pswd` (an exam) or `pwcc` (a client configuration) — RNCryptor-encrypted with a password
//!   ([`crate::rncryptor`]), inside which is the gzip'ed XML;
//! - `pkhs`/`phsk` — encrypted for a certificate in the exam computers' store: refused, the server
//!   has no such identity (the board saves the file with a password, or unencrypted, instead).
//!
//! A file that is the plist XML itself (SEB's tools can export one) is read as well. Every
//! decompression is bounded ([`MAX_SETTINGS_BYTES`]): a board uploads these files, and a small
//! gzip bomb must not take the server's memory.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::Error;
use crate::plist::{self, Dict, Value};
use crate::rncryptor::{self, Salts};

/// The most a `.seb` file may unpack to (SEB's own files are tens of kilobytes; embedded
/// certificates or dictionaries make a few megabytes).
pub const MAX_SETTINGS_BYTES: u64 = 16 * 1024 * 1024;

/// How the settings in a `.seb` file were protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// The plist XML as the whole file.
    PlainXml,
    /// `plnd`: gzip'ed, not encrypted.
    Unencrypted,
    /// `pswd` or `pwcc`: encrypted with a password.
    Password,
}

/// The settings of a `.seb` file and how they were stored.
#[derive(Debug, Clone)]
pub struct SebFile {
    pub settings: Dict,
    pub protection: Protection,
}

fn is_gzip(b: &[u8]) -> bool {
    b.starts_with(&[0x1f, 0x8b])
}

fn gunzip(b: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    GzDecoder::new(b)
        .take(MAX_SETTINGS_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::Format(format!("the gzip data is damaged: {e}")))?;
    if out.len() as u64 > MAX_SETTINGS_BYTES {
        return Err(Error::TooLarge(MAX_SETTINGS_BYTES));
    }
    Ok(out)
}

fn gunzip_if_gzip(b: &[u8]) -> Result<Vec<u8>, Error> {
    if is_gzip(b) { gunzip(b) } else { Ok(b.to_vec()) }
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(b).expect("writing to memory");
    e.finish().expect("writing to memory")
}

fn looks_like_xml(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"\xef\xbb\xbf".as_slice()).unwrap_or(b);
    b.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'<')
}

/// Reads a `.seb` file; `password` opens a password-encrypted one.
pub fn read(bytes: &[u8], password: Option<&str>) -> Result<SebFile, Error> {
    let data = gunzip_if_gzip(bytes)?;
    let (xml, protection) = match data.get(..4) {
        Some(b"plnd") => (gunzip_if_gzip(&data[4..])?, Protection::Unencrypted),
        Some(b"pswd" | b"pwcc") => {
            let password = password.filter(|p| !p.is_empty()).ok_or(Error::PasswordNeeded)?;
            (gunzip_if_gzip(&rncryptor::decrypt(&data[4..], password)?)?, Protection::Password)
        }
        Some(b"pkhs" | b"phsk") => return Err(Error::Certificate),
        _ if looks_like_xml(&data) => (data, Protection::PlainXml),
        _ => return Err(Error::Format("no .seb prefix (plnd, pswd, pwcc) and no plist XML".into())),
    };
    Ok(SebFile { settings: plist::parse_dict(&xml)?, protection })
}

/// Writes settings as a `.seb` file: `plnd` without a password, `pswd` (RNCryptor version 3)
/// with one. The output is the same for the same input (gzip's time stamp is left at zero).
pub fn write(settings: &Dict, password: Option<(&str, Salts)>) -> Vec<u8> {
    let inner = gzip(plist::to_xml(&Value::Dict(settings.clone())).as_bytes());
    let block = match password {
        None => [b"plnd".as_slice(), &inner].concat(),
        Some((p, salts)) => [b"pswd".as_slice(), &rncryptor::encrypt(&inner, p, salts)].concat(),
    };
    gzip(&block)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Dict {
        Dict(vec![
            ("startURL".into(), Value::String("http://10.0.0.5:8090/".into())),
            ("sendBrowserExamKey".into(), Value::Bool(true)),
        ])
    }

    #[test]
    fn reads_plain_xml_plnd_and_pswd() {
        let xml = plist::to_xml(&Value::Dict(settings()));
        let plain = read(xml.as_bytes(), None).unwrap();
        assert_eq!((plain.settings.clone(), plain.protection), (settings(), Protection::PlainXml));
        let gz = read(&gzip(xml.as_bytes()), None).unwrap();
        assert_eq!(gz.protection, Protection::PlainXml);
        let plnd = read(&write(&settings(), None), None).unwrap();
        assert_eq!((plnd.settings, plnd.protection), (settings(), Protection::Unencrypted));
        let salts = Salts { encryption: [7; 8], hmac: [8; 8], iv: [9; 16] };
        let file = write(&settings(), Some(("bí mật", salts)));
        assert!(matches!(read(&file, None), Err(Error::PasswordNeeded)));
        assert!(matches!(read(&file, Some("sai")), Err(Error::WrongPassword)));
        let pswd = read(&file, Some("bí mật")).unwrap();
        assert_eq!((pswd.settings, pswd.protection), (settings(), Protection::Password));
    }

    #[test]
    fn refuses_certificates_garbage_and_bombs() {
        assert!(matches!(read(&gzip(b"pkhs0123456789"), None), Err(Error::Certificate)));
        assert!(matches!(read(b"PK\x03\x04zip", None), Err(Error::Format(_))));
        assert!(matches!(read(&[0x1f, 0x8b, 0, 1, 2], None), Err(Error::Format(_))));
        let bomb = gzip(&vec![b' '; (MAX_SETTINGS_BYTES + 10) as usize]);
        assert!(bomb.len() < 100_000);
        assert!(matches!(read(&bomb, None), Err(Error::TooLarge(_))));
    }
}
