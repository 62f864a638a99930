//! LaTeX (the bank's native notation) → Word equations (Office Math Markup, `m:oMath`), for the
//! printed paper as `.docx` ([`crate::docx_out`]): a teacher who opens the paper in Word or
//! LibreOffice sees native, editable equations, not pictures.
//!
//! The formula is parsed by pulldown-latex — the parser the bank already validates every formula
//! with (`khaothi_render::check_item`) — so what the bank accepts is exactly what converts. Its
//! event stream is a prefix tree (a fraction is followed by its two elements, a script by base
//! and scripts); [`Writer`] walks it once and writes the OMML element of each construct: fractions
//! (`m:f`), roots (`m:rad`), scripts (`m:sSub`/`m:sSup`/`m:sSubSup`), n-ary operators with limits
//! (`m:nary`, the operand up to the next relation), `\lim`/`\underset`/`\overset` (`m:limLow`,
//! `m:limUpp`), accents (`m:acc`, `m:bar`, `m:groupChr`), delimiters (`m:d`), matrices (`m:m`),
//! systems (`cases` → a brace around `m:eqArr`), functions in upright type, `\text` as normal text,
//! Greek and symbols as their Unicode characters. The reader in [`crate::omml`] turns each of them
//! back into the same LaTeX (the round-trip tests hold the two together).

use pulldown_latex::event::{
    Content, EnvironmentFlow, Event, Font, Grouping, ScriptPosition, ScriptType, StateChange, Visual,
};
use pulldown_latex::{Parser, Storage};

/// The OMML of one formula: an `m:oMath` (inline) or an `m:oMathPara` holding one (display), ready
/// to sit inside a `w:p`. The error is pulldown-latex's message for LaTeX it cannot parse.
pub fn latex_to_omml(tex: &str, display: bool) -> Result<String, String> {
    let source = decimal_commas(tex);
    let storage = Storage::new();
    let events = Parser::new(&source, &storage).collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())?;
    let mut w = Writer { events: &events, at: 0, font: None };
    let mut body = String::new();
    while w.at < events.len() {
        body.push_str(&w.sequence());
        // A stray `}` or `&` at the top level: skip it rather than loop.
        if w.at < events.len() {
            w.at += 1;
        }
    }
    let math = format!("<m:oMath>{body}</m:oMath>");
    Ok(if display { format!("<m:oMathPara>{math}</m:oMathPara>") } else { math })
}

/// `1{,}5` (the Vietnamese decimal comma, braced so TeX adds no space) is one number, `1,5`, as
/// the bank's renderer reads it.
fn decimal_commas(tex: &str) -> String {
    let mut out = String::with_capacity(tex.len());
    let mut rest = tex;
    while let Some(at) = rest.find("{,}") {
        let digits = rest[..at].ends_with(|c: char| c.is_ascii_digit())
            && rest[at + 3..].starts_with(|c: char| c.is_ascii_digit());
        out.push_str(&rest[..at]);
        out.push_str(if digits { "," } else { "{,}" });
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}

/// What one element of the event stream is, beside its OMML, where the construct around it needs
/// to know: a large operator takes the following elements as its operand, a function takes limits
/// below it, a lone character over or under a base is an accent, a relation can be negated.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Plain,
    /// An `m:nary` without its `m:e` (its operator): the caller supplies limits and operand.
    Nary(char),
    Function,
    /// One character (its OMML is one run).
    Char(char),
}

struct Elem {
    xml: String,
    role: Role,
}

impl Elem {
    fn plain(xml: String) -> Self {
        Elem { xml, role: Role::Plain }
    }
}

struct Writer<'e, 'a> {
    events: &'e [Event<'a>],
    at: usize,
    /// The font set by `\mathbb`, `\mathrm`, … for the rest of the current group.
    font: Option<Font>,
}

impl Writer<'_, '_> {
    fn peek(&self) -> Option<&Event<'_>> {
        self.events.get(self.at)
    }

    fn stops(e: &Event<'_>, at_relation: bool) -> bool {
        matches!(e, Event::End | Event::EnvironmentFlow(_))
            || (at_relation && matches!(e, Event::Content(Content::Relation { .. })))
    }

    /// Elements up to (not including) the `End` of the current group or an alignment/new-line
    /// mark — or, for an n-ary operator's operand, up to the next relation (`=`, `<`, …).
    fn run_of_elements(&mut self, operand: bool) -> String {
        let mut out = String::new();
        while let Some(e) = self.peek() {
            if Self::stops(e, operand) {
                break;
            }
            let elem = self.element();
            out.push_str(&elem.xml);
            if let Role::Nary(_) = elem.role {
                let inner = self.run_of_elements(true);
                out.push_str(&format!("<m:e>{inner}</m:e></m:nary>"));
            }
        }
        out
    }

    fn sequence(&mut self) -> String {
        self.run_of_elements(false)
    }

    /// The next element as finished OMML (an n-ary operator closed with an empty operand), for
    /// the arguments of fractions, roots and scripts.
    fn argument(&mut self) -> Elem {
        let elem = self.element();
        if let Role::Nary(_) = elem.role {
            return Elem::plain(format!("{}<m:e></m:e></m:nary>", elem.xml));
        }
        elem
    }

    fn element(&mut self) -> Elem {
        let Some(event) = self.events.get(self.at).cloned() else { return Elem::plain(String::new()) };
        self.at += 1;
        match event {
            Event::Content(c) => self.content(c),
            Event::Begin(g) => self.group(g),
            Event::Visual(v) => self.visual(v),
            Event::Script { ty, position } => self.script(ty, position),
            Event::Space { width, .. } => {
                let wide = width.is_some_and(|w| w.value >= 0.9);
                Elem::plain(if wide { run(" ", Style::Math) } else { String::new() })
            }
            Event::StateChange(StateChange::Font(f)) => {
                self.font = f;
                Elem::plain(String::new())
            }
            Event::StateChange(_) => Elem::plain(String::new()),
            // Not an element: give it back to the sequence that stops at it.
            Event::End | Event::EnvironmentFlow(_) => {
                self.at -= 1;
                Elem::plain(String::new())
            }
        }
    }

    fn content(&mut self, c: Content<'_>) -> Elem {
        match c {
            // pulldown-latex gives `\ ` and `~` as this entity's text: TeX's interword space.
            Content::Text("&nbsp;") => Elem::plain(run(" ", Style::Math)),
            Content::Text(t) => Elem::plain(run(&t.replace('~', "\u{a0}"), Style::Text)),
            Content::Number(n) => Elem::plain(run(n, Style::Math)),
            Content::Function(f) => Elem { xml: run(f, Style::Upright), role: Role::Function },
            Content::Ordinary { content, .. } if self.font.is_some_and(|f| f != Font::DoubleStruck) => {
                // `\mathrm{Rn}`: the letters of one word in one run, which Word and the reader
                // keep as a word, not as a product of upright letters.
                let (first, style) = styled(content, self.font);
                let mut word = first.to_string();
                while let Some(Event::Content(Content::Ordinary { content, .. })) = self.peek() {
                    word.push(styled(*content, self.font).0);
                    self.at += 1;
                }
                let role = if word.chars().count() == 1 { Role::Char(first) } else { Role::Plain };
                Elem { xml: run(&word, style), role }
            }
            Content::Ordinary { content, .. } => {
                let (ch, style) = styled(content, self.font);
                Elem { xml: run(&ch.to_string(), style), role: Role::Char(ch) }
            }
            Content::LargeOp { content, .. } => {
                Elem { xml: nary_head(content, None, None, false), role: Role::Nary(content) }
            }
            Content::BinaryOp { content, .. }
            | Content::Punctuation(content)
            | Content::Delimiter { content, .. } => {
                Elem { xml: run(&content.to_string(), Style::Math), role: Role::Char(content) }
            }
            Content::Relation { content, .. } => {
                let mut buf = [0u8; 8];
                let text =
                    std::str::from_utf8(content.encode_utf8_to_buf(&mut buf)).unwrap_or("=").to_string();
                let mut chars = text.chars();
                let role = match (chars.next(), chars.next()) {
                    (Some(c), None) => Role::Char(c),
                    _ => Role::Plain,
                };
                Elem { xml: run(&text, Style::Math), role }
            }
        }
    }

    /// A `{…}` group, `\left…\right`, or an environment; a font set inside ends with it.
    fn group(&mut self, g: Grouping) -> Elem {
        let font = self.font;
        let xml = match g {
            Grouping::Normal => self.sequence(),
            Grouping::LeftRight(open, close) => {
                let inner = self.sequence();
                delimited(open, close, &inner)
            }
            Grouping::Matrix { .. } => matrix(&self.rows()),
            Grouping::Array(columns) if columns.len() > 1 => matrix(&self.rows()),
            Grouping::Cases { .. } => delimited(Some('{'), None, &equation_array(&self.rows())),
            _ => equation_array(&self.rows()),
        };
        if matches!(self.peek(), Some(Event::End)) {
            self.at += 1;
        }
        self.font = font;
        Elem::plain(xml)
    }

    /// The cells of an environment, row by row, up to its `End` (not consumed).
    fn rows(&mut self) -> Vec<Vec<String>> {
        let mut rows = vec![Vec::new()];
        loop {
            let cell = self.sequence();
            rows.last_mut().expect("one row at least").push(cell);
            match self.peek() {
                Some(Event::EnvironmentFlow(EnvironmentFlow::NewLine { .. })) => {
                    self.at += 1;
                    rows.push(Vec::new());
                }
                Some(Event::EnvironmentFlow(_)) => self.at += 1,
                _ => break,
            }
        }
        // `\\` after the last row leaves an empty row; Word would print an empty line.
        if rows.len() > 1 && rows.last().is_some_and(|r| r.iter().all(String::is_empty)) {
            rows.pop();
        }
        rows
    }

    fn visual(&mut self, v: Visual) -> Elem {
        match v {
            Visual::Fraction(bar) => {
                let num = self.argument().xml;
                let den = self.argument().xml;
                let no_bar = bar.is_some_and(|d| d.value == 0.0);
                let pr = if no_bar { "<m:fPr><m:type m:val=\"noBar\"/></m:fPr>" } else { "" };
                Elem::plain(format!("<m:f>{pr}<m:num>{num}</m:num><m:den>{den}</m:den></m:f>"))
            }
            Visual::SquareRoot => {
                let e = self.argument().xml;
                Elem::plain(format!(
                    "<m:rad><m:radPr><m:degHide m:val=\"1\"/></m:radPr><m:deg/><m:e>{e}</m:e></m:rad>"
                ))
            }
            Visual::Root => {
                let e = self.argument().xml;
                let deg = self.argument().xml;
                Elem::plain(format!("<m:rad><m:deg>{deg}</m:deg><m:e>{e}</m:e></m:rad>"))
            }
            Visual::Negation => {
                let next = self.argument();
                match next.role {
                    Role::Char(c) if negated(c).is_some() => {
                        let n = negated(c).unwrap_or(c);
                        Elem { xml: run(&n.to_string(), Style::Math), role: Role::Char(n) }
                    }
                    _ => Elem::plain(format!("{}{}", next.xml, run("\u{338}", Style::Math))),
                }
            }
        }
    }

    fn script(&mut self, ty: ScriptType, position: ScriptPosition) -> Elem {
        // The base of an n-ary operator stays open: its limits come next, then its operand.
        let base = self.element();
        let (sub, sup) = match ty {
            ScriptType::Subscript => (Some(self.argument()), None),
            ScriptType::Superscript => (None, Some(self.argument())),
            ScriptType::SubSuperscript => {
                let sub = self.argument();
                (Some(sub), Some(self.argument()))
            }
        };
        if let Role::Nary(op) = base.role {
            let above = position == ScriptPosition::AboveBelow;
            let xml = nary_head(op, sub.map(|s| s.xml), sup.map(|s| s.xml), above);
            return Elem { xml, role: Role::Nary(op) };
        }
        let under_over = position == ScriptPosition::AboveBelow
            || (position == ScriptPosition::Movable && base.role == Role::Function);
        if under_over {
            return Elem::plain(limits(base, sub, sup));
        }
        let e = base.xml;
        Elem::plain(match (sub, sup) {
            (Some(b), None) => format!("<m:sSub><m:e>{e}</m:e><m:sub>{}</m:sub></m:sSub>", b.xml),
            (None, Some(p)) => format!("<m:sSup><m:e>{e}</m:e><m:sup>{}</m:sup></m:sSup>", p.xml),
            (Some(b), Some(p)) => format!(
                "<m:sSubSup><m:e>{e}</m:e><m:sub>{}</m:sub><m:sup>{}</m:sup></m:sSubSup>",
                b.xml, p.xml
            ),
            (None, None) => e,
        })
    }
}

/// How a run's characters are set.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    /// Math italic for letters (Word's default), upright for the rest.
    Math,
    /// Upright: function names, `\mathrm`.
    Upright,
    Bold,
    BoldItalic,
    /// `\text{…}`: normal text inside the equation, in the paper's font.
    Text,
}

/// One `m:r` with its text; math runs in Cambria Math (what Word itself writes), text in Times.
fn run(text: &str, style: Style) -> String {
    let math_pr = match style {
        Style::Math => "",
        Style::Upright => "<m:rPr><m:sty m:val=\"p\"/></m:rPr>",
        Style::Bold => "<m:rPr><m:sty m:val=\"b\"/></m:rPr>",
        Style::BoldItalic => "<m:rPr><m:sty m:val=\"bi\"/></m:rPr>",
        Style::Text => "<m:rPr><m:nor/></m:rPr>",
    };
    let font = if style == Style::Text { "Times New Roman" } else { "Cambria Math" };
    format!(
        "<m:r>{math_pr}<w:rPr><w:rFonts w:ascii=\"{font}\" w:hAnsi=\"{font}\"/></w:rPr><m:t xml:space=\"preserve\">{}</m:t></m:r>",
        escape(text)
    )
}

/// Text for XML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// A character in the group's font: `\mathbb{R}` is ℝ (Word has no double-struck style for
/// arbitrary letters; the number sets are their own characters), `\mathrm` upright, `\mathbf` bold.
fn styled(c: char, font: Option<Font>) -> (char, Style) {
    match font {
        Some(Font::DoubleStruck) => {
            let set = match c {
                'R' => 'ℝ',
                'N' => 'ℕ',
                'Z' => 'ℤ',
                'Q' => 'ℚ',
                'C' => 'ℂ',
                other => other,
            };
            (set, Style::Upright)
        }
        Some(Font::UpRight) => (c, Style::Upright),
        Some(Font::Bold | Font::BoldSymbol) => (c, Style::Bold),
        Some(Font::BoldItalic) => (c, Style::BoldItalic),
        _ => (c, Style::Math),
    }
}

/// The opening of an `m:nary` up to its limits; the caller writes `<m:e>…</m:e></m:nary>`.
/// Sums and products put their limits above and below when LaTeX would (`\sum\limits`, display);
/// integrals keep them at the side, as Vietnamese textbooks print them.
fn nary_head(op: char, sub: Option<String>, sup: Option<String>, above: bool) -> String {
    let loc = if above { "undOvr" } else { "subSup" };
    let mut pr = format!("<m:chr m:val=\"{}\"/><m:limLoc m:val=\"{loc}\"/>", escape(&op.to_string()));
    if sub.is_none() {
        pr.push_str("<m:subHide m:val=\"1\"/>");
    }
    if sup.is_none() {
        pr.push_str("<m:supHide m:val=\"1\"/>");
    }
    format!(
        "<m:nary><m:naryPr>{pr}</m:naryPr><m:sub>{}</m:sub><m:sup>{}</m:sup>",
        sub.unwrap_or_default(),
        sup.unwrap_or_default()
    )
}

/// `\left( … \right)` and the brace of a system; a missing side (`\right.`) is an empty character.
fn delimited(open: Option<char>, close: Option<char>, inner: &str) -> String {
    let side = |c: Option<char>| c.map(|c| escape(&c.to_string())).unwrap_or_default();
    format!(
        "<m:d><m:dPr><m:begChr m:val=\"{}\"/><m:endChr m:val=\"{}\"/></m:dPr><m:e>{inner}</m:e></m:d>",
        side(open),
        side(close)
    )
}

/// A matrix: every row as wide as the widest (Word refuses ragged matrices).
fn matrix(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let mut out = format!(
        "<m:m><m:mPr><m:mcs><m:mc><m:mcPr><m:count m:val=\"{columns}\"/><m:mcJc m:val=\"center\"/></m:mcPr></m:mc></m:mcs></m:mPr>"
    );
    for row in rows {
        out.push_str("<m:mr>");
        for i in 0..columns {
            out.push_str(&format!("<m:e>{}</m:e>", row.get(i).map_or("", String::as_str)));
        }
        out.push_str("</m:mr>");
    }
    out.push_str("</m:m>");
    out
}

/// Lines of a system or an aligned block, one `m:e` each; the cells of a line (`x & \text{khi} …`)
/// are set apart by a space.
fn equation_array(rows: &[Vec<String>]) -> String {
    let mut out = String::from("<m:eqArr>");
    for row in rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).filter(|c| !c.is_empty()).collect();
        out.push_str(&format!("<m:e>{}</m:e>", cells.join(&run(" ", Style::Text))));
    }
    out.push_str("</m:eqArr>");
    out
}

/// Combining accents by the character pulldown-latex puts over the base (`\hat` → `^`).
fn accent_mark(c: char) -> Option<char> {
    Some(match c {
        '^' | 'ˆ' => '\u{302}',
        '~' | '˜' => '\u{303}',
        '‾' | '¯' => '\u{305}',
        '→' => '\u{20d7}',
        '←' => '\u{20d6}',
        '↔' => '\u{20e1}',
        '˙' => '\u{307}',
        '¨' => '\u{308}',
        'ˇ' => '\u{30c}',
        '˘' => '\u{306}',
        '´' => '\u{301}',
        '`' => '\u{300}',
        '˚' => '\u{30a}',
        '⏜' => '⏜',
        _ => return None,
    })
}

/// Something set over or under a base: an accent (`\hat`, `\vec`, `\overline`), a brace
/// (`\underbrace`), an underline, or limits (`\lim_{x\to 0}`, `\overset{t}{\rightarrow}`).
fn limits(base: Elem, sub: Option<Elem>, sup: Option<Elem>) -> String {
    let e = base.xml;
    match (sub, sup) {
        (None, Some(over)) => match over.role {
            Role::Char(c @ ('⏞' | '⎴' | '⏠')) => group_char(c, true, &e),
            Role::Char(c) if accent_mark(c).is_some() => format!(
                "<m:acc><m:accPr><m:chr m:val=\"{}\"/></m:accPr><m:e>{e}</m:e></m:acc>",
                escape(&accent_mark(c).unwrap_or(c).to_string())
            ),
            _ => format!("<m:limUpp><m:e>{e}</m:e><m:lim>{}</m:lim></m:limUpp>", over.xml),
        },
        (Some(under), None) => match under.role {
            Role::Char('_') => {
                format!("<m:bar><m:barPr><m:pos m:val=\"bot\"/></m:barPr><m:e>{e}</m:e></m:bar>")
            }
            Role::Char(c @ ('⏟' | '⎵' | '⏡' | '⏝')) => group_char(c, false, &e),
            _ => format!("<m:limLow><m:e>{e}</m:e><m:lim>{}</m:lim></m:limLow>", under.xml),
        },
        (Some(under), Some(over)) => format!(
            "<m:limUpp><m:e><m:limLow><m:e>{e}</m:e><m:lim>{}</m:lim></m:limLow></m:e><m:lim>{}</m:lim></m:limUpp>",
            under.xml, over.xml
        ),
        (None, None) => e,
    }
}

fn group_char(c: char, top: bool, e: &str) -> String {
    let (pos, jc) = if top { ("top", "bot") } else { ("bot", "top") };
    format!(
        "<m:groupChr><m:groupChrPr><m:chr m:val=\"{c}\"/><m:pos m:val=\"{pos}\"/><m:vertJc m:val=\"{jc}\"/></m:groupChrPr><m:e>{e}</m:e></m:groupChr>"
    )
}

/// `\not=` → `≠`, `\not\in` → `∉`: the negated relation as its own character.
fn negated(c: char) -> Option<char> {
    Some(match c {
        '=' => '≠',
        '<' => '≮',
        '>' => '≯',
        '∈' => '∉',
        '≤' => '≰',
        '≥' => '≱',
        '⊂' => '⊄',
        '⊆' => '⊈',
        '⊃' => '⊅',
        '⊇' => '⊉',
        '∃' => '∄',
        '≡' => '≢',
        '∼' => '≁',
        '∣' | '|' => '∤',
        '∥' => '∦',
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
