//! The zip package of a `.docx`, read within bounds: a Word file is untrusted input, and a zip can
//! claim one size and inflate to another (a zip bomb), hold millions of entries, or name entries
//! `../../etc/passwd`. Every part is read through a counting reader, so the limits hold whatever
//! the central directory says.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// Bounds of one package; the defaults are documented in docs/formats.md (Word section).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// The `.docx` file itself.
    pub max_file_bytes: usize,
    pub max_entries: usize,
    /// All parts read, inflated.
    pub max_total_bytes: usize,
    /// One part, inflated.
    pub max_entry_bytes: usize,
    /// Inflated ÷ compressed size of a part bigger than 1 MiB; real Word parts stay under 30.
    pub max_ratio: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_file_bytes: 50 * 1024 * 1024,
            max_entries: 5_000,
            max_total_bytes: 200 * 1024 * 1024,
            max_entry_bytes: 64 * 1024 * 1024,
            max_ratio: 200,
        }
    }
}

/// The parts of the package that the reader needs, by their normalised name (`word/document.xml`).
#[derive(Debug, Default)]
pub struct Archive {
    pub parts: BTreeMap<String, Vec<u8>>,
}

impl Archive {
    /// Reads the parts for which `wanted` is true. Any limit crossed refuses the whole file with a
    /// sentence for the writer.
    pub fn read(bytes: &[u8], limits: &ArchiveLimits, wanted: &dyn Fn(&str) -> bool) -> Result<Self, String> {
        if bytes.len() > limits.max_file_bytes {
            return Err(format!(
                "the file has {} bytes; Word files are limited to {} bytes",
                bytes.len(),
                limits.max_file_bytes
            ));
        }
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| format!("the file is not a Word .docx (zip) package: {e}"))?;
        if zip.len() > limits.max_entries {
            return Err(format!(
                "the package has {} entries; at most {} are accepted",
                zip.len(),
                limits.max_entries
            ));
        }
        let mut archive = Archive::default();
        let mut total = 0usize;
        for i in 0..zip.len() {
            let mut entry =
                zip.by_index(i).map_err(|e| format!("entry {i} of the package cannot be read: {e}"))?;
            let name = entry.name().to_string();
            let normal = normalise_entry_name(&name)?;
            if entry.is_dir() || !wanted(&normal) {
                continue;
            }
            let compressed = entry.compressed_size().max(1);
            let left = limits.max_total_bytes.saturating_sub(total);
            let cap = limits.max_entry_bytes.min(left);
            let mut data = Vec::new();
            (&mut entry)
                .take(cap as u64 + 1)
                .read_to_end(&mut data)
                .map_err(|e| format!("the part {normal} cannot be inflated: {e}"))?;
            if data.len() > cap {
                return Err(if cap == left && left < limits.max_entry_bytes {
                    format!("the package inflates to more than {} bytes in all", limits.max_total_bytes)
                } else {
                    format!("the part {normal} inflates to more than {} bytes", limits.max_entry_bytes)
                });
            }
            if data.len() > 1024 * 1024 && data.len() as u64 / compressed > limits.max_ratio {
                return Err(format!(
                    "the part {normal} inflates {} times (a zip bomb?); at most {} times is accepted",
                    data.len() as u64 / compressed,
                    limits.max_ratio
                ));
            }
            total += data.len();
            archive.parts.insert(normal, data);
        }
        Ok(archive)
    }

    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.parts.get(name).map(Vec::as_slice)
    }
}

/// `word\media/x.png` → `word/media/x.png`; absolute names and `..` are refused (path traversal).
fn normalise_entry_name(name: &str) -> Result<String, String> {
    let unified = name.replace('\\', "/");
    if unified.starts_with('/') || unified.contains(':') {
        return Err(format!("the package entry \"{name}\" has an absolute path; refused"));
    }
    let mut parts = Vec::new();
    for seg in unified.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                return Err(format!(
                    "the package entry \"{name}\" climbs out of the package (\"..\"); refused"
                ));
            }
            s => parts.push(s),
        }
    }
    Ok(parts.join("/"))
}

/// Resolves a relationship target relative to the part's folder (`media/a.png` from `word/`).
pub fn resolve_target(base_dir: &str, target: &str) -> Option<String> {
    let target = target.replace('\\', "/");
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        base_dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut out);
        for (name, data) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default().compression_method(method)).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn names_are_normalised_and_traversal_refused() {
        assert_eq!(normalise_entry_name("word\\media/./a.png").unwrap(), "word/media/a.png");
        assert!(normalise_entry_name("../evil").unwrap_err().contains("climbs out"));
        assert!(normalise_entry_name("/etc/passwd").unwrap_err().contains("absolute"));
        assert!(normalise_entry_name("C:/x").is_err());
        let bytes = zip_of(&[("word/../../x.xml", b"<a/>")], zip::CompressionMethod::Stored);
        assert!(
            Archive::read(&bytes, &ArchiveLimits::default(), &|_| true).unwrap_err().contains("climbs out")
        );
        assert_eq!(resolve_target("word", "media/image1.png").as_deref(), Some("word/media/image1.png"));
        assert_eq!(resolve_target("word", "../customXml/a.xml").as_deref(), Some("customXml/a.xml"));
        assert_eq!(resolve_target("", "../../x"), None);
    }

    #[test]
    fn bombs_and_floods_are_refused() {
        let zeros = vec![0u8; 3 * 1024 * 1024];
        let bomb = zip_of(&[("word/document.xml", &zeros)], zip::CompressionMethod::Deflated);
        let err = Archive::read(&bomb, &ArchiveLimits::default(), &|_| true).unwrap_err();
        assert!(err.contains("zip bomb"), "{err}");
        let small = ArchiveLimits { max_entry_bytes: 1000, ..Default::default() };
        let err = Archive::read(&bomb, &small, &|_| true).unwrap_err();
        assert!(err.contains("more than 1000 bytes"), "{err}");
        let total = ArchiveLimits { max_total_bytes: 1500, ..Default::default() };
        let two = zip_of(&[("a", &[1u8; 1000]), ("b", &[2u8; 1000])], zip::CompressionMethod::Stored);
        assert!(Archive::read(&two, &total, &|_| true).unwrap_err().contains("in all"));
        let many: Vec<(String, Vec<u8>)> = (0..30).map(|i| (format!("f{i}"), vec![])).collect();
        let refs: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
        let flood = zip_of(&refs, zip::CompressionMethod::Stored);
        let few = ArchiveLimits { max_entries: 20, ..Default::default() };
        assert!(Archive::read(&flood, &few, &|_| true).unwrap_err().contains("30 entries"));
        let big = ArchiveLimits { max_file_bytes: 10, ..Default::default() };
        assert!(Archive::read(&flood, &big, &|_| true).unwrap_err().contains("limited to 10 bytes"));
        assert!(
            Archive::read(b"not a zip", &ArchiveLimits::default(), &|_| true)
                .unwrap_err()
                .contains("not a Word")
        );
    }

    #[test]
    fn only_wanted_parts_are_read() {
        let bytes = zip_of(
            &[("word/document.xml", b"<w/>"), ("docProps/app.xml", b"<x/>")],
            zip::CompressionMethod::Deflated,
        );
        let a = Archive::read(&bytes, &ArchiveLimits::default(), &|n| n.starts_with("word/")).unwrap();
        assert_eq!(a.get("word/document.xml"), Some(&b"<w/>"[..]));
        assert!(a.get("docProps/app.xml").is_none());
    }
}
