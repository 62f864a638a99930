//! The sheet's fonts: DejaVu Sans and DejaVu Sans Bold (fonts/README.md), which cover Vietnamese.
//! Built into the binary so the PDF and the raster never depend on what the machine has installed.

pub static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
pub static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// The font file of a text's weight.
pub fn data(bold: bool) -> &'static [u8] {
    if bold { BOLD } else { REGULAR }
}
