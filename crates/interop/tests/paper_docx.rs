//! The paper's `.docx` read back by libraries khaothi did not write: python-docx (Debian's
//! python3-docx) reads every paragraph and table of a realistic mathematics paper built from the
//! sample bank (a figure, a shared passage, all three parts, two versions), and the test compares
//! the text with the form's items; LibreOffice renders it to PDF and pdftoppm to PNG (kept under
//! `target/screenshots/paper-docx/`), where the PDF's page count must match the masthead's.
//! Both external tools are installed by scripts/test-all.sh; without them the test says so and
//! skips (never passes silently on a developer's machine without them: it prints why).

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use khaothi_domain::form::{Form, FormItem, Version, VersionKey};
use khaothi_domain::{Choice, Item, ItemBody, ItemKind, ItemRecord};
use khaothi_interop::{answer_key_docx, paper_docx};
use khaothi_render::{Paper, PaperHeading, PaperLayout, answer_key, paper_layout};

fn samples(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../../item-bank-samples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The figure of the Word-import fixture (a parabola drawn by scripts/fixtures/make_docx.py).
fn figure() -> Vec<u8> {
    let bytes =
        std::fs::read(format!("{}/tests/fixtures/docx/toan-thpt.docx", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut png = Vec::new();
    zip.by_name("word/media/image1.png").unwrap().read_to_end(&mut png).unwrap();
    png
}

struct Fixture {
    form: Form,
    versions: Vec<Version>,
    items: HashMap<String, Item>,
    stimuli: HashMap<String, String>,
}

const HEADING: PaperHeading<'static> = PaperHeading {
    authority: "BỘ GIÁO DỤC VÀ ĐÀO TẠO",
    exam: "KỲ THI TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG NĂM 2025",
    label: "ĐỀ THI THAM KHẢO",
    subject: "toan",
    duration_minutes: Some(90),
};

/// A THPT mathematics form from the sample bank: 12 single-choice questions (the fifth with the
/// figure), 4 true/false groups, 6 short answers of which the first two share a passage.
fn fixture() -> Fixture {
    let mut all: Vec<Item> = samples("toan.jsonl")
        .lines()
        .map(|l| ItemRecord::from_json_line(l).unwrap().into_item().unwrap().0)
        .collect();
    let pick = |all: &[Item], kind: ItemKind, n: usize, shared: &str| -> Vec<Item> {
        let mut out: Vec<Item> = all
            .iter()
            .filter(|i| i.stimulus.as_deref() == Some(shared) && i.kind() == kind)
            .cloned()
            .collect();
        out.extend(
            all.iter().filter(|i| i.kind() == kind && i.stimulus.is_none()).take(n - out.len()).cloned(),
        );
        out
    };
    if let Some(i) =
        all.iter_mut().filter(|i| i.kind() == ItemKind::SingleChoice && i.stimulus.is_none()).nth(4)
    {
        i.stem = format!("{}\n\n![Hình 1](do-thi.png)", i.stem);
        i.media = vec!["do-thi.png".into()];
    }
    let chosen: Vec<(Item, u32)> = [
        (pick(&all, ItemKind::SingleChoice, 12, "-"), 0),
        (pick(&all, ItemKind::TrueFalseGroup, 4, "-"), 1),
        (pick(&all, ItemKind::ShortAnswer, 6, "ST-TOAN12-01"), 2),
    ]
    .into_iter()
    .flat_map(|(items, s)| items.into_iter().map(move |i| (i, s)))
    .collect();
    let form = Form {
        id: "F-TOAN".into(),
        number: 1,
        items: chosen
            .iter()
            .map(|(i, s)| FormItem { item_id: i.id.clone(), version: Some(1), section: *s })
            .collect(),
    };
    let versions = ["0101", "0102"]
        .iter()
        .enumerate()
        .map(|(v, code)| {
            // The second version reverses every single-choice question's options.
            let options: BTreeMap<String, Vec<u8>> = chosen
                .iter()
                .filter(|(i, _)| v == 1 && i.kind() == ItemKind::SingleChoice)
                .map(|(i, _)| (i.id.clone(), vec![3, 2, 1, 0]))
                .collect();
            let keys = chosen
                .iter()
                .map(|(i, _)| {
                    let order = options.get(&i.id).map(|o| o.iter().map(|&x| x as usize).collect::<Vec<_>>());
                    (i.id.clone(), key_of(i, order.as_deref()))
                })
                .collect();
            Version {
                code: code.to_string(),
                form_id: form.id.clone(),
                items: form.items.iter().map(|i| i.item_id.clone()).collect(),
                options,
                keys,
            }
        })
        .collect();
    let stimuli = samples("stimuli.jsonl")
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| (v["id"].as_str().unwrap().to_string(), v["text"].as_str().unwrap().to_string()))
        .collect();
    Fixture { form, versions, items: chosen.into_iter().map(|(i, _)| (i.id.clone(), i)).collect(), stimuli }
}

impl Fixture {
    fn paper<'a>(&'a self, v: &'a Version) -> Paper<'a> {
        Paper { heading: HEADING, form: &self.form, version: v, items: &self.items, stimuli: &self.stimuli }
    }
}

/// The key as version `order` shows it: the shown position of the original key.
fn key_of(item: &Item, order: Option<&[usize]>) -> VersionKey {
    match &item.body {
        ItemBody::SingleChoice { key, .. } => {
            let shown = order.map_or(key.index(), |o| o.iter().position(|&x| x == key.index()).unwrap());
            VersionKey::SingleChoice(Choice::from_index(shown).unwrap())
        }
        ItemBody::TrueFalseGroup { keys, .. } => VersionKey::TrueFalseGroup(keys.clone()),
        ItemBody::ShortAnswer { answer } => VersionKey::ShortAnswer(answer.clone()),
        ItemBody::MultipleResponse { .. } => panic!("{}: a paper holds THPT kinds only", item.id),
    }
}

fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("paper-docx");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The text a reader sees of Markdown: its text without formulas, spaces collapsed; and the
/// number of formulas.
fn plain(md: &str) -> (String, usize) {
    let (mut text, mut formulas) = (String::new(), 0);
    let options = pulldown_cmark::Options::ENABLE_MATH | pulldown_cmark::Options::ENABLE_TABLES;
    for e in pulldown_cmark::Parser::new_ext(md, options) {
        match e {
            pulldown_cmark::Event::Text(t) | pulldown_cmark::Event::Code(t) => text.push_str(&t),
            pulldown_cmark::Event::SoftBreak => text.push(' '),
            pulldown_cmark::Event::InlineMath(_) | pulldown_cmark::Event::DisplayMath(_) => formulas += 1,
            _ => {}
        }
    }
    (squash(&text), formulas)
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// python-docx's reading of `path`, or `None` (with the reason printed) when it is not installed.
fn python_docx(path: &Path) -> Option<serde_json::Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/paper_docx_read.py");
    let out = match Command::new("python3").arg(script).arg(path).output() {
        Ok(o) if o.status.success() => o,
        Ok(o) if String::from_utf8_lossy(&o.stderr).contains("No module named 'docx'") => {
            eprintln!(
                "SKIPPED: python-docx is not installed (Debian: python3-docx; scripts/test-all.sh installs it)"
            );
            return None;
        }
        Ok(o) => {
            panic!("python-docx could not read {}: {}", path.display(), String::from_utf8_lossy(&o.stderr))
        }
        Err(e) => {
            eprintln!("SKIPPED: python3 is not installed: {e}");
            return None;
        }
    };
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

/// Every question's stem, options and statements, and every passage, in the paper's order as
/// python-docx reads it; equations and pictures counted.
#[test]
fn python_docx_reads_back_the_forms_text() {
    let f = fixture();
    let figure = figure();
    let pictures = |name: &str| (name == "do-thi.png").then(|| figure.clone());
    let layout = paper_layout(&f.paper(&f.versions[1])).unwrap();
    let path = out_dir().join("de-0102.docx");
    std::fs::write(&path, paper_docx(&layout, &pictures).unwrap()).unwrap();
    let Some(read) = python_docx(&path) else { return };
    let paragraphs: Vec<String> = strings(&read["paragraphs"]).iter().map(|p| squash(p)).collect();
    let tables: Vec<String> =
        read["tables"].as_array().unwrap().iter().map(|t| squash(&t.to_string())).collect();
    assert_eq!(read["page"], serde_json::json!([210.0, 297.0]), "A4");
    assert_eq!(read["footer"], "Trang 1/1 – Mã đề 0102");
    assert_eq!(read["footer_fields"], 2, "PAGE and NUMPAGES");
    assert!(
        tables[0].contains("BỘ GIÁO DỤC VÀ ĐÀO TẠO") && tables[0].contains("Môn thi: TOÁN"),
        "{}",
        tables[0]
    );
    assert!(tables[1].contains("Mã đề thi 0102") && tables[1].contains("Số báo danh"), "{}", tables[1]);
    assert_eq!(read["pictures"], 1);
    let mut at = 0;
    let mut formulas = 0;
    let find = |at: &mut usize, needle: &str, what: &str| {
        let found = paragraphs[*at..].iter().position(|p| p.contains(needle));
        let Some(i) = found else {
            panic!("{what}: {needle:?} not found after paragraph {at}: {:#?}", &paragraphs[*at..])
        };
        *at += i;
    };
    for part in &layout.parts {
        find(&mut at, &format!("PHẦN {}. {}", part.roman, part.instruction), "part heading");
        for block in &part.blocks {
            let khaothi_render::Block::Question(q) = block else { continue };
            let (stem, n) = plain(&q.source.stem);
            formulas += n;
            find(&mut at, &format!("Câu {}.", q.number), "question label");
            assert!(
                paragraphs[at..].iter().take(4).any(|p| p.contains(&stem)),
                "stem of {}: {stem:?} near {:#?}",
                q.item_id,
                &paragraphs[at..at + 4]
            );
            for (i, o) in q.source.options.iter().enumerate() {
                let (text, n) = plain(o);
                formulas += n;
                find(&mut at, format!("{}. {text}", (b'A' + i as u8) as char).trim_end(), &q.item_id);
            }
            for (i, s) in q.source.statements.iter().enumerate() {
                let (text, n) = plain(s);
                formulas += n;
                find(&mut at, format!("{}) {text}", (b'a' + i as u8) as char).trim_end(), &q.item_id);
            }
        }
    }
    find(&mut at, "------ HẾT ------", "the end");
    // The passage is a boxed table above its group, with its formulas.
    let passage = &f.stimuli["ST-TOAN12-01"];
    let (passage_text, n) = plain(passage);
    formulas += n;
    assert!(tables.iter().any(|t| t.contains("Sử dụng các thông tin sau cho câu 1 và câu 2.") && t.contains(&passage_text)), "the passage box");
    assert_eq!(read["equations"].as_u64().unwrap() as usize, formulas, "one Word equation per formula");
    // The second version's options are reversed, so the paper is not the first version's.
    let sc = f
        .items
        .values()
        .find(|i| matches!(i.body, ItemBody::SingleChoice { .. }) && f.versions[1].items[0] == i.id)
        .unwrap();
    if let ItemBody::SingleChoice { options, .. } = &sc.body {
        let (last, _) = plain(&options[3]);
        assert!(
            paragraphs.iter().any(|p| p.starts_with(&format!("A. {last}").trim_end().to_string())),
            "version order"
        );
    }
}

/// The key document: one table per version, a row per question number, a column per part.
#[test]
fn python_docx_reads_back_the_answer_key_tables() {
    let f = fixture();
    let keys: Vec<_> = f.versions.iter().map(|v| answer_key(&f.paper(v))).collect();
    let masthead = paper_layout(&f.paper(&f.versions[0])).unwrap().masthead;
    let path = out_dir().join("dap-an.docx");
    std::fs::write(&path, answer_key_docx(&masthead, &keys).unwrap()).unwrap();
    let Some(read) = python_docx(&path) else { return };
    let tables = read["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 2);
    for (table, key) in tables.iter().zip(&keys) {
        let rows: Vec<Vec<String>> = table.as_array().unwrap().iter().map(strings).collect();
        assert_eq!(rows[0], ["Câu", "PHẦN I", "PHẦN II", "PHẦN III"]);
        assert_eq!(rows.len(), 1 + 12);
        for part in 0..3 {
            for (n, text) in &key.parts[part].rows {
                assert_eq!(&rows[*n][part + 1], text, "mã đề {} phần {} câu {n}", key.version_code, part + 1);
            }
        }
    }
    let paragraphs = strings(&read["paragraphs"]);
    assert!(paragraphs.contains(&"Mã đề 0101".to_string()) && paragraphs.contains(&"Mã đề 0102".to_string()));
}

/// LibreOffice prints the paper: docx → PDF → PNG pages kept for a person to look at; the PDF has
/// as many pages as the masthead announces and the text of the first and last questions.
#[test]
fn libreoffice_renders_the_paper_with_the_pages_the_masthead_announces() {
    if Command::new("soffice").arg("--version").output().is_err() {
        eprintln!(
            "SKIPPED: soffice (LibreOffice) is not installed; scripts/test-all.sh installs libreoffice-writer-nogui"
        );
        return;
    }
    let f = fixture();
    let figure = figure();
    let pictures = |name: &str| (name == "do-thi.png").then(|| figure.clone());
    let layout: PaperLayout = paper_layout(&f.paper(&f.versions[0])).unwrap();
    let dir = out_dir().join("render");
    std::fs::create_dir_all(&dir).unwrap();
    let docx = dir.join("de-0101.docx");
    std::fs::write(&docx, paper_docx(&layout, &pictures).unwrap()).unwrap();
    let profile = format!("-env:UserInstallation=file://{}", dir.join("profile").display());
    let status = Command::new("soffice")
        .args([profile.as_str(), "--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&dir)
        .arg(&docx)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let pdf = dir.join("de-0101.pdf");
    let info = String::from_utf8(Command::new("pdfinfo").arg(&pdf).output().unwrap().stdout).unwrap();
    let pages: u32 = info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
    assert_eq!(
        pages, layout.pages,
        "the masthead says {} page(s); LibreOffice printed {pages}",
        layout.pages
    );
    let text = String::from_utf8(
        Command::new("pdftotext").args(["-layout"]).arg(&pdf).arg("-").output().unwrap().stdout,
    )
    .unwrap();
    for expected in ["Mã đề thi 0101", "PHẦN I.", "PHẦN III.", "HẾT", &format!("Trang 1/{pages}")] {
        assert!(text.contains(expected), "{expected} not in the PDF:\n{text}");
    }
    let shots = screenshots();
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "70"])
        .arg(&pdf)
        .arg(shots.join("de-0101"))
        .status()
        .unwrap();
    assert!(status.success());
    eprintln!("pages rendered to {}", shots.display());
}

/// `target/screenshots/paper-docx/` (not committed; CI keeps it as an artefact).
fn screenshots() -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("screenshots").join("paper-docx");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
