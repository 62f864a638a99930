//! Wraps MTEF bytes in an OLE compound file the way MathType stores an equation object in a Word
//! file (`word/embeddings/oleObjectN.bin`: an `Equation Native` stream with its 28-byte header).
//! Used by scripts/fixtures/make_docx.py, which builds the MTEF itself from the published MTEF v5
//! specification (no MathType is available to make real ones):
//! `cargo run -p khaothi-interop --example ole_equation IN.mtef OUT.bin`.

use std::io::Write;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output] = args.as_slice() else {
        eprintln!("usage: ole_equation IN.mtef OUT.bin");
        std::process::exit(2);
    };
    let mtef = std::fs::read(input)?;
    // EQNOLEFILEHDR: header size 28, version 0x00020000, clipboard format, MTEF length, 4 reserved.
    let mut native = Vec::with_capacity(28 + mtef.len());
    native.extend(28u16.to_le_bytes());
    native.extend(0x0002_0000u32.to_le_bytes());
    native.extend(0xC1C6u16.to_le_bytes());
    native.extend((mtef.len() as u32).to_le_bytes());
    native.extend([0u8; 16]);
    native.extend(&mtef);
    let mut file = cfb::create(output)?;
    file.create_stream("/Equation Native")?.write_all(&native)?;
    file.flush()
}
