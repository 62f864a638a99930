//! The MTEF tree → LaTeX: templates (fences, roots, fractions, scripts, big operators, limits,
//! bars, arrows, vectors, hats, boxes), piles and matrices, characters by typeface (text and
//! function names grouped into words) and embellishments (dots, primes, hats, bars, arrows).

use super::records::Obj;
use crate::omml::symbols::{char_latex, function_name};

const FN_TEXT: i16 = 1;
const FN_FUNCTION: i16 = 2;
const FN_SPACE: i16 = 24;

pub fn write(objs: &[Obj]) -> Result<String, String> {
    let s = list(objs)?;
    Ok(s.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// A list of objects; consecutive text or function characters form one word.
fn list(objs: &[Obj]) -> Result<String, String> {
    let mut out = String::new();
    let mut i = 0;
    while i < objs.len() {
        if let Obj::Char { typeface, embells, .. } = &objs[i]
            && (*typeface == FN_TEXT || *typeface == FN_FUNCTION)
            && embells.is_empty()
        {
            let face = *typeface;
            let mut word = String::new();
            while let Some(Obj::Char { typeface, code, embells }) = objs.get(i)
                && *typeface == face
                && embells.is_empty()
            {
                word.push(char::from_u32(*code as u32).ok_or_else(|| format!("character code {code:#06x}"))?);
                i += 1;
            }
            out.push_str(&word_latex(&word, face));
            continue;
        }
        out.push_str(&obj(&objs[i])?);
        i += 1;
    }
    Ok(out)
}

fn word_latex(word: &str, face: i16) -> String {
    if face == FN_FUNCTION {
        return function_name(word)
            .map(|f| format!("{f} "))
            .unwrap_or_else(|| format!("\\operatorname{{{word}}}"));
    }
    // Text: letters form words (a function name, as Equation Editor writes `sin` in the text
    // style, or \text), other characters stand alone (`sin2x` is `\sin 2x`).
    let mut out = String::new();
    let chars: Vec<char> = word.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            let letters: String = chars[start..i].iter().collect();
            match function_name(&letters) {
                Some(f) => out.push_str(&format!("{f} ")),
                None => out.push_str(&format!("\\text{{{letters}}}")),
            }
        } else {
            let c = chars[i];
            out.push_str(&char_latex(c).map(|l| format!("{l} ")).unwrap_or_else(|| c.to_string()));
            i += 1;
        }
    }
    out
}

fn obj(o: &Obj) -> Result<String, String> {
    match o {
        Obj::Line(None) => Ok(String::new()),
        Obj::Line(Some(objs)) => list(objs),
        Obj::Char { typeface, code, embells } => character(*typeface, *code, embells),
        Obj::Tmpl { selector, variation, subs } => template(*selector, *variation, subs),
        Obj::Pile(lines) => {
            Ok(format!("\\begin{{array}}{{l}} {} \\end{{array}}", rows(lines)?.join(" \\\\ ")))
        }
        Obj::Matrix { rows: r, cols, cells } => {
            let cells = cells.iter().map(obj).collect::<Result<Vec<_>, _>>()?;
            if *cols == 0 || cells.len() != r * cols {
                return Err(format!("a {r}×{cols} matrix with {} cells", cells.len()));
            }
            let body: Vec<String> = cells.chunks(*cols).map(|row| row.join(" & ")).collect();
            Ok(format!("\\begin{{matrix}} {} \\end{{matrix}}", body.join(" \\\\ ")))
        }
    }
}

fn rows(lines: &[Obj]) -> Result<Vec<String>, String> {
    lines.iter().map(obj).collect()
}

fn character(typeface: i16, code: u16, embells: &[u8]) -> Result<String, String> {
    if code == 0 {
        return Ok(String::new()); // an absent fence (Equation Editor writes code 0)
    }
    if typeface == FN_SPACE || (0xEF00..=0xEF0F).contains(&code) {
        return Ok("\\,".into());
    }
    let c = char::from_u32(code as u32).ok_or_else(|| format!("character code {code:#06x}"))?;
    if (0xE000..=0xF8FF).contains(&code) {
        return Err(format!("MathType private character U+{code:04X} has no LaTeX equivalent"));
    }
    let mut s = match char_latex(c) {
        Some(l) => l.to_string(),
        None if c.is_ascii() => c.to_string(),
        None if typeface == FN_TEXT || c.is_alphabetic() => format!("\\text{{{c}}}"),
        None => return Err(format!("character U+{code:04X} has no LaTeX equivalent")),
    };
    for e in embells {
        s = embellish(&s, *e)?;
    }
    Ok(s)
}

/// MTEF embellishment codes (emb1DOT = 2 …).
fn embellish(base: &str, code: u8) -> Result<String, String> {
    Ok(match code {
        2 => format!("\\dot{{{base}}}"),
        3 => format!("\\ddot{{{base}}}"),
        5 => format!("{base}'"),
        6 => format!("{base}''"),
        8 => format!("\\tilde{{{base}}}"),
        9 => format!("\\hat{{{base}}}"),
        10 => format!("\\not{{{base}}}"),
        11 | 14 => format!("\\vec{{{base}}}"),
        12 | 15 => format!("\\overleftarrow{{{base}}}"),
        13 => format!("\\overleftrightarrow{{{base}}}"),
        17 => format!("\\bar{{{base}}}"),
        18 => format!("{base}'''"),
        19 => format!("\\overset{{\\frown}}{{{base}}}"),
        29 => format!("\\underline{{{base}}}"),
        other => return Err(format!("embellishment {other} has no LaTeX equivalent")),
    })
}

/// The slots of a template (its lines, piles and matrices) and its characters (fence, operator).
struct Parts<'a> {
    slots: Vec<&'a Obj>,
}

impl<'a> Parts<'a> {
    fn of(subs: &'a [Obj]) -> Self {
        Parts { slots: subs.iter().filter(|s| !matches!(s, Obj::Char { .. })).collect() }
    }

    fn slot(&self, k: usize) -> Result<String, String> {
        self.slots.get(k).map_or(Ok(String::new()), |o| obj(o))
    }

    /// The main slot's only object, when it is a pile (a system inside a brace).
    fn pile(&self) -> Option<&'a [Obj]> {
        match self.slots.first()? {
            Obj::Line(Some(objs)) => match objs.as_slice() {
                [Obj::Pile(lines)] => Some(lines),
                _ => None,
            },
            Obj::Pile(lines) => Some(lines),
            _ => None,
        }
    }
}

fn scripts(lower: &str, upper: &str) -> String {
    let mut s = String::new();
    if !lower.trim().is_empty() {
        s.push_str(&format!("_{{{lower}}}"));
    }
    if !upper.trim().is_empty() {
        s.push_str(&format!("^{{{upper}}}"));
    }
    s
}

/// Template selectors of the MTEF v5 specification.
fn template(selector: u8, variation: u16, subs: &[Obj]) -> Result<String, String> {
    let p = Parts::of(subs);
    let main = || p.slot(0);
    Ok(match selector {
        0..=8 => fence(selector, variation, subs, &p)?,
        9 => {
            let side = |v: u16| ["(", ")", "[", "]"][(v & 3) as usize];
            format!("\\left{} {} \\right{}", side(variation), main()?, side(variation >> 4))
        }
        10 if variation & 1 == 1 => format!("\\sqrt[{}]{{{}}}", p.slot(1)?, main()?),
        10 => format!("\\sqrt{{{}}}", main()?),
        11 if variation & 0x2 != 0 => format!("{{{}}}/{{{}}}", main()?, p.slot(1)?),
        11 => format!("\\frac{{{}}}{{{}}}", main()?, p.slot(1)?),
        12 => format!("\\underline{{{}}}", main()?),
        13 => format!("\\overline{{{}}}", main()?),
        14 => format!("\\overset{{{}}}{{\\underset{{{}}}{{\\longrightarrow}}}}", main()?, p.slot(1)?),
        15..=22 => big_operator(selector, variation, subs, &p)?,
        23 => format!("{}{}", main()?.trim(), scripts(&p.slot(1)?, &p.slot(2)?)),
        24 => {
            let label = p.slot(1)?;
            let (brace, script) = if variation & 1 == 1 { ("overbrace", '^') } else { ("underbrace", '_') };
            let label = if label.trim().is_empty() { String::new() } else { format!("{script}{{{label}}}") };
            format!("\\{brace}{{{}}}{label}", main()?)
        }
        27 if variation & 1 == 1 => format!("{{}}_{{{}}}", main()?),
        28 if variation & 1 == 1 => format!("{{}}^{{{}}}", p.slot(1)?),
        29 if variation & 1 == 1 => format!("{{}}_{{{}}}^{{{}}}", main()?, p.slot(1)?),
        27 => format!("_{{{}}}", main()?),
        28 => format!("^{{{}}}", if p.slots.len() >= 2 { p.slot(1)? } else { main()? }),
        29 => format!("_{{{}}}^{{{}}}", main()?, p.slot(1)?),
        30 => format!("\\langle {} \\mid {} \\rangle", main()?, p.slot(1)?),
        31 if variation & 1 == 1 => format!("\\overleftarrow{{{}}}", main()?),
        31 => format!("\\overrightarrow{{{}}}", main()?),
        32 => format!("\\widetilde{{{}}}", main()?),
        33 => format!("\\widehat{{{}}}", main()?),
        34 => format!("\\overset{{\\frown}}{{{}}}", main()?),
        37 => format!("\\boxed{{{}}}", main()?),
        other => return Err(format!("MathType template {other} has no LaTeX equivalent")),
    })
}

fn fence(selector: u8, variation: u16, subs: &[Obj], p: &Parts) -> Result<String, String> {
    let (l, r) = match selector {
        0 => ("\\langle", "\\rangle"),
        1 => ("(", ")"),
        2 => ("\\{", "\\}"),
        3 | 8 => ("[", "]"),
        4 => ("|", "|"),
        5 => ("\\|", "\\|"),
        6 => ("\\lfloor", "\\rfloor"),
        _ => ("\\lceil", "\\rceil"),
    };
    let l = if variation & 1 != 0 { l.to_string() } else { ".".into() };
    let r = if variation & 2 != 0 { r.to_string() } else { ".".into() };
    // The fence characters, when written (Equation Editor and MathType write them after the
    // slot), say the sides exactly: `[2; +∞)`, or code 0 for no fence on that side.
    let mut chars = subs.iter().filter_map(|s| match s {
        Obj::Char { code, .. } => Some(*code),
        _ => None,
    });
    let (l, r) = match (chars.next(), chars.next()) {
        (Some(a), Some(b)) => (fence_char(a)?, fence_char(b)?),
        _ => (l, r),
    };
    if l != "."
        && r == "."
        && let Some(lines) = p.pile()
    {
        let body = rows(lines)?.join(" \\\\ ");
        if l == "\\{" {
            return Ok(format!("\\begin{{cases}} {body} \\end{{cases}}"));
        }
        return Ok(format!("\\left{l} \\begin{{array}}{{l}} {body} \\end{{array}} \\right."));
    }
    Ok(format!("\\left{l} {} \\right{r}", p.slot(0)?))
}

/// A fence character as `\left`/`\right` take it.
fn fence_char(code: u16) -> Result<String, String> {
    Ok(match char::from_u32(code as u32).unwrap_or('\0') {
        '\0' => ".".into(),
        c @ ('(' | ')' | '[' | ']' | '|' | '/') => c.to_string(),
        '{' => "\\{".into(),
        '}' => "\\}".into(),
        '‖' => "\\|".into(),
        '⟨' | '〈' => "\\langle".into(),
        '⟩' | '〉' => "\\rangle".into(),
        '⌊' => "\\lfloor".into(),
        '⌋' => "\\rfloor".into(),
        '⌈' => "\\lceil".into(),
        '⌉' => "\\rceil".into(),
        c => return Err(format!("fence character U+{:04X} has no LaTeX equivalent", c as u32)),
    })
}

fn big_operator(selector: u8, variation: u16, subs: &[Obj], p: &Parts) -> Result<String, String> {
    let op = match selector {
        15 => match (variation & 0x3, variation & 0xC) {
            (_, 0x4..) => "\\oint".to_string(),
            (2, _) => "\\iint".to_string(),
            (3, _) => "\\iiint".to_string(),
            _ => "\\int".to_string(),
        },
        16 => "\\sum".into(),
        17 => "\\prod".into(),
        18 => "\\coprod".into(),
        19 => "\\bigcup".into(),
        20 => "\\bigcap".into(),
        _ => {
            let c = subs
                .iter()
                .find(|s| matches!(s, Obj::Char { .. }))
                .ok_or("a big operator without its symbol")?;
            obj(c)?.trim().to_string()
        }
    };
    let lower = if variation & 0x10 != 0 { p.slot(1)? } else { String::new() };
    let upper = if variation & 0x20 != 0 { p.slot(2)? } else { String::new() };
    Ok(format!("{op}{} {}", scripts(&lower, &upper), p.slot(0)?))
}
