//! LaTeX text of a question part → item text (Markdown with `$…$` LaTeX, docs/formats.md §4).
//!
//! Math is kept as written — LaTeX is the bank's native math — apart from the `ex_test` shorthands
//! for systems (`\heva`, `\hoac`), which become the standard environments. Text commands become
//! Markdown (`\textbf` → `**…**`), layout commands (`\hfill`, `\vspace`) are dropped, pictures
//! become media when their file was given ([`super::Pictures`]), and anything else unknown is kept
//! as text with a warning, so nothing disappears silently.

use super::Pictures;
use super::source::{command_at, find_from, group, skip_optionals, skip_ws};

/// Layout commands with no meaning in item text; the number of brace arguments they take.
const LAYOUT: &[(&str, usize)] = &[
    ("hfill", 0),
    ("dotfill", 0),
    ("noindent", 0),
    ("centering", 0),
    ("medskip", 0),
    ("smallskip", 0),
    ("bigskip", 0),
    ("indent", 0),
    ("True", 0),
    ("vspace", 1),
    ("hspace", 1),
    ("setlength", 2),
    ("label", 1),
];

/// Environments that only lay out their content (kept, the frame dropped).
const FRAMES: &[&str] =
    &["center", "flushleft", "flushright", "figure", "minipage", "multicols", "enumEX", "itemchoice"];

/// Converts one part; warnings and pictures go to `ctx`.
pub(crate) fn to_markdown(latex: &str, ctx: &mut Pictures<'_>) -> String {
    let mut out = String::new();
    convert(latex, ctx, &mut out, 0);
    tidy(&out)
}

fn convert(t: &str, ctx: &mut Pictures<'_>, out: &mut String, depth: usize) {
    let mut i = 0;
    while i < t.len() {
        let rest = &t[i..];
        if let Some((math, used)) = math_at(t, i) {
            out.push_str(&math);
            i += used;
        } else if rest.starts_with('\\') {
            i = command(t, i, ctx, out, depth);
        } else if rest.starts_with(['{', '}']) {
            i += 1;
        } else if rest.starts_with('~') {
            out.push(' ');
            i += 1;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
}

/// Math starting at `i` (`$`, `$$`, `\(`, `\[`): its Markdown form and the bytes it used. An
/// unclosed `$` is not math (the renderer's check then reports it).
fn math_at(t: &str, i: usize) -> Option<(String, usize)> {
    let rest = &t[i..];
    let (open, close, display) = if rest.starts_with("$$") {
        ("$$", "$$", true)
    } else if rest.starts_with('$') {
        ("$", "$", false)
    } else if rest.starts_with("\\[") {
        ("\\[", "\\]", true)
    } else if rest.starts_with("\\(") {
        ("\\(", "\\)", false)
    } else {
        return None;
    };
    let body_start = i + open.len();
    let mut at = body_start;
    let end = loop {
        let found = find_from(t, at, close)?;
        if found > 0 && t.as_bytes()[found - 1] == b'\\' && close == "$" {
            at = found + 1;
            continue;
        }
        break found;
    };
    let inner = math_macros(t[body_start..end].trim());
    let fence = if display { "$$" } else { "$" };
    Some((format!("{fence}{inner}{fence}"), end + close.len() - i))
}

/// The `ex_test` math shorthands in standard LaTeX, as `ex_test` defines them: `\heva{…}` (a
/// system) → `aligned` in a left brace, `\hoac{…}` (a disjunction) → `aligned` in a left bracket.
pub(crate) fn math_macros(math: &str) -> String {
    let mut out = String::with_capacity(math.len());
    let mut i = 0;
    while i < math.len() {
        let rest = &math[i..];
        let shorthand = ["\\heva", "\\hoac"]
            .into_iter()
            .find(|m| rest.starts_with(m) && !rest[m.len()..].starts_with(|c: char| c.is_ascii_alphabetic()));
        if let Some(m) = shorthand {
            let open = skip_ws(math, i + m.len());
            if let Some(g) = group(math, open) {
                let inner = math_macros(&math[g.clone()]);
                if m == "\\heva" {
                    out.push_str(&format!("\\left\\{{\\begin{{aligned}}{inner}\\end{{aligned}}\\right."));
                } else {
                    out.push_str(&format!("\\left[\\begin{{aligned}}{inner}\\end{{aligned}}\\right."));
                }
                i = g.end + 1;
                continue;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// One command at `i`; returns the offset after it (and its arguments).
fn command(t: &str, i: usize, ctx: &mut Pictures<'_>, out: &mut String, depth: usize) -> usize {
    let Some((name, after)) = command_at(t, i) else { return t.len() };
    let arg = |at: usize| group(t, skip_ws(t, skip_optionals(t, at)));
    match name {
        "\\" | "newline" | "par" => {
            out.push_str("\n\n");
            // `\\[2mm]`: a spacing, not display math.
            if name == "\\" && t[after..].starts_with('[') {
                return super::source::optional(t, after).map_or(after, |r| r.end + 1);
            }
            after
        }
        "%" | "&" | "#" | "_" | "{" | "}" => {
            out.push_str(if name == "_" { "\\_" } else { name });
            after
        }
        "$" => {
            out.push_str("\\$");
            after
        }
        "ldots" | "dots" => {
            out.push('…');
            after
        }
        "quad" | "qquad" | " " | "," => {
            out.push(' ');
            after
        }
        "textbf" | "textit" | "emph" | "underline" | "text" | "textrm" | "mbox" | "textnormal" => {
            let Some(g) = arg(after) else { return after };
            let mark = match name {
                "textbf" => "**",
                "textit" | "emph" => "*",
                _ => "",
            };
            let mut inner = String::new();
            if depth < 16 {
                convert(&t[g.clone()], ctx, &mut inner, depth + 1);
            }
            out.push_str(&format!("{mark}{}{mark}", inner.trim()));
            g.end + 1
        }
        "heva" | "hoac" => match group(t, skip_ws(t, after)) {
            Some(g) => {
                out.push_str(&format!("${}$", math_macros(&t[i..g.end + 1])));
                g.end + 1
            }
            None => after,
        },
        "includegraphics" => match arg(after) {
            Some(g) => {
                out.push_str(&ctx.picture(t[g.clone()].trim()));
                g.end + 1
            }
            None => after,
        },
        "item" => {
            out.push_str("\n\n- ");
            skip_optionals(t, after)
        }
        "begin" | "end" => environment(t, name, after, ctx, out),
        _ => layout_or_unknown(t, name, i, after, ctx, out),
    }
}

/// `\begin{…}` / `\end{…}`: frames are dropped, lists become Markdown lists, TikZ pictures are
/// skipped with a warning, display-math environments become `$$…$$`.
fn environment(t: &str, which: &str, after: usize, ctx: &mut Pictures<'_>, out: &mut String) -> usize {
    let Some(g) = group(t, skip_ws(t, after)) else { return after };
    let env = t[g.clone()].trim();
    let after_name = g.end + 1;
    if which == "end" {
        out.push_str("\n\n");
        return after_name;
    }
    let end_tag = format!("\\end{{{env}}}");
    let close = find_from(t, after_name, &end_tag);
    match env {
        "tikzpicture" | "pspicture" => {
            ctx.warn(format!(
                "a {env} cannot be shown in the bank: draw it as a PNG picture and use \\includegraphics (the picture was left out)"
            ));
            close.map_or(t.len(), |c| c + end_tag.len())
        }
        "align" | "align*" | "equation" | "equation*" | "gather" | "gather*" | "eqnarray" | "eqnarray*" => {
            let Some(c) = close else { return after_name };
            let inner = math_macros(t[after_name..c].trim());
            let body = if env.starts_with("equation") {
                inner
            } else {
                format!("\\begin{{aligned}}{inner}\\end{{aligned}}")
            };
            out.push_str(&format!("\n\n$${body}$$\n\n"));
            c + end_tag.len()
        }
        "itemize" | "enumerate" => {
            out.push_str("\n\n");
            skip_optionals(t, after_name)
        }
        _ if FRAMES.contains(&env) => skip_optionals(t, after_name),
        _ => {
            ctx.warn(format!("environment {env} is not supported: its content is kept as text"));
            after_name
        }
    }
}

fn layout_or_unknown(
    t: &str,
    name: &str,
    i: usize,
    after: usize,
    ctx: &mut Pictures<'_>,
    out: &mut String,
) -> usize {
    if let Some((_, args)) = LAYOUT.iter().find(|(n, _)| *n == name) {
        let mut at = skip_optionals(t, after);
        for _ in 0..*args {
            match group(t, skip_ws(t, at)) {
                Some(g) => at = g.end + 1,
                None => break,
            }
        }
        return at;
    }
    ctx.warn(format!("unknown command \\{name} kept as text"));
    out.push_str(&t[i..after]);
    after
}

/// Paragraphs separated by one blank line, lines inside a paragraph joined by a space, runs of
/// spaces collapsed (LaTeX's own rules for text).
fn tidy(md: &str) -> String {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in md.lines() {
        let line = line.trim();
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
            continue;
        }
        if !current.is_empty() && !line.starts_with("- ") {
            current.push(' ');
        } else if line.starts_with("- ") && !current.is_empty() {
            paragraphs.push(std::mem::take(&mut current));
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    let joined = paragraphs.join("\n\n");
    let mut out = String::with_capacity(joined.len());
    let mut last_space = false;
    for c in joined.chars() {
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn md(latex: &str) -> (String, Vec<String>) {
        let files = BTreeMap::new();
        let mut ctx = Pictures::new(&files, "P-0001");
        let text = to_markdown(latex, &mut ctx);
        (text, ctx.warnings)
    }

    #[test]
    fn math_is_kept_and_text_commands_become_markdown() {
        let (text, warnings) = md(
            "Cho \\textbf{hàm số} $y=\\dfrac{x+1}{x-1}$~có\nđồ thị \\[\\int_0^1 f(x)\\,\\mathrm{d}x\\]\\hfill\\\\ Tính \\emph{giá trị}.",
        );
        assert_eq!(
            text,
            "Cho **hàm số** $y=\\dfrac{x+1}{x-1}$ có đồ thị $$\\int_0^1 f(x)\\,\\mathrm{d}x$$\n\nTính *giá trị*."
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn systems_use_standard_environments() {
        assert_eq!(
            math_macros(r"\heva{&x+y=1\\&x-y=2}"),
            r"\left\{\begin{aligned}&x+y=1\\&x-y=2\end{aligned}\right."
        );
        assert_eq!(math_macros(r"\hoac{&x=1\\&x=2}"), r"\left[\begin{aligned}&x=1\\&x=2\end{aligned}\right.");
        let (text, _) = md(r"Giải $\heva{x>0\\y>0}$.");
        assert_eq!(text, r"Giải $\left\{\begin{aligned}x>0\\y>0\end{aligned}\right.$.");
    }

    #[test]
    fn tikz_and_unknown_commands_warn() {
        let (text, warnings) =
            md("Hình: \\begin{tikzpicture}\\draw (0,0)--(1,1);\\end{tikzpicture} \\foo xong");
        assert_eq!(text, "Hình: \\foo xong");
        assert!(warnings[0].contains("tikzpicture"), "{warnings:?}");
        assert!(warnings[1].contains("unknown command \\foo"), "{warnings:?}");
    }

    #[test]
    fn lists_and_escapes() {
        let (text, _) = md("\\begin{itemize}\\item Một \\item Hai 50\\%\\end{itemize}");
        assert_eq!(text, "- Một\n\n- Hai 50%");
    }
}
