//! Every file format khaothi reads items from, behind one call, so `khaothi convert` and the bank's
//! import read a file the same way: the report, plus the passages and pictures a document carries.

use std::collections::BTreeMap;

use crate::document::{ConvertOptions, DocumentImport};
use crate::jsonl::ImportOptions;
use crate::report::ImportReport;
use crate::xlsx::{ZipLimits, check_zip};

/// A format items are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    JsonLines,
    Csv,
    /// One QTI 2.1 or 3.0 `assessmentItem`, or a content package (zip) of them.
    Qti,
    Xlsx,
    /// LaTeX with the `ex_test` package.
    Tex,
    /// A Word paper (`.docx`).
    Docx,
}

impl SourceFormat {
    pub const NAMES: &'static [&'static str] = &["jsonl", "csv", "qti", "xlsx", "tex", "docx"];

    /// A format by the name users give (`jsonl`/`ndjson`, `csv`, `qti`/`xml`, `xlsx`, `tex`).
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" => Self::JsonLines,
            "csv" => Self::Csv,
            "qti" | "xml" => Self::Qti,
            "xlsx" => Self::Xlsx,
            "tex" => Self::Tex,
            "docx" => Self::Docx,
            _ => return None,
        })
    }

    /// The format a file name's extension names.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let ext = name.rsplit_once('.')?.1;
        Self::parse(ext)
    }

    /// Whether items need metadata from outside the file (subject, grade, topic, level).
    pub fn is_document(self) -> bool {
        matches!(self, Self::Tex | Self::Docx)
    }
}

/// Reads `bytes` as `format`. `files` are the pictures given alongside a document (LaTeX; a
/// `.tex` may also come as a zip holding it and its pictures);
/// `opts` the metadata and id prefix documents lack (ignored by the item formats).
pub fn read_items(
    format: SourceFormat,
    bytes: &[u8],
    files: &BTreeMap<String, Vec<u8>>,
    opts: &ConvertOptions,
) -> DocumentImport {
    let options = ImportOptions::default();
    let report = match format {
        SourceFormat::JsonLines => crate::parse_jsonl_bytes(bytes, &options),
        SourceFormat::Csv => crate::parse_csv_bytes(bytes, &options),
        SourceFormat::Xlsx => crate::parse_xlsx(bytes, &options),
        SourceFormat::Qti if bytes.starts_with(b"PK") => return crate::read_qti_package(bytes, opts),
        SourceFormat::Qti => match std::str::from_utf8(bytes) {
            Ok(text) => crate::parse_qti(text, &options),
            Err(e) => {
                let mut r = ImportReport::new("qti");
                r.file_error = Some(format!("the QTI file is not UTF-8: {e}"));
                r
            }
        },
        SourceFormat::Tex if bytes.starts_with(b"PK") => return read_tex_zip(bytes, opts),
        SourceFormat::Tex => return crate::parse_tex_bytes(bytes, files, opts),
        SourceFormat::Docx => return crate::read_docx(bytes, opts),
    };
    DocumentImport { report, ..Default::default() }
}

/// A `.zip` holding one `.tex` file and the pictures it includes (by their paths in the zip):
/// how a `.tex` travels with its pictures through an upload. Bounded by [`check_zip`].
fn read_tex_zip(bytes: &[u8], opts: &ConvertOptions) -> DocumentImport {
    let refuse = |message: String| {
        let mut report = ImportReport::new("tex");
        report.file_error = Some(message);
        DocumentImport { report, ..Default::default() }
    };
    if let Err(e) = check_zip(bytes, &ZipLimits::default()) {
        return refuse(format!("the zip was refused: {e}"));
    }
    let Ok(mut zip) = zip9::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return refuse("the zip is unreadable".into());
    };
    let mut tex: Option<Vec<u8>> = None;
    let mut files = BTreeMap::new();
    for i in 0..zip.len() {
        let Ok(mut entry) = zip.by_index(i) else {
            return refuse(format!("part {i} of the zip is unreadable"));
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        let mut data = Vec::new();
        if std::io::Read::read_to_end(&mut entry, &mut data).is_err() {
            return refuse(format!("part \"{name}\" of the zip is unreadable"));
        }
        if name.ends_with(".tex") {
            if tex.is_some() {
                return refuse("the zip holds more than one .tex file: send one paper at a time".into());
            }
            tex = Some(data);
        } else {
            files.insert(name, data);
        }
    }
    match tex {
        Some(t) => crate::parse_tex_bytes(&t, &files, opts),
        None => refuse("the zip holds no .tex file".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xlsx::guard_tests::zip_of;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    fn opts() -> ConvertOptions {
        ConvertOptions {
            subject: Some("toan".into()),
            grade: Some(12),
            topic: Some("12.1".into()),
            level: Some(khaothi_domain::Level::Biet),
            id_prefix: "Z".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_tex_travels_in_a_zip_with_its_pictures() {
        let tex = br"\begin{ex} H\'inh: \includegraphics{h/a} \shortans{1}\end{ex}";
        let doc = read_items(
            SourceFormat::Tex,
            &zip_of(&[("de/de.tex", tex), ("h/a.png", PNG)]),
            &BTreeMap::new(),
            &opts(),
        );
        assert!(doc.report.file_error.is_none(), "{:?}", doc.report);
        assert_eq!(doc.media.len(), 1, "{:?}", doc.report);
        let two = zip_of(&[("a.tex", tex), ("b.tex", tex)]);
        let doc = read_items(SourceFormat::Tex, &two, &BTreeMap::new(), &opts());
        assert!(doc.report.file_error.unwrap().contains("more than one .tex"));
        let none = zip_of(&[("a.png", PNG)]);
        assert!(
            read_items(SourceFormat::Tex, &none, &BTreeMap::new(), &opts())
                .report
                .file_error
                .unwrap()
                .contains("no .tex")
        );
        let evil = zip_of(&[("../a.tex", tex)]);
        assert!(
            read_items(SourceFormat::Tex, &evil, &BTreeMap::new(), &opts())
                .report
                .file_error
                .unwrap()
                .contains("path traversal")
        );
    }

    #[test]
    fn names_and_extensions() {
        assert_eq!(SourceFormat::from_file_name("a/b.XLSX"), Some(SourceFormat::Xlsx));
        assert_eq!(SourceFormat::parse("ndjson"), Some(SourceFormat::JsonLines));
        assert_eq!(SourceFormat::from_file_name("noext"), None);
    }
}
