//! LaTeX → OMML → LaTeX: every formula written into a Word paper reads back, through the OMML
//! reader of the Word import ([`crate::omml`]), as LaTeX that renders to the same MathML. The
//! corpus is every formula of the sample bank plus one of each construct of the THPT syllabus.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::latex_to_omml;
use crate::docx::xml::parse;

const NAMESPACES: &str = "xmlns:m=\"http://schemas.openxmlformats.org/officeDocument/2006/math\" \
                          xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"";

/// The formula written as OMML and read back as LaTeX by the import's reader.
fn round_trip(tex: &str) -> String {
    let omml = latex_to_omml(tex, false).unwrap_or_else(|e| panic!("{tex}: {e}"));
    let xml = format!("<w:p {NAMESPACES}>{omml}</w:p>");
    let root = parse(xml.as_bytes(), "t").unwrap_or_else(|e| panic!("{tex}: {e:?}\n{xml}"));
    let math = root.child("m:oMath").expect("one m:oMath");
    let (latex, _warnings) = crate::omml::to_latex(math);
    latex
}

/// The MathML the bank renders for a formula, reduced to what a Word equation can say: without
/// the grouping rows that braces add (`x^{2}` and `x^2` are the same formula), explicit spaces
/// (`\,`: Word spaces operators by its own rules), size (`\dfrac`, `\displaystyle`: Word sets
/// inline fractions at text size) and upright/italic letter style (Word's rules again: `\mathrm{U}`
/// and `U`, `\text{Rn}` and `\mathrm{Rn}` print alike on the paper).
fn rendered(tex: &str) -> String {
    let opts = khaothi_render::RenderOptions { media: None, annotate: false };
    let html = khaothi_render::render_markdown(&format!("${tex}$"), &opts)
        .unwrap_or_else(|e| panic!("{tex} does not render: {e}"));
    let mut out = String::new();
    let mut rest = html.as_str();
    while let Some(open) = rest.find('<') {
        let close = rest[open..].find('>').map_or(rest.len(), |c| open + c + 1);
        out.push_str(rest[..open].trim());
        let tag = &rest[open..close];
        let name: String =
            tag.trim_start_matches(['<', '/']).chars().take_while(char::is_ascii_alphanumeric).collect();
        match name.as_str() {
            "mrow" | "mspace" | "mstyle" | "mpadded" => {}
            "mtext" | "mi" => out.push_str(if tag.starts_with("</") { "</mi>" } else { "<mi>" }),
            _ => out.push_str(&format!("<{}{name}>", if tag.starts_with("</") { "/" } else { "" })),
        }
        rest = &rest[close..];
    }
    out.push_str(rest.trim());
    // Letters set as one word or one by one (`\text{CuS}`, `\mathrm{CuS}`) print alike.
    out.replace('\u{a0}', "").replace("&#160;", "").replace(' ', "").replace("</mi><mi>", "")
}

fn assert_equivalent(tex: &str) {
    let back = round_trip(tex);
    assert_eq!(rendered(&back), rendered(tex), "{tex} came back as {back}");
}

/// One formula of each construct the THPT mathematics and science syllabus prints.
const SYLLABUS: &[&str] = &[
    "\\frac{x+1}{x-2}",
    "\\dfrac{1}{2}",
    "\\sqrt{x^2+1}",
    "\\sqrt[3]{x-1}",
    "x^{2}+y_{1}",
    "u_{n+1}=u_n+d",
    "x_1^2",
    "\\int_{0}^{1} f(x)dx",
    "\\int_{0}^{\\frac{\\pi}{2}} \\sin x dx=1",
    "\\sum_{k=1}^{n} k",
    "\\lim_{x\\to +\\infty} \\frac{1}{x}",
    "\\log_{2} x",
    "\\ln x + \\cos 2x + \\tan x",
    "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
    "\\begin{cases} x+y=3 \\\\ x-y=1 \\end{cases}",
    "\\left[ \\begin{array}{l} x=1 \\\\ x=2 \\end{array} \\right.",
    "\\left( \\frac{1}{2} \\right)",
    "\\left| x-1 \\right|",
    "\\overrightarrow{AB}",
    "\\vec{u}",
    "\\overline{AB}",
    "\\widehat{ABC}",
    "\\hat{x}",
    "\\alpha+\\beta=\\pi",
    "\\Delta ABC",
    "x\\in\\mathbb{R}",
    "a\\le b\\ge c\\ne d",
    "A\\cap B\\cup C",
    "x\\notin A",
    "2{,}5\\cdot 10^{-3}",
    "60^{\\circ}",
    "x>0 \\text{ khi } y",
    "v=\\omega A",
    "\\infty",
];

#[test]
fn every_construct_of_the_syllabus_reads_back_the_same() {
    for tex in SYLLABUS {
        assert_equivalent(tex);
    }
}

/// Every `$…$` formula of the sample bank's items and passages.
fn sample_formulas() -> BTreeSet<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../item-bank-samples");
    let mut out = BTreeSet::new();
    for name in ["toan.jsonl", "vat_ly.jsonl", "hoa_hoc.jsonl", "stimuli.jsonl"] {
        let text = std::fs::read_to_string(format!("{dir}/{name}")).expect("the sample bank");
        for line in text.lines() {
            let value: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            let mut strings = Vec::new();
            collect_strings(&value, &mut strings);
            for s in strings {
                let parser = pulldown_cmark::Parser::new_ext(&s, pulldown_cmark::Options::ENABLE_MATH);
                for event in parser {
                    if let pulldown_cmark::Event::InlineMath(t) | pulldown_cmark::Event::DisplayMath(t) =
                        event
                    {
                        out.insert(t.to_string());
                    }
                }
            }
        }
    }
    out
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

#[test]
fn every_formula_of_the_sample_bank_reads_back_the_same() {
    let formulas = sample_formulas();
    assert!(formulas.len() > 300, "the corpus shrank to {}", formulas.len());
    let failures: Vec<String> = formulas
        .iter()
        .filter_map(|tex| {
            let back = round_trip(tex);
            (rendered(&back) != rendered(tex)).then(|| format!("{tex}  →  {back}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} differ:\n{}", failures.len(), formulas.len(), failures.join("\n"));
}

#[test]
fn the_omml_is_what_word_writes() {
    let omml = latex_to_omml("\\frac{1}{2}", false).unwrap();
    assert!(omml.starts_with("<m:oMath><m:f><m:num>"), "{omml}");
    let display = latex_to_omml("x", true).unwrap();
    assert!(display.starts_with("<m:oMathPara><m:oMath>"), "{display}");
    let text = latex_to_omml("\\text{a<b & c}", false).unwrap();
    assert!(text.contains("<m:nor/>") && text.contains("a&lt;b &amp; c"), "{text}");
    let int = latex_to_omml("\\int_0^1 x dx = \\frac12", false).unwrap();
    let operand = &int[int.find("<m:e>").unwrap()..int.find("</m:nary>").unwrap()];
    assert!(!operand.contains(">=<"), "the operand stops at the relation: {int}");
}

#[test]
fn latex_the_bank_refuses_is_an_error_not_a_picture() {
    assert!(latex_to_omml("\\frac{1}{", false).is_err());
    assert!(latex_to_omml("\\undefinedcommand x", false).is_err());
}

/// A small grammar of the constructs above, nested.
fn formula() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        "[a-z]".prop_map(String::from),
        "[0-9]{1,3}".prop_map(String::from),
        Just("\\alpha".to_string()),
        Just("\\pi".to_string()),
    ];
    leaf.prop_recursive(3, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("\\frac{{{a}}}{{{b}}}")),
            inner.clone().prop_map(|a| format!("\\sqrt{{{a}}}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{{{a}}}^{{{b}}}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{{{a}}}_{{{b}}}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}+{b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}={b}")),
            inner.clone().prop_map(|a| format!("\\left({a}\\right)")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("\\int_{{{a}}}^{{{b}}} x dx")),
            inner.clone().prop_map(|a| format!("\\overline{{{a}}}")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
    #[test]
    fn formulas_of_the_grammar_read_back_the_same(tex in formula()) {
        let back = round_trip(&tex);
        prop_assert_eq!(rendered(&back), rendered(&tex), "{} came back as {}", tex, back);
    }
}
