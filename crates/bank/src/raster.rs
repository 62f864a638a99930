//! WMF/EMF pictures → PNG, for the Word reader's fallbacks (an equation object whose data cannot be
//! converted keeps its preview picture, which browsers cannot show). The reader is pure; this is
//! the I/O it is handed ([`khaothi_interop::Rasteriser`]), used by the bank's import and by
//! `khaothi convert`.
//!
//! LibreOffice Draw (Debian's `libreoffice-draw-nogui`, in scripts/test-all.sh's packages) renders
//! the picture on a page at 200 dpi in a throw-away profile and directory; the page's margins are
//! cropped off. Bounded: the picture's bytes, the time LibreOffice may take, the PNG's size.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use khaothi_interop::Rasteriser;

/// The LibreOffice program, found on `PATH`.
pub const PROGRAM: &str = "soffice";
/// Largest WMF/EMF rasterised: equation previews are a few kilobytes, clip-art rarely 1 MB.
pub const MAX_PICTURE_BYTES: usize = 4 * 1024 * 1024;
/// Longest LibreOffice may take for one picture (a cold start takes 2–5 s on a loaded machine).
pub const TIMEOUT: Duration = Duration::from_secs(60);
/// Largest PNG read back from LibreOffice (an A4 page at 200 dpi is about 100 KB when blank).
const MAX_PNG_BYTES: u64 = 32 * 1024 * 1024;
/// An A4 page at 200 dpi.
const FILTER: &str = r#"png:draw_png_Export:{"PixelWidth":{"type":"long","value":"1654"},"PixelHeight":{"type":"long","value":"2339"}}"#;
/// White border kept around the cropped picture, in pixels.
const MARGIN: u32 = 6;

/// The rasteriser the bank and the command give the Word reader.
pub fn libreoffice() -> Rasteriser {
    Rasteriser(Arc::new(|bytes: &[u8], kind: &str| rasterise(bytes, kind)))
}

/// One WMF or EMF (`kind`) → PNG bytes, cropped to what is drawn.
pub fn rasterise(bytes: &[u8], kind: &str) -> Result<Vec<u8>, String> {
    if !matches!(kind, "wmf" | "emf") {
        return Err(format!("{kind} pictures are not rasterised"));
    }
    if bytes.len() > MAX_PICTURE_BYTES {
        return Err(format!("the picture has {} bytes, more than {MAX_PICTURE_BYTES}", bytes.len()));
    }
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
    let input = dir.path().join(format!("picture.{kind}"));
    std::fs::write(&input, bytes).map_err(|e| format!("cannot write the picture: {e}"))?;
    run_libreoffice(dir.path(), &input)?;
    let mut png = Vec::new();
    std::fs::File::open(dir.path().join("out/picture.png"))
        .map_err(|_| "LibreOffice could not read the picture".to_string())?
        .take(MAX_PNG_BYTES + 1)
        .read_to_end(&mut png)
        .map_err(|e| format!("cannot read LibreOffice's PNG: {e}"))?;
    if png.len() as u64 > MAX_PNG_BYTES {
        return Err("LibreOffice's PNG is too large".into());
    }
    crop(&png)
}

fn run_libreoffice(dir: &Path, input: &Path) -> Result<(), String> {
    let profile = format!("-env:UserInstallation=file://{}", dir.join("profile").display());
    let mut child = Command::new(PROGRAM)
        .args(["--headless", "--norestore", &profile, "--convert-to", FILTER, "--outdir"])
        .arg(dir.join("out"))
        .arg(input)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("LibreOffice ({PROGRAM}) cannot be started: {e}"))?;
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("LibreOffice failed ({status})")),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("LibreOffice took longer than {} s", TIMEOUT.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("waiting for LibreOffice: {e}")),
        }
    }
}

/// Crops a page to the box of its drawn (not white, not transparent) pixels, plus a margin.
fn crop(png: &[u8]) -> Result<Vec<u8>, String> {
    let page = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .map_err(|e| format!("LibreOffice's PNG does not decode: {e}"))?
        .to_rgba8();
    let (w, h) = page.dimensions();
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for (x, y, p) in page.enumerate_pixels() {
        let [r, g, b, a] = p.0;
        if a > 16 && (r < 240 || g < 240 || b < 240) {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
    }
    if x0 > x1 {
        return Err("the picture draws nothing".into());
    }
    let (x0, y0) = (x0.saturating_sub(MARGIN), y0.saturating_sub(MARGIN));
    let (x1, y1) = ((x1 + MARGIN).min(w - 1), (y1 + MARGIN).min(h - 1));
    let mut out = image::RgbaImage::from_pixel(x1 - x0 + 1, y1 - y0 + 1, image::Rgba([255, 255, 255, 255]));
    for (x, y, p) in out.enumerate_pixels_mut() {
        let src = page.get_pixel(x0 + x, y0 + y);
        // Transparent page → white: the item is shown on white paper and screens alike.
        let a = src.0[3] as u32;
        let blend = |c: u8| ((c as u32 * a + 255 * (255 - a)) / 255) as u8;
        *p = image::Rgba([blend(src.0[0]), blend(src.0[1]), blend(src.0[2]), 255]);
    }
    let mut bytes = Vec::new();
    out.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .map_err(|e| format!("cannot encode the PNG: {e}"))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_it_does_not_rasterise() {
        assert!(rasterise(b"x", "svg").unwrap_err().contains("not rasterised"));
        let big = vec![0u8; MAX_PICTURE_BYTES + 1];
        assert!(rasterise(&big, "wmf").unwrap_err().contains("more than"));
    }

    #[test]
    fn crops_to_what_is_drawn() {
        let mut page = image::RgbaImage::from_pixel(200, 300, image::Rgba([255, 255, 255, 0]));
        for x in 50..60 {
            for y in 100..104 {
                page.put_pixel(x, y, image::Rgba([0, 0, 0, 255]));
            }
        }
        let mut png = Vec::new();
        page.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        let cropped = image::load_from_memory(&crop(&png).unwrap()).unwrap();
        assert_eq!((cropped.width(), cropped.height()), (10 + 2 * MARGIN, 4 + 2 * MARGIN));
        let blank = image::RgbaImage::from_pixel(20, 20, image::Rgba([255, 255, 255, 255]));
        let mut png = Vec::new();
        blank.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        assert!(crop(&png).unwrap_err().contains("draws nothing"));
    }

    /// The Word fixture's Câu 7 holds an Equation Editor object made by LibreOffice whose ∲ has no
    /// LaTeX equivalent, with LibreOffice's preview (an EMF): the reader cannot convert it, so the
    /// preview is kept — as a PNG LibreOffice renders. Needs LibreOffice Draw (test-all.sh installs
    /// it). The picture is kept in the temporary directory for a look.
    #[test]
    fn an_unconvertible_equation_keeps_its_preview_as_a_png() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../interop/tests/fixtures/docx/toan-thpt.docx");
        let opts = khaothi_interop::ConvertOptions {
            subject: Some("toan".into()),
            grade: Some(12),
            topic: Some("12.1".into()),
            level: Some(khaothi_domain::Level::Hieu),
            id_prefix: "T".into(),
            rasterise: Some(libreoffice()),
        };
        let import = khaothi_interop::read_docx(&std::fs::read(path).unwrap(), &opts);
        let line = import.report.lines.iter().find(|l| l.id.as_deref() == Some("T-0007")).unwrap();
        let messages: Vec<&str> = line.messages.iter().map(|m| m.message.as_str()).collect();
        assert!(
            messages.iter().any(|m| m.starts_with("Câu 7: a MathType equation could not be converted")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("an EMF picture") && m.contains("kept as a PNG")),
            "{messages:?}"
        );
        let item = line.item.as_ref().expect("the question is still imported");
        assert_eq!(item.media, ["T-0007-1.png"]);
        assert!(item.stem.contains("![hình 1](T-0007-1.png)"), "{}", item.stem);
        let png = import.media.iter().find(|m| m.name == "T-0007-1.png").unwrap();
        assert_eq!(png.content_type, "image/png");
        let picture = image::load_from_memory(&png.bytes).unwrap().to_luma8();
        let (w, h) = picture.dimensions();
        assert!((20..600).contains(&w) && (20..300).contains(&h), "cropped to the equation: {w}×{h}");
        assert!(picture.pixels().filter(|p| p.0[0] < 128).count() > 50, "the equation is drawn");
        let kept = std::env::temp_dir().join("khaothi-raster-T-0007.png");
        std::fs::write(&kept, &png.bytes).unwrap();
        eprintln!("rasterised preview: {}", kept.display());
    }
}
