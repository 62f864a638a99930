//! MTEF v5 byte stream → a tree of lines, characters, templates, piles and matrices, following
//! Design Science's "MathType MTEF v.5" specification. Records that only describe appearance
//! (sizes, fonts, colours, rulers, preferences, nudges) are read past.

/// One object of an equation.
#[derive(Debug, Clone, PartialEq)]
pub enum Obj {
    /// A line (slot); `None` for a placeholder (`mtefOPT_LINE_NULL`).
    Line(Option<Vec<Obj>>),
    Char {
        typeface: i16,
        code: u16,
        embells: Vec<u8>,
    },
    Tmpl {
        selector: u8,
        variation: u16,
        subs: Vec<Obj>,
    },
    Pile(Vec<Obj>),
    Matrix {
        rows: usize,
        cols: usize,
        cells: Vec<Obj>,
    },
}

const OPT_NUDGE: u8 = 0x08;
const OPT_CHAR_EMBELL: u8 = 0x01;
const OPT_CHAR_ENC_CHAR_8: u8 = 0x04;
const OPT_CHAR_ENC_CHAR_16: u8 = 0x10;
const OPT_CHAR_ENC_NO_MTCODE: u8 = 0x20;
const OPT_LINE_NULL: u8 = 0x01;
const OPT_LP_RULER: u8 = 0x02;
const OPT_LINE_LSPACE: u8 = 0x04;

/// Bounds on what one equation may hold: nesting and records (real equations have a few levels
/// and at most a few hundred records). Bytes are bounded by the caller (`MAX_STREAM`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub depth: usize,
    pub records: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { depth: 64, records: 20_000 }
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    depth: usize,
    limits: Limits,
    records: usize,
}

/// Parses the header and the equation's records (MTEF v5).
pub fn parse(bytes: &[u8], limits: Limits) -> Result<Vec<Obj>, String> {
    let mut c = Cursor { bytes, at: 0, depth: 0, limits, records: 0 };
    let version = c.u8()?;
    if version != 5 {
        return Err(format!("MTEF version {version} is not version 5"));
    }
    c.skip(4)?; // platform, product, product version, subversion
    c.cstring()?; // application key, e.g. "DSMT4"
    c.u8()?; // equation options (inline or display)
    c.list()
}

impl Cursor<'_> {
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

    fn cstring(&mut self) -> Result<String, String> {
        let mut s = Vec::new();
        loop {
            match self.u8()? {
                0 => return Ok(String::from_utf8_lossy(&s).into_owned()),
                b => s.push(b),
            }
        }
    }

    /// MTEF's unsigned integer: one byte, or 255 followed by 16 bits.
    fn uint(&mut self) -> Result<u16, String> {
        match self.u8()? {
            255 => self.u16(),
            b => Ok(b as u16),
        }
    }

    fn nudge(&mut self, options: u8) -> Result<(), String> {
        if options & OPT_NUDGE != 0 {
            let (dx, dy) = (self.u8()?, self.u8()?);
            if dx == 128 || dy == 128 {
                self.skip(4)?;
            }
        }
        Ok(())
    }

    /// Records up to and including END; objects kept, appearance records read past.
    fn list(&mut self) -> Result<Vec<Obj>, String> {
        self.depth += 1;
        if self.depth > self.limits.depth {
            return Err(format!("the equation nests deeper than {}", self.limits.depth));
        }
        let mut out = Vec::new();
        loop {
            let tag = self.u8()?;
            self.records += 1;
            if self.records > self.limits.records {
                return Err(format!("the equation has more than {} records", self.limits.records));
            }
            match tag {
                0 => break,
                1 => out.push(self.line()?),
                2 => out.push(self.char()?),
                3 => out.push(self.tmpl()?),
                4 => out.push(self.pile()?),
                5 => out.push(self.matrix()?),
                6 => {
                    self.embell()?;
                }
                _ => self.appearance(tag)?,
            }
        }
        self.depth -= 1;
        Ok(out)
    }

    /// Records that change appearance only.
    fn appearance(&mut self, tag: u8) -> Result<(), String> {
        match tag {
            7 => self.ruler_body(),
            8 => {
                self.uint()?;
                self.u8().map(drop)
            }
            9 => match self.u8()? {
                101 => self.u16().map(drop),
                100 => {
                    self.u8()?;
                    self.u16().map(drop)
                }
                _ => self.u8().map(drop),
            },
            10..=14 => Ok(()),
            15 => self.uint().map(drop),
            16 => {
                let options = self.u8()?;
                self.skip(if options & 0x01 != 0 { 8 } else { 6 })?;
                if options & 0x04 != 0 {
                    self.cstring()?;
                }
                Ok(())
            }
            17 => {
                self.uint()?;
                self.cstring().map(drop)
            }
            18 => self.eqn_prefs(),
            19 => self.cstring().map(drop),
            100..=255 => {
                let len = self.u16()? as usize;
                self.skip(len)
            }
            other => Err(format!("unknown MTEF record type {other}")),
        }
    }

    fn ruler_body(&mut self) -> Result<(), String> {
        let stops = self.u8()? as usize;
        self.skip(stops * 3)
    }

    fn ruler_record(&mut self) -> Result<(), String> {
        match self.u8()? {
            7 => self.ruler_body(),
            t => Err(format!("a RULER record was announced but record {t} follows")),
        }
    }

    fn eqn_prefs(&mut self) -> Result<(), String> {
        self.u8()?;
        for _ in 0..2 {
            let count = self.u8()?;
            self.dimensions(count)?;
        }
        let styles = self.u8()?;
        for _ in 0..styles {
            if self.u8()? != 0 {
                self.u8()?;
            }
        }
        Ok(())
    }

    /// `count` nibble-encoded dimensions (unit nibble, value nibbles, 0xF), then byte alignment.
    fn dimensions(&mut self, count: u8) -> Result<(), String> {
        let mut high = true;
        let mut byte = 0u8;
        let mut nibble = |c: &mut Self| -> Result<u8, String> {
            if high {
                byte = c.u8()?;
                high = false;
                Ok(byte >> 4)
            } else {
                high = true;
                Ok(byte & 0x0F)
            }
        };
        for _ in 0..count {
            nibble(self)?;
            while nibble(self)? != 0x0F {}
        }
        Ok(())
    }

    fn line(&mut self) -> Result<Obj, String> {
        let options = self.u8()?;
        self.nudge(options)?;
        if options & OPT_LINE_LSPACE != 0 {
            self.u16()?;
        }
        if options & OPT_LP_RULER != 0 {
            self.ruler_record()?;
        }
        if options & OPT_LINE_NULL != 0 {
            return Ok(Obj::Line(None));
        }
        Ok(Obj::Line(Some(self.list()?)))
    }

    fn char(&mut self) -> Result<Obj, String> {
        let options = self.u8()?;
        self.nudge(options)?;
        let typeface = self.u8()? as i16 - 128;
        let code = if options & OPT_CHAR_ENC_NO_MTCODE == 0 { self.u16()? } else { 0 };
        if options & OPT_CHAR_ENC_CHAR_8 != 0 {
            self.u8()?;
        }
        if options & OPT_CHAR_ENC_CHAR_16 != 0 {
            self.u16()?;
        }
        let mut embells = Vec::new();
        if options & OPT_CHAR_EMBELL != 0 {
            loop {
                match self.u8()? {
                    0 => break,
                    6 => embells.push(self.embell()?),
                    t => self.appearance(t)?,
                }
            }
        }
        if code == 0 {
            return Err("a character is written without its MTCode (font position only)".into());
        }
        Ok(Obj::Char { typeface, code, embells })
    }

    fn embell(&mut self) -> Result<u8, String> {
        let options = self.u8()?;
        self.nudge(options)?;
        self.u8()
    }

    fn tmpl(&mut self) -> Result<Obj, String> {
        let options = self.u8()?;
        self.nudge(options)?;
        let selector = self.u8()?;
        let first = self.u8()?;
        let variation =
            if first & 0x80 != 0 { (first & 0x7F) as u16 | ((self.u8()? as u16) << 8) } else { first as u16 };
        self.u8()?; // template-specific options (fence alignment, expanding integrals)
        Ok(Obj::Tmpl { selector, variation, subs: self.list()? })
    }

    fn pile(&mut self) -> Result<Obj, String> {
        let options = self.u8()?;
        self.nudge(options)?;
        self.skip(2)?; // halign, valign
        if options & OPT_LP_RULER != 0 {
            self.ruler_record()?;
        }
        Ok(Obj::Pile(self.list()?))
    }

    fn matrix(&mut self) -> Result<Obj, String> {
        let options = self.u8()?;
        self.nudge(options)?;
        self.skip(3)?; // valign, h_just, v_just
        let rows = self.u8()? as usize;
        let cols = self.u8()? as usize;
        // Partition line types: two bits per line, rounded up to whole bytes.
        self.skip((2 * (rows + 1)).div_ceil(8))?;
        self.skip((2 * (cols + 1)).div_ceil(8))?;
        Ok(Obj::Matrix { rows, cols, cells: self.list()? })
    }
}
