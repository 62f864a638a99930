//! Bounds on an Office (zip) file before any reader trusts it: the sizes a zip's directory claims
//! can lie, so every entry is inflated here, counting what really comes out, and refused past
//! the limits — zip bombs (entry count, total size, compression ratio), path traversal in entry
//! names, and XML with a DOCTYPE (external entities, entity expansion) never reach the reader.

use std::io::{Cursor, Read};

/// The limits of one zip file. The defaults suit a spreadsheet of items (docs/formats.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipLimits {
    /// The file itself.
    pub max_file_bytes: usize,
    pub max_entries: usize,
    /// Inflated size of one entry.
    pub max_entry_bytes: u64,
    /// Inflated size of all entries together.
    pub max_total_bytes: u64,
    /// Inflated ÷ compressed, checked for entries over 1 MiB (small entries compress very well
    /// legitimately; a bomb needs size).
    pub max_ratio: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits {
            max_file_bytes: 20 * 1024 * 1024,
            max_entries: 1_000,
            max_entry_bytes: 64 * 1024 * 1024,
            max_total_bytes: 128 * 1024 * 1024,
            max_ratio: 100,
        }
    }
}

/// Checks a zip file against `limits`; the reason for a refusal, for the user.
pub fn check_zip(bytes: &[u8], limits: &ZipLimits) -> Result<(), String> {
    if bytes.len() > limits.max_file_bytes {
        return Err(format!(
            "the file has {} bytes; the limit is {} bytes",
            bytes.len(),
            limits.max_file_bytes
        ));
    }
    let mut zip =
        zip9::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("not a zip (Office) file: {e}"))?;
    if zip.len() > limits.max_entries {
        return Err(format!("the file holds {} parts; the limit is {}", zip.len(), limits.max_entries));
    }
    let mut total = 0u64;
    let mut buf = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| format!("part {i} of the file is unreadable: {e}"))?;
        let name = entry.name().map_err(|e| format!("part {i} has an unreadable name: {e}"))?.to_string();
        check_name(&name)?;
        let compressed = entry.compressed_size().max(1);
        buf.clear();
        let read = (&mut entry)
            .take(limits.max_entry_bytes + 1)
            .read_to_end(&mut buf)
            .map_err(|e| format!("part \"{name}\" is unreadable: {e}"))? as u64;
        if read > limits.max_entry_bytes {
            return Err(format!(
                "part \"{name}\" inflates past {} bytes (a zip bomb?)",
                limits.max_entry_bytes
            ));
        }
        if read > 1024 * 1024 && read / compressed > limits.max_ratio {
            return Err(format!(
                "part \"{name}\" inflates {}-fold; the limit is {}-fold (a zip bomb?)",
                read / compressed,
                limits.max_ratio
            ));
        }
        total += read;
        if total > limits.max_total_bytes {
            return Err(format!(
                "the parts inflate past {} bytes in total (a zip bomb?)",
                limits.max_total_bytes
            ));
        }
        if (name.ends_with(".xml") || name.ends_with(".rels")) && has_doctype(&buf) {
            return Err(format!(
                "part \"{name}\" has a DOCTYPE: Office files never need one and it can hide external entities or entity expansion"
            ));
        }
    }
    Ok(())
}

/// Entry names that would escape a folder if anything unpacked them: `..`, absolute paths,
/// drive letters, backslashes.
fn check_name(name: &str) -> Result<(), String> {
    let bad = name.starts_with(['/', '\\'])
        || name.contains('\\')
        || name.split('/').any(|p| p == "..")
        || name.as_bytes().get(1) == Some(&b':');
    if bad { Err(format!("part name \"{name}\" points outside the file (path traversal)")) } else { Ok(()) }
}

fn has_doctype(xml: &[u8]) -> bool {
    xml.windows(9).any(|w| w.eq_ignore_ascii_case(b"<!DOCTYPE")) || xml.windows(8).any(|w| w == b"<!ENTITY")
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use zip9::write::SimpleFileOptions;

    use super::*;

    /// A zip of the given entries, deflated.
    pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip9::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default().compression_method(zip9::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn bombs_traversal_and_doctype_are_refused() {
        let limits = ZipLimits::default();
        assert!(check_zip(&zip_of(&[("a.xml", b"<a/>")]), &limits).is_ok());
        let zeros = vec![0u8; 8 * 1024 * 1024];
        let err = check_zip(&zip_of(&[("xl/worksheets/sheet1.xml", &zeros)]), &limits).unwrap_err();
        assert!(err.contains("-fold"), "{err}");
        let small = ZipLimits { max_entry_bytes: 1000, ..limits };
        let err = check_zip(&zip_of(&[("a.xml", &[b'a'; 2000])]), &small).unwrap_err();
        assert!(err.contains("inflates past 1000"), "{err}");
        let total = ZipLimits { max_total_bytes: 1500, ..limits };
        let err =
            check_zip(&zip_of(&[("a.xml", &[b'a'; 1000]), ("b.xml", &[b'b'; 1000])]), &total).unwrap_err();
        assert!(err.contains("in total"), "{err}");
        let many: Vec<(String, Vec<u8>)> = (0..12).map(|i| (format!("{i}.txt"), vec![])).collect();
        let refs: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
        let err = check_zip(&zip_of(&refs), &ZipLimits { max_entries: 10, ..limits }).unwrap_err();
        assert!(err.contains("12 parts"), "{err}");
        let err = check_zip(&zip_of(&[("../../etc/passwd", b"x")]), &limits).unwrap_err();
        assert!(err.contains("path traversal"), "{err}");
        let laughs = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>"#;
        let err = check_zip(&zip_of(&[("xl/sharedStrings.xml", laughs)]), &limits).unwrap_err();
        assert!(err.contains("DOCTYPE"), "{err}");
        let xxe = br#"<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>"#;
        assert!(check_zip(&zip_of(&[("[Content_Types].xml", xxe)]), &limits).is_err());
        assert!(check_zip(b"not a zip", &limits).unwrap_err().contains("not a zip"));
        let err = check_zip(&vec![0; 300], &ZipLimits { max_file_bytes: 200, ..limits }).unwrap_err();
        assert!(err.contains("limit is 200 bytes"), "{err}");
    }
}
