//! The QR code of a certificate string: alphanumeric mode only (every character of a `KT1:`
//! string is in the QR alphanumeric set, 5.5 bits a character against 8 in byte mode), error
//! correction Q (25 % of the code may be damaged — a folded or stained paper still scans), the
//! smallest version that holds it. Drawn as SVG here from the module matrix: one path of unit
//! squares on a viewBox in modules with the 4-module quiet zone, so it prints sharp at any size.

use std::fmt::Write;

use qrcode::bits::Bits;
use qrcode::{Color, EcLevel, QrCode, Version};

use crate::CertificateError;

/// The quiet zone around the code, in modules (ISO/IEC 18004).
pub const QUIET: usize = 4;

/// The module matrix: `width` × `width`, row by row, `true` = dark.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub width: usize,
    pub dark: Vec<bool>,
}

/// Encodes `text` (QR alphanumeric characters only) at error correction Q.
pub fn encode(text: &str) -> Result<Matrix, CertificateError> {
    for v in 1..=40 {
        let mut bits = Bits::new(Version::Normal(v));
        if bits.push_alphanumeric_data(text.as_bytes()).is_err() || bits.push_terminator(EcLevel::Q).is_err()
        {
            continue;
        }
        let code = QrCode::with_bits(bits, EcLevel::Q).map_err(|e| CertificateError::Qr(e.to_string()))?;
        let dark = code.to_colors().into_iter().map(|c| c == Color::Dark).collect();
        return Ok(Matrix { width: code.width(), dark });
    }
    Err(CertificateError::Qr("the certificate is too long for a QR code".into()))
}

impl Matrix {
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }

    /// The SVG (`size` CSS pixels wide), with a label for screen readers.
    pub fn svg(&self, size: u32, label: &str) -> String {
        let full = self.width + 2 * QUIET;
        let mut d = String::new();
        for y in 0..self.width {
            for x in 0..self.width {
                if self.is_dark(x, y) {
                    let _ = write!(d, "M{},{}h1v1h-1z", x + QUIET, y + QUIET);
                }
            }
        }
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {full} {full}" width="{size}" height="{size}" shape-rendering="crispEdges" role="img" aria-label="{}"><rect width="{full}" height="{full}" fill="#fff"/><path fill="#000" d="{d}"/></svg>"##,
            label.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;")
        )
    }
}
