//! MTEF v3 — the format of Microsoft Equation Editor 3.0 ("Equation.3" objects), which most older
//! Vietnamese papers hold and which MathType and LibreOffice still write — read into the same tree
//! as v5 (its templates renumbered to v5's selectors), so one LaTeX writer serves both.
//!
//! Differences from v5 (Design Science, "MTEF Storage Format, version 3"): a record's options are
//! the high nibble of its tag byte (no separate options byte); a character is a typeface byte and
//! a 16-bit code (no MTCode/font-position split); templates are numbered 0–48 with other slot
//! conventions (see [`template`]); there are no v5-only records (colour, font style, preferences).

use super::records::{Limits, Obj};

const XF_LMOVE: u8 = 0x8;
const XF_EMBELL: u8 = 0x2;
const XF_NULL: u8 = 0x1;
const XF_RULER: u8 = 0x2;
const XF_LSPACE: u8 = 0x4;

const FN_SPACE: i16 = 24;

/// Typefaces whose codes below 0x100 are positions in the Symbol font (Equation Editor's Greek and
/// symbols), not Unicode: fnLCGREEK, fnUCGREEK, fnSYMBOL.
const SYMBOL_FACES: std::ops::RangeInclusive<i16> = 4..=6;

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    depth: usize,
    limits: Limits,
    records: usize,
}

/// Parses MTEF v3 bytes (from the version byte on).
pub fn parse(bytes: &[u8], limits: Limits) -> Result<Vec<Obj>, String> {
    let mut r = Reader { bytes, at: 0, depth: 0, limits, records: 0 };
    let version = r.u8()?;
    if version != 3 {
        return Err(format!("MTEF version {version} is not version 3"));
    }
    r.skip(4)?; // platform, product, product version, subversion
    r.list(true)
}

impl Reader<'_> {
    fn u8(&mut self) -> Result<u8, String> {
        let b = *self.bytes.get(self.at).ok_or("the equation data ends early")?;
        self.at += 1;
        Ok(b)
    }

    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes([self.u8()?, self.u8()?]))
    }

    fn skip(&mut self, n: usize) -> Result<(), String> {
        if self.bytes.len() - self.at < n {
            return Err("the equation data ends early".into());
        }
        self.at += n;
        Ok(())
    }

    fn cstring(&mut self) -> Result<(), String> {
        while self.u8()? != 0 {}
        Ok(())
    }

    fn nudge(&mut self, options: u8) -> Result<(), String> {
        if options & XF_LMOVE != 0 {
            let (dx, dy) = (self.u8()?, self.u8()?);
            if dx == 128 || dy == 128 {
                self.skip(4)?;
            }
        }
        Ok(())
    }

    /// Records up to END (or, at the top, the end of the data: writers differ in how many ENDs
    /// close an equation).
    fn list(&mut self, top: bool) -> Result<Vec<Obj>, String> {
        self.depth += 1;
        if self.depth > self.limits.depth {
            return Err(format!("the equation nests deeper than {}", self.limits.depth));
        }
        let mut out = Vec::new();
        loop {
            if top && self.at >= self.bytes.len() {
                break;
            }
            let tag = self.u8()?;
            self.records += 1;
            if self.records > self.limits.records {
                return Err(format!("the equation has more than {} records", self.limits.records));
            }
            let (kind, options) = (tag & 0x0F, tag >> 4);
            match kind {
                0 => break,
                1 => out.push(self.line(options)?),
                2 => out.push(self.char(options)?),
                3 => out.extend(self.tmpl(options)?),
                4 => out.push(self.pile(options)?),
                5 => out.push(self.matrix(options)?),
                6 => {
                    self.embell(options)?;
                }
                7 => self.ruler_body()?,
                8 => {
                    self.skip(2)?; // typeface, style
                    self.cstring()?;
                }
                9 => {
                    match self.u8()? {
                        101 => self.u16().map(drop)?,
                        100 => {
                            self.u8()?;
                            self.u16().map(drop)?
                        }
                        _ => self.u8().map(drop)?,
                    };
                }
                _ => {} // FULL, SUB, SUB2, SYM, SUBSYM: size changes only
            }
        }
        self.depth -= 1;
        Ok(out)
    }

    fn ruler_body(&mut self) -> Result<(), String> {
        let stops = self.u8()? as usize;
        self.skip(stops * 3)
    }

    fn line(&mut self, options: u8) -> Result<Obj, String> {
        self.nudge(options)?;
        if options & XF_LSPACE != 0 {
            self.u16()?;
        }
        if options & XF_RULER != 0 {
            match self.u8()? & 0x0F {
                7 => self.ruler_body()?,
                t => return Err(format!("a RULER record was announced but record {t} follows")),
            }
        }
        if options & XF_NULL != 0 {
            return Ok(Obj::Line(None));
        }
        Ok(Obj::Line(Some(self.list(false)?)))
    }

    fn char(&mut self, options: u8) -> Result<Obj, String> {
        self.nudge(options)?;
        let typeface = self.u8()? as i16 - 128;
        let mut code = self.u16()?;
        if SYMBOL_FACES.contains(&typeface)
            && (0x20..0x100).contains(&code)
            && let Some(c) = crate::omml::symbols::symbol_font_char(code as u32)
        {
            code = c as u32 as u16;
        }
        let mut embells = Vec::new();
        if options & XF_EMBELL != 0 {
            loop {
                let tag = self.u8()?;
                match (tag & 0x0F, tag >> 4) {
                    (0, _) => break,
                    (6, o) => embells.push(self.embell(o)?),
                    (t, _) => return Err(format!("record {t} inside a character's embellishments")),
                }
            }
        }
        Ok(Obj::Char { typeface, code, embells })
    }

    fn embell(&mut self, options: u8) -> Result<u8, String> {
        self.nudge(options)?;
        self.u8()
    }

    fn pile(&mut self, options: u8) -> Result<Obj, String> {
        self.nudge(options)?;
        self.skip(2)?; // halign, valign
        if options & XF_RULER != 0 {
            match self.u8()? & 0x0F {
                7 => self.ruler_body()?,
                t => return Err(format!("a RULER record was announced but record {t} follows")),
            }
        }
        Ok(Obj::Pile(self.list(false)?))
    }

    fn matrix(&mut self, options: u8) -> Result<Obj, String> {
        self.nudge(options)?;
        self.skip(3)?; // valign, h_just, v_just
        let rows = self.u8()? as usize;
        let cols = self.u8()? as usize;
        self.skip((2 * (rows + 1)).div_ceil(8))?;
        self.skip((2 * (cols + 1)).div_ceil(8))?;
        Ok(Obj::Matrix { rows, cols, cells: self.list(false)? })
    }

    /// A template, renumbered to v5; some become more than one object (an operator written as a
    /// word, `lim`, with its body after its slots).
    fn tmpl(&mut self, options: u8) -> Result<Vec<Obj>, String> {
        self.nudge(options)?;
        let selector = self.u8()?;
        let variation = self.u8()?;
        self.u8()?; // template-specific options
        let subs = self.list(false)?;
        template(selector, variation, subs)
    }
}

fn slots_present(subs: &[Obj]) -> (bool, bool) {
    let mut lines = subs.iter().filter(|s| !matches!(s, Obj::Char { .. }));
    lines.next();
    let present = |o: Option<&Obj>| matches!(o, Some(Obj::Line(Some(_)) | Obj::Pile(_) | Obj::Matrix { .. }));
    (present(lines.next()), present(lines.next()))
}

fn tmpl(selector: u8, variation: u16, subs: Vec<Obj>) -> Vec<Obj> {
    vec![Obj::Tmpl { selector, variation, subs }]
}

/// Equation Editor 3.0's template numbers → v5's. Slots keep their order (main, then lower/upper
/// or numerator/denominator); fences keep their characters, which say the sides exactly.
fn template(selector: u8, variation: u8, subs: Vec<Obj>) -> Result<Vec<Obj>, String> {
    let v = variation as u16;
    let (lower, upper) = slots_present(&subs);
    let limits = if lower { 0x10 } else { 0 } | if upper { 0x20 } else { 0 };
    Ok(match selector {
        // angle, paren, brace, bracket, bar, double bar, floor, ceiling: same numbers in v5
        0..=7 => tmpl(selector, 3, subs),
        // mixed brackets: [[, ]], ][, [), (] — the characters given decide.
        8..=12 => tmpl(3, 3, subs),
        13 => tmpl(10, v & 1, subs),
        14 => tmpl(11, 0, subs),
        // [subscript, superscript] slots; variation 0 superscript only, 1 subscript only, 2 both
        15 => tmpl([28, 27, 29][v.min(2) as usize], 0, subs),
        16 => tmpl(12, 0, subs),
        17 => tmpl(13, 0, subs),
        18..=20 => tmpl(14, 0, subs),
        21..=26 => {
            let count = [1, 2, 3][((selector - 21) % 3) as usize];
            let contour = if v & 2 != 0 { 0x4 } else { 0 };
            tmpl(15, count | contour | limits, subs)
        }
        // upper (over) and lower (under) horizontal braces
        27 => tmpl(24, 1, subs),
        28 => tmpl(24, 0, subs),
        29..=38 => tmpl(16 + (selector - 29) / 2, limits, subs),
        39 => tmpl(23, 0, subs),
        41 => tmpl(11, 0x2, subs),
        42 | 43 => return operator_word(selector, subs),
        44 => tmpl(29, 1, subs),
        45 => tmpl(30, 0, subs),
        47 if v <= 1 => tmpl(31, v ^ 1, subs),
        48 => tmpl(34, 0, subs),
        40 => return Err("an Equation Editor long division has no LaTeX equivalent".into()),
        other => {
            return Err(format!("Equation Editor template {other} (variation {v}) has no LaTeX equivalent"));
        }
    })
}

/// An integral- or sum-style operator given as a line of characters (`lim`, `max`): slots main,
/// lower, upper, the operator's line, and — as LibreOffice writes it — the body after them.
fn operator_word(selector: u8, subs: Vec<Obj>) -> Result<Vec<Obj>, String> {
    let mut slots = Vec::new();
    let mut rest = Vec::new();
    for s in subs {
        if slots.len() < 4 && matches!(s, Obj::Line(_)) {
            slots.push(s);
        } else if !matches!(s, Obj::Char { .. }) || slots.len() >= 4 {
            rest.push(s);
        }
    }
    let mut it = slots.into_iter();
    let (main, lower, upper, op) = (it.next(), it.next(), it.next(), it.next());
    let Some(Obj::Line(Some(mut word))) = op else {
        return Err(format!("an Equation Editor operator template ({selector}) without its operator"));
    };
    // The space after the word (typeface fnSPACE) is the operator's spacing, not content.
    word.retain(|o| !matches!(o, Obj::Char { typeface: FN_SPACE, .. }));
    let op = Obj::Line(Some(word));
    let none = || Obj::Line(None);
    let mut out = vec![Obj::Tmpl {
        selector: 23,
        variation: 0,
        subs: vec![op, lower.unwrap_or_else(none), upper.unwrap_or_else(none)],
    }];
    out.extend(main);
    out.extend(rest);
    Ok(out)
}
