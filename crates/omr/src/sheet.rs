//! The geometry of the THPT answer sheet (phiếu trả lời trắc nghiệm): where the registration marks,
//! the QR code, the header fields, the số báo danh and mã đề grids and the bubbles of PHẦN I–III go
//! on an A4 page. One function builds both the [`Layout`] (what a reader needs) and the
//! [`Drawing`] (what the PDF and the rasteriser draw), so they cannot disagree.
//!
//! As on the ministry's sheet: PHẦN I in columns of ten questions with A–D; PHẦN II one block per
//! question with Đúng/Sai per statement a–d; PHẦN III one block per question with four columns, a
//! `-` bubble in the first column only, `,` in the second and third, digits 0–9 in all four.

use crate::OmrError;
use crate::draw::{Anchor, Drawing, Shape};
use crate::layout::{Bubble, Layout, Mark, Meaning, NumberField, QrBox};
use crate::qr::{self, QrPayload};
use crate::spec::SheetSpec;

pub const PAGE_MM: [f64; 2] = [210.0, 297.0];
/// Side of a registration mark, mm, and its centre's distance from the page's edges.
pub const MARK_MM: f64 = 7.0;
const MARK_INSET: f64 = 12.0;
/// Bubble radius and the row pitch, mm.
pub const BUBBLE_R: f64 = 1.6;
const ROW: f64 = 4.3;
const STROKE: f64 = 0.25;
const LABEL_GRAY: f32 = 0.45;
const QR_MM: f64 = 22.0;
const QR_CENTRE: (f64, f64) = (36.0, 33.0);

/// Who the sheet is printed for (a blank sheet has none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CandidateInfo {
    pub number: String,
    pub name: String,
    pub date_of_birth: String,
    pub room: String,
}

/// One printed sheet: the template plus the event and (per candidate) the candidate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    pub event: String,
    pub candidate: Option<CandidateInfo>,
}

/// The sheet of `spec`: the layout every sheet of this version shares.
pub fn layout(spec: &SheetSpec) -> Result<Layout, OmrError> {
    Ok(build(spec)?.layout)
}

/// The layout and the drawing of the sheet for `header`, and its QR payload.
pub fn sheet(spec: &SheetSpec, header: &Header) -> Result<(Layout, Drawing, QrPayload), OmrError> {
    let (layout, mut drawing) = template(spec)?;
    let (personal, payload) = personal(spec, header)?;
    drawing.shapes.extend(personal.shapes);
    Ok((layout, drawing, payload))
}

/// What every sheet of `spec` shares: the layout and its drawing (marks, titles, grids, bubbles).
pub fn template(spec: &SheetSpec) -> Result<(Layout, Drawing), OmrError> {
    let b = build(spec)?;
    Ok((b.layout, b.drawing))
}

/// What one sheet adds to the template: the event, the candidate's fields and numbers, the QR
/// code (drawn over the template's raster by the generator, which renders the template once).
pub fn personal(spec: &SheetSpec, header: &Header) -> Result<(Drawing, QrPayload), OmrError> {
    let mut b = build(spec)?;
    b.drawing.shapes.clear();
    let number = header.candidate.as_ref().map_or("", |c| c.number.as_str());
    let payload = QrPayload::new(&header.event, &spec.form, &spec.version, number);
    b.header_text(spec, header, &payload);
    b.qr_code(&payload.to_text())?;
    Ok((b.drawing, payload))
}

/// The shapes and layout common to every sheet of `spec`.
fn build(spec: &SheetSpec) -> Result<Builder, OmrError> {
    spec.check()?;
    let mut b = Builder::new(spec);
    b.marks();
    b.titles();
    let x_version = b.number_grid(NumberField::Candidate, "Số báo danh", 126.0, spec.candidate_digits);
    b.number_grid(NumberField::Version, "Mã đề", x_version + 7.0, spec.version_digits);
    b.y = 87.0;
    if spec.part_i > 0 {
        b.part_i(spec.part_i);
    }
    if !spec.part_ii.is_empty() {
        b.part_ii(&spec.part_ii);
    }
    if spec.part_iii > 0 {
        b.part_iii(spec.part_iii);
    }
    Ok(b)
}

struct Builder {
    layout: Layout,
    drawing: Drawing,
    /// Where the next part starts, mm from the top.
    y: f64,
    /// Left ends of the number grids' columns, for printing the candidate's digits.
    number_x: [f64; 2],
}

impl Builder {
    fn new(spec: &SheetSpec) -> Self {
        let layout = Layout {
            page_mm: PAGE_MM,
            marks: Vec::new(),
            bubbles: Vec::new(),
            qr: Some(QrBox { page: 1, x: QR_CENTRE.0, y: QR_CENTRE.1, size: QR_MM }),
            form: Some(spec.form.clone()),
            version: Some(spec.version.clone()),
        };
        Builder {
            layout,
            drawing: Drawing { page_mm: PAGE_MM, shapes: Vec::new() },
            y: 0.0,
            number_x: [0.0; 2],
        }
    }

    fn marks(&mut self) {
        let [w, h] = PAGE_MM;
        for (x, y) in [
            (MARK_INSET, MARK_INSET),
            (w - MARK_INSET, MARK_INSET),
            (MARK_INSET, h - MARK_INSET),
            (w - MARK_INSET, h - MARK_INSET),
        ] {
            self.layout.marks.push(Mark { page: 1, x, y, size: MARK_MM });
            let half = MARK_MM / 2.0;
            self.drawing.push(Shape::Fill { x: x - half, y: y - half, w: MARK_MM, h: MARK_MM, gray: 0.0 });
        }
    }

    fn titles(&mut self) {
        let d = &mut self.drawing;
        d.text(105.0, 13.0, 3.0, "BỘ GIÁO DỤC VÀ ĐÀO TẠO", false, Anchor::Center);
        d.text(105.0, 19.5, 4.6, "PHIẾU TRẢ LỜI TRẮC NGHIỆM", true, Anchor::Center);
        let fields = [
            "1. Điểm thi:",
            "2. Phòng thi:",
            "3. Họ và tên thí sinh:",
            "4. Ngày sinh:",
            "5. Chữ ký của thí sinh:",
            "6. Chữ ký của cán bộ coi thi 1:",
            "7. Chữ ký của cán bộ coi thi 2:",
        ];
        for (i, label) in fields.iter().enumerate() {
            let y = 31.0 + 7.0 * i as f64;
            d.text(52.0, y, 2.8, *label, false, Anchor::Left);
            d.push(Shape::Line { x1: 52.0, y1: y + 1.3, x2: 119.0, y2: y + 1.3, width: 0.15, gray: 0.55 });
        }
        for (i, line) in
            ["Tô kín ô tròn bằng", "bút chì đen. Muốn sửa:", "tẩy sạch rồi tô ô khác.", "Không gấp phiếu."]
                .iter()
                .enumerate()
        {
            d.text(16.0, 57.0 + 3.4 * i as f64, 2.1, *line, false, Anchor::Left);
        }
    }

    /// A bubble with its printed label inside.
    fn bubble(&mut self, x: f64, y: f64, label: &str, meaning: Meaning) {
        self.layout.bubbles.push(Bubble { page: 1, x, y, r: BUBBLE_R, meaning });
        self.drawing.push(Shape::Ring { cx: x, cy: y, r: BUBBLE_R, width: STROKE, gray: 0.0 });
        let size = if label.chars().count() > 1 { 1.5 } else { 2.0 };
        self.drawing.push(Shape::Text {
            x,
            y: y + size * 0.36,
            size,
            text: label.into(),
            bold: false,
            anchor: Anchor::Center,
            gray: LABEL_GRAY,
        });
    }

    /// A written-and-bubbled number: boxes to write the digits in, then a column of 0–9 per digit.
    /// Returns the x where the next grid may start.
    fn number_grid(&mut self, field: NumberField, title: &str, x0: f64, digits: u32) -> f64 {
        let number = if field == NumberField::Candidate { "8" } else { "9" };
        let right = x0 + 5.0 * (digits as f64 - 1.0);
        self.drawing.text((x0 + right) / 2.0, 31.5, 2.6, format!("{number}. {title}"), true, Anchor::Center);
        for digit in 0..digits {
            let x = x0 + 5.0 * digit as f64;
            self.drawing.push(Shape::Frame { x: x - 2.2, y: 33.5, w: 4.4, h: 5.5, width: STROKE, gray: 0.0 });
            for value in 0..10u8 {
                let y = 42.0 + ROW * value as f64;
                self.bubble(x, y, &value.to_string(), Meaning::Number { field, digit, value });
            }
        }
        let frame =
            Shape::Frame { x: x0 - 3.4, y: 28.0, w: right - x0 + 6.8, h: 55.5, width: STROKE, gray: 0.0 };
        self.drawing.push(frame);
        self.number_x[field as usize] = x0;
        right + 3.4
    }

    fn part_heading(&mut self, title: &str, hint: &str) {
        self.drawing.text(16.0, self.y + 3.0, 3.2, title, true, Anchor::Left);
        self.drawing.text(34.0, self.y + 3.0, 2.4, hint, false, Anchor::Left);
    }

    fn part_i(&mut self, count: u32) {
        self.part_heading("PHẦN I", "Mỗi câu tô một phương án A, B, C hoặc D.");
        let rows = count.min(10);
        for block in 0..count.div_ceil(10) {
            let xb = 18.0 + 44.5 * block as f64;
            for (j, letter) in ['A', 'B', 'C', 'D'].iter().enumerate() {
                self.drawing.text(
                    xb + 11.0 + 6.5 * j as f64,
                    self.y + 8.0,
                    2.4,
                    letter.to_string(),
                    true,
                    Anchor::Center,
                );
            }
            for row in 0..rows {
                let item = block * 10 + row + 1;
                if item > count {
                    break;
                }
                let y = self.y + 12.0 + ROW * row as f64;
                self.drawing.text(xb + 6.0, y + 0.9, 2.5, item.to_string(), true, Anchor::Right);
                for (j, letter) in ['A', 'B', 'C', 'D'].into_iter().enumerate() {
                    self.bubble(
                        xb + 11.0 + 6.5 * j as f64,
                        y,
                        &letter.to_string(),
                        Meaning::Choice { item, value: letter },
                    );
                }
            }
            let h = 8.0 + ROW * (rows as f64 - 1.0) + 4.0 + 1.0;
            self.drawing.push(Shape::Frame { x: xb, y: self.y + 4.5, w: 36.0, h, width: STROKE, gray: 0.0 });
        }
        self.y += 12.0 + ROW * (rows as f64 - 1.0) + 6.0;
    }

    fn part_ii(&mut self, statements: &[u32]) {
        self.part_heading("PHẦN II", "Mỗi ý a), b), c), d) tô Đúng hoặc Sai.");
        for (band, chunk) in statements.chunks(4).enumerate() {
            let yb = self.y + 5.0;
            let most = chunk.iter().copied().max().unwrap_or(4);
            for (i, &n) in chunk.iter().enumerate() {
                let item = (band * 4 + i + 1) as u32;
                let xb = 18.0 + 44.5 * i as f64;
                self.drawing.text(xb + 18.0, yb + 3.5, 2.6, format!("Câu {item}"), true, Anchor::Center);
                self.drawing.text(xb + 20.0, yb + 8.0, 2.2, "Đúng", false, Anchor::Center);
                self.drawing.text(xb + 30.0, yb + 8.0, 2.2, "Sai", false, Anchor::Center);
                for s in 0..n {
                    let statement = (b'a' + s as u8) as char;
                    let y = yb + 12.0 + ROW * s as f64;
                    self.drawing.text(xb + 9.0, y + 0.9, 2.5, format!("{statement})"), true, Anchor::Right);
                    self.bubble(xb + 20.0, y, "Đ", Meaning::Statement { item, statement, value: true });
                    self.bubble(xb + 30.0, y, "S", Meaning::Statement { item, statement, value: false });
                }
                let h = 12.0 + ROW * (most as f64 - 1.0) + 3.5;
                self.drawing.push(Shape::Frame { x: xb, y: yb, w: 36.0, h, width: STROKE, gray: 0.0 });
            }
            self.y = yb + 12.0 + ROW * (most as f64 - 1.0) + 4.5;
        }
        self.y += 1.5;
    }

    fn part_iii(&mut self, count: u32) {
        self.part_heading("PHẦN III", "Viết số vào ô rồi tô: dấu trừ ở cột đầu, dấu phẩy ở cột 2 hoặc 3.");
        let yb = self.y + 5.0;
        for i in 0..count {
            let item = i + 1;
            let xb = 18.0 + 29.5 * i as f64;
            self.drawing.text(xb + 13.0, yb + 3.5, 2.6, format!("Câu {item}"), true, Anchor::Center);
            for column in 0..4u32 {
                let x = xb + 5.5 + 5.0 * column as f64;
                self.drawing.push(Shape::Frame {
                    x: x - 2.2,
                    y: yb + 5.0,
                    w: 4.4,
                    h: 5.0,
                    width: STROKE,
                    gray: 0.0,
                });
                let mut values: Vec<char> = Vec::new();
                if column == 0 {
                    values.push('-');
                }
                if column == 1 || column == 2 {
                    values.push(',');
                }
                for value in values.into_iter().chain('0'..='9') {
                    let row = match value {
                        '-' => 0,
                        ',' => 1,
                        d => 2 + d.to_digit(10).unwrap_or(0),
                    };
                    let y = yb + 14.0 + ROW * row as f64;
                    self.bubble(x, y, &value.to_string(), Meaning::Character { item, column, value });
                }
            }
            let h = 14.0 + ROW * 11.0 + 3.0;
            self.drawing.push(Shape::Frame { x: xb, y: yb, w: 26.0, h, width: STROKE, gray: 0.0 });
        }
        self.y = yb + 14.0 + ROW * 11.0 + 4.0;
    }

    /// The per-sheet text: event, the candidate's fields, the numbers in their write boxes.
    fn header_text(&mut self, spec: &SheetSpec, header: &Header, payload: &QrPayload) {
        let d = &mut self.drawing;
        if !header.event.is_empty() {
            d.text(105.0, 25.0, 2.8, header.event.clone(), false, Anchor::Center);
        }
        d.text(
            QR_CENTRE.0,
            QR_CENTRE.1 + QR_MM / 2.0 + 4.0,
            2.2,
            format!("Mã phiếu {}", payload.sheet),
            false,
            Anchor::Center,
        );
        let mut numbers = vec![(spec.version.clone(), self.number_x[NumberField::Version as usize])];
        if let Some(c) = &header.candidate {
            let values =
                [("", 0usize), (c.room.as_str(), 1), (c.name.as_str(), 2), (c.date_of_birth.as_str(), 3)];
            for (text, row) in values.into_iter().filter(|(t, _)| !t.is_empty()) {
                let x = [75.0, 75.0, 87.0, 75.0][row];
                // Long names shrink to end before the số báo danh grid (DejaVu Sans Bold's
                // average advance is about 0.62 em).
                let size = (2.8f64).min((119.0 - x) / (0.62 * text.chars().count() as f64));
                d.text(x, 31.0 + 7.0 * row as f64, size, text, true, Anchor::Left);
            }
            numbers.push((c.number.clone(), self.number_x[NumberField::Candidate as usize]));
        }
        for (number, x0) in numbers {
            for (i, ch) in number.chars().enumerate() {
                d.text(x0 + 5.0 * i as f64, 37.8, 3.0, ch.to_string(), true, Anchor::Center);
            }
        }
    }

    fn qr_code(&mut self, text: &str) -> Result<(), OmrError> {
        let (width, dark) = qr::modules(text)?;
        let module = QR_MM / width as f64;
        let (x0, y0) = (QR_CENTRE.0 - QR_MM / 2.0, QR_CENTRE.1 - QR_MM / 2.0);
        for y in 0..width {
            // Runs of dark modules on a row become one rectangle: fewer shapes, no hairline seams.
            let mut x = 0;
            while x < width {
                if !dark[y * width + x] {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < width && dark[y * width + x] {
                    x += 1;
                }
                let (fx, fy) = (x0 + module * start as f64, y0 + module * y as f64);
                self.drawing.push(Shape::Fill {
                    x: fx,
                    y: fy,
                    w: module * (x - start) as f64,
                    h: module,
                    gray: 0.0,
                });
            }
        }
        Ok(())
    }
}
