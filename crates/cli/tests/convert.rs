//! `khaothi convert`, run as the real binary: outputs, the stderr report and the exit status.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PAPER: &str = include_str!("../../interop/tests/fixtures/tex/de-thi-thu-toan-12.tex");
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";
const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../item-bank-samples/toan.jsonl");

fn khaothi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_khaothi")).args(args).output().expect("runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The paper with its picture beside it, in a fresh folder.
fn paper_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("hinh")).unwrap();
    std::fs::write(dir.path().join("hinh/mat-phang.png"), PNG).unwrap();
    let tex = dir.path().join("de-thi-thu.tex");
    std::fs::write(&tex, PAPER).unwrap();
    (dir, tex)
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn tex_to_jsonl_writes_only_items_on_stdout() {
    let (_dir, tex) = paper_dir();
    let out = khaothi(&["convert", p(&tex), "--subject", "toan", "--id-prefix", "DT"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 10);
    assert!(lines.iter().all(|l| l["id"].as_str().unwrap().starts_with("DT-00")));
    assert_eq!(lines[8]["kind"], "short_answer");
    // The TikZ figure's warning and the picture not written without -o, on stderr only.
    let stderr = text(&out.stderr);
    assert!(stderr.contains("de-thi-thu.tex:") && stderr.contains("tikzpicture"), "{stderr}");
    assert!(stderr.contains("1 picture(s) were not written"), "{stderr}");
}

#[test]
fn pictures_are_written_beside_the_output() {
    let (dir, tex) = paper_dir();
    let out_file = dir.path().join("out/items.jsonl");
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let out = khaothi(&["convert", "--from", "tex", p(&tex), "-o", p(&out_file), "--subject", "toan"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let picture = dir.path().join("out/media/DE-THI-THU-0004-1.png");
    assert_eq!(std::fs::read(picture).unwrap(), PNG);
    let items = std::fs::read_to_string(&out_file).unwrap();
    assert!(items.contains("![hình](DE-THI-THU-0004-1.png)"), "{items}");
}

#[test]
fn failed_items_are_listed_and_the_status_is_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let tex = dir.path().join("loi.tex");
    let bad = PAPER.replacen("{\\True $(1;+\\infty)$}", "{$(1;+\\infty)$}", 1);
    std::fs::write(&tex, bad).unwrap();
    let out = khaothi(&["convert", p(&tex), "--subject", "toan"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let line = PAPER.lines().position(|l| l.starts_with("\\begin{ex}")).unwrap() + 1;
    assert!(stderr.contains(&format!("loi.tex:{line}: error: LOI-0001: key:")), "{stderr}");
    assert!(stderr.contains("no option is marked \\True"), "{stderr}");
    assert!(stderr.contains("1 of 10 item(s) could not be converted; 9 written"), "{stderr}");
    assert_eq!(text(&out.stdout).lines().count(), 9);
}

#[test]
fn jsonl_to_xlsx_and_back_and_to_qti() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("toan.xlsx");
    let out = khaothi(&["convert", SAMPLES, "--to", "xlsx", "-o", p(&sheet)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let back = khaothi(&["convert", p(&sheet)]);
    assert!(back.status.success(), "{}", text(&back.stderr));
    let original = std::fs::read_to_string(SAMPLES).unwrap();
    let count = original.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(text(&back.stdout).lines().count(), count);
    let qti = dir.path().join("qti");
    let out = khaothi(&["convert", SAMPLES, "--to", "qti21", "-o", p(&qti)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let files = std::fs::read_dir(&qti).unwrap().count();
    assert_eq!(files, count);
    let one = std::fs::read_dir(&qti).unwrap().next().unwrap().unwrap().path();
    let again = khaothi(&["convert", "--from", "qti", p(&one)]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(text(&again.stdout).lines().count(), 1);
}

#[test]
fn refusals_are_clear() {
    let out = khaothi(&["convert", SAMPLES, "--to", "xlsx"]);
    assert!(text(&out.stderr).contains("give -o FILE.xlsx"), "{}", text(&out.stderr));
    let out = khaothi(&["convert", SAMPLES, "--to", "docx", "-o", "/tmp/x.docx"]);
    assert!(text(&out.stderr).contains("--to docx"), "{}", text(&out.stderr));
    assert!(!out.status.success());
    let out = khaothi(&["convert", "/etc/hostname"]);
    assert!(text(&out.stderr).contains("give --from"), "{}", text(&out.stderr));
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge.tex");
    std::fs::File::create(&huge).unwrap().set_len(200 * 1024 * 1024).unwrap();
    let out = khaothi(&["convert", p(&huge)]);
    assert!(text(&out.stderr).contains("at most 67108864 bytes"), "{}", text(&out.stderr));
    let missing = dir.path().join("a.tex");
    std::fs::write(&missing, "\\begin{ex}Câu.\\shortans{1}\\end{ex}").unwrap();
    let out = khaothi(&["convert", p(&missing)]);
    assert!(text(&out.stderr).contains("give --subject"), "{}", text(&out.stderr));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn the_template_lists_the_taxonomy() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mau.xlsx");
    let out = khaothi(&["convert", "--template", "xlsx", "-o", p(&file)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"PK"));
    // An empty template converts to no items and no error.
    let out = khaothi(&["convert", p(&file)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_word_paper_converts_with_its_passage_and_pictures() {
    let docx = concat!(env!("CARGO_MANIFEST_DIR"), "/../interop/tests/fixtures/docx/toan-thpt.docx");
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("items.jsonl");
    let out = khaothi(&[
        "convert",
        docx,
        "--subject",
        "toan",
        "--grade",
        "12",
        "--topic",
        "12.1",
        "--level",
        "hieu",
        "-o",
        p(&out_file),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let items = std::fs::read_to_string(&out_file).unwrap();
    assert!(items.lines().count() >= 10, "{items}");
    let stimuli = std::fs::read_to_string(dir.path().join("items.stimuli.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(stimuli.lines().next().unwrap()).unwrap();
    assert_eq!(first["subject"], "toan");
    let named = first["items"][0].as_str().unwrap();
    assert!(items.contains(&format!("\"stimulus\":\"{}\"", first["id"].as_str().unwrap())), "{named}");
    assert!(std::fs::read_dir(dir.path().join("media")).unwrap().count() >= 1);
    // Câu 7's Equation Editor object (∲) has no LaTeX: its preview, an EMF, is kept as a PNG that
    // LibreOffice rasterised, and stderr says so, naming the question.
    let stderr = text(&out.stderr);
    assert!(stderr.contains("Câu 7: a MathType equation could not be converted"), "{stderr}");
    assert!(stderr.contains("kept as a PNG rasterised from it"), "{stderr}");
    let png = std::fs::read(dir.path().join("media/TOAN-THPT-0007-1.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    // The same paper as a QTI 3.0 package: the passage travels as a stimulus of its two items.
    let zip = dir.path().join("de.zip");
    let out = khaothi(&[
        "convert",
        docx,
        "--subject",
        "toan",
        "--grade",
        "12",
        "--topic",
        "12.1",
        "--level",
        "hieu",
        "--to",
        "qti3",
        "-o",
        p(&zip),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut package = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let mut stimulus = String::new();
    std::io::Read::read_to_string(&mut package.by_name("stimuli/TOAN-THPT-S01.xml").unwrap(), &mut stimulus)
        .unwrap();
    assert!(
        stimulus.contains("<qti-assessment-stimulus ") && stimulus.contains("begin{cases}"),
        "{stimulus}"
    );
}

const TAO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../interop/tests/fixtures/qti/tao-export-qti21.zip");

#[test]
fn a_qti_package_from_another_system_converts_item_by_item() {
    let out = khaothi(&[
        "convert",
        "--from",
        "qti",
        TAO,
        "--subject",
        "toan",
        "--grade",
        "12",
        "--topic",
        "12.1",
        "--level",
        "hieu",
    ]);
    assert!(!out.status.success(), "three items cannot be represented");
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 4, "{stdout}");
    assert!(
        stdout.contains("\"kind\":\"multiple_response\"") && stdout.contains("\"scoring\":\"partial\""),
        "{stdout}"
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("tao-export-qti21.zip:5: error: i1701761234567e: $:"), "{stderr}");
    assert!(stderr.contains("custom response processing is not supported"), "{stderr}");
    assert!(stderr.contains("3 of 7 item(s) could not be converted; 4 written"), "{stderr}");
}

#[test]
fn items_and_a_form_become_a_qti3_package_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<&str> = std::fs::read_to_string(SAMPLES).unwrap().leak().lines().take(6).collect();
    let jsonl = dir.path().join("items.jsonl");
    std::fs::write(&jsonl, items.join("\n") + "\n").unwrap();
    let ids: Vec<String> = items
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().to_string())
        .collect();
    let form = dir.path().join("de.json");
    std::fs::write(&form, serde_json::to_string(&ids).unwrap()).unwrap();
    let zip = dir.path().join("de.zip");
    let out = khaothi(&["convert", p(&jsonl), "--to", "qti3", "-o", p(&zip), "--form", p(&form)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Entry names are stored as they are in a zip's headers.
    let bytes = std::fs::read(&zip).unwrap();
    let has = |name: &str| bytes.windows(name.len()).any(|w| w == name.as_bytes());
    assert!(bytes.starts_with(b"PK") && has("imsmanifest.xml") && has("tests/de.xml"));
    let back = khaothi(&["convert", "--from", "qti", p(&zip)]);
    assert!(back.status.success(), "{}", text(&back.stderr));
    let back_ids: Vec<String> = text(&back.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(back_ids, ids);
    // A package needs -o FILE.zip; a form goes only with one.
    let out = khaothi(&[
        "convert",
        p(&jsonl),
        "--to",
        "qti3",
        "-o",
        p(&dir.path().join("x.jsonl")),
        "--form",
        p(&form),
    ]);
    assert!(
        text(&out.stderr).contains("--form goes with --to qti3|qti21 -o FILE.zip"),
        "{}",
        text(&out.stderr)
    );
}
