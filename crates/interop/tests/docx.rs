//! The python-docx fixtures (scripts/fixtures/make_docx.py): a THPT mathematics paper and a physics
//! paper convert into items that all pass validation (keys, kinds, equations as LaTeX that the
//! renderer accepts, pictures as media), with stimuli, solutions and located warnings.

use khaothi_domain::{ItemBody, ItemKind, Level};
use khaothi_interop::{ConvertOptions, DocumentImport, ImportPolicy, LineStatus, read_docx};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/docx/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn opts(prefix: &str) -> ConvertOptions {
    ConvertOptions {
        subject: Some("toan".into()),
        grade: Some(12),
        topic: Some("12.1".into()),
        level: Some(Level::Hieu),
        id_prefix: prefix.into(),
        ..Default::default()
    }
}

fn warnings(import: &DocumentImport, id: &str) -> Vec<String> {
    let line = import.report.lines.iter().find(|l| l.id.as_deref() == Some(id)).unwrap();
    line.messages.iter().filter(|m| m.severity == LineStatus::Warning).map(|m| m.message.clone()).collect()
}

#[test]
fn the_mathematics_paper_converts_into_valid_items() {
    let mut import = read_docx(&fixture("toan-thpt.docx"), &opts("T"));
    assert!(!import.report.has_errors(), "{:#?}", import.report);
    assert!(
        import.report.file_warnings.is_empty(),
        "every answer-table entry is used: {:?}",
        import.report.file_warnings
    );
    let items: Vec<_> = import.report.apply(ImportPolicy::AllOrNothing).into_iter().map(|(_, i)| i).collect();
    let kinds: Vec<ItemKind> = items.iter().map(|i| i.kind()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == ItemKind::SingleChoice).count(), 8);
    assert_eq!(kinds.iter().filter(|k| **k == ItemKind::TrueFalseGroup).count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == ItemKind::ShortAnswer).count(), 4);
    let keys: String = items
        .iter()
        .filter_map(|i| match &i.body {
            ItemBody::SingleChoice { key, .. } => Some(key.letter()),
            _ => None,
        })
        .collect();
    // Bold letters with the key underlined, colour, the answer table, "Chọn C", a table in colour…
    assert_eq!(keys, "AAACAAAB");
    // Word equations of every kind, as LaTeX.
    let stems: Vec<&str> = items.iter().map(|i| i.stem.as_str()).collect();
    assert!(stems[0].contains("\\frac{x+1}{\\sqrt{x-2}}"), "{}", stems[0]);
    assert!(stems[1].contains("\\int_{0}^{2} f(x)dx=3"), "{}", stems[1]);
    assert!(
        stems[2].contains("\\lim_{x\\to +\\infty }") && stems[2].contains("\\log_{2}{8}"),
        "{}",
        stems[2]
    );
    assert!(stems[3].contains("\\vec{a}=(1;2;-2)"), "{}", stems[3]);
    assert!(
        stems[7].contains("\\begin{array}{l} x=1 \\\\ x=2 \\end{array}")
            && stems[7].contains("\\begin{matrix}"),
        "{}",
        stems[7]
    );
    // Equation Editor 3.0 objects (made by LibreOffice), from their MTEF.
    assert!(stems[4].contains("$\\frac{x+1}{x-1}$"), "{}", stems[4]);
    let ItemBody::SingleChoice { options, .. } = &items[4].body else { panic!() };
    assert_eq!(options[3], "$\\sqrt{x^{2}+1}$");
    assert!(stems[5].contains("$\\int_{0}^{2} \\left( 2x+1 \\right)dx$"), "{}", stems[5]);
    // The figure, as media named after its item, PNG by its bytes.
    assert!(stems[5].contains("![hình 1](T-0006-1.png)"));
    assert_eq!(items[5].media, vec!["T-0006-1.png"]);
    let png = import.media.iter().find(|m| m.name == "T-0006-1.png").unwrap();
    assert_eq!(png.content_type, "image/png");
    assert!(png.bytes.starts_with(b"\x89PNG"));
    // The tag line overrides the options for its question only.
    assert_eq!((items[5].topic.as_str(), items[5].level), ("12.3.2", Level::VanDung));
    assert_eq!((items[6].topic.as_str(), items[6].level), ("12.1", Level::Hieu));
    // The shared passage, with a Word system and a MathType one.
    assert_eq!(import.stimuli.len(), 1);
    let passage = &import.stimuli[0];
    assert_eq!(passage.item_ids, vec!["T-0007", "T-0008"]);
    assert_eq!(
        passage.text.matches("\\begin{cases} x+y=3 \\\\ 2x-y=0 \\end{cases}").count(),
        2,
        "{}",
        passage.text
    );
    assert_eq!(items[6].stimulus.as_deref(), Some("T-S01"));
    // The passage's second system is the object as LibreOffice re-saves it (no ProgID): read by its
    // data. The unmappable equation (∲) is named, and its WMF preview is not kept silently — without
    // a rasteriser it is dropped with a warning saying so (the bank's rasterises it: raster.rs).
    // LibreOffice writes its previews as EMF (in a part named .wmf): judged by the bytes.
    let w = warnings(&import, "T-0007");
    assert!(
        w.iter().any(|m| m.starts_with("Câu 7: a MathType equation could not be converted")
            && m.contains("U+2232")
            && m.contains("its preview picture is used")),
        "{w:?}"
    );
    assert!(
        w.iter().any(|m| m.starts_with("Câu 7: a MathType equation")
            && m.contains("an EMF picture")
            && m.contains("not kept")),
        "{w:?}"
    );
    // Part II keys by (Đ)/(S) and by underlined letters; part III answers from lines and the table.
    let tf: Vec<&Vec<bool>> = items
        .iter()
        .filter_map(|i| match &i.body {
            ItemBody::TrueFalseGroup { keys, .. } => Some(keys),
            _ => None,
        })
        .collect();
    assert_eq!(tf, vec![&vec![true, false, true, false]; 2]);
    let answers: Vec<String> = items
        .iter()
        .filter_map(|i| match &i.body {
            ItemBody::ShortAnswer { answer } => Some(answer.accepted[0].clone()),
            _ => None,
        })
        .collect();
    assert_eq!(answers, vec!["2,5", "4", "14", "4"]);
    // Solutions are kept (Lời giải, Hướng dẫn giải).
    assert!(items[3].solution.as_deref().unwrap().contains("Chọn C."));
    assert!(items[13].solution.as_deref().unwrap().contains("4 nghiệm nguyên"));
    assert_eq!(import.report.lines[0].line, 6, "questions are located by paragraph");
}

#[test]
fn the_physics_paper_converts_with_its_floating_figure() {
    let mut import = read_docx(&fixture("vat-ly-thpt.docx"), &opts("L"));
    assert!(!import.report.has_errors(), "{:#?}", import.report);
    assert!(import.report.file_warnings.is_empty(), "{:?}", import.report.file_warnings);
    let items: Vec<_> = import.report.apply(ImportPolicy::AllOrNothing).into_iter().map(|(_, i)| i).collect();
    assert_eq!(items.len(), 6);
    assert!(items[0].stem.contains("\\cos{\\left( 4\\pi t+\\frac{\\pi }{3} \\right)}"), "{}", items[0].stem);
    // Options in a 2×2 table, keys in red and in blue.
    let keys: Vec<char> = items
        .iter()
        .filter_map(|i| match &i.body {
            ItemBody::SingleChoice { key, .. } => Some(key.letter()),
            _ => None,
        })
        .collect();
    assert_eq!(keys, vec!['A', 'B', 'A', 'B']);
    // The anchored (floating) circuit picture is media of Câu 2.
    assert_eq!(items[1].media, vec!["L-0002-1.png"]);
    // An unmappable MathType equation with a PNG preview keeps the picture, with a warning.
    assert_eq!(items[2].media, vec!["L-0003-1.png"]);
    let w = warnings(&import, "L-0003");
    assert!(w.iter().any(|m| m.contains("could not be converted")), "{w:?}");
    assert_eq!(import.stimuli[0].item_ids, vec!["L-0003", "L-0004"]);
    assert!(import.stimuli[0].text.contains("\\lambda =0,6 \\mu m"), "{}", import.stimuli[0].text);
}

#[test]
fn the_generated_500_question_paper_converts_whole() {
    let import = read_docx(&fixture("bench-500.docx"), &opts("B"));
    assert!(
        !import.report.has_errors(),
        "{:?}",
        import.report.lines.iter().find(|l| l.status == LineStatus::Error)
    );
    assert_eq!(import.report.lines.len(), 500);
    assert_eq!(import.report.lines[499].id.as_deref(), Some("B-0500"));
}
