//! The candidate's paper as WordprocessingML, from the layout model
//! ([`khaothi_render::PaperLayout`]) the HTML print view uses: the masthead as a borderless table
//! (issuing body and "ĐỀ THI CHÍNH THỨC" on the left, the examination, subject and time on the
//! right), the candidate's lines and the boxed "Mã đề thi", each part's heading, passages in a
//! box above their group, "Câu n." run into the stem, options in one row of four, two rows of two
//! or one a line at tab stops, statements a)–d), "HẾT" and the notes.

use khaothi_render::{Arrangement, Block, Masthead, PaperLayout, Question};

use super::markdown::{Pictures, Piece, inline_runs, pieces, text_run};
use super::package::TEXT_WIDTH;
use crate::InteropError;
use crate::omml_out::escape;

/// Where options and statements start, under "Câu n." (as the HTML view's 1.2 em).
const OPTION_INDENT: u32 = 340;

pub(crate) fn paragraph(ppr: &str, runs: &str) -> String {
    if ppr.is_empty() {
        format!("<w:p>{runs}</w:p>")
    } else {
        format!("<w:p><w:pPr>{ppr}</w:pPr>{runs}</w:p>")
    }
}

/// The body of the paper: every part and block, then "HẾT".
pub(crate) fn paper_body(layout: &PaperLayout, pictures: &mut Pictures<'_>) -> Result<String, InteropError> {
    let mut out = masthead(&layout.masthead, layout.pages);
    for part in &layout.parts {
        let runs = format!(
            "{}{}",
            text_run(&format!("PHẦN {}. ", part.roman), true, false),
            text_run(&part.instruction, false, false)
        );
        out.push_str(&paragraph("<w:keepNext/><w:spacing w:before=\"160\" w:after=\"60\"/>", &runs));
        for block in &part.blocks {
            match block {
                Block::Passage { lead, text, .. } => out.push_str(&passage(lead, text, pictures)?),
                Block::Question(q) => out.push_str(&question(q, pictures)?),
            }
        }
    }
    out.push_str(&paragraph(
        "<w:jc w:val=\"center\"/><w:spacing w:before=\"240\" w:after=\"60\"/>",
        &text_run("------ HẾT ------", true, false),
    ));
    for note in ["- Thí sinh không được sử dụng tài liệu;", "- Cán bộ coi thi không giải thích gì thêm."]
    {
        out.push_str(&paragraph("", &text_run(note, false, true)));
    }
    Ok(out)
}

/// The box around "Mã đề thi 0101".
const CELL_BOX: &str = "<w:tcBorders><w:top w:val=\"single\" w:sz=\"8\" w:space=\"0\" w:color=\"000000\"/>\
<w:left w:val=\"single\" w:sz=\"8\" w:space=\"0\" w:color=\"000000\"/><w:bottom w:val=\"single\" w:sz=\"8\" w:space=\"0\" w:color=\"000000\"/>\
<w:right w:val=\"single\" w:sz=\"8\" w:space=\"0\" w:color=\"000000\"/></w:tcBorders>";

/// A table without borders whose cells hold centred paragraphs (the masthead's two columns); a
/// cell marked `true` is boxed.
fn layout_table(columns: &[(u32, String, bool)]) -> String {
    let grid: String = columns.iter().map(|(w, _, _)| format!("<w:gridCol w:w=\"{w}\"/>")).collect();
    let cells: String = columns
        .iter()
        .map(|(w, body, boxed)| {
            let borders = if *boxed { CELL_BOX } else { "" };
            format!(
                "<w:tc><w:tcPr><w:tcW w:w=\"{w}\" w:type=\"dxa\"/>{borders}<w:vAlign w:val=\"center\"/></w:tcPr>{body}</w:tc>"
            )
        })
        .collect();
    format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"{TEXT_WIDTH}\" w:type=\"dxa\"/><w:tblLayout w:type=\"fixed\"/>\
         <w:tblBorders><w:top w:val=\"nil\"/><w:left w:val=\"nil\"/><w:bottom w:val=\"nil\"/><w:right w:val=\"nil\"/><w:insideH w:val=\"nil\"/><w:insideV w:val=\"nil\"/></w:tblBorders>\
         </w:tblPr><w:tblGrid>{grid}</w:tblGrid><w:tr>{cells}</w:tr></w:tbl>"
    )
}

/// A centred line of the masthead in `half_points` (the issuing body and the examination at
/// 11 pt, as the HTML view's 11.5 pt rounded to what fits one line of its column).
fn centred(text: &str, bold: bool, italic: bool, half_points: u32) -> String {
    let mut pr = String::new();
    if bold {
        pr.push_str("<w:b/>");
    }
    if italic {
        pr.push_str("<w:i/>");
    }
    let run = format!(
        "<w:r><w:rPr>{pr}<w:sz w:val=\"{half_points}\"/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r>",
        escape(text)
    );
    paragraph("<w:jc w:val=\"center\"/><w:spacing w:after=\"0\"/>", &run)
}

/// The masthead and the candidate's lines, as THPT papers set them.
fn masthead(m: &Masthead, pages: u32) -> String {
    let minutes = m.duration_minutes.map_or_else(|| "…".to_string(), |d| d.to_string());
    let label = format!(
        "<w:r><w:rPr><w:b/><w:bdr w:val=\"single\" w:sz=\"6\" w:space=\"2\" w:color=\"000000\"/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r>",
        escape(&m.label)
    );
    let left = [
        centred(&m.authority.to_uppercase(), true, false, 22),
        paragraph("<w:jc w:val=\"center\"/><w:spacing w:before=\"60\" w:after=\"60\"/>", &label),
        centred(&format!("(Đề thi có {pages:02} trang)"), false, true, 24),
    ]
    .concat();
    let right = [
        centred(&m.exam.to_uppercase(), true, false, 22),
        centred(&format!("Môn thi: {}", m.subject_name.to_uppercase()), true, false, 24),
        centred(&format!("Thời gian làm bài: {minutes} phút, không kể thời gian phát đề"), false, true, 22),
    ]
    .concat();
    let dots = ".".repeat(58);
    let candidate = [
        paragraph(
            "<w:spacing w:before=\"120\"/>",
            &text_run(&format!("Họ, tên thí sinh: {dots}"), false, false),
        ),
        paragraph("", &text_run(&format!("Số báo danh: {dots}{}", ".".repeat(4)), false, false)),
    ]
    .concat();
    let code = centred(&format!("Mã đề thi {}", m.version_code), true, false, 24);
    let left_width = TEXT_WIDTH * 7 / 20;
    [
        layout_table(&[(left_width, left, false), (TEXT_WIDTH - left_width, right, false)]),
        layout_table(&[(TEXT_WIDTH - 2400, candidate, false), (2400, code, true)]),
        paragraph("<w:spacing w:after=\"0\"/>", ""),
    ]
    .concat()
}

/// A shared passage in a box, its lead ("Sử dụng các thông tin sau cho câu 3 và câu 4.") in
/// italics above it.
fn passage(lead: &str, text: &str, pictures: &mut Pictures<'_>) -> Result<String, InteropError> {
    let width = TEXT_WIDTH - 300;
    let body = pieces(text, pictures, width)
        .map_err(|message| InteropError::Paper { item: None, message: format!("passage: {message}") })?;
    let mut cell = paragraph("<w:keepNext/>", &text_run(lead, false, true));
    cell.push_str(&write_pieces(&body, "<w:jc w:val=\"both\"/>", None));
    Ok(format!(
        "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"{TEXT_WIDTH}\" w:type=\"dxa\"/>\
         <w:tblCellMar><w:top w:w=\"60\" w:type=\"dxa\"/><w:bottom w:w=\"60\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr>\
         <w:tblGrid><w:gridCol w:w=\"{TEXT_WIDTH}\"/></w:tblGrid><w:tr><w:cantSplit/><w:tc><w:tcPr><w:tcW w:w=\"{TEXT_WIDTH}\" w:type=\"dxa\"/></w:tcPr>{cell}</w:tc></w:tr></w:tbl>{}",
        paragraph("<w:spacing w:after=\"0\"/><w:rPr><w:sz w:val=\"8\"/></w:rPr>", "")
    ))
}

/// Paragraphs of `pieces` with `ppr` (and their own indent); `label` runs into the first.
fn write_pieces(pieces: &[Piece], ppr: &str, label: Option<&str>) -> String {
    let mut out = String::new();
    let mut label = label.map(str::to_string);
    for p in pieces {
        match p {
            Piece::Para { indent, runs, display_math } => {
                let mut props = ppr.to_string();
                if *indent > 0 {
                    props.push_str(&format!("<w:ind w:left=\"{indent}\"/>"));
                }
                if *display_math && let Some(l) = label.take() {
                    out.push_str(&paragraph(&props, &l));
                }
                let runs = match label.take() {
                    Some(l) => format!("{l}{runs}"),
                    None => runs.clone(),
                };
                out.push_str(&paragraph(&props, &runs));
            }
            Piece::Table(xml) => {
                if let Some(l) = label.take() {
                    out.push_str(&paragraph(ppr, &l));
                }
                out.push_str(xml);
            }
        }
    }
    if let Some(l) = label {
        out.push_str(&paragraph(ppr, &l));
    }
    out
}

fn in_item<'a>(q: &'a Question) -> impl Fn(String) -> InteropError + 'a {
    move |message| InteropError::Paper {
        item: Some(q.item_id.clone()),
        message: format!("Câu {}: {message}", q.number),
    }
}

/// "Câu n." and the stem, then the options at their arrangement or the statements a)–d). Every
/// paragraph but the last keeps with the next, so a question is not split across pages.
fn question(q: &Question, pictures: &mut Pictures<'_>) -> Result<String, InteropError> {
    let label = text_run(&format!("Câu {}. ", q.number), true, false);
    let stem = pieces(&q.source.stem, pictures, TEXT_WIDTH).map_err(in_item(q))?;
    let keep = "<w:keepNext/><w:keepLines/><w:jc w:val=\"both\"/>";
    let mut out = write_pieces(&stem, keep, Some(&label));
    let letters = |i: usize, sep: &str| text_run(&format!("{}{sep} ", (b'A' + i as u8) as char), true, false);
    match q.arrangement {
        Arrangement::Row | Arrangement::Grid => {
            let per_line = if q.arrangement == Arrangement::Row { 4 } else { 2 };
            let column = (TEXT_WIDTH - OPTION_INDENT) / per_line as u32;
            let tabs: String = (1..per_line)
                .map(|k| format!("<w:tab w:val=\"left\" w:pos=\"{}\"/>", OPTION_INDENT + column * k as u32))
                .collect();
            for (line, chunk) in q.source.options.chunks(per_line).enumerate() {
                let mut runs = String::new();
                for (k, o) in chunk.iter().enumerate() {
                    if k > 0 {
                        runs.push_str("<w:r><w:tab/></w:r>");
                    }
                    runs.push_str(&letters(line * per_line + k, "."));
                    runs.push_str(&inline_runs(o, pictures, column - 300).map_err(in_item(q))?);
                }
                let last = (line + 1) * per_line >= q.source.options.len();
                let ppr = format!(
                    "{}<w:tabs>{tabs}</w:tabs><w:ind w:left=\"{OPTION_INDENT}\"/>",
                    if last { "" } else { "<w:keepNext/>" }
                );
                out.push_str(&paragraph(&ppr, &runs));
            }
        }
        Arrangement::Column | Arrangement::None => {
            let n = q.source.options.len();
            for (i, o) in q.source.options.iter().enumerate() {
                let runs = format!(
                    "{}{}",
                    letters(i, "."),
                    inline_runs(o, pictures, TEXT_WIDTH - OPTION_INDENT).map_err(in_item(q))?
                );
                out.push_str(&option_line(&runs, i + 1 < n));
            }
        }
    }
    let n = q.source.statements.len();
    for (i, s) in q.source.statements.iter().enumerate() {
        let label = text_run(&format!("{}) ", (b'a' + i as u8) as char), true, false);
        let runs =
            format!("{label}{}", inline_runs(s, pictures, TEXT_WIDTH - OPTION_INDENT).map_err(in_item(q))?);
        out.push_str(&option_line(&runs, i + 1 < n));
    }
    Ok(out)
}

/// One option or statement a line, hanging under its letter.
fn option_line(runs: &str, keep_next: bool) -> String {
    let keep = if keep_next { "<w:keepNext/>" } else { "" };
    paragraph(
        &format!("{keep}<w:jc w:val=\"both\"/><w:ind w:left=\"{}\" w:hanging=\"300\"/>", OPTION_INDENT + 300),
        runs,
    )
}

/// The footer: "Trang x/y – Mã đề 0101", with Word's page fields.
pub(crate) fn page_footer(suffix: &str) -> String {
    let field = |instr: &str| {
        format!(
            "<w:fldSimple w:instr=\" {instr} \"><w:r><w:rPr><w:i/></w:rPr><w:t>1</w:t></w:r></w:fldSimple>"
        )
    };
    paragraph(
        "<w:jc w:val=\"center\"/>",
        &format!(
            "{}{}{}{}{}",
            text_run("Trang ", false, true),
            field("PAGE"),
            text_run("/", false, true),
            field("NUMPAGES"),
            text_run(&format!(" – {suffix}"), false, true)
        ),
    )
}
