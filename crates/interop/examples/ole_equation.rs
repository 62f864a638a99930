//! Writes an OLE compound file holding the given streams, the way Word stores an embedded object
//! (`word/embeddings/oleObjectN.bin`). scripts/fixtures/make_docx.py uses it to re-embed the
//! Equation Editor 3.0 objects LibreOffice writes into a Word 97 file (their `\1CompObj`, `\1Ole`
//! and `Equation Native` streams, copied unchanged; see scripts/fixtures/mathtype_lo.py):
//! `cargo run -p khaothi-interop --example ole_equation OUT.bin NAME FILE [NAME FILE…]`.

use std::io::Write;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 || args.len().is_multiple_of(2) {
        eprintln!("usage: ole_equation OUT.bin NAME FILE [NAME FILE…]");
        std::process::exit(2);
    }
    let mut file = cfb::create(&args[0])?;
    for pair in args[1..].chunks(2) {
        let data = std::fs::read(&pair[1])?;
        file.create_stream(format!("/{}", pair[0]))?.write_all(&data)?;
    }
    file.flush()
}
