//! The parts of a WordprocessingML package, written here rather than copied from a template: the
//! content types, relationships, the styles the paper uses (Times New Roman 12 pt, as THPT papers
//! print), A4 page settings, a footer with the page number, and the pictures. Every part is
//! well-formed XML (the tests parse each one) and the package opens in Word, LibreOffice and
//! python-docx (the read-back test).

use std::io::Write;

use zip::write::SimpleFileOptions;

use crate::InteropError;

pub(crate) const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const M_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/math";
const WP_NS: &str = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing";
const A_NS: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
const PIC_NS: &str = "http://schemas.openxmlformats.org/drawingml/2006/picture";
const REL_TYPE: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A4 in twentieths of a point, and the margins of the HTML print view (14, 15, 16 mm).
pub(crate) const PAGE_WIDTH: u32 = 11906;
const PAGE_HEIGHT: u32 = 16838;
pub(crate) const MARGIN_SIDE: u32 = 850;
const MARGIN_TOP: u32 = 794;
const MARGIN_BOTTOM: u32 = 907;
/// The width text runs across: 180 mm.
pub(crate) const TEXT_WIDTH: u32 = PAGE_WIDTH - 2 * MARGIN_SIDE;

/// A picture in `word/media/`, referenced from the body by its relationship id.
#[derive(Debug, Clone)]
pub(crate) struct MediaPart {
    pub rel_id: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// What goes into one `.docx`: the body's XML (paragraphs and tables), the footer's paragraph and
/// the pictures the body references.
pub(crate) struct Package<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub footer: &'a str,
    pub media: &'a [MediaPart],
}

/// The namespace declarations of the document part: WordprocessingML, relationships, OMML and
/// DrawingML, so that equations and pictures can sit anywhere in the body.
fn document_namespaces() -> String {
    format!(
        "xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\" xmlns:m=\"{M_NS}\" xmlns:wp=\"{WP_NS}\" xmlns:a=\"{A_NS}\" xmlns:pic=\"{PIC_NS}\""
    )
}

/// The `.docx` bytes of `p`.
pub(crate) fn write_package(p: &Package<'_>) -> Result<Vec<u8>, InteropError> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let deflated = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let fail = |e: &dyn std::fmt::Display| InteropError::Paper {
        item: None,
        message: format!("writing the .docx: {e}"),
    };
    let mut part = |name: &str, text: &[u8], opts: SimpleFileOptions| -> Result<(), InteropError> {
        zip.start_file(name, opts).map_err(|e| fail(&e))?;
        zip.write_all(text).map_err(|e| fail(&e))
    };
    part("[Content_Types].xml", content_types(p.media).as_bytes(), deflated)?;
    part("_rels/.rels", ROOT_RELS.as_bytes(), deflated)?;
    part("docProps/core.xml", core_properties(p.title).as_bytes(), deflated)?;
    part("docProps/app.xml", APP_PROPERTIES.as_bytes(), deflated)?;
    part("word/document.xml", document(p.body).as_bytes(), deflated)?;
    part("word/_rels/document.xml.rels", document_rels(p.media).as_bytes(), deflated)?;
    part("word/styles.xml", STYLES.as_bytes(), deflated)?;
    part("word/settings.xml", SETTINGS.as_bytes(), deflated)?;
    part("word/footer1.xml", footer(p.footer).as_bytes(), deflated)?;
    for m in p.media {
        // Pictures are compressed already.
        part(&format!("word/media/{}", m.file_name), &m.bytes, stored)?;
    }
    zip.finish().map_err(|e| fail(&e))?;
    Ok(out.into_inner())
}

fn content_types(media: &[MediaPart]) -> String {
    let mut defaults = String::from(
        "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>",
    );
    for (ext, ty) in [("png", "image/png"), ("jpeg", "image/jpeg"), ("gif", "image/gif")] {
        if media.iter().any(|m| m.file_name.ends_with(&format!(".{ext}"))) {
            defaults.push_str(&format!("<Default Extension=\"{ext}\" ContentType=\"{ty}\"/>"));
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">{defaults}\
         <Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
         <Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>\
         <Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/>\
         <Override PartName=\"/word/footer1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/>\
         <Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
         <Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>\
         </Types>"
    )
}

const ROOT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>\
<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties\" Target=\"docProps/app.xml\"/>\
</Relationships>";

const APP_PROPERTIES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\"><Application>khaothi</Application></Properties>";

fn core_properties(title: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>{}</dc:title><dc:creator>khaothi</dc:creator></cp:coreProperties>",
        crate::omml_out::escape(title)
    )
}

/// Relationships of the document part: styles, settings, the footer (rId1–rId3), then pictures.
fn document_rels(media: &[MediaPart]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rId1\" Type=\"{REL_TYPE}/styles\" Target=\"styles.xml\"/>\
         <Relationship Id=\"rId2\" Type=\"{REL_TYPE}/settings\" Target=\"settings.xml\"/>\
         <Relationship Id=\"rId3\" Type=\"{REL_TYPE}/footer\" Target=\"footer1.xml\"/>"
    );
    for m in media {
        out.push_str(&format!(
            "<Relationship Id=\"{}\" Type=\"{REL_TYPE}/image\" Target=\"media/{}\"/>",
            m.rel_id, m.file_name
        ));
    }
    out.push_str("</Relationships>");
    out
}

/// The first picture's relationship id is `rId4` (after styles, settings and footer).
pub(crate) const FIRST_MEDIA_REL: usize = 4;

fn document(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document {}><w:body>{body}\
         <w:sectPr><w:footerReference w:type=\"default\" r:id=\"rId3\"/>\
         <w:pgSz w:w=\"{PAGE_WIDTH}\" w:h=\"{PAGE_HEIGHT}\"/>\
         <w:pgMar w:top=\"{MARGIN_TOP}\" w:right=\"{MARGIN_SIDE}\" w:bottom=\"{MARGIN_BOTTOM}\" w:left=\"{MARGIN_SIDE}\" w:header=\"425\" w:footer=\"425\" w:gutter=\"0\"/>\
         </w:sectPr></w:body></w:document>",
        document_namespaces()
    )
}

fn footer(paragraph: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:ftr {}>{paragraph}</w:ftr>",
        document_namespaces()
    )
}

/// Times New Roman 12 pt with tight spacing (what THPT papers print), a "Table Grid" style for
/// the answer key, and Cambria Math for equations.
const STYLES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" w:eastAsia=\"Times New Roman\" w:cs=\"Times New Roman\"/>\
<w:sz w:val=\"24\"/><w:szCs w:val=\"24\"/><w:lang w:val=\"vi-VN\"/></w:rPr></w:rPrDefault>\
<w:pPrDefault><w:pPr><w:spacing w:before=\"0\" w:after=\"40\" w:line=\"264\" w:lineRule=\"auto\"/></w:pPr></w:pPrDefault></w:docDefaults>\
<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/></w:style>\
<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/>\
<w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/>\
<w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>\
<w:style w:type=\"table\" w:styleId=\"TableGrid\"><w:name w:val=\"Table Grid\"/><w:basedOn w:val=\"TableNormal\"/>\
<w:tblPr><w:tblBorders><w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/><w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>\
<w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/><w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>\
<w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/><w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/></w:tblBorders></w:tblPr></w:style>\
</w:styles>";

const SETTINGS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<w:settings xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" xmlns:m=\"http://schemas.openxmlformats.org/officeDocument/2006/math\">\
<w:defaultTabStop w:val=\"720\"/><w:characterSpacingControl w:val=\"doNotCompress\"/>\
<m:mathPr><m:mathFont m:val=\"Cambria Math\"/><m:dispDef/><m:lMargin m:val=\"0\"/><m:rMargin m:val=\"0\"/><m:wrapIndent m:val=\"1440\"/><m:intLim m:val=\"subSup\"/><m:naryLim m:val=\"undOvr\"/></m:mathPr>\
<w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat>\
</w:settings>";
