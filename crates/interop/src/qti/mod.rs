//! QTI export and import of the three THPT kinds, as one `assessmentItem` document per item.
//!
//! Mapping (docs/formats.md has the full table):
//! - `single_choice` → `choiceInteraction` with `maxChoices="1"`, simple choices `A`–`D`;
//! - `true_false_group` → one `matchInteraction`: statements `a`–`d` against `T` (Đúng) and `F`
//!   (Sai), the key as `directedPair` values. One interaction rather than four choice interactions
//!   because the group is one scored unit (0–4 statements right) and one response variable keeps it so;
//! - `short_answer` → `textEntryInteraction` (`expectedLength="4"`), the accepted strings as the
//!   correct response and a `mapping`;
//! - `multiple_response` → `choiceInteraction` allowing every choice, the correct letters as the
//!   correct response; scored by `match_correct` (all-or-nothing) or `map_response` (partial
//!   credit, [`processing`]).
//!
//! Every item scores itself in another QTI system: the true/false group carries THPT scoring as
//! its own response processing ([`processing`]), which the reader recognises; response processing
//! khaothi cannot represent is refused for that item, never reinterpreted.
//!
//! Texts are written as their Markdown source (escaped), so a khaothi → QTI → khaothi round trip is
//! exact; the item's metadata travel in `KHAOTHI_*` outcome declarations with default values, which
//! any QTI processor may ignore. IRT parameters and media files are not exported.

mod package;
mod processing;
mod read;
mod tree;
mod write;

pub use package::{
    TestOutline, TestSection, read_qti_package, read_qti_package_with, thpt_points, write_qti_package,
    write_qti_package_with,
};
pub use read::{parse_qti, read_qti};
pub use write::write_qti;

/// The pictures Markdown text shows (`![alt](NAME)` targets), in order.
pub fn markdown_pictures(text: &str) -> Vec<String> {
    package::image_refs(text)
}

/// Which QTI the writer produces; the reader accepts both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QtiVersion {
    V2_1,
    #[default]
    V3_0,
}

impl QtiVersion {
    pub(crate) fn namespace(self) -> &'static str {
        match self {
            Self::V2_1 => "http://www.imsglobal.org/xsd/imsqti_v2p1",
            Self::V3_0 => "http://www.imsglobal.org/xsd/imsqtiasi_v3p0",
        }
    }

    /// A QTI element name: `choiceInteraction` in 2.1, `qti-choice-interaction` in 3.0.
    pub(crate) fn element(self, name_2_1: &str) -> String {
        match self {
            Self::V2_1 => name_2_1.to_string(),
            Self::V3_0 => format!("qti-{}", kebab(name_2_1)),
        }
    }

    /// A QTI attribute name: `responseIdentifier` in 2.1, `response-identifier` in 3.0.
    pub(crate) fn attribute(self, name_2_1: &str) -> String {
        match self {
            Self::V2_1 => name_2_1.to_string(),
            Self::V3_0 => kebab(name_2_1),
        }
    }

    pub(crate) fn template(self, name: &str) -> String {
        match self {
            Self::V2_1 => format!("http://www.imsglobal.org/question/qti_v2p1/rptemplates/{name}"),
            Self::V3_0 => format!("https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/{name}.xml"),
        }
    }
}

fn kebab(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The version-independent form of an element or attribute name: `qti-choice-interaction` and
/// `choiceInteraction` both become `choiceinteraction`.
pub(crate) fn canonical(name: &str) -> String {
    let local = name.rsplit(':').next().unwrap_or(name);
    local.strip_prefix("qti-").unwrap_or(local).replace('-', "").to_ascii_lowercase()
}

/// Outcome identifiers carrying khaothi's metadata.
pub(crate) const META_PREFIX: &str = "KHAOTHI_";

#[cfg(test)]
mod tests {
    use khaothi_domain::{Item, ItemRecord};

    use super::*;
    use crate::InteropError;
    use crate::jsonl::ImportOptions;

    fn item(line: &str) -> Item {
        ItemRecord::from_json_line(line).unwrap().into_item().unwrap().0
    }

    const SC: &str = r#"{"id":"TOAN12-0001","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Hàm số $y=x^3-3x$ đồng biến trên khoảng nào? <b>&</b>\n\nChọn một.","options":["$(-1;1)$","$(1;+\\infty)$","$(-\\infty;1)$","$(-2;2)$"],"key":"C","shuffle_options":false,"enemies":["TOAN12-0002"],"status":"approved"}"#;
    const TF: &str = r#"{"id":"LY12-0001","subject":"vat_ly","grade":12,"topic":"12.2","level":"hieu","kind":"true_false_group","stem":"Xét khí lý tưởng.","statements":["$pV = nRT$","b",{"text":"c","level":"van_dung"},"d"],"keys":[true,false,false,true],"stimulus":"LY12-S1"}"#;
    const SA: &str = r#"{"id":"HOA12-0001","subject":"hoa_hoc","grade":12,"topic":"12.3","level":"van_dung","kind":"short_answer","stem":"Tính pH.","answer":["2,5","2,6"],"tolerance":0.05}"#;

    #[test]
    fn round_trips_every_kind_in_both_versions() {
        for version in [QtiVersion::V2_1, QtiVersion::V3_0] {
            for line in [SC, TF, SA] {
                let original = item(line);
                let xml = write_qti(&original, version).unwrap();
                let report = parse_qti(&xml, &ImportOptions::default());
                assert!(!report.has_errors(), "{version:?} {report:#?}\n{xml}");
                let back = report.lines[0].item.clone().unwrap();
                assert_eq!(original, back, "{version:?}\n{xml}");
            }
        }
    }

    #[test]
    fn names_follow_the_version() {
        let xml = write_qti(&item(SC), QtiVersion::V3_0).unwrap();
        assert!(xml.contains("<qti-choice-interaction response-identifier=\"RESPONSE\""), "{xml}");
        assert!(xml.contains("max-choices=\"1\""), "{xml}");
        let xml = write_qti(&item(TF), QtiVersion::V2_1).unwrap();
        assert!(xml.contains("<matchInteraction responseIdentifier=\"RESPONSE\""), "{xml}");
        assert!(xml.contains("<value>d T</value>"), "{xml}");
        let xml = write_qti(&item(SA), QtiVersion::V2_1).unwrap();
        assert!(xml.contains("<textEntryInteraction responseIdentifier=\"RESPONSE\" expectedLength=\"4\"/>"));
        assert!(xml.contains("<mapEntry mapKey=\"2,6\" mappedValue=\"1\"/>"), "{xml}");
    }

    #[test]
    fn malformed_xml_names_line_and_element() {
        let xml = write_qti(&item(SC), QtiVersion::V2_1).unwrap().replace(
            "</simpleChoice>\n      <simpleChoice identifier=\"C\">",
            "</simpleChoic>\n<simpleChoice identifier=\"C\">",
        );
        let err = read_qti(&xml).unwrap_err();
        match &err {
            InteropError::Xml { line, element, .. } => {
                assert_eq!(element.as_deref(), Some("simpleChoice"), "{err}");
                assert!(*line > 5, "{err}");
            }
            e => panic!("{e}"),
        }
        assert!(err.to_string().starts_with("malformed XML at line"), "{err}");
        let report = parse_qti("<assessmentItem><itemBody>", &ImportOptions::default());
        assert!(report.file_error.as_deref().unwrap().contains("itemBody"), "{report:?}");
    }

    #[test]
    fn foreign_qti_with_mathml_is_read() {
        let xml = r#"<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="EXT-1" title="x" adaptive="false" timeDependent="false">
  <responseDeclaration identifier="R1" cardinality="single" baseType="identifier"><correctResponse><value>ch2</value></correctResponse></responseDeclaration>
  <itemBody><p>Tính <m:math xmlns:m="http://www.w3.org/1998/Math/MathML"><m:semantics><m:mi>x</m:mi><m:annotation encoding="application/x-tex">x^2</m:annotation></m:semantics></m:math> &amp; chọn.</p>
    <choiceInteraction responseIdentifier="R1" shuffle="true" maxChoices="1"><prompt>Chọn đáp án đúng:</prompt>
      <simpleChoice identifier="ch1">1</simpleChoice><simpleChoice identifier="ch2">2</simpleChoice><simpleChoice identifier="ch3">3</simpleChoice><simpleChoice identifier="ch4">4</simpleChoice>
    </choiceInteraction></itemBody></assessmentItem>"#;
        let rec = read_qti(xml).unwrap();
        assert_eq!(rec.stem, "Tính $x^2$ & chọn.\n\nChọn đáp án đúng:");
        assert_eq!(rec.key.as_deref(), Some("B"));
        assert_eq!(rec.options.as_ref().unwrap()[3], "4");
        // Metadata is missing, so validation names the fields.
        let report = parse_qti(xml, &ImportOptions::default());
        let fields: Vec<&str> = report.lines[0].messages.iter().map(|m| m.field.as_str()).collect();
        assert!(fields.contains(&"subject") && fields.contains(&"grade"), "{fields:?}");
    }

    const MR: &str = r#"{"id":"TA12-0001","subject":"tieng_anh","grade":12,"topic":"12.1","level":"biet","kind":"multiple_response","stem":"Chọn các từ đúng chính tả.","options":["receive","recieve","separate","seperate","definitely"],"keys":[true,false,true,false,true],"scoring":"partial"}"#;

    #[test]
    fn several_choices_make_a_multiple_response_item() {
        let xml =
            write_qti(&item(SC), QtiVersion::V2_1).unwrap().replace("maxChoices=\"1\"", "maxChoices=\"2\"");
        let rec = read_qti(&xml).unwrap();
        assert_eq!(rec.kind, khaothi_domain::ItemKind::MultipleResponse);
        assert_eq!(rec.keys, Some(vec![false, false, true, false]));
        assert_eq!(rec.scoring, None, "match_correct is all-or-nothing");
        for scoring in ["partial", "all_or_nothing"] {
            let original = item(&MR.replace("partial", scoring));
            for version in [QtiVersion::V2_1, QtiVersion::V3_0] {
                let xml = write_qti(&original, version).unwrap();
                let report = parse_qti(&xml, &ImportOptions::default());
                assert!(!report.has_errors(), "{report:#?}\n{xml}");
                assert_eq!(report.lines[0].item.as_ref(), Some(&original), "{xml}");
            }
        }
        let xml = write_qti(&item(MR), QtiVersion::V3_0).unwrap();
        assert!(xml.contains("<qti-map-entry map-key=\"B\" mapped-value=\"-0.3333333333333333\"/>"), "{xml}");
        assert!(xml.contains("lower-bound=\"0\""), "{xml}");
    }

    #[test]
    fn response_processing_khaothi_cannot_represent_is_refused_per_item() {
        // Another partial-credit rule (no penalty for wrong options) is not reinterpreted.
        let xml = write_qti(&item(MR), QtiVersion::V2_1)
            .unwrap()
            .replace("mappedValue=\"-0.3333333333333333\"", "mappedValue=\"0\"");
        let err = read_qti(&xml).unwrap_err().to_string();
        assert!(
            err.contains("item TA12-0001: response processing template map_response is not supported"),
            "{err}"
        );
        // A true/false group scored all-or-nothing elsewhere is not a THPT part II item.
        let tf = write_qti(&item(TF), QtiVersion::V2_1).unwrap();
        let start = tf.find("  <responseProcessing>").unwrap();
        let end = tf.find("</responseProcessing>\n").unwrap() + "</responseProcessing>\n".len();
        let templated = format!(
            "{}  <responseProcessing template=\"http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct\"/>\n{}",
            &tf[..start],
            &tf[end..]
        );
        let err = read_qti(&templated).unwrap_err().to_string();
        assert!(err.contains("item LY12-0001: response processing template match_correct is not supported for a true_false_group"), "{err}");
        // Its own rules with another score table are custom rules.
        let changed = tf.replace(">0.25</baseValue>", ">0.3</baseValue>");
        let err = read_qti(&changed).unwrap_err().to_string();
        assert!(err.contains("custom response processing is not supported"), "{err}");
        // Custom rules on a single choice are refused too; a missing block is fine.
        let sc = write_qti(&item(SC), QtiVersion::V3_0).unwrap();
        let custom = sc.replace(
            "<qti-response-processing template=\"https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml\"/>",
            "<qti-response-processing><qti-set-outcome-value identifier=\"SCORE\"><qti-base-value base-type=\"float\">1</qti-base-value></qti-set-outcome-value></qti-response-processing>",
        );
        assert!(read_qti(&custom).unwrap_err().to_string().contains("custom response processing"));
        let none = sc.replace("<qti-response-processing template=\"https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml\"/>", "");
        assert!(read_qti(&none).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,300}") {
            let _ = parse_qti(&s, &ImportOptions::default());
        }

        #[test]
        fn mangled_documents_never_panic(cut in 0usize..2000, junk in "[<>&/\"a-z ]{0,8}") {
            let xml = write_qti(&item(TF), QtiVersion::V3_0).unwrap();
            let mut at = cut.min(xml.len());
            while !xml.is_char_boundary(at) { at -= 1; }
            let mangled = format!("{}{junk}{}", &xml[..at], &xml[at..]);
            let _ = parse_qti(&mangled, &ImportOptions::default());
        }
    }
}
