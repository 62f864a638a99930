//! QTI content packages from another system: the TAO-shaped QTI 2.1 fixture
//! (scripts/fixtures/make_qti_package.py), and hostile packages.

use std::io::{Cursor, Write};

use khaothi_domain::{ItemBody, ItemKind, Level, ResponseScoring};
use khaothi_interop::{ArchiveLimits, ConvertOptions, LineStatus, read_qti_package, read_qti_package_with};

const TAO: &[u8] = include_bytes!("fixtures/qti/tao-export-qti21.zip");

fn opts() -> ConvertOptions {
    ConvertOptions {
        subject: Some("toan".into()),
        grade: Some(12),
        topic: Some("12.1".into()),
        level: Some(Level::Hieu),
        id_prefix: "TAO".into(),
        ..Default::default()
    }
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    for (name, data) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap();
    out.into_inner()
}

#[test]
fn a_tao_qti21_package_imports_item_by_item() {
    let doc = read_qti_package(TAO, &opts());
    let r = &doc.report;
    assert!(r.file_error.is_none(), "{r:#?}");
    assert_eq!(r.lines.len(), 7, "one entry per item resource, the test and assets are not items");
    let ok: Vec<&str> =
        r.lines.iter().filter(|l| l.item.is_some()).map(|l| l.id.as_deref().unwrap()).collect();
    assert_eq!(ok, ["i1701761234567a", "i1701761234567b", "i1701761234567c", "i1701761234567d"], "{r:#?}");
    let items: Vec<_> = r.lines.iter().filter_map(|l| l.item.clone()).collect();
    assert!(items.iter().all(|i| i.subject == "toan" && i.grade == 12 && i.level == Level::Hieu));
    // Single choice with its figure, keyed by position.
    let ItemBody::SingleChoice { key, options } = &items[0].body else { panic!("{:?}", items[0]) };
    assert_eq!((key.letter(), options[2].as_str()), ('C', "y = x^4 - 2x^2"));
    assert!(items[0].stem.contains("![Đồ thị](do-thi.png)"), "{}", items[0].stem);
    assert_eq!(items[0].media, ["do-thi.png"]);
    // The shared copy has the same bytes: one picture, one name.
    assert_eq!(items[1].media, ["do-thi.png"]);
    assert!(items[1].stem.contains("](do-thi.png)"), "{}", items[1].stem);
    assert_eq!(doc.media.len(), 1);
    assert_eq!(doc.media[0].content_type, "image/png");
    let ItemBody::MultipleResponse { keys, scoring, .. } = &items[1].body else { panic!() };
    assert_eq!(
        (keys.as_slice(), *scoring),
        (&[true, false, true, false, false][..], ResponseScoring::AllOrNothing)
    );
    let ItemBody::MultipleResponse { keys, scoring, .. } = &items[2].body else { panic!() };
    assert_eq!((keys.as_slice(), *scoring), (&[true, false, false, true][..], ResponseScoring::Partial));
    let ItemBody::ShortAnswer { answer } = &items[3].body else { panic!() };
    assert_eq!(answer.accepted, ["2,5"]);
    assert_eq!(items[1].kind(), ItemKind::MultipleResponse);
    // What khaothi cannot represent is named per item, with the file.
    let errors: Vec<(usize, String)> = r
        .lines
        .iter()
        .filter(|l| l.status == LineStatus::Error)
        .map(|l| (l.line, l.messages[0].message.clone()))
        .collect();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert_eq!(errors[0].0, 5);
    assert!(errors[0].1.starts_with("i1701761234567e/qti.xml: unsupported QTI <responseProcessing>: item i1701761234567e: custom response processing is not supported for a single_choice item"), "{}", errors[0].1);
    assert!(errors[1].1.contains("item i1701761234567f: response processing template map_response is not supported for a multiple_response item"), "{}", errors[1].1);
    assert!(errors[2].1.contains("item i1701761234567g: response processing template match_correct is not supported for a true_false_group item"), "{}", errors[2].1);
}

#[test]
fn metadata_missing_from_items_and_options_is_named() {
    let doc = read_qti_package(TAO, &ConvertOptions::default());
    let fields: Vec<&str> = doc.report.lines[0].messages.iter().map(|m| m.field.as_str()).collect();
    assert!(
        fields.contains(&"subject") && fields.contains(&"grade") && fields.contains(&"topic"),
        "{fields:?}"
    );
}

#[test]
fn hostile_and_broken_packages_are_refused_with_a_reason() {
    let manifest = br#"<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"><resources>
      <resource identifier="x" type="imsqti_item_xmlv2p1" href="x.xml"><file href="x.xml"/></resource>
    </resources></manifest>"#;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"not a zip".to_vec(), "not a zip package"),
        (zip_of(&[("../evil.xml", b"<a/>"), ("imsmanifest.xml", manifest)]), "climbs out of the package"),
        (zip_of(&[("items/x.xml", b"<a/>")]), "no imsmanifest.xml"),
        (zip_of(&[("imsmanifest.xml", b"<manifest><resources>")]), "imsmanifest.xml: malformed XML"),
        (
            zip_of(&[(
                "imsmanifest.xml",
                b"<!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><manifest>&x;</manifest>",
            )]),
            "unknown entity &x;",
        ),
        (zip_of(&[("imsmanifest.xml", b"<manifest><resources/></manifest>")]), "lists no QTI items"),
    ];
    for (bytes, expected) in cases {
        let doc = read_qti_package(&bytes, &opts());
        let err = doc.report.file_error.clone().unwrap_or_default();
        assert!(err.contains(expected), "{expected}: {err}");
    }
    // An item the manifest lists but the zip lacks is that item's error.
    let doc = read_qti_package(&zip_of(&[("imsmanifest.xml", manifest)]), &opts());
    assert!(
        doc.report.lines[0].messages[0]
            .message
            .contains("x.xml is listed in the manifest but not in the zip")
    );
    // A zip bomb and an entry flood stop at the archive limits.
    let zeros = vec![0u8; 3 * 1024 * 1024];
    let mut out = Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    w.start_file(
        "imsmanifest.xml",
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
    )
    .unwrap();
    w.write_all(&zeros).unwrap();
    w.finish().unwrap();
    let err = read_qti_package(&out.into_inner(), &opts()).report.file_error.unwrap();
    assert!(err.contains("zip bomb"), "{err}");
    let few = ArchiveLimits { max_entries: 5, ..Default::default() };
    let err = read_qti_package_with(TAO, &opts(), &few).report.file_error.unwrap();
    assert!(err.contains("11 entries; at most 5"), "{err}");
}

/// Written by another system's exporter (qti-package-maker's Blackboard QTI 2.1 engine,
/// scripts/fixtures/make_blackboard_qti21.py), not by khaothi.
const BLACKBOARD: &[u8] = include_bytes!("fixtures/qti/blackboard-qti21.zip");

#[test]
fn a_blackboard_qti21_export_imports_item_by_item() {
    let doc = read_qti_package(BLACKBOARD, &opts());
    let r = &doc.report;
    assert!(r.file_error.is_none(), "{r:#?}");
    assert_eq!(r.lines.len(), 6, "one entry per item resource; the test is not an item: {r:#?}");
    let items: Vec<_> = r.lines.iter().filter_map(|l| l.item.clone()).collect();
    assert_eq!(items.len(), 3, "{r:#?}");
    // Single choice, its figure one folder up from the item file, now bank media.
    let ItemBody::SingleChoice { key, options } = &items[0].body else { panic!("{:?}", items[0]) };
    assert_eq!((key.letter(), options[1].as_str()), ('B', "(0; 1)"));
    assert!(items[0].stem.starts_with("Cho hàm số y = f(x) có đồ thị như hình vẽ."), "{}", items[0].stem);
    assert!(items[0].stem.contains("![Đồ thị](do-thi.png)"), "{}", items[0].stem);
    assert_eq!(items[0].media, ["do-thi.png"]);
    assert_eq!((doc.media.len(), doc.media[0].content_type.as_str()), (1, "image/png"));
    // "Choose every prime": a multiple response, all or nothing as its correct response says.
    let ItemBody::MultipleResponse { keys, scoring, .. } = &items[1].body else { panic!("{:?}", items[1]) };
    assert_eq!((keys.as_slice(), *scoring), (&[true, false, true, false][..], ResponseScoring::AllOrNothing));
    let ItemBody::ShortAnswer { answer } = &items[2].body else { panic!("{:?}", items[2]) };
    assert!(answer.accepted.contains(&"2,5".to_string()), "{answer:?}");
    // Blackboard's response processing sets no score: read from the correct response, and said.
    for line in r.lines.iter().filter(|l| l.item.is_some()) {
        assert_eq!(line.status, LineStatus::Warning, "{line:#?}");
        assert!(
            line.messages
                .iter()
                .any(|m| m.field == "responseProcessing" && m.message.contains("sets no score")),
            "{line:#?}"
        );
    }
    // What khaothi has no kind for is named per item, with its file: a numeric answer scored with
    // a tolerance rule, a matching and an ordering.
    let errors: Vec<(usize, &str)> = r
        .lines
        .iter()
        .filter(|l| l.status == LineStatus::Error)
        .map(|l| (l.line, l.messages[0].message.as_str()))
        .collect();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert_eq!((errors[0].0, errors[1].0, errors[2].0), (4, 5, 6));
    assert!(errors[0].1.starts_with("qti21_items/item_00004.xml: "), "{}", errors[0].1);
    assert!(
        errors[0].1.contains("custom response processing is not supported for a short_answer item"),
        "{}",
        errors[0].1
    );
    assert!(errors[1].1.starts_with("qti21_items/item_00005.xml: "), "{}", errors[1].1);
    assert!(errors[2].1.contains("no choice, match or text entry interaction"), "{}", errors[2].1);
}

#[test]
fn entity_expansion_and_element_floods_in_an_item_are_refused() {
    // Billion laughs: no DTD is processed, so its entities are unknown, never expanded.
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><assessmentItem identifier="x"><itemBody>&lol2;</itemBody></assessmentItem>"#;
    let err = khaothi_interop::read_qti(laughs).unwrap_err().to_string();
    assert!(err.contains("unknown entity &lol2;"), "{err}");
    // A flood of tiny elements stops at the node bound (docs/formats.md §8), naming where.
    let flood = format!(
        "<assessmentItem identifier=\"x\"><itemBody>{}</itemBody></assessmentItem>",
        "<p/>".repeat(500_001)
    );
    let err = khaothi_interop::read_qti(&flood).unwrap_err().to_string();
    assert!(err.contains("more than 500000 elements and texts"), "{err}");
    assert!(err.contains("itemBody"), "{err}");
}
