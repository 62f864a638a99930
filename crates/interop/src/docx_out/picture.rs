//! Pictures of the bank's media in the paper: their size read from the file's own header (PNG
//! IHDR, JPEG start-of-frame, GIF screen descriptor), scaled to fit where they sit, and the
//! DrawingML that places them inline. WebP and anything that is not a picture are refused by
//! [`picture_size`] (Word does not show WebP); the caller names the item.

/// Pixels per inch assumed for pictures that do not say (what Word assumes too).
const DPI: u64 = 96;
/// English Metric Units per inch.
const EMU_PER_INCH: u64 = 914_400;
/// Twentieths of a point per inch.
const TWIPS_PER_INCH: u64 = 1440;

/// Width and height in pixels of a PNG, JPEG or GIF; `None` for anything else.
pub(crate) fn picture_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() >= 24 && &bytes[12..16] == b"IHDR" {
        let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
        let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
        return (w > 0 && h > 0).then_some((w, h));
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        let w = u16::from_le_bytes(bytes.get(6..8)?.try_into().ok()?) as u32;
        let h = u16::from_le_bytes(bytes.get(8..10)?.try_into().ok()?) as u32;
        return (w > 0 && h > 0).then_some((w, h));
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        return jpeg_size(bytes);
    }
    None
}

/// The file extension Word's content types know the picture by.
pub(crate) fn picture_extension(bytes: &[u8]) -> Option<&'static str> {
    match crate::sniff_image(bytes)? {
        "image/png" => Some("png"),
        "image/jpeg" => Some("jpeg"),
        "image/gif" => Some("gif"),
        _ => None,
    }
}

/// Walks the JPEG markers to the first start-of-frame (SOF0–SOF15 but DHT, JPG and DAC).
fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return None;
        }
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let len = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        let is_frame = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            let h = u16::from_be_bytes([*bytes.get(at + 5)?, *bytes.get(at + 6)?]) as u32;
            let w = u16::from_be_bytes([*bytes.get(at + 7)?, *bytes.get(at + 8)?]) as u32;
            return (w > 0 && h > 0).then_some((w, h));
        }
        at += 2 + len;
    }
    None
}

/// The picture's size in EMU at 96 dpi, scaled down (never up) to at most `max_width_twips`.
pub(crate) fn extent(size: (u32, u32), max_width_twips: u32) -> (u64, u64) {
    let (w, h) = (u64::from(size.0), u64::from(size.1));
    let width = w * EMU_PER_INCH / DPI;
    let height = h * EMU_PER_INCH / DPI;
    let max = u64::from(max_width_twips) * EMU_PER_INCH / TWIPS_PER_INCH;
    if width <= max { (width, height) } else { (max, height * max / width) }
}

/// A run holding the picture inline with the text, as Word writes one.
pub(crate) fn inline_drawing(rel_id: &str, id: usize, name: &str, (cx, cy): (u64, u64)) -> String {
    let name = crate::omml_out::escape(name);
    format!(
        "<w:r><w:drawing><wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\"><wp:extent cx=\"{cx}\" cy=\"{cy}\"/>\
         <wp:docPr id=\"{id}\" name=\"{name}\"/><wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect=\"1\"/></wp:cNvGraphicFramePr>\
         <a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"><pic:pic>\
         <pic:nvPicPr><pic:cNvPr id=\"{id}\" name=\"{name}\"/><pic:cNvPicPr/></pic:nvPicPr>\
         <pic:blipFill><a:blip r:embed=\"{rel_id}\"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>\
         <pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"{cx}\" cy=\"{cy}\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></pic:spPr>\
         </pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_come_from_the_headers_and_wide_pictures_shrink_to_fit() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(640u32.to_be_bytes());
        png.extend(480u32.to_be_bytes());
        assert_eq!(picture_size(&png), Some((640, 480)));
        let gif = [b"GIF89a".as_slice(), &[10, 0, 20, 0]].concat();
        assert_eq!(picture_size(&gif), Some((10, 20)));
        // SOI, an APP0 segment of 4 bytes, then SOF0 with height 300 and width 400.
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 1, 44, 1, 144, 3];
        assert_eq!(picture_size(&jpeg), Some((400, 300)));
        assert_eq!(picture_size(b"RIFF\0\0\0\0WEBPVP8 "), None);
        assert_eq!(picture_size(b"<svg/>"), None);
        // 640 px at 96 dpi is 6⅔ in; 3 in of room halves… to 3 in, keeping the proportions.
        let (cx, cy) = extent((640, 480), 3 * 1440);
        assert_eq!(cx, 3 * 914_400);
        assert_eq!(cy, 3 * 914_400 * 480 / 640);
        assert_eq!(extent((96, 48), 10_000), (914_400, 457_200));
    }
}
