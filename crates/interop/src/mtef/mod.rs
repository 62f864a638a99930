//! MathType equations → LaTeX, from the object's native data, not its preview picture.
//!
//! A MathType (or Equation Editor) object in a Word file is an OLE compound file
//! (`word/embeddings/oleObjectN.bin`) whose `Equation Native` stream holds a 28-byte header and
//! then MTEF, Design Science's binary equation format. MTEF v5 (MathType 4 and later) and v3
//! (Microsoft Equation Editor 3.0, "Equation.3"; also what LibreOffice writes when it saves
//! formulas to Word 97) are read: [`records`] and [`v3`] parse them into one tree, [`latex`]
//! writes LaTeX. Anything it cannot map (an unknown template, a MathType private character, a long
//! division) is an error with the reason, and the caller falls back to the preview picture with
//! a warning. Bounded: the stream's size, nesting depth and record count ([`Limits`]).

mod latex;
mod records;
mod v3;

pub use records::Limits;

use std::io::{Cursor, Read};

/// Largest `Equation Native` stream read: real equations are a few kilobytes.
const MAX_STREAM: u64 = 1024 * 1024;

/// The LaTeX of an OLE equation object.
pub fn from_ole(bytes: &[u8]) -> Result<String, String> {
    let mut file =
        cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| format!("not an OLE compound file: {e}"))?;
    let mut stream = file
        .open_stream("/Equation Native")
        .map_err(|_| "the object has no \"Equation Native\" stream (not a MathType equation)".to_string())?;
    let mut data = Vec::new();
    (&mut stream)
        .take(MAX_STREAM + 1)
        .read_to_end(&mut data)
        .map_err(|e| format!("cannot read the equation: {e}"))?;
    if data.len() as u64 > MAX_STREAM {
        return Err(format!("the equation data is larger than {MAX_STREAM} bytes"));
    }
    from_equation_native(&data)
}

/// The LaTeX of an `Equation Native` stream: its header gives where MTEF starts.
pub fn from_equation_native(data: &[u8]) -> Result<String, String> {
    let header = data.get(..2).ok_or("the equation data is empty")?;
    let len = u16::from_le_bytes([header[0], header[1]]) as usize;
    let mtef = data.get(len..).ok_or("the equation header is longer than its data")?;
    from_mtef(mtef)
}

/// The LaTeX of MTEF bytes.
pub fn from_mtef(mtef: &[u8]) -> Result<String, String> {
    from_mtef_with(mtef, Limits::default())
}

/// The LaTeX of MTEF bytes, within `limits`.
pub fn from_mtef_with(mtef: &[u8], limits: Limits) -> Result<String, String> {
    let equation = match mtef.first() {
        Some(5) => records::parse(mtef, limits)?,
        Some(3) => v3::parse(mtef, limits)?,
        Some(v) => return Err(format!("MTEF version {v} (versions 3 and 5 are read)")),
        None => return Err("the equation data is empty".into()),
    };
    latex::write(&equation)
}

#[cfg(test)]
mod tests;
