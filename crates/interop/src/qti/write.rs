//! Items → QTI `assessmentItem` documents.

use khaothi_domain::{Item, ItemBody, ResponseScoring};
use quick_xml::escape::escape;

use super::{META_PREFIX, QtiVersion};
use crate::InteropError;

/// One item as a QTI document (UTF-8, with an XML declaration).
pub fn write_qti(item: &Item, version: QtiVersion) -> Result<String, InteropError> {
    write_item(item, version, None)
}

/// The shared passage an item of a package shows: its file, relative to the item's.
pub(crate) struct StimulusRef<'a> {
    pub identifier: &'a str,
    pub href: &'a str,
    pub title: &'a str,
}

/// XInclude, QTI 2.1's way of sharing material between items (2.1 has no stimulus element).
pub(crate) const XINCLUDE: &str = "http://www.w3.org/2001/XInclude";

/// One item; in a package, with the reference to its passage: a `qti-assessment-stimulus-ref` in
/// 3.0, an `xi:include` of the passage's fragment at the top of the item body in 2.1.
pub(crate) fn write_item(
    item: &Item,
    version: QtiVersion,
    stimulus: Option<&StimulusRef>,
) -> Result<String, InteropError> {
    let q = Names(version);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<{} xmlns=\"{}\" {}=\"{}\" {}=\"{}\" {}=\"false\" {}=\"false\" xml:lang=\"vi\">\n",
        q.el("assessmentItem"),
        version.namespace(),
        q.at("identifier"),
        escape(&item.id),
        q.at("title"),
        escape(&item.id),
        q.at("adaptive"),
        q.at("timeDependent"),
    ));
    let interaction = match &item.body {
        ItemBody::SingleChoice { .. } => q.choice(item),
        ItemBody::TrueFalseGroup { .. } => q.true_false(item),
        ItemBody::ShortAnswer { .. } => q.text_entry(item),
        ItemBody::MultipleResponse { .. } => q.multiple_response(item),
    };
    x.push_str(&interaction.declaration);
    x.push_str(&q.outcome("SCORE", "float"));
    if matches!(item.body, ItemBody::TrueFalseGroup { .. }) {
        x.push_str(&q.outcome(super::processing::RIGHT, "integer"));
    }
    x.push_str(&q.metadata_declarations(item));
    if let (QtiVersion::V3_0, Some(s)) = (version, stimulus) {
        x.push_str(&format!(
            "  <qti-assessment-stimulus-ref identifier=\"{}\" href=\"{}\" title=\"{}\"/>\n",
            escape(s.identifier),
            escape(s.href),
            escape(s.title)
        ));
    }
    x.push_str(&format!("  <{}>\n", q.el("itemBody")));
    if let (QtiVersion::V2_1, Some(s)) = (version, stimulus) {
        x.push_str(&format!("    <xi:include xmlns:xi=\"{XINCLUDE}\" href=\"{}\"/>\n", escape(s.href)));
    }
    x.push_str(&format!("    <div class=\"khaothi-stem\">{}</div>\n", escape(&item.stem)));
    x.push_str(&interaction.body);
    x.push_str(&format!("  </{}>\n", q.el("itemBody")));
    if let Some(t) = interaction.template {
        x.push_str(&format!(
            "  <{} {}=\"{}\"/>\n",
            q.el("responseProcessing"),
            q.at("template"),
            version.template(t)
        ));
    }
    if let ItemBody::TrueFalseGroup { keys, .. } = &item.body {
        x.push_str(&super::processing::true_false_processing(version, keys));
    }
    x.push_str(&format!("</{}>\n", q.el("assessmentItem")));
    Ok(x)
}

/// One kind's response declaration, interaction and response-processing template (if QTI has one).
struct Interaction {
    declaration: String,
    body: String,
    template: Option<&'static str>,
}

/// Element and attribute names in the chosen QTI version.
#[derive(Clone, Copy)]
pub(super) struct Names(pub QtiVersion);

impl Names {
    pub(super) fn el(self, name: &str) -> String {
        self.0.element(name)
    }

    pub(super) fn at(self, name: &str) -> String {
        self.0.attribute(name)
    }

    /// An outcome declaration without a default value (`SCORE`, the true/false group's `RIGHT`).
    fn outcome(self, identifier: &str, base: &str) -> String {
        format!(
            "  <{} {}=\"{identifier}\" {}=\"single\" {}=\"{base}\"/>\n",
            self.el("outcomeDeclaration"),
            self.at("identifier"),
            self.at("cardinality"),
            self.at("baseType")
        )
    }

    /// The `RESPONSE` declaration: its correct values and, for text entry, the accepted answers
    /// (each mapped to 1).
    fn response(
        self,
        cardinality: &str,
        base: &str,
        values: &[String],
        mapping: Option<&[String]>,
    ) -> String {
        let entries: Option<Vec<(String, f64)>> =
            mapping.map(|keys| keys.iter().map(|k| (k.clone(), 1.0)).collect());
        self.response_mapped(cardinality, base, values, entries.as_deref(), None)
    }

    /// The `RESPONSE` declaration with a mapping of given values, bounded below by `lower`.
    fn response_mapped(
        self,
        cardinality: &str,
        base: &str,
        values: &[String],
        mapping: Option<&[(String, f64)]>,
        lower: Option<f64>,
    ) -> String {
        let (el, at) = (|n| self.el(n), |n| self.at(n));
        let mut s = format!(
            "  <{} {}=\"RESPONSE\" {}=\"{cardinality}\" {}=\"{base}\">\n    <{}>\n",
            el("responseDeclaration"),
            at("identifier"),
            at("cardinality"),
            at("baseType"),
            el("correctResponse"),
        );
        for value in values {
            s.push_str(&format!("      <{0}>{1}</{0}>\n", el("value"), escape(value)));
        }
        s.push_str(&format!("    </{}>\n", el("correctResponse")));
        if let Some(entries) = mapping {
            let bounds = match lower {
                Some(l) => format!(" {}=\"{l}\" {}=\"1\"", at("lowerBound"), at("upperBound")),
                None => String::new(),
            };
            s.push_str(&format!("    <{} {}=\"0\"{bounds}>\n", el("mapping"), at("defaultValue")));
            for (key, value) in entries {
                s.push_str(&format!(
                    "      <{} {}=\"{}\" {}=\"{value}\"/>\n",
                    el("mapEntry"),
                    at("mapKey"),
                    escape(key),
                    at("mappedValue")
                ));
            }
            s.push_str(&format!("    </{}>\n", el("mapping")));
        }
        s.push_str(&format!("  </{}>\n", el("responseDeclaration")));
        s
    }

    /// Single choice: a `choiceInteraction` with options A, B, …
    fn choice(self, item: &Item) -> Interaction {
        let ItemBody::SingleChoice { options, key } = &item.body else {
            unreachable!("a single-choice item")
        };
        let body = self.choices(options, item.shuffle_options, 1);
        let declaration = self.response("single", "identifier", &[key.letter().to_string()], None);
        Interaction { declaration, body, template: Some("match_correct") }
    }

    /// Multiple response: a `choiceInteraction` allowing every option; all-or-nothing scoring is
    /// `match_correct`, partial credit `map_response` over ±1/k per option, bounded to 0–1.
    fn multiple_response(self, item: &Item) -> Interaction {
        let ItemBody::MultipleResponse { options, keys, scoring } = &item.body else {
            unreachable!("a multiple-response item")
        };
        let body = self.choices(options, item.shuffle_options, options.len());
        let letter = |i: usize| char::from(b'A' + i as u8).to_string();
        let correct: Vec<String> = (0..keys.len()).filter(|i| keys[*i]).map(letter).collect();
        let declaration = match scoring {
            ResponseScoring::AllOrNothing => self.response("multiple", "identifier", &correct, None),
            ResponseScoring::Partial => {
                let share = 1.0 / correct.len().max(1) as f64;
                let entries: Vec<(String, f64)> = keys
                    .iter()
                    .enumerate()
                    .map(|(i, k)| (letter(i), if *k { share } else { -share }))
                    .collect();
                self.response_mapped("multiple", "identifier", &correct, Some(&entries), Some(0.0))
            }
        };
        let template = match scoring {
            ResponseScoring::AllOrNothing => "match_correct",
            ResponseScoring::Partial => "map_response",
        };
        Interaction { declaration, body, template: Some(template) }
    }

    /// A `choiceInteraction` of options A, B, … allowing `max` choices.
    fn choices(self, options: &[String], shuffle: bool, max: usize) -> String {
        let (el, at) = (|n| self.el(n), |n| self.at(n));
        let mut body = format!(
            "    <{} {}=\"RESPONSE\" {}=\"{shuffle}\" {}=\"{max}\">\n",
            el("choiceInteraction"),
            at("responseIdentifier"),
            at("shuffle"),
            at("maxChoices"),
        );
        for (i, o) in options.iter().enumerate() {
            let id = char::from(b'A' + i as u8);
            body.push_str(&format!(
                "      <{0} {1}=\"{id}\">{2}</{0}>\n",
                el("simpleChoice"),
                at("identifier"),
                escape(o)
            ));
        }
        body.push_str(&format!("    </{}>\n", el("choiceInteraction")));
        body
    }

    /// True/false group: a `matchInteraction` pairing statements a, b, … with Đúng (T) / Sai (F).
    fn true_false(self, item: &Item) -> Interaction {
        let ItemBody::TrueFalseGroup { statements, keys } = &item.body else {
            unreachable!("a true/false group")
        };
        let (el, at) = (|n| self.el(n), |n| self.at(n));
        let mut body = format!(
            "    <{} {}=\"RESPONSE\" {}=\"false\" {}=\"{}\">\n      <{}>\n",
            el("matchInteraction"),
            at("responseIdentifier"),
            at("shuffle"),
            at("maxAssociations"),
            statements.len(),
            el("simpleMatchSet"),
        );
        for (i, s) in statements.iter().enumerate() {
            let id = char::from(b'a' + i as u8);
            body.push_str(&format!(
                "        <{0} {1}=\"{id}\" {2}=\"1\">{3}</{0}>\n",
                el("simpleAssociableChoice"),
                at("identifier"),
                at("matchMax"),
                escape(&s.text)
            ));
        }
        body.push_str(&format!("      </{0}>\n      <{0}>\n", el("simpleMatchSet")));
        for (id, label) in [("T", "Đúng"), ("F", "Sai")] {
            body.push_str(&format!(
                "        <{0} {1}=\"{id}\" {2}=\"{n}\">{label}</{0}>\n",
                el("simpleAssociableChoice"),
                at("identifier"),
                at("matchMax"),
                n = statements.len()
            ));
        }
        body.push_str(&format!("      </{}>\n    </{}>\n", el("simpleMatchSet"), el("matchInteraction")));
        let pairs: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{} {}", char::from(b'a' + i as u8), if *k { "T" } else { "F" }))
            .collect();
        // THPT part II scoring (0.1/0.25/0.5/1 by statements right) has no template: the item
        // carries it as its own response processing (`processing::true_false_processing`).
        Interaction {
            declaration: self.response("multiple", "directedPair", &pairs, None),
            body,
            template: None,
        }
    }

    /// Short answer: a `textEntryInteraction`; every accepted answer maps to 1.
    fn text_entry(self, item: &Item) -> Interaction {
        let ItemBody::ShortAnswer { answer } = &item.body else { unreachable!("a short-answer item") };
        let body = format!(
            "    <p><{} {}=\"RESPONSE\" {}=\"4\"/></p>\n",
            self.el("textEntryInteraction"),
            self.at("responseIdentifier"),
            self.at("expectedLength"),
        );
        let first = answer.accepted.first().cloned().unwrap_or_default();
        let declaration = self.response("single", "string", &[first], Some(&answer.accepted));
        Interaction { declaration, body, template: Some("map_response") }
    }

    /// The `KHAOTHI_*` outcome declarations that carry what QTI has no place for.
    fn metadata_declarations(self, item: &Item) -> String {
        let (el, at) = (|n| self.el(n), |n| self.at(n));
        let mut x = String::new();
        for (name, base, value) in metadata(item) {
            x.push_str(&format!(
                "  <{0} {1}=\"{META_PREFIX}{name}\" {2}=\"single\" {3}=\"{base}\">\n    <{4}>\n      <{5}>{6}</{5}>\n    </{4}>\n  </{0}>\n",
                el("outcomeDeclaration"),
                at("identifier"),
                at("cardinality"),
                at("baseType"),
                el("defaultValue"),
                el("value"),
                escape(&value),
            ));
        }
        x
    }
}

/// `KHAOTHI_*` outcome declarations: (name, QTI base type, value).
fn metadata(item: &Item) -> Vec<(&'static str, &'static str, String)> {
    let mut m = vec![
        ("SUBJECT", "string", item.subject.clone()),
        ("GRADE", "integer", item.grade.to_string()),
        ("TOPIC", "string", item.topic.clone()),
        ("LEVEL", "string", item.level.to_string()),
        ("STATUS", "string", item.status.to_string()),
    ];
    if let Some(s) = &item.stimulus {
        m.push(("STIMULUS", "string", s.clone()));
    }
    if !item.enemies.is_empty() {
        m.push(("ENEMIES", "string", item.enemies.join(";")));
    }
    if !item.media.is_empty() {
        m.push(("MEDIA", "string", item.media.join(";")));
    }
    match &item.body {
        ItemBody::ShortAnswer { answer } => {
            if let Some(t) = answer.tolerance {
                m.push(("TOLERANCE", "float", t.to_string()));
            }
        }
        ItemBody::TrueFalseGroup { statements, .. } if statements.iter().any(|s| s.level.is_some()) => {
            let levels: Vec<String> =
                statements.iter().map(|s| s.level.map(|l| l.to_string()).unwrap_or_default()).collect();
            m.push(("STATEMENT_LEVELS", "string", levels.join(";")));
        }
        _ => {}
    }
    m
}
