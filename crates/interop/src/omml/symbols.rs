//! Characters of Word equations and MathType objects → LaTeX: Greek letters, the relations,
//! arrows, set and logic symbols of the THPT syllabus. Shared by the OMML and MTEF converters.

/// Characters that are not themselves in LaTeX math mode, and what they become.
const CHARS: &[(char, &str)] = &[
    ('α', "\\alpha "),
    ('β', "\\beta "),
    ('γ', "\\gamma "),
    ('δ', "\\delta "),
    ('ε', "\\varepsilon "),
    ('ϵ', "\\varepsilon "),
    ('ζ', "\\zeta "),
    ('η', "\\eta "),
    ('θ', "\\theta "),
    ('ϑ', "\\vartheta "),
    ('ι', "\\iota "),
    ('κ', "\\kappa "),
    ('λ', "\\lambda "),
    ('μ', "\\mu "),
    ('µ', "\\mu "),
    ('ν', "\\nu "),
    ('ξ', "\\xi "),
    ('π', "\\pi "),
    ('ρ', "\\rho "),
    ('σ', "\\sigma "),
    ('ς', "\\varsigma "),
    ('τ', "\\tau "),
    ('υ', "\\upsilon "),
    ('φ', "\\varphi "),
    ('ϕ', "\\varphi "),
    ('χ', "\\chi "),
    ('ψ', "\\psi "),
    ('ω', "\\omega "),
    ('Γ', "\\Gamma "),
    ('Δ', "\\Delta "),
    ('Θ', "\\Theta "),
    ('Λ', "\\Lambda "),
    ('Ξ', "\\Xi "),
    ('Π', "\\Pi "),
    ('Σ', "\\Sigma "),
    ('Φ', "\\Phi "),
    ('Ψ', "\\Psi "),
    ('Ω', "\\Omega "),
    ('≤', "\\le "),
    ('⩽', "\\le "),
    ('≥', "\\ge "),
    ('⩾', "\\ge "),
    ('≠', "\\ne "),
    ('≈', "\\approx "),
    ('≡', "\\equiv "),
    ('∼', "\\sim "),
    ('≅', "\\cong "),
    ('∝', "\\propto "),
    ('±', "\\pm "),
    ('∓', "\\mp "),
    ('×', "\\times "),
    ('·', "\\cdot "),
    ('⋅', "\\cdot "),
    ('÷', "\\div "),
    ('−', "-"),
    ('∞', "\\infty "),
    ('∈', "\\in "),
    ('∉', "\\notin "),
    ('∋', "\\ni "),
    ('⊂', "\\subset "),
    ('⊃', "\\supset "),
    ('⊆', "\\subseteq "),
    ('⊇', "\\supseteq "),
    ('∪', "\\cup "),
    ('∩', "\\cap "),
    ('∅', "\\varnothing "),
    ('⌀', "\\varnothing "),
    ('∖', "\\setminus "),
    ('∀', "\\forall "),
    ('∃', "\\exists "),
    ('¬', "\\neg "),
    ('∧', "\\wedge "),
    ('∨', "\\vee "),
    ('→', "\\to "),
    ('←', "\\leftarrow "),
    ('↔', "\\leftrightarrow "),
    ('⇒', "\\Rightarrow "),
    ('⇐', "\\Leftarrow "),
    ('⇔', "\\Leftrightarrow "),
    ('↑', "\\uparrow "),
    ('↓', "\\downarrow "),
    ('∠', "\\angle "),
    ('⊥', "\\perp "),
    ('∥', "\\parallel "),
    ('△', "\\triangle "),
    ('⊕', "\\oplus "),
    ('∯', "\\oiint "),
    ('ℵ', "\\aleph "),
    ('∡', "\\measuredangle "),
    ('⌊', "\\lfloor "),
    ('⌋', "\\rfloor "),
    ('⌈', "\\lceil "),
    ('⌉', "\\rceil "),
    ('℃', "{}^{\\circ}\\mathrm{C}"),
    ('⇌', "\\rightleftharpoons "),
    ('∦', "\\nparallel "),
    ('∆', "\\triangle "),
    ('°', "^{\\circ}"),
    ('∘', "\\circ "),
    ('′', "'"),
    ('²', "^{2}"),
    ('³', "^{3}"),
    ('″', "''"),
    ('…', "\\ldots "),
    ('⋯', "\\cdots "),
    ('⋮', "\\vdots "),
    ('∂', "\\partial "),
    ('∇', "\\nabla "),
    ('ℝ', "\\mathbb{R}"),
    ('ℕ', "\\mathbb{N}"),
    ('ℤ', "\\mathbb{Z}"),
    ('ℚ', "\\mathbb{Q}"),
    ('ℂ', "\\mathbb{C}"),
    ('∑', "\\sum "),
    ('∏', "\\prod "),
    ('∫', "\\int "),
    ('∬', "\\iint "),
    ('∭', "\\iiint "),
    ('∮', "\\oint "),
    ('√', "\\sqrt{}"),
    ('⟨', "\\langle "),
    ('〈', "\\langle "),
    ('⟩', "\\rangle "),
    ('〉', "\\rangle "),
    ('|', "|"),
    ('‖', "\\|"),
    ('{', "\\{"),
    ('}', "\\}"),
    ('%', "\\%"),
    ('#', "\\#"),
    ('&', "\\&"),
    ('$', "\\$"),
    ('_', "\\_"),
    ('\\', "\\backslash "),
    ('~', "\\sim "),
    ('^', "\\hat{}"),
    ('\u{a0}', " "),
    ('\u{2009}', " "),
    ('\u{200a}', " "),
    ('\u{2002}', " "),
    ('\u{2003}', " "),
    ('\u{200b}', ""),
    ('\u{2061}', ""),
    ('\u{2062}', ""),
    ('\u{2063}', ""),
];

/// The LaTeX of one character in math mode, when it is not itself (`α` → `\alpha`).
pub fn char_latex(c: char) -> Option<&'static str> {
    CHARS.iter().find(|(k, _)| *k == c).map(|(_, v)| *v)
}

/// The LaTeX of a big operator character (`∑` → `\sum`), `None` for anything else.
pub fn big_operator(c: char) -> Option<&'static str> {
    Some(match c {
        '∑' | '⅀' => "\\sum",
        '∏' => "\\prod",
        '∐' => "\\coprod",
        '∫' => "\\int",
        '∬' => "\\iint",
        '∭' => "\\iiint",
        '∮' => "\\oint",
        '⋃' => "\\bigcup",
        '⋂' => "\\bigcap",
        '⋁' => "\\bigvee",
        '⋀' => "\\bigwedge",
        _ => return None,
    })
}

/// Function names LaTeX knows as operators (`sin` → `\sin`); Vietnamese textbooks' `tg`, `cotg`
/// become `\operatorname`.
pub fn function_name(name: &str) -> Option<String> {
    const KNOWN: &[&str] = &[
        "sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
        "coth", "log", "ln", "lg", "exp", "lim", "max", "min", "sup", "inf", "det", "deg", "gcd", "arg",
        "dim", "ker",
    ];
    let n = name.trim();
    if KNOWN.contains(&n) {
        Some(format!("\\{n}"))
    } else if matches!(n, "tg" | "cotg" | "arccot" | "arctg" | "arccotg" | "sgn") {
        Some(format!("\\operatorname{{{n}}}"))
    } else {
        None
    }
}

/// Converts a run of equation text to LaTeX: ASCII stays, known characters map, and words with
/// Vietnamese letters (or every word of a `plain` run) go into `\text{…}`, spaces between such
/// words kept, so the renderer accepts them and the reader sees words.
pub fn text_latex(s: &str, plain: bool) -> String {
    let tokens = tokenise(s);
    let textual = |t: &str| {
        t.chars().next().is_some_and(char::is_alphabetic)
            && (plain || t.chars().any(|c| !c.is_ascii() && char_latex(c).is_none()))
    };
    let mut out = String::new();
    let mut text = String::new();
    for (i, t) in tokens.iter().enumerate() {
        if textual(t) {
            text.push_str(t);
            continue;
        }
        if t.chars().all(|c| c == ' ') && !text.is_empty() && tokens.get(i + 1).is_some_and(|n| textual(n)) {
            text.push_str(t);
            continue;
        }
        flush_text(&mut text, &mut out);
        for c in t.chars() {
            match char_latex(c) {
                Some(l) => out.push_str(l),
                None if c.is_ascii() => out.push(c),
                None => {
                    out.push_str("\\text{");
                    out.push(c);
                    out.push('}');
                }
            }
        }
    }
    flush_text(&mut text, &mut out);
    out
}

fn flush_text(text: &mut String, out: &mut String) {
    if !text.is_empty() {
        out.push_str("\\text{");
        out.push_str(text);
        out.push('}');
        text.clear();
    }
}

/// Words (runs of letters not mapped to a command), runs of spaces, and single other characters.
fn tokenise(s: &str) -> Vec<String> {
    let kind = |c: char| {
        if c.is_alphabetic() && char_latex(c).is_none() {
            0
        } else if c == ' ' {
            1
        } else {
            2
        }
    };
    let mut tokens: Vec<String> = Vec::new();
    let mut last = None;
    for c in s.chars() {
        let k = kind(c);
        match tokens.last_mut() {
            Some(t) if last == Some(k) && k != 2 => t.push(c),
            _ => tokens.push(c.to_string()),
        }
        last = Some(k);
    }
    tokens
}

/// A character of Word's "Symbol" font (`w:sym w:char="F0DE"`, Equation Editor 3.0's Greek and
/// symbols) → Unicode.
pub fn symbol_font_char(code: u32) -> Option<char> {
    let c = code & 0xFF;
    Some(match c {
        0x61 => 'α',
        0x62 => 'β',
        0x63 => 'χ',
        0x64 => 'δ',
        0x65 => 'ε',
        0x66 => 'φ',
        0x67 => 'γ',
        0x68 => 'η',
        0x6A => 'φ',
        0x6C => 'λ',
        0x6D => 'μ',
        0x70 => 'π',
        0x71 => 'θ',
        0x72 => 'ρ',
        0x73 => 'σ',
        0x74 => 'τ',
        0x77 => 'ω',
        0x44 => 'Δ',
        0x57 => 'Ω',
        0x5E => '⊥',
        0xA3 => '≤',
        0xB3 => '≥',
        0xB9 => '≠',
        0xBA => '≡',
        0xBB => '≈',
        0xB1 => '±',
        0xB4 => '×',
        0xB0 => '°',
        0xA5 => '∞',
        0xAE => '→',
        0xDE => '⇒',
        0xDB => '⇔',
        0xCE => '∈',
        0xCF => '∉',
        0xC6 => '∅',
        0xC7 => '∩',
        0xC8 => '∪',
        0xCC => '⊂',
        0xD6 => '√',
        0xD0 => '∠',
        0x22 => '∀',
        0x24 => '∃',
        0x20..=0x7E => char::from_u32(c)?,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_map_to_commands() {
        assert_eq!(text_latex("α≤β", false), "\\alpha \\le \\beta ");
        assert_eq!(text_latex("x∈ℝ", false), "x\\in \\mathbb{R}");
        assert_eq!(text_latex("nếu x", false), "\\text{nếu} x");
        assert_eq!(text_latex("khi và chỉ khi", true), "\\text{khi và chỉ khi}");
        assert_eq!(function_name("sin").as_deref(), Some("\\sin"));
        assert_eq!(function_name("tg").as_deref(), Some("\\operatorname{tg}"));
        assert_eq!(big_operator('∑'), Some("\\sum"));
    }
}
