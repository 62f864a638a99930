//! The bodies of the file readers' fuzz targets (`fuzz/readers`, cargo-fuzz on nightly): plain
//! functions over bytes, so the stable test `tests/fuzz_corpus.rs` runs the same code over the seed
//! corpus in CI. Each body reads the bytes as a user's upload would be read and checks what every
//! report promises (docs/fuzzing.md): no panic, every line in the file, every error explained.

use std::collections::BTreeMap;

use crate::document::ConvertOptions;
use crate::jsonl::ImportOptions;
use crate::report::{ImportReport, LineStatus};

fn opts() -> ConvertOptions {
    ConvertOptions {
        subject: Some("toan".into()),
        grade: Some(12),
        topic: Some("12.1".into()),
        id_prefix: "F".into(),
        ..Default::default()
    }
}

/// The promises of every report.
fn check(report: &ImportReport) {
    for line in &report.lines {
        assert!(line.line >= 1, "line numbers are 1-based: {line:?}");
        assert!(
            line.status != LineStatus::Error || !line.messages.is_empty(),
            "an error without a reason: {line:?}"
        );
        assert!(
            line.status == LineStatus::Error || line.item.is_some() || line.outcome.is_some(),
            "a good line without its item: {line:?}"
        );
    }
}

/// LaTeX `ex_test`, as text or zipped with pictures.
pub fn read_tex(data: &[u8]) {
    let files = BTreeMap::from([("h.png".to_string(), b"\x89PNG\r\n\x1a\n".to_vec())]);
    let doc = crate::read_items(crate::SourceFormat::Tex, data, &files, &opts());
    check(&doc.report);
    for m in &doc.media {
        assert!(crate::sniff_image(&m.bytes).is_some(), "a picture that is not one: {}", m.name);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::graphics_files(text);
    }
}

/// A Word paper (zip + WordprocessingML, OMML, MathType OLE).
pub fn read_docx(data: &[u8]) {
    let doc = crate::read_docx(data, &opts());
    check(&doc.report);
    for m in &doc.media {
        assert!(crate::sniff_image(&m.bytes).is_some(), "a picture that is not one: {}", m.name);
    }
}

/// A spreadsheet (zip + XML).
pub fn read_xlsx(data: &[u8]) {
    check(&crate::parse_xlsx(data, &ImportOptions::default()));
}

/// Any zip against the limits.
pub fn read_zip(data: &[u8]) {
    let _ = crate::check_zip(data, &crate::ZipLimits::default());
}

/// One QTI item (XML).
pub fn read_qti(data: &[u8]) {
    check(&crate::read_items(crate::SourceFormat::Qti, data, &BTreeMap::new(), &opts()).report);
}

pub fn read_csv(data: &[u8]) {
    check(&crate::parse_csv_bytes(data, &ImportOptions::default()));
}

pub fn read_jsonl(data: &[u8]) {
    let report = crate::parse_jsonl_bytes(data, &ImportOptions::default());
    check(&report);
    if report.file_error.is_none() {
        assert_eq!(report.lines.len() + report.blank_lines, report.total_lines);
    }
}

/// A MathType / Equation Editor object: an OLE file, an `Equation Native` stream or bare MTEF
/// (v3 or v5). Converted or refused with a reason; what converts is bounded by what came in.
pub fn read_mtef(data: &[u8]) {
    let results = if data.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        vec![crate::mtef::from_ole(data)]
    } else {
        vec![crate::mtef::from_equation_native(data), crate::mtef::from_mtef(data)]
    };
    for r in results {
        match r {
            Ok(latex) => assert!(latex.len() <= 32 * data.len() + 64, "{} bytes of LaTeX", latex.len()),
            Err(why) => assert!(!why.is_empty()),
        }
    }
}

/// Every body by its target name, for the corpus test and the fuzz targets.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("read_tex", read_tex),
    ("read_docx", read_docx),
    ("read_mtef", read_mtef),
    ("read_xlsx", read_xlsx),
    ("read_zip", read_zip),
    ("read_qti", read_qti),
    ("read_csv", read_csv),
    ("read_jsonl", read_jsonl),
];
