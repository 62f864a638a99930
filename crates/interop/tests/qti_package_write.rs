//! Writing packages: a form exported as a QTI 3.0 (and 2.1) package reads back as the same items
//! and pictures; the written XML is valid against the 1EdTech QTI 3.0 XSDs (xmllint).

use std::path::{Path, PathBuf};
use std::process::Command;

use khaothi_domain::form::{Form, FormItem};
use khaothi_domain::{Item, ItemRecord, ReviewStatus};
use khaothi_interop::{
    ConvertOptions, MediaFile, QtiVersion, StimulusDraft, TestOutline, read_qti_package, thpt_points,
    write_qti_package, write_qti_package_with,
};

const PNG: &[u8] = include_bytes!("fixtures/qti/tao-export-qti21.zip");

fn picture() -> Vec<u8> {
    // The fixture's PNG, taken out of its zip so the bytes are a real picture.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(PNG)).unwrap();
    let mut f = zip.by_name("shared/do-thi-copy.png").unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut f, &mut out).unwrap();
    out
}

const ITEMS: &[&str] = &[
    r#"{"id":"TOAN12-0001","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Hàm số $y=x^3-3x$ có đồ thị ![đồ thị](do-thi.png). Đồng biến trên?","options":["$(-1;1)$","$(1;+\\infty)$","$(-\\infty;1)$","$(-2;2)$"],"key":"B","media":["do-thi.png"],"status":"approved","shuffle_options":false}"#,
    r#"{"id":"TOAN12-0002","subject":"toan","grade":12,"topic":"12.1.3","level":"biet","kind":"single_choice","stem":"Chọn <đúng> & đủ.","options":["1","2","3","4"],"key":"D","enemies":["TOAN12-0001"],"status":"approved"}"#,
    r#"{"id":"TOAN12-0101","subject":"toan","grade":12,"topic":"12.2","level":"hieu","kind":"true_false_group","stem":"Cho hàm số $f(x)=x^2$.","statements":["$f$ chẵn",{"text":"$f$ lẻ","level":"van_dung"},"$f(0)=0$","$f(1)=2$"],"keys":[true,false,true,false],"stimulus":"TOAN12-S1","status":"approved","solution":"Ta có $f(-x)=f(x)$."}"#,
    r#"{"id":"TOAN12-0201","subject":"toan","grade":12,"topic":"12.3","level":"van_dung","kind":"short_answer","stem":"Tính $\\int_0^1 2x\\,dx$, xem ![hình](do-thi.png).","answer":["1","1,0"],"tolerance":0.01,"media":["do-thi.png"],"status":"approved"}"#,
];

fn items() -> Vec<Item> {
    ITEMS.iter().map(|l| ItemRecord::from_json_line(l).unwrap().into_item().unwrap().0).collect()
}

fn form() -> Form {
    let sections = [0, 0, 1, 2];
    Form {
        id: "F1".into(),
        number: 1,
        items: ITEMS
            .iter()
            .zip(sections)
            .map(|(l, section)| FormItem {
                item_id: ItemRecord::from_json_line(l).unwrap().id,
                version: Some(3),
                section,
            })
            .collect(),
    }
}

fn media() -> Vec<MediaFile> {
    vec![MediaFile { name: "do-thi.png".into(), content_type: "image/png".into(), bytes: picture() }]
}

#[test]
fn export_then_import_gives_the_same_items_and_pictures() {
    let outline = TestOutline::of_form(&form(), "Đề thi thử THPT 2025 – Toán");
    assert_eq!(
        outline.sections.iter().map(|s| s.title.as_str()).collect::<Vec<_>>(),
        ["PHẦN I", "PHẦN II", "PHẦN III"]
    );
    for version in [QtiVersion::V3_0, QtiVersion::V2_1] {
        let bytes = write_qti_package(&items(), &media(), Some(&outline), version).unwrap();
        let doc = read_qti_package(&bytes, &ConvertOptions::default());
        assert!(!doc.report.has_errors(), "{version:?} {:#?}", doc.report);
        let back: Vec<Item> = doc.report.lines.iter().map(|l| l.item.clone().unwrap()).collect();
        // Status is the bank's business (an import starts as draft); everything else is kept.
        let same = |mut i: Item| {
            i.status = ReviewStatus::Draft;
            i
        };
        let expected: Vec<Item> = items().into_iter().map(same).collect();
        let back: Vec<Item> = back.into_iter().map(same).collect();
        // The solution stays out of QTI (it reveals the key): the only field a package drops.
        let expected: Vec<Item> = expected.into_iter().map(|i| Item { solution: None, ..i }).collect();
        assert_eq!(back, expected, "{version:?}");
        assert_eq!(doc.media, media(), "{version:?}: one picture, same name and bytes");
    }
}

#[test]
fn the_test_weights_items_by_their_thpt_points() {
    let bytes =
        write_qti_package(&items(), &media(), Some(&TestOutline::of_form(&form(), "Đề")), QtiVersion::V3_0)
            .unwrap();
    let test = unzip_one(&bytes, "tests/F1.xml");
    assert!(
        test.contains("<qti-assessment-section identifier=\"SECTION-2\" title=\"PHẦN II\" visible=\"true\">"),
        "{test}"
    );
    assert!(
        test.contains("<qti-assessment-item-ref identifier=\"ITEM-TOAN12-0101\" href=\"../items/TOAN12-0101.xml\"><qti-weight identifier=\"W\" value=\"1\"/>"),
        "{test}"
    );
    assert!(
        test.contains("<qti-test-variables variable-identifier=\"SCORE\" weight-identifier=\"W\"/>"),
        "{test}"
    );
    let points: Vec<f64> = items().iter().map(thpt_points).collect();
    assert_eq!(points, [0.25, 0.25, 1.0, 0.5]);
    let manifest = unzip_one(&bytes, "imsmanifest.xml");
    assert!(manifest.contains("type=\"imsqti_test_xmlv3p0\""), "{manifest}");
    assert!(manifest.contains("<dependency identifierref=\"MEDIA-do-thi.png\"/>"), "{manifest}");
}

#[test]
fn items_the_package_cannot_carry_are_refused() {
    let mut broken = items();
    broken[0].media = vec!["missing.png".into()];
    let err = write_qti_package(&broken, &media(), None, QtiVersion::V3_0).unwrap_err().to_string();
    assert!(err.contains("picture missing.png is not among the media given"), "{err}");
    let outline = TestOutline::of_form(&form(), "Đề");
    let err =
        write_qti_package(&items()[..2], &media(), Some(&outline), QtiVersion::V3_0).unwrap_err().to_string();
    assert!(err.contains("the test lists item TOAN12-0101, which is not among the items given"), "{err}");
    let mut traversal = items();
    traversal[0].media = vec!["../x.png".into()];
    let bad = vec![MediaFile { name: "../x.png".into(), ..media()[0].clone() }];
    let err = write_qti_package(&traversal, &bad, None, QtiVersion::V3_0).unwrap_err().to_string();
    assert!(err.contains("cannot be a file name"), "{err}");
}

fn unzip_one(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut f = zip.by_name(name).unwrap();
    let mut s = String::new();
    std::io::Read::read_to_string(&mut f, &mut s).unwrap();
    s
}

fn unzip_all(bytes: &[u8], dir: &Path) -> Vec<PathBuf> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let path = dir.join(f.name());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut data).unwrap();
        std::fs::write(&path, data).unwrap();
        out.push(path);
    }
    out
}

/// xmllint (Debian's libxml2-utils, installed by scripts/test-all.sh) against the vendored XSDs
/// (tests/fixtures/qti/xsd, README there); no network.
fn xmllint(schema: &Path, files: &[PathBuf]) {
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(schema)
        .args(files)
        .output()
        .expect("xmllint runs (apt-get install libxml2-utils)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for f in files {
        assert!(stderr.contains(&format!("{} validates", f.display())), "{stderr}");
    }
}

#[test]
fn a_written_qti3_package_is_valid_against_the_1edtech_schemas() {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/qti/xsd");
    let dir = std::env::temp_dir().join(format!("khaothi-qti-xsd-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut all = items();
    all.push(
        ItemRecord::from_json_line(r#"{"id":"TA12-0001","subject":"tieng_anh","grade":12,"topic":"12.1","level":"biet","kind":"multiple_response","stem":"Chọn.","options":["a","b","c"],"keys":[true,false,true],"scoring":"partial"}"#)
            .unwrap()
            .into_item()
            .unwrap()
            .0,
    );
    let bytes =
        write_qti_package(&all, &media(), Some(&TestOutline::of_form(&form(), "Đề")), QtiVersion::V3_0)
            .unwrap();
    let files = unzip_all(&bytes, &dir);
    let xml: Vec<PathBuf> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "xml") && !f.ends_with("imsmanifest.xml"))
        .cloned()
        .collect();
    assert_eq!(xml.len(), 6, "five items and the test");
    xmllint(&xsd.join("qtiv3p0/imsqti_asiv3p0_sbacv1p0_v1p0.xsd"), &xml);
    xmllint(&xsd.join("qtiv3p0/imsqtiv3p0_imscpv1p2_v1p0.xsd"), &[dir.join("imsmanifest.xml")]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The passage TOAN12-0101 shares with a second item, with a picture of its own.
fn passage() -> StimulusDraft {
    StimulusDraft {
        id: "TOAN12-S1".into(),
        text: "Sử dụng các thông tin sau: hàm số $f(x)=x^2$ <chẵn> & ![đồ thị](do-thi.png).".into(),
        item_ids: vec!["TOAN12-0101".into(), "TOAN12-0102".into()],
        paragraph: 3,
        media: vec!["do-thi.png".into()],
    }
}

fn items_sharing_a_passage() -> Vec<Item> {
    let mut all = items();
    let second = r#"{"id":"TOAN12-0102","subject":"toan","grade":12,"topic":"12.2","level":"biet","kind":"short_answer","stem":"Tính $f(2)$.","answer":["4"],"stimulus":"TOAN12-S1","status":"approved"}"#;
    all.push(ItemRecord::from_json_line(second).unwrap().into_item().unwrap().0);
    all
}

#[test]
fn shared_passages_travel_as_stimuli_and_come_back() {
    for version in [QtiVersion::V3_0, QtiVersion::V2_1] {
        let bytes = write_qti_package_with(&items_sharing_a_passage(), &media(), &[passage()], None, version)
            .unwrap();
        let stimulus = unzip_one(&bytes, "stimuli/TOAN12-S1.xml");
        let item = unzip_one(&bytes, "items/TOAN12-0102.xml");
        let manifest = unzip_one(&bytes, "imsmanifest.xml");
        match version {
            QtiVersion::V3_0 => {
                assert!(stimulus.contains("<qti-assessment-stimulus "), "{stimulus}");
                assert!(
                    item.contains("<qti-assessment-stimulus-ref identifier=\"TOAN12-S1\" href=\"../stimuli/TOAN12-S1.xml\""),
                    "{item}"
                );
                assert!(manifest.contains("type=\"imsqti_stimulus_xmlv3p0\""), "{manifest}");
            }
            QtiVersion::V2_1 => {
                assert!(item.contains("<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"../stimuli/TOAN12-S1.xml\"/>"), "{item}");
            }
        }
        assert!(manifest.contains("<dependency identifierref=\"STIMULUS-TOAN12-S1\"/>"), "{manifest}");
        let doc = read_qti_package(&bytes, &ConvertOptions::default());
        assert!(!doc.report.has_errors(), "{version:?} {:#?}", doc.report);
        let mut expected = passage();
        expected.paragraph = 3; // the first item naming it is the package's third
        assert_eq!(doc.stimuli, vec![expected], "{version:?}: the passage, once, with both items");
        let back: Vec<Option<String>> =
            doc.report.lines.iter().map(|l| l.item.as_ref().unwrap().stimulus.clone()).collect();
        assert_eq!(back, [None, None, Some("TOAN12-S1".into()), None, Some("TOAN12-S1".into())]);
        assert_eq!(doc.media, media(), "{version:?}: the picture once, shared by items and passage");
    }
    // A passage whose picture is not given is refused, naming it.
    let mut broken = passage();
    broken.media = vec!["missing.png".into()];
    let err = write_qti_package_with(&items_sharing_a_passage(), &media(), &[broken], None, QtiVersion::V3_0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing.png"), "{err}");
}

#[test]
fn a_package_with_a_passage_is_valid_against_the_1edtech_schemas() {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/qti/xsd");
    let dir = std::env::temp_dir().join(format!("khaothi-qti-stimulus-xsd-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let bytes =
        write_qti_package_with(&items_sharing_a_passage(), &media(), &[passage()], None, QtiVersion::V3_0)
            .unwrap();
    let files = unzip_all(&bytes, &dir);
    let xml: Vec<PathBuf> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "xml") && !f.ends_with("imsmanifest.xml"))
        .cloned()
        .collect();
    assert!(xml.iter().any(|f| f.ends_with("stimuli/TOAN12-S1.xml")), "{xml:?}");
    xmllint(&xsd.join("qtiv3p0/imsqti_asiv3p0_sbacv1p0_v1p0.xsd"), &xml);
    xmllint(&xsd.join("qtiv3p0/imsqtiv3p0_imscpv1p2_v1p0.xsd"), &[dir.join("imsmanifest.xml")]);
    std::fs::remove_dir_all(&dir).unwrap();
}
