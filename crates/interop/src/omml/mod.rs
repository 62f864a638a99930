//! Word equations (Office Math Markup, `m:oMath`) → LaTeX, the bank's native notation.
//!
//! Covers what THPT papers use: fractions (`m:f`), roots (`m:rad`), scripts (`m:sSub`, `m:sSup`,
//! `m:sSubSup`, `m:sPre`), n-ary operators with limits (`m:nary`), delimiters (`m:d`) with systems
//! (`m:eqArr` in a brace → `cases`, in a bracket → the "hoặc" bracket), matrices (`m:m`), accents
//! (`m:acc`, `m:bar`, `m:groupChr`), functions (`m:func`, `m:limLow`, `m:limUpp`) and boxes. An
//! element it does not know is converted through its children and named in a warning, so nothing
//! is dropped silently.

pub mod symbols;

use crate::docx::xml::Node;
use symbols::{big_operator, function_name, text_latex};

/// The LaTeX of an `m:oMath` or `m:oMathPara` element (without `$`), and warnings for elements
/// that were converted only approximately.
pub fn to_latex(node: &Node) -> (String, Vec<String>) {
    let mut conv = Converter::default();
    let latex = conv.node(node);
    (tidy(&latex), conv.warnings)
}

#[derive(Default)]
struct Converter {
    warnings: Vec<String>,
}

/// Whether an OMML on/off property is on (`m:val` absent means on).
fn flag(pr: Option<&Node>, name: &str) -> bool {
    pr.and_then(|p| p.child(name)).is_some_and(|n| !matches!(n.attr("val"), Some("0" | "off" | "false")))
}

/// A property's character: `None` when absent (use the default), `Some("")` when set to nothing.
fn chr<'a>(pr: Option<&'a Node>, name: &str) -> Option<&'a str> {
    pr.and_then(|p| p.child(name)).map(|n| n.attr("val").unwrap_or(""))
}

/// Braces around a base unless it is one symbol.
fn base(s: &str) -> String {
    let t = s.trim();
    if t.chars().count() == 1 || (t.starts_with('\\') && t[1..].chars().all(|c| c.is_ascii_alphabetic())) {
        t.to_string()
    } else {
        format!("{{{t}}}")
    }
}

fn delimiter(c: &str, left: bool) -> String {
    match c {
        "" => ".".into(),
        "{" => "\\{".into(),
        "}" => "\\}".into(),
        "‖" => "\\|".into(),
        "⟨" | "〈" => "\\langle".into(),
        "⟩" | "〉" => "\\rangle".into(),
        "⌊" => "\\lfloor".into(),
        "⌋" => "\\rfloor".into(),
        "⌈" => "\\lceil".into(),
        "⌉" => "\\rceil".into(),
        "(" | ")" | "[" | "]" | "|" | "/" => c.into(),
        _ if left => "(".into(),
        _ => ")".into(),
    }
}

impl Converter {
    fn children(&mut self, n: &Node) -> String {
        n.elements().map(|e| self.node(e)).collect()
    }

    /// The converted content of the first child element named `name` (empty when absent).
    fn arg(&mut self, n: &Node, name: &str) -> String {
        n.child(name).map(|c| self.children(c)).unwrap_or_default()
    }

    fn node(&mut self, n: &Node) -> String {
        match n.name.as_str() {
            "m:oMathPara" => n.elements().map(|e| self.node(e)).collect::<Vec<_>>().join(" "),
            "m:oMath" | "m:e" | "m:num" | "m:den" | "m:sub" | "m:sup" | "m:deg" | "m:lim" | "m:fName"
            | "m:box" | "w:hyperlink" | "w:ins" | "w:smartTag" => self.children(n),
            "m:r" => self.run(n),
            "w:r" => text_latex(&n.child("w:t").map(Node::text).unwrap_or_default(), true),
            "m:f" => self.fraction(n),
            "m:rad" => {
                let e = self.arg(n, "m:e");
                let deg = self.arg(n, "m:deg");
                if flag(n.child("m:radPr"), "m:degHide") || deg.trim().is_empty() {
                    format!("\\sqrt{{{e}}}")
                } else {
                    format!("\\sqrt[{deg}]{{{e}}}")
                }
            }
            "m:sSub" => format!("{}_{{{}}}", base(&self.arg(n, "m:e")), self.arg(n, "m:sub")),
            "m:sSup" => format!("{}^{{{}}}", base(&self.arg(n, "m:e")), self.arg(n, "m:sup")),
            "m:sSubSup" => {
                let b = base(&self.arg(n, "m:e"));
                format!("{b}_{{{}}}^{{{}}}", self.arg(n, "m:sub"), self.arg(n, "m:sup"))
            }
            "m:sPre" => {
                let (sub, sup) = (self.arg(n, "m:sub"), self.arg(n, "m:sup"));
                format!("{{}}_{{{sub}}}^{{{sup}}}{}", self.arg(n, "m:e"))
            }
            "m:nary" => self.nary(n),
            "m:d" => self.delimited(n),
            "m:eqArr" => format!("\\begin{{array}}{{l}} {} \\end{{array}}", self.rows(n).join(" \\\\ ")),
            "m:m" => self.matrix(n),
            "m:acc" => self.accent(n),
            "m:bar" => {
                let e = self.arg(n, "m:e");
                let top = n.child("m:barPr").and_then(|p| p.child_val("m:pos")) == Some("top");
                if top { format!("\\overline{{{e}}}") } else { format!("\\underline{{{e}}}") }
            }
            "m:groupChr" => self.group_char(n),
            "m:func" => self.function(n),
            "m:limLow" => {
                let e = self.arg(n, "m:e");
                let lim = self.arg(n, "m:lim");
                match e.trim() {
                    "\\lim" | "\\max" | "\\min" | "\\sup" | "\\inf" => format!("{}_{{{lim}}}", e.trim()),
                    "\\text{lim}" | "lim" => format!("\\lim_{{{lim}}}"),
                    _ => format!("\\underset{{{lim}}}{{{e}}}"),
                }
            }
            "m:limUpp" => format!("\\overset{{{}}}{{{}}}", self.arg(n, "m:lim"), self.arg(n, "m:e")),
            "m:borderBox" => format!("\\boxed{{{}}}", self.arg(n, "m:e")),
            "m:phant" => {
                let shown = n
                    .child("m:phantPr")
                    .and_then(|p| p.child_val("m:show"))
                    .is_none_or(|v| v != "0" && v != "off");
                if shown { self.arg(n, "m:e") } else { String::new() }
            }
            name if name.ends_with("Pr") || name == "m:ctrlPr" || name.starts_with("w:") => String::new(),
            other => {
                self.warnings.push(format!("equation element <{other}> converted through its content only"));
                self.children(n)
            }
        }
    }

    fn run(&mut self, n: &Node) -> String {
        let text: String = n.elements().filter(|e| e.name == "m:t").map(Node::text).collect();
        let pr = n.child("m:rPr");
        let plain = pr.is_some_and(|p| p.child("m:nor").is_some() || p.child_val("m:sty") == Some("p"));
        if let Some(f) = function_name(&text) {
            return format!("{f} ");
        }
        text_latex(
            &text,
            plain && text.chars().any(|c| c.is_alphabetic() && c.is_ascii()) && text.trim().len() > 1,
        )
    }

    fn fraction(&mut self, n: &Node) -> String {
        let (num, den) = (self.arg(n, "m:num"), self.arg(n, "m:den"));
        match n.child("m:fPr").and_then(|p| p.child_val("m:type")) {
            Some("lin" | "skw") => format!("{}/{}", base(&num), base(&den)),
            Some("noBar") => format!("\\begin{{matrix}} {num} \\\\ {den} \\end{{matrix}}"),
            _ => format!("\\frac{{{num}}}{{{den}}}"),
        }
    }

    fn nary(&mut self, n: &Node) -> String {
        let pr = n.child("m:naryPr");
        let c = chr(pr, "m:chr").and_then(|s| s.chars().next()).unwrap_or('∫');
        let op = match big_operator(c) {
            Some(op) => op.to_string(),
            None => {
                self.warnings.push(format!("n-ary operator '{c}' has no LaTeX command; written as a symbol"));
                format!("\\mathop{{{}}}", text_latex(&c.to_string(), false))
            }
        };
        let mut out = op;
        let sub = self.arg(n, "m:sub");
        let sup = self.arg(n, "m:sup");
        if !flag(pr, "m:subHide") && !sub.trim().is_empty() {
            out.push_str(&format!("_{{{sub}}}"));
        }
        if !flag(pr, "m:supHide") && !sup.trim().is_empty() {
            out.push_str(&format!("^{{{sup}}}"));
        }
        format!("{out} {}", self.arg(n, "m:e"))
    }

    fn rows(&mut self, n: &Node) -> Vec<String> {
        n.elements().filter(|e| e.name == "m:e").map(|e| self.children(e).replace('&', "")).collect()
    }

    fn delimited(&mut self, n: &Node) -> String {
        let pr = n.child("m:dPr");
        let beg = chr(pr, "m:begChr").unwrap_or("(");
        let end = chr(pr, "m:endChr").unwrap_or(")");
        let sep = chr(pr, "m:sepChr").unwrap_or("|");
        let parts: Vec<&Node> = n.elements().filter(|e| e.name == "m:e").collect();
        // A system: one element holding only an equation array.
        if let [only] = parts.as_slice()
            && let [array] =
                only.elements().filter(|e| !e.name.ends_with("Pr")).collect::<Vec<_>>().as_slice()
            && array.name == "m:eqArr"
            && end.is_empty()
        {
            let rows = self.rows(array).join(" \\\\ ");
            if beg == "{" {
                return format!("\\begin{{cases}} {rows} \\end{{cases}}");
            }
            return format!(
                "\\left{} \\begin{{array}}{{l}} {rows} \\end{{array}} \\right.",
                delimiter(beg, true)
            );
        }
        let sep_latex = if sep == "|" { " \\mid ".to_string() } else { text_latex(sep, false) };
        let inner = parts.iter().map(|e| self.children(e)).collect::<Vec<_>>().join(&sep_latex);
        format!("\\left{} {inner} \\right{}", delimiter(beg, true), delimiter(end, false))
    }

    fn matrix(&mut self, n: &Node) -> String {
        let rows: Vec<String> = n
            .elements()
            .filter(|r| r.name == "m:mr")
            .map(|r| {
                r.elements()
                    .filter(|e| e.name == "m:e")
                    .map(|e| self.children(e))
                    .collect::<Vec<_>>()
                    .join(" & ")
            })
            .collect();
        format!("\\begin{{matrix}} {} \\end{{matrix}}", rows.join(" \\\\ "))
    }

    fn accent(&mut self, n: &Node) -> String {
        let e = self.arg(n, "m:e");
        let c = chr(n.child("m:accPr"), "m:chr").and_then(|s| s.chars().next()).unwrap_or('\u{302}');
        let long = e.trim().chars().count() > 1;
        let cmd = match c {
            '\u{302}' | '^' | 'ˆ' => {
                if long {
                    "\\widehat"
                } else {
                    "\\hat"
                }
            }
            '\u{303}' | '~' | '˜' => {
                if long {
                    "\\widetilde"
                } else {
                    "\\tilde"
                }
            }
            '\u{304}' | '\u{305}' | '¯' | '‾' => {
                if long {
                    "\\overline"
                } else {
                    "\\bar"
                }
            }
            '\u{20d7}' | '\u{20d1}' | '→' => {
                if long {
                    "\\overrightarrow"
                } else {
                    "\\vec"
                }
            }
            '\u{20d6}' | '←' => "\\overleftarrow",
            '\u{20e1}' | '↔' => "\\overleftrightarrow",
            '\u{307}' | '˙' => "\\dot",
            '\u{308}' | '¨' => "\\ddot",
            '\u{30c}' | 'ˇ' => "\\check",
            '\u{306}' | '˘' => "\\breve",
            '\u{301}' | '´' => "\\acute",
            '\u{300}' | '`' => "\\grave",
            '\u{311}' | '⌒' | '⏜' | '\u{2322}' => return format!("\\overset{{\\frown}}{{{e}}}"),
            other => {
                self.warnings.push(format!("accent '{other}' has no LaTeX command; written over the base"));
                return format!("\\overset{{{}}}{{{e}}}", text_latex(&other.to_string(), false));
            }
        };
        format!("{cmd}{{{e}}}")
    }

    fn group_char(&mut self, n: &Node) -> String {
        let e = self.arg(n, "m:e");
        let pr = n.child("m:groupChrPr");
        let c = chr(pr, "m:chr").and_then(|s| s.chars().next()).unwrap_or('⏟');
        let top = pr.and_then(|p| p.child_val("m:pos")) == Some("top");
        match c {
            '⏟' => format!("\\underbrace{{{e}}}"),
            '⏞' => format!("\\overbrace{{{e}}}"),
            _ if top => format!("\\overset{{{}}}{{{e}}}", text_latex(&c.to_string(), false)),
            _ => format!("\\underset{{{}}}{{{e}}}", text_latex(&c.to_string(), false)),
        }
    }

    fn function(&mut self, n: &Node) -> String {
        let fname = n.child("m:fName");
        let raw = fname.map(Node::text).unwrap_or_default();
        let name = match function_name(&raw) {
            Some(f) => f,
            None => {
                let converted = fname.map(|f| self.children(f)).unwrap_or_default();
                if converted.trim_start().starts_with('\\') {
                    converted.trim().to_string()
                } else {
                    format!("\\operatorname{{{}}}", converted.trim())
                }
            }
        };
        format!("{name}{{{}}}", self.arg(n, "m:e"))
    }
}

/// Collapses runs of spaces and trims, so the LaTeX reads as a writer would type it.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.trim().chars() {
        if c == ' ' {
            if !space {
                out.push(c);
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

#[cfg(test)]
mod tests;
