//! `khaothi convert --to docx`, run as the real binary on what `khaothi assemble` writes: one
//! Word paper per version and the key document, into a folder or a zip; every refusal says what
//! is missing and exits non-zero.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../item-bank-samples");

fn khaothi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_khaothi")).args(args).output().expect("runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// One form of the sample mathematics blueprint (six versions), assembled by the real command.
fn assembled() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let yaml = std::fs::read_to_string(format!("{SAMPLES}/blueprints/thpt-toan.yaml")).unwrap();
    let one_form: String = yaml
        .lines()
        .map(|l| if l.starts_with("forms:") { "forms: 1" } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    let bp = dir.path().join("toan.yaml");
    std::fs::write(&bp, one_form).unwrap();
    let items = format!("{SAMPLES}/toan.jsonl");
    let out = khaothi(&["assemble", "--items", &items, "--blueprint", p(&bp), "--solver", "microlp"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json = dir.path().join("assembled.json");
    std::fs::write(&json, &out.stdout).unwrap();
    (dir, json, bp)
}

fn document_xml(docx: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
    xml
}

#[test]
fn every_version_and_the_key_go_into_a_folder() {
    let (dir, json, bp) = assembled();
    let out_dir = dir.path().join("papers");
    let items = format!("{SAMPLES}/toan.jsonl");
    let stimuli = format!("{SAMPLES}/stimuli.jsonl");
    let out = khaothi(&[
        "convert",
        "--to",
        "docx",
        p(&json),
        "--items",
        &items,
        "--blueprint",
        p(&bp),
        "--stimuli",
        &stimuli,
        "-o",
        p(&out_dir),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", text(&out.stdout));
    let mut names: Vec<String> =
        std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "dap-an.docx",
            "de-0101.docx",
            "de-0102.docx",
            "de-0103.docx",
            "de-0104.docx",
            "de-0105.docx",
            "de-0106.docx"
        ]
    );
    let paper = document_xml(&std::fs::read(out_dir.join("de-0103.docx")).unwrap());
    assert!(
        paper.contains("Mã đề thi 0103") && paper.contains("ĐỀ THI THAM KHẢO") && paper.contains("<m:oMath>")
    );
    assert!(paper.contains(">PHẦN III. <"), "parts from the blueprint's sections");
    let key = document_xml(&std::fs::read(out_dir.join("dap-an.docx")).unwrap());
    assert_eq!(key.matches("<w:tbl>").count(), 6, "a table per version");
    assert!(text(&out.stderr).contains("de-0106.docx"), "{}", text(&out.stderr));
}

#[test]
fn one_version_into_a_zip() {
    let (dir, json, bp) = assembled();
    let zip_path = dir.path().join("de.zip");
    let items = format!("{SAMPLES}/toan.jsonl");
    let stimuli = format!("{SAMPLES}/stimuli.jsonl");
    let out = khaothi(&[
        "convert",
        "--to",
        "docx",
        p(&json),
        "--version",
        "0102",
        "--items",
        &items,
        "--blueprint",
        p(&bp),
        "--stimuli",
        &stimuli,
        "-o",
        p(&zip_path),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let names: Vec<String> = (0..zip.len()).map(|i| zip.by_index(i).unwrap().name().to_string()).collect();
    assert_eq!(names, ["de-0102.docx", "dap-an.docx"]);
    let mut key = Vec::new();
    zip.by_name("dap-an.docx").unwrap().read_to_end(&mut key).unwrap();
    let key = document_xml(&key);
    assert!(key.contains("Mã đề 0102") && !key.contains("Mã đề 0101"));
}

#[test]
fn refusals_name_what_is_missing() {
    let (dir, json, bp) = assembled();
    let items = format!("{SAMPLES}/toan.jsonl");
    let out_dir = dir.path().join("x");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["convert", "--to", "docx", p(&json), "--items", &items, "--blueprint", p(&bp)],
            "give -o FOLDER or -o FILE.zip",
        ),
        (
            vec!["convert", "--to", "docx", p(&json), "--blueprint", p(&bp), "-o", p(&out_dir)],
            "--to docx needs --items",
        ),
        (
            vec!["convert", "--to", "docx", p(&json), "--items", &items, "-o", p(&out_dir)],
            "--to docx needs --blueprint",
        ),
        (
            vec![
                "convert",
                "--to",
                "docx",
                p(&json),
                "--items",
                &items,
                "--blueprint",
                p(&bp),
                "--version",
                "0999",
                "-o",
                p(&out_dir),
            ],
            "no version 0999",
        ),
        (
            vec![
                "convert",
                "--to",
                "docx",
                p(&bp),
                "--items",
                &items,
                "--blueprint",
                p(&bp),
                "-o",
                p(&out_dir),
            ],
            "is not JSON",
        ),
    ];
    for (args, message) in cases {
        let out = khaothi(&args);
        assert!(!out.status.success(), "{args:?}");
        assert!(text(&out.stderr).contains(message), "{args:?}: {}", text(&out.stderr));
    }
    // Items missing from --items are named.
    let few = dir.path().join("few.jsonl");
    std::fs::write(
        &few,
        std::fs::read_to_string(&items).unwrap().lines().take(3).collect::<Vec<_>>().join("\n"),
    )
    .unwrap();
    let out = khaothi(&[
        "convert",
        "--to",
        "docx",
        p(&json),
        "--items",
        p(&few),
        "--blueprint",
        p(&bp),
        "-o",
        p(&out_dir),
    ]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--items lacks item"), "{}", text(&out.stderr));
}

/// A picture the items name but the media folder lacks stops the paper with the question named.
#[test]
fn a_missing_picture_names_the_question() {
    let (dir, json, bp) = assembled();
    let assembled: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let first = assembled["forms"][0]["versions"][0]["items"][0].as_str().unwrap().to_string();
    let items: String = std::fs::read_to_string(format!("{SAMPLES}/toan.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            if v["id"] == first.as_str() {
                v["stem"] = format!("{} ![Hình](hinh.png)", v["stem"].as_str().unwrap()).into();
                v["media"] = serde_json::json!(["hinh.png"]);
            }
            v.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n");
    let items_path = dir.path().join("items.jsonl");
    std::fs::write(&items_path, items).unwrap();
    let out = khaothi(&[
        "convert",
        "--to",
        "docx",
        p(&json),
        "--items",
        p(&items_path),
        "--blueprint",
        p(&bp),
        "-o",
        p(&dir.path().join("o")),
    ]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("item {first}")) && err.contains("picture hinh.png is not in the bank's media"),
        "{err}"
    );
    // With the picture in media/ beside the items it prints.
    std::fs::create_dir(dir.path().join("media")).unwrap();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";
    std::fs::write(dir.path().join("media/hinh.png"), png).unwrap();
    let out = khaothi(&[
        "convert",
        "--to",
        "docx",
        p(&json),
        "--items",
        p(&items_path),
        "--blueprint",
        p(&bp),
        "-o",
        p(&dir.path().join("o")),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}
