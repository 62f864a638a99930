//! The memory a hostile file can make the readers take (docs/formats.md §8 states the bound this
//! test holds them to). Each case runs in a fresh process (this test binary, started again with
//! `KHAOTHI_MEMORY_CASE`), so memory freed by another case cannot hide its peak: it builds the worst
//! file the readers' limits let through, resets the kernel's peak (`VmHWM`, through
//! `/proc/self/clear_refs`), reads the file and reports the peak resident memory of the whole
//! process — the file's own bytes and whatever the building left resident included, so the figure
//! errs high.

use std::io::{Cursor, Write};

use khaothi_interop::{ConvertOptions, ImportOptions, parse_xlsx, read_docx, read_qti_package};

/// The peak resident memory of a process reading one file, the file included (docs/formats.md §8).
const BOUND_MIB: u64 = 512;

const TEST: &str = "hostile_files_stay_within_the_stated_memory_bound";
const CASES: &[&str] = &["docx-elements", "docx-pictures", "docx-paper", "qti-elements", "xlsx-rows"];

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc/self/status");
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("{field} in {status}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Peak resident memory of this process while `f` runs, in KiB.
fn peak_kib(f: impl FnOnce()) -> u64 {
    // "5" resets the peak (VmHWM) to the current resident size (Linux ≥ 4.0).
    std::fs::write("/proc/self/clear_refs", "5").expect("resetting VmHWM through /proc/self/clear_refs");
    f();
    status_kib("VmHWM:")
}

/// A zip whose parts are stored, not deflated: no compression ratio to refuse, so the archive
/// limits (file size, part size) are the only bound.
fn stored_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in entries {
        w.start_file(*name, stored).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap();
    out.into_inner()
}

/// `open` + `count` copies of `unit` + `close`, just under `bytes`.
fn repeated(open: &str, unit: &str, close: &str, bytes: usize) -> Vec<u8> {
    let count = (bytes - open.len() - close.len()) / unit.len();
    let mut s = String::with_capacity(bytes);
    s.push_str(open);
    for _ in 0..count {
        s.push_str(unit);
    }
    s.push_str(close);
    s.into_bytes()
}

fn opts() -> ConvertOptions {
    ConvertOptions {
        subject: Some("toan".into()),
        grade: Some(12),
        topic: Some("12.1".into()),
        id_prefix: "M".into(),
        ..Default::default()
    }
}

const W: &str =
    r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#;
const MIB: usize = 1024 * 1024;

/// Builds the case's file, reads it, and returns (input bytes, peak KiB, what the reader said).
fn run_case(case: &str) -> (usize, u64, String) {
    let said = |e: Option<String>| e.unwrap_or_else(|| "read".into());
    match case {
        // Word: the largest file accepted (50 MiB), one part of tiny elements — the XML tree is
        // what grows, not the bytes.
        "docx-elements" => {
            let xml = repeated(W, "<w:p/>", "</w:body></w:document>", 48 * MIB);
            let docx = stored_zip(&[("word/document.xml", &xml)]);
            drop(xml);
            let mut out = None;
            let peak = peak_kib(|| out = read_docx(&docx, &opts()).report.file_error);
            (docx.len(), peak, said(out))
        }
        // Word: 48 MiB of pictures the document does not even show.
        "docx-pictures" => {
            let mut picture = vec![0u8; 4 * MIB];
            picture[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
            let names: Vec<String> = (0..12).map(|i| format!("word/media/image{i}.png")).collect();
            let mut parts: Vec<(&str, &[u8])> =
                names.iter().map(|n| (n.as_str(), picture.as_slice())).collect();
            let doc = format!("{W}<w:p><w:r><w:t>Câu 1. Một câu.</w:t></w:r></w:p></w:body></w:document>");
            parts.push(("word/document.xml", doc.as_bytes()));
            let docx = stored_zip(&parts);
            let mut out = None;
            let peak = peak_kib(|| out = read_docx(&docx, &opts()).report.file_error);
            (docx.len(), peak, said(out))
        }
        // For scale: the generated 500-question paper, read whole.
        "docx-paper" => {
            let docx =
                std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/docx/bench-500.docx"))
                    .unwrap();
            let mut out = 0;
            let peak = peak_kib(|| out = read_docx(&docx, &opts()).report.lines.len());
            (docx.len(), peak, format!("{out} questions"))
        }
        // QTI package: one item file of 48 MiB of tiny elements.
        "qti-elements" => {
            let manifest = br#"<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"><resources>
              <resource identifier="x" type="imsqti_item_xmlv2p1" href="x.xml"><file href="x.xml"/></resource>
            </resources></manifest>"#;
            let item = repeated(
                r#"<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="x"><itemBody>"#,
                "<p/>",
                "</itemBody></assessmentItem>",
                48 * MIB,
            );
            let package = stored_zip(&[("imsmanifest.xml", manifest), ("x.xml", &item)]);
            drop(item);
            let mut out = String::new();
            let peak = peak_kib(|| {
                let r = read_qti_package(&package, &opts()).report;
                out = r
                    .file_error
                    .or_else(|| Some(r.lines.first()?.messages.first()?.message.clone()))
                    .unwrap_or_default();
            });
            (package.len(), peak, out)
        }
        // A sheet of 100,000 rows.
        "xlsx-rows" => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            sheet.write_string(0, 0, "id").unwrap();
            for r in 1..=100_000u32 {
                sheet.write_string(r, 0, format!("ID-{r}")).unwrap();
                sheet.write_string(r, 1, "toan").unwrap();
            }
            let xlsx = book.save_to_buffer().unwrap();
            drop(book);
            let mut out = None;
            let peak = peak_kib(|| out = parse_xlsx(&xlsx, &ImportOptions::default()).file_error);
            (xlsx.len(), peak, said(out))
        }
        other => panic!("no memory case {other}"),
    }
}

#[test]
fn hostile_files_stay_within_the_stated_memory_bound() {
    if let Ok(case) = std::env::var("KHAOTHI_MEMORY_CASE") {
        let (bytes, peak, said) = run_case(&case);
        println!("MEMORY\t{case}\t{bytes}\t{peak}\t{said}");
        return;
    }
    // The cases run side by side, each in its own process (its own peak).
    let children: Vec<_> = CASES
        .iter()
        .map(|case| {
            let child = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
                .env("KHAOTHI_MEMORY_CASE", case)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            (case, child)
        })
        .collect();
    let mut figures = Vec::new();
    for (case, child) in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{case}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
        // The harness prints `test NAME ... ` on the same line before the case's own output.
        let at = stdout.find("MEMORY\t").unwrap_or_else(|| panic!("{stdout}"));
        let line = stdout[at..].lines().next().unwrap_or_default();
        let f: Vec<&str> = line.split('\t').collect();
        let (bytes, peak): (usize, u64) = (f[2].parse().unwrap(), f[3].parse().unwrap());
        eprintln!("{case}: a {} MiB file, peak {} MiB resident; {}", bytes / MIB, peak / 1024, f[4]);
        figures.push((case, peak / 1024));
    }
    for (case, peak) in figures {
        assert!(
            peak <= BOUND_MIB,
            "{case}: the process peaked at {peak} MiB; the stated bound is {BOUND_MIB} MiB"
        );
    }
}
