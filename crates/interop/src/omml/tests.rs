//! Every construct of the THPT syllabus, converted and then rendered by khaothi_render, so the
//! LaTeX is not only plausible but accepted by the bank.

use super::to_latex;
use crate::docx::xml::parse;

fn r(t: &str) -> String {
    format!("<m:r><m:t>{t}</m:t></m:r>")
}

fn e(inner: &str) -> String {
    format!("<m:e>{inner}</m:e>")
}

fn convert(inner: &str) -> String {
    let xml = format!("<m:oMath>{inner}</m:oMath>");
    let (latex, warnings) = to_latex(&parse(xml.as_bytes(), "t").unwrap());
    assert!(warnings.is_empty(), "{warnings:?}");
    let md = format!("Cho ${latex}$.");
    if let Err(err) = khaothi_render::render_markdown(&md, &khaothi_render::RenderOptions::default()) {
        panic!("{latex} does not render: {err}");
    }
    latex
}

#[test]
fn fractions_roots_and_scripts() {
    let frac = format!("<m:f><m:num>{}</m:num><m:den>{}</m:den></m:f>", r("x+1"), r("2"));
    assert_eq!(convert(&frac), "\\frac{x+1}{2}");
    let lin = format!(
        "<m:f><m:fPr><m:type m:val=\"lin\"/></m:fPr><m:num>{}</m:num><m:den>{}</m:den></m:f>",
        r("a"),
        r("b")
    );
    assert_eq!(convert(&lin), "a/b");
    let sqrt = format!("<m:rad><m:radPr><m:degHide m:val=\"1\"/></m:radPr><m:deg/>{}</m:rad>", e(&r("x")));
    assert_eq!(convert(&sqrt), "\\sqrt{x}");
    let cube = format!("<m:rad><m:deg>{}</m:deg>{}</m:rad>", r("3"), e(&r("x-1")));
    assert_eq!(convert(&cube), "\\sqrt[3]{x-1}");
    let sup = format!("<m:sSup>{}<m:sup>{}</m:sup></m:sSup>", e(&r("x")), r("2"));
    assert_eq!(convert(&sup), "x^{2}");
    let sub = format!("<m:sSub>{}<m:sub>{}</m:sub></m:sSub>", e(&r("u")), r("n+1"));
    assert_eq!(convert(&sub), "u_{n+1}");
    let both =
        format!("<m:sSubSup>{}<m:sub>{}</m:sub><m:sup>{}</m:sup></m:sSubSup>", e(&r("x")), r("1"), r("2"));
    assert_eq!(convert(&both), "x_{1}^{2}");
    let log = format!(
        "<m:func><m:fName><m:sSub>{}<m:sub>{}</m:sub></m:sSub></m:fName>{}</m:func>",
        e(&r("log")),
        r("2"),
        e(&r("x"))
    );
    assert_eq!(convert(&log), "\\log_{2}{x}");
}

#[test]
fn operators_with_limits_and_functions() {
    let int = format!(
        "<m:nary><m:naryPr><m:limLoc m:val=\"subSup\"/></m:naryPr><m:sub>{}</m:sub><m:sup>{}</m:sup>{}</m:nary>",
        r("0"),
        r("1"),
        e(&r("f(x)dx"))
    );
    assert_eq!(convert(&int), "\\int_{0}^{1} f(x)dx");
    let sum = format!(
        "<m:nary><m:naryPr><m:chr m:val=\"∑\"/></m:naryPr><m:sub>{}</m:sub><m:sup>{}</m:sup>{}</m:nary>",
        r("k=1"),
        r("n"),
        e(&r("k"))
    );
    assert_eq!(convert(&sum), "\\sum_{k=1}^{n} k");
    let lim = format!(
        "<m:func><m:fName><m:limLow>{}<m:lim>{}</m:lim></m:limLow></m:fName>{}</m:func>",
        e("<m:r><m:rPr><m:sty m:val=\"p\"/></m:rPr><m:t>lim</m:t></m:r>"),
        r("x→+∞"),
        e(&r("f(x)"))
    );
    assert_eq!(convert(&lim), "\\lim_{x\\to +\\infty }{f(x)}");
    let sin = format!("<m:func><m:fName>{}</m:fName>{}</m:func>", r("sin"), e(&r("2x")));
    assert_eq!(convert(&sin), "\\sin{2x}");
}

#[test]
fn delimiters_systems_and_matrices() {
    let paren = format!("<m:d>{}</m:d>", e(&r("a;b")));
    assert_eq!(convert(&paren), "\\left( a;b \\right)");
    let interval =
        format!("<m:d><m:dPr><m:begChr m:val=\"[\"/><m:endChr m:val=\")\"/></m:dPr>{}</m:d>", e(&r("1;+∞")));
    assert_eq!(convert(&interval), "\\left[ 1;+\\infty \\right)");
    let abs =
        format!("<m:d><m:dPr><m:begChr m:val=\"|\"/><m:endChr m:val=\"|\"/></m:dPr>{}</m:d>", e(&r("x")));
    assert_eq!(convert(&abs), "\\left| x \\right|");
    let system = format!(
        "<m:d><m:dPr><m:begChr m:val=\"{{\"/><m:endChr m:val=\"\"/></m:dPr>{}</m:d>",
        e(&format!("<m:eqArr>{}{}</m:eqArr>", e(&r("x+y=3")), e(&r("x-y=1"))))
    );
    assert_eq!(convert(&system), "\\begin{cases} x+y=3 \\\\ x-y=1 \\end{cases}");
    let either = format!(
        "<m:d><m:dPr><m:begChr m:val=\"[\"/><m:endChr m:val=\"\"/></m:dPr>{}</m:d>",
        e(&format!("<m:eqArr>{}{}</m:eqArr>", e(&r("x=1")), e(&r("x=2"))))
    );
    assert_eq!(convert(&either), "\\left[ \\begin{array}{l} x=1 \\\\ x=2 \\end{array} \\right.");
    let matrix = format!(
        "<m:d><m:e><m:m><m:mr>{}{}</m:mr><m:mr>{}{}</m:mr></m:m></m:e></m:d>",
        e(&r("1")),
        e(&r("2")),
        e(&r("3")),
        e(&r("4"))
    );
    assert_eq!(convert(&matrix), "\\left( \\begin{matrix} 1 & 2 \\\\ 3 & 4 \\end{matrix} \\right)");
}

#[test]
fn accents_bars_greek_and_symbols() {
    let vec = format!("<m:acc><m:accPr><m:chr m:val=\"⃗\"/></m:accPr>{}</m:acc>", e(&r("AB")));
    assert_eq!(convert(&vec), "\\overrightarrow{AB}");
    let hat = format!("<m:acc>{}</m:acc>", e(&r("x")));
    assert_eq!(convert(&hat), "\\hat{x}");
    let bar = format!("<m:bar><m:barPr><m:pos m:val=\"top\"/></m:barPr>{}</m:bar>", e(&r("AB")));
    assert_eq!(convert(&bar), "\\overline{AB}");
    let arc = format!("<m:acc><m:accPr><m:chr m:val=\"⌒\"/></m:accPr>{}</m:acc>", e(&r("AB")));
    assert_eq!(convert(&arc), "\\overset{\\frown}{AB}");
    assert_eq!(convert(&r("α+β≤π")), "\\alpha +\\beta \\le \\pi");
    assert_eq!(convert(&r("∀x∈ℝ, x²≥0")).replace(' ', ""), "\\forallx\\in\\mathbb{R},x^{2}\\ge0");
    assert_eq!(convert(&r("AB⊥CD, (P)∥(Q)")), "AB\\perp CD, (P)\\parallel (Q)");
    assert_eq!(convert(&r("60°")), "60^{\\circ}");
    assert_eq!(convert(&r("Δ>0⇔m&lt;1")), "\\Delta >0\\Leftrightarrow m<1");
}

#[test]
fn unknown_elements_keep_their_content_with_a_warning() {
    let xml = format!("<m:oMath><m:strange>{}</m:strange></m:oMath>", r("x"));
    let (latex, warnings) = to_latex(&parse(xml.as_bytes(), "t").unwrap());
    assert_eq!(latex, "x");
    assert!(warnings[0].contains("m:strange"), "{warnings:?}");
}
