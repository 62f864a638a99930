//! Response processing: what QTI says about scoring, written so another QTI system scores an item
//! as khaothi does, and read only where khaothi can represent it.
//!
//! Written: `match_correct` (single choice, all-or-nothing multiple response), `map_response`
//! (short answer; partial-credit multiple response), and for a true/false group THPT part II
//! scoring as the item's own rules — count the statements answered right into the integer outcome
//! `RIGHT` (one `member` test per statement), then a `responseCondition` chain sets `SCORE` to
//! 0.1, 0.25, 0.5 or 1 for 1, 2, 3 or 4 right (0 otherwise). Operators used: `setOutcomeValue`,
//! `responseCondition`/`responseIf`/`responseElseIf`/`responseElse`, `member`, `sum`, `match`,
//! `variable`, `baseValue` — QTI's core, which every conforming delivery system implements.
//!
//! Read: a template or rules khaothi's scoring equals, by kind. Anything else is refused for that
//! item with the reason, never reinterpreted: an item scored one way elsewhere must not be scored
//! another way here without a person deciding so.

use khaothi_domain::{ItemKind, ItemRecord, ResponseScoring};

use super::tree::{Element, parse_tree};
use super::{QtiVersion, canonical};
use crate::InteropError;

/// The integer outcome counting a true/false group's statements answered right.
pub(crate) const RIGHT: &str = "RIGHT";

/// THPT part II: the share of the group's point for 0–4 statements right.
const THPT_SHARES: [&str; 5] = ["0", "0.1", "0.25", "0.5", "1"];

/// A true/false group's response processing (see the module comment), indented for an item.
pub(super) fn true_false_processing(q: QtiVersion, keys: &[bool]) -> String {
    let (el, at) = (|n| q.element(n), |n| q.attribute(n));
    let value =
        |base: &str, v: &str| format!("<{0} {1}=\"{base}\">{v}</{0}>", el("baseValue"), at("baseType"));
    let variable = |id: &str| format!("<{} {}=\"{id}\"/>", el("variable"), at("identifier"));
    let set = |id: &str, expr: String| {
        format!("<{0} {1}=\"{id}\">{expr}</{0}>", el("setOutcomeValue"), at("identifier"))
    };
    let mut x = format!("  <{}>\n", el("responseProcessing"));
    x.push_str(&format!("    {}\n", set(RIGHT, value("integer", "0"))));
    for (i, key) in keys.iter().enumerate() {
        let pair = format!("{} {}", char::from(b'a' + i as u8), if *key { "T" } else { "F" });
        let test =
            format!("<{0}>{1}{2}</{0}>", el("member"), value("directedPair", &pair), variable("RESPONSE"));
        let add = format!("<{0}>{1}{2}</{0}>", el("sum"), variable(RIGHT), value("integer", "1"));
        x.push_str(&format!(
            "    <{0}><{1}>{test}{2}</{1}></{0}>\n",
            el("responseCondition"),
            el("responseIf"),
            set(RIGHT, add)
        ));
    }
    x.push_str(&format!("    <{}>\n", el("responseCondition")));
    for right in (1..=4).rev() {
        let branch = if right == 4 { "responseIf" } else { "responseElseIf" };
        let test =
            format!("<{0}>{1}{2}</{0}>", el("match"), variable(RIGHT), value("integer", &right.to_string()));
        x.push_str(&format!(
            "      <{0}>{test}{1}</{0}>\n",
            el(branch),
            set("SCORE", value("float", THPT_SHARES[right]))
        ));
    }
    x.push_str(&format!(
        "      <{0}>{1}</{0}>\n    </{2}>\n  </{3}>\n",
        el("responseElse"),
        set("SCORE", value("float", THPT_SHARES[0])),
        el("responseCondition"),
        el("responseProcessing")
    ));
    x
}

/// Checks the item's response processing against the kind read from its interaction, and sets a
/// multiple-response item's scoring rule from it. `Ok(Some(note))`: read, with a note for the
/// writer (rules that score nothing, below).
pub(super) fn check_processing(
    root: &Element,
    declaration: Option<&Element>,
    rec: &mut ItemRecord,
) -> Result<Option<String>, InteropError> {
    let Some(rp) = root.child("responseprocessing") else { return Ok(None) };
    if let Some(note) = scores_nothing(rp, rec) {
        return Ok(Some(note));
    }
    check_rules(root, rp, declaration, rec).map(|()| None)
}

/// Rules that never set an outcome (Blackboard Learn writes a bare `match` of the response with
/// the correct response and scores from `correctResponse` itself): there is no scoring rule to
/// reinterpret, only the correct response, which khaothi scores as its kind does — all-or-nothing
/// for a multiple response. Said in a note, so the writer sees it. A true/false group is not read
/// this way: the THPT rule gives part marks the other system never gave.
fn scores_nothing(rp: &Element, rec: &mut ItemRecord) -> Option<String> {
    let template = rp.attr("template").or_else(|| rp.attr("templatelocation"));
    if template.is_some() || rp.elements().next().is_none() || sets_outcome(rp) {
        return None;
    }
    let how = match rec.kind {
        ItemKind::SingleChoice | ItemKind::ShortAnswer => "by its correct response",
        ItemKind::MultipleResponse => {
            rec.scoring = None;
            "by its correct response, all or nothing"
        }
        ItemKind::TrueFalseGroup => return None,
    };
    Some(format!(
        "the item's response processing sets no score (its system scores from the correct response); khaothi scores this {} item {how}",
        rec.kind
    ))
}

/// Whether any rule below `e` sets an outcome variable.
fn sets_outcome(e: &Element) -> bool {
    e.elements()
        .any(|c| matches!(c.name.as_str(), "setoutcomevalue" | "lookupoutcomevalue") || sets_outcome(c))
}

fn check_rules(
    root: &Element,
    rp: &Element,
    declaration: Option<&Element>,
    rec: &mut ItemRecord,
) -> Result<(), InteropError> {
    let template = rp.attr("template").or_else(|| rp.attr("templatelocation")).map(template_name);
    let has_rules = rp.elements().next().is_some();
    let kind = rec.kind;
    let refuse = |what: String, why: &str| {
        Err(InteropError::UnsupportedQti {
            element: Some("responseProcessing".into()),
            message: format!("item {}: {what} is not supported for a {kind} item ({why})", rec.id),
        })
    };
    match (kind, template.as_deref()) {
        (_, None) if !has_rules => Ok(()),
        (ItemKind::SingleChoice, Some("match_correct"))
        | (ItemKind::ShortAnswer, Some("match_correct" | "map_response")) => Ok(()),
        (ItemKind::MultipleResponse, Some("match_correct")) => {
            rec.scoring = None;
            Ok(())
        }
        (ItemKind::MultipleResponse, Some("map_response")) => match partial_credit(root, declaration, rec) {
            Ok(()) => {
                rec.scoring = Some(ResponseScoring::Partial);
                Ok(())
            }
            Err(why) => refuse("response processing template map_response".into(), &why),
        },
        (ItemKind::TrueFalseGroup, None) if is_thpt_true_false(rp, rec) => Ok(()),
        (ItemKind::TrueFalseGroup, Some(t)) => refuse(
            format!("response processing template {t}"),
            "khaothi scores a true/false group by the THPT rule: 0.1, 0.25, 0.5, 1 for 1–4 statements right",
        ),
        (_, Some(t)) => {
            refuse(format!("response processing template {t}"), "khaothi scores this kind otherwise")
        }
        (_, None) => refuse(
            "custom response processing".into(),
            "only the standard templates and khaothi's own THPT rules are read; the rules are not reinterpreted",
        ),
    }
}

/// `…/rptemplates/match_correct.xml` → `match_correct`.
fn template_name(uri: &str) -> String {
    let last = uri.trim().rsplit(['/', '\\']).next().unwrap_or(uri);
    last.strip_suffix(".xml").unwrap_or(last).to_string()
}

/// Whether the mapping is khaothi's partial-credit rule: +1/k for each of the k correct options,
/// −1/k for each other one, the sum bounded to 0–1.
fn partial_credit(root: &Element, declaration: Option<&Element>, rec: &ItemRecord) -> Result<(), String> {
    let mut choices = Vec::new();
    root.find_all("simplechoice", &mut choices);
    let mapping = declaration.and_then(|d| d.child("mapping")).ok_or("map_response without a mapping")?;
    let keys = rec.keys.as_deref().unwrap_or_default();
    let k = keys.iter().filter(|x| **x).count().max(1) as f64;
    let number = |name: &str| mapping.attr(name).and_then(|v| v.trim().parse::<f64>().ok());
    let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-6);
    let rule = "khaothi's partial credit is +1/k per correct option, −1/k per other option, at least 0";
    if !close(number("lowerbound"), 0.0) || number("upperbound").is_some_and(|u| u < 1.0 - 1e-6) {
        return Err(format!("the mapping's bounds differ: {rule}"));
    }
    for (choice, key) in choices.iter().zip(keys) {
        let id = choice.attr("identifier").unwrap_or_default().trim();
        let value = mapping
            .elements()
            .filter(|e| e.name == "mapentry")
            .find(|e| e.attr("mapkey").map(str::trim) == Some(id))
            .and_then(|e| e.attr("mappedvalue"))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .or_else(|| number("defaultvalue"));
        if !close(value, if *key { 1.0 / k } else { -1.0 / k }) {
            let shown = value.map_or("nothing".to_string(), |v| v.to_string());
            return Err(format!("choice {id} maps to {shown}: {rule}"));
        }
    }
    Ok(())
}

/// Whether `rp` is exactly the response processing khaothi writes for these keys.
fn is_thpt_true_false(rp: &Element, rec: &ItemRecord) -> bool {
    let keys = rec.keys.as_deref().unwrap_or_default();
    let expected = true_false_processing(QtiVersion::V3_0, keys);
    parse_tree(&expected).is_ok_and(|(tree, _)| same_tree(&tree, rp))
}

/// Structural equality: names and attributes (already version-independent), non-blank text.
fn same_tree(a: &Element, b: &Element) -> bool {
    let texts = |e: &Element| e.own_text().split_whitespace().collect::<Vec<_>>().join(" ");
    canonical(&a.name) == canonical(&b.name)
        && a.attrs == b.attrs
        && texts(a) == texts(b)
        && a.elements().count() == b.elements().count()
        && a.elements().zip(b.elements()).all(|(x, y)| same_tree(x, y))
}
