//! Items → QTI `assessmentItem` documents.

use khaothi_domain::{Item, ItemBody};
use quick_xml::escape::escape;

use super::{META_PREFIX, QtiVersion};
use crate::InteropError;

/// One item as a QTI document (UTF-8, with an XML declaration).
pub fn write_qti(item: &Item, version: QtiVersion) -> Result<String, InteropError> {
    let v = version;
    let el = |n: &str| v.element(n);
    let at = |n: &str| v.attribute(n);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<{} xmlns=\"{}\" {}=\"{}\" {}=\"{}\" {}=\"false\" {}=\"false\" xml:lang=\"vi\">\n",
        el("assessmentItem"),
        v.namespace(),
        at("identifier"),
        escape(&item.id),
        at("title"),
        escape(&item.id),
        at("adaptive"),
        at("timeDependent"),
    ));
    let response = |cardinality: &str, base: &str, values: &[String], mapping: Option<&[String]>| {
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
        if let Some(keys) = mapping {
            s.push_str(&format!("    <{} {}=\"0\">\n", el("mapping"), at("defaultValue")));
            for key in keys {
                s.push_str(&format!(
                    "      <{} {}=\"{}\" {}=\"1\"/>\n",
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
    };
    let (declaration, interaction, template) = match &item.body {
        ItemBody::SingleChoice { options, key } => {
            let mut body = format!(
                "    <{} {}=\"RESPONSE\" {}=\"{}\" {}=\"1\">\n",
                el("choiceInteraction"),
                at("responseIdentifier"),
                at("shuffle"),
                item.shuffle_options,
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
            let decl = response("single", "identifier", &[key.letter().to_string()], None);
            (decl, body, Some("match_correct"))
        }
        ItemBody::TrueFalseGroup { statements, keys } => {
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
            // THPT part II scoring (0.1/0.25/0.5/1 by statements right) is khaothi's own: no template.
            (response("multiple", "directedPair", &pairs, None), body, None)
        }
        ItemBody::ShortAnswer { answer } => {
            let body = format!(
                "    <p><{} {}=\"RESPONSE\" {}=\"4\"/></p>\n",
                el("textEntryInteraction"),
                at("responseIdentifier"),
                at("expectedLength"),
            );
            let first = answer.accepted.first().cloned().unwrap_or_default();
            let decl = response("single", "string", &[first], Some(&answer.accepted));
            (decl, body, Some("map_response"))
        }
    };
    x.push_str(&declaration);
    x.push_str(&format!(
        "  <{} {}=\"SCORE\" {}=\"single\" {}=\"float\"/>\n",
        el("outcomeDeclaration"),
        at("identifier"),
        at("cardinality"),
        at("baseType")
    ));
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
    x.push_str(&format!("  <{}>\n", el("itemBody")));
    x.push_str(&format!("    <div class=\"khaothi-stem\">{}</div>\n", escape(&item.stem)));
    x.push_str(&interaction);
    x.push_str(&format!("  </{}>\n", el("itemBody")));
    if let Some(t) = template {
        x.push_str(&format!("  <{} {}=\"{}\"/>\n", el("responseProcessing"), at("template"), v.template(t)));
    }
    x.push_str(&format!("</{}>\n", el("assessmentItem")));
    Ok(x)
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
