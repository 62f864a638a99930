//! Every file format khaothi reads items from, behind one call, so `khaothi convert` and the bank's
//! import read a file the same way: the report, plus the passages and pictures a document carries.

use std::collections::BTreeMap;

use crate::document::{ConvertOptions, DocumentImport};
use crate::jsonl::ImportOptions;
use crate::report::ImportReport;

/// A format items are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    JsonLines,
    Csv,
    /// One QTI 2.1 or 3.0 `assessmentItem`.
    Qti,
    Xlsx,
    /// LaTeX with the `ex_test` package.
    Tex,
}

impl SourceFormat {
    pub const NAMES: &'static [&'static str] = &["jsonl", "csv", "qti", "xlsx", "tex"];

    /// A format by the name users give (`jsonl`/`ndjson`, `csv`, `qti`/`xml`, `xlsx`, `tex`).
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" => Self::JsonLines,
            "csv" => Self::Csv,
            "qti" | "xml" => Self::Qti,
            "xlsx" => Self::Xlsx,
            "tex" => Self::Tex,
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
        matches!(self, Self::Tex)
    }
}

/// Reads `bytes` as `format`. `files` are the pictures given alongside a document (LaTeX);
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
        SourceFormat::Qti => match std::str::from_utf8(bytes) {
            Ok(text) => crate::parse_qti(text, &options),
            Err(e) => {
                let mut r = ImportReport::new("qti");
                r.file_error = Some(format!("the QTI file is not UTF-8: {e}"));
                r
            }
        },
        SourceFormat::Tex => return crate::parse_tex_bytes(bytes, files, opts),
    };
    DocumentImport { report, ..Default::default() }
}
