//! MTEF streams built byte by byte from the v5 specification (no MathType here to make them), then
//! converted and rendered.

use super::*;

/// A tiny MTEF v5 writer for the tests.
struct W(Vec<u8>);

impl W {
    fn new() -> Self {
        // version 5, Windows, MathType, 6.0, "DSMT6", inline
        let mut v = vec![5, 1, 0, 6, 0];
        v.extend(b"DSMT6\0");
        v.push(1);
        // A FONT_DEF and SIZE record, read past.
        v.extend([17, 1]);
        v.extend(b"Times New Roman\0");
        v.extend([10]);
        W(v)
    }
    fn line(mut self) -> Self {
        self.0.extend([1, 0]);
        self
    }
    fn null_line(mut self) -> Self {
        self.0.extend([1, 1]);
        self
    }
    fn ch(mut self, typeface: u8, c: char) -> Self {
        self.0.extend([2, 0, 128 + typeface]);
        self.0.extend((c as u16).to_le_bytes());
        self
    }
    fn var(self, s: &str) -> Self {
        s.chars().fold(self, |w, c| {
            w.ch(
                if c.is_ascii_digit() {
                    8
                } else if c.is_alphabetic() {
                    3
                } else {
                    6
                },
                c,
            )
        })
    }
    fn embellished(mut self, c: char, emb: u8) -> Self {
        self.0.extend([2, 1, 128 + 3]);
        self.0.extend((c as u16).to_le_bytes());
        self.0.extend([6, 0, emb, 0]);
        self
    }
    fn tmpl(mut self, selector: u8, variation: u8) -> Self {
        self.0.extend([3, 0, selector, variation, 0]);
        self
    }
    fn end(mut self) -> Self {
        self.0.push(0);
        self
    }
    fn latex(mut self) -> String {
        self.0.push(0);
        let latex = from_mtef(&self.0).unwrap();
        let md = format!("${latex}$");
        if let Err(e) = khaothi_render::render_markdown(&md, &khaothi_render::RenderOptions::default()) {
            panic!("{latex}: {e}");
        }
        latex
    }
}

#[test]
fn fraction_root_and_scripts() {
    // \frac{1}{x+1}
    let f = W::new().line().tmpl(11, 0).line().var("1").end().line().var("x+1").end().end().end().latex();
    assert_eq!(f, "\\frac{1}{x+1}");
    // \sqrt{x}, \sqrt[3]{2}
    let r = W::new().line().tmpl(10, 0).line().var("x").end().null_line().end().end().latex();
    assert_eq!(r, "\\sqrt{x}");
    let n = W::new().line().tmpl(10, 1).line().var("2").end().line().var("3").end().end().end().latex();
    assert_eq!(n, "\\sqrt[3]{2}");
    // x^{2}+y_{1}
    let s = W::new()
        .line()
        .var("x")
        .tmpl(28, 0)
        .null_line()
        .line()
        .var("2")
        .end()
        .end()
        .var("+y")
        .tmpl(27, 0)
        .line()
        .var("1")
        .end()
        .null_line()
        .end()
        .end()
        .latex();
    assert_eq!(s, "x^{2}+y_{1}");
}

#[test]
fn fences_systems_operators_and_matrices() {
    // \left( a \right)
    let p = W::new().line().tmpl(1, 3).line().var("a").end().ch(6, '(').ch(6, ')').end().end().latex();
    assert_eq!(p, "\\left( a \\right)");
    // a system: a left brace around a pile of two lines
    let mut w = W::new().line().tmpl(2, 1).line();
    w.0.extend([4, 0, 1, 0]);
    let sys =
        w.line().var("x+y=2").end().line().var("x-y=0").end().end().end().ch(6, '{').end().end().latex();
    assert_eq!(sys, "\\begin{cases} x+y=2 \\\\ x-y=0 \\end{cases}");
    // \int_{0}^{1} x dx with lower and upper limits
    let int = W::new()
        .line()
        .tmpl(15, 0x31)
        .line()
        .var("xdx")
        .end()
        .line()
        .var("0")
        .end()
        .line()
        .var("1")
        .end()
        .ch(6, '∫')
        .end()
        .end()
        .latex();
    assert_eq!(int, "\\int_{0}^{1} xdx");
    // \sum_{k=1}^{n} k
    let sum = W::new()
        .line()
        .tmpl(16, 0x70)
        .line()
        .var("k")
        .end()
        .line()
        .var("k=1")
        .end()
        .line()
        .var("n")
        .end()
        .ch(6, '∑')
        .end()
        .end()
        .latex();
    assert_eq!(sum, "\\sum_{k=1}^{n} k");
    // a 2×2 matrix
    let mut m = W::new().line();
    m.0.extend([5, 0, 1, 2, 1, 2, 2, 0, 0]);
    let mat = m
        .line()
        .var("1")
        .end()
        .line()
        .var("0")
        .end()
        .line()
        .var("0")
        .end()
        .line()
        .var("1")
        .end()
        .end()
        .end()
        .latex();
    assert_eq!(mat, "\\begin{matrix} 1 & 0 \\\\ 0 & 1 \\end{matrix}");
}

#[test]
fn functions_greek_vectors_and_embellishments() {
    let f = W::new().line().ch(2, 's').ch(2, 'i').ch(2, 'n').var("x≤α").end().latex();
    assert_eq!(f, "\\sin x\\le \\alpha");
    let lim = W::new()
        .line()
        .tmpl(23, 0x10)
        .line()
        .ch(2, 'l')
        .ch(2, 'i')
        .ch(2, 'm')
        .end()
        .line()
        .var("x→0")
        .end()
        .null_line()
        .end()
        .end()
        .latex();
    assert_eq!(lim, "\\lim_{x\\to 0}");
    let v = W::new().line().tmpl(31, 2).line().var("AB").end().ch(6, '→').end().end().latex();
    assert_eq!(v, "\\overrightarrow{AB}");
    let prime = W::new().line().embellished('f', 5).var("(x)").end().latex();
    assert_eq!(prime, "f'(x)");
    let text = W::new().line().ch(1, 'v').ch(1, 'à').end().latex();
    assert_eq!(text, "\\text{và}");
}

#[test]
fn what_cannot_be_mapped_is_an_error_with_its_reason() {
    let mut private = W::new().line().ch(6, '\u{E001}').end();
    private.0.push(0);
    assert!(from_mtef(&private.0).unwrap_err().contains("private character"));
    let mut ldiv = W::new().line().tmpl(26, 0).line().end().end().end();
    ldiv.0.push(0);
    assert!(from_mtef(&ldiv.0).unwrap_err().contains("template 26"));
    assert!(from_mtef(&[2, 1, 0, 3, 0]).unwrap_err().contains("MTEF version 2"));
    assert!(from_mtef(&[5, 1]).unwrap_err().contains("ends early"));
    assert!(from_equation_native(&[28, 0, 1]).unwrap_err().contains("header is longer"));
    assert!(from_ole(b"not ole").unwrap_err().contains("not an OLE"));
}

#[test]
fn an_ole_object_is_read_through_its_equation_native_stream() {
    let mtef = {
        let mut w = W::new().line().var("x=1").end();
        w.0.push(0);
        w.0
    };
    let mut native = vec![28, 0, 0, 0, 2, 0];
    native.extend([0u8; 22]);
    native.extend(&mtef);
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    std::io::Write::write_all(&mut file.create_stream("/Equation Native").unwrap(), &native).unwrap();
    let bytes = file.into_inner().into_inner();
    assert_eq!(from_ole(&bytes).unwrap(), "x=1");
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
        let mut input = vec![5, 1, 0, 6, 0, 0, 1];
        input.extend(&bytes);
        let _ = from_mtef(&input);
        let mut v3 = vec![3, 1, 1, 3, 0];
        v3.extend(bytes);
        let _ = from_mtef(&v3);
    }
}

/// Equation Editor 3.0 objects (MTEF v3) written by LibreOffice's MathType export
/// (scripts/fixtures/mathtype_lo.py): real software's bytes, not the tests' own.
#[test]
fn libreoffice_equation_editor_objects_become_latex() {
    let fixture = include_str!("../../tests/fixtures/mtef/libreoffice-v3.tsv");
    let expected = [
        ("fraction", "\\frac{1}{x^{2}}"),
        ("sqrt", "\\sqrt{x-2}"),
        ("root3", "\\sqrt[3]{x}"),
        ("sub", "u_{n}"),
        ("subsup", "C_{8}^{2}"),
        ("sum", "\\sum_{k=1}^{n}k"),
        ("integral", "\\int_{0}^{2}f\\left(x\\right)dx"),
        ("limit", "\\lim_{x\\to+\\infty}\\frac{2x+1}{x-1}"),
        ("interval", "\\left[2;+\\infty\\right)"),
        ("abs", "\\left|a\\right|"),
        ("braces", "\\left\\{2\\right\\}"),
        ("system", "\\begin{cases}x+y=3\\\\2x-y=0\\end{cases}"),
        ("union", "\\left[\\begin{array}{l}x=1\\\\x=2\\end{array}\\right."),
        ("matrix", "\\left(\\begin{matrix}1&0\\\\0&1\\end{matrix}\\right)"),
        ("vector", "\\overrightarrow{a}"),
        ("overline", "\\overline{AB}"),
        ("functions", "\\sin2x+\\log_{2}8"),
        ("product", "\\prod_{i=1}^{n}i"),
        ("contour", "\\oint_{C}f"),
        ("underbrace", "\\underbrace{a+b}"),
        ("angle", "\\left\\langlex\\right\\rangle"),
        ("celsius", "t=25{}^{\\circ}\\mathrm{C}"),
    ];
    let mut seen = 0;
    for line in fixture.lines() {
        let [name, what, hex] = line.split('\t').collect::<Vec<_>>()[..] else { panic!("{line}") };
        let bytes: Vec<u8> =
            (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
        if name == "clockwise" {
            let e = from_equation_native(&bytes).unwrap_err();
            assert!(e.contains("U+2232 has no LaTeX equivalent"), "{e}");
            seen += 1;
            continue;
        }
        let latex = from_equation_native(&bytes).unwrap_or_else(|e| panic!("{name} ({what}): {e}"));
        let md = format!("${latex}$");
        if let Err(e) = khaothi_render::render_markdown(&md, &khaothi_render::RenderOptions::default()) {
            panic!("{name}: {latex}: {e}");
        }
        let compact: String = latex.split_whitespace().collect();
        if name == "symbols" {
            for s in ["\\alpha", "\\beta", "\\pi", "\\Delta", "\\infty", "\\in", "\\Rightarrow", "\\pm"] {
                assert!(compact.contains(s), "{s} in {latex}");
            }
        } else {
            let want = expected.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("{name}")).1;
            assert_eq!(compact, want, "{name} ({what})");
        }
        seen += 1;
    }
    assert_eq!(seen, expected.len() + 2, "every equation of the fixture, the symbols and ∲ too");
}

/// Hostile MTEF v3: deep nesting, endless records, truncation — refused with a reason.
#[test]
fn hostile_equation_editor_data_is_refused() {
    let head = [3u8, 1, 1, 3, 0];
    let deep: Vec<u8> = head.iter().copied().chain(std::iter::repeat_n(0x01, 10_000)).collect();
    assert!(from_mtef(&deep).unwrap_err().contains("nests deeper"));
    let many: Vec<u8> = head.iter().copied().chain(std::iter::repeat_n(0x0a, 30_000)).collect();
    assert!(from_mtef(&many).unwrap_err().contains("more than"));
    let cut = [3u8, 1, 1, 3, 0, 0x02, 0x83];
    assert!(from_mtef(&cut).unwrap_err().contains("ends early"));
    assert!(from_mtef(&[4, 0, 0]).unwrap_err().contains("versions 3 and 5"));
    let limits = Limits { depth: 3, records: 10 };
    let ok = [3u8, 1, 1, 3, 0, 0x01, 0x02, 0x83, b'x', 0, 0];
    assert_eq!(from_mtef_with(&ok, limits).unwrap(), "x");
}
