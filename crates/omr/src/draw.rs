//! The sheet as a list of shapes in millimetres from the page's top-left corner: what both the PDF
//! writer and the rasteriser draw, so that the printed sheet and the generated test images are the
//! same sheet.

/// Gray levels: 0.0 is black ink, 1.0 is paper.
pub type Gray = f32;

/// Where a text's `x` is: its left end, its middle or its right end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A filled rectangle (registration marks, QR modules).
    Fill { x: f64, y: f64, w: f64, h: f64, gray: Gray },
    /// A rectangle's outline, stroked `width` mm wide.
    Frame { x: f64, y: f64, w: f64, h: f64, width: f64, gray: Gray },
    /// A circle's outline (a bubble), stroked `width` mm wide.
    Ring { cx: f64, cy: f64, r: f64, width: f64, gray: Gray },
    /// A straight line.
    Line { x1: f64, y1: f64, x2: f64, y2: f64, width: f64, gray: Gray },
    /// One line of text; `y` is its baseline, `size` its em size in mm.
    Text { x: f64, y: f64, size: f64, text: String, bold: bool, anchor: Anchor, gray: Gray },
}

/// A page of shapes, drawn in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drawing {
    pub page_mm: [f64; 2],
    pub shapes: Vec<Shape>,
}

impl Drawing {
    pub fn push(&mut self, shape: Shape) {
        self.shapes.push(shape);
    }

    /// Text in black.
    pub fn text(&mut self, x: f64, y: f64, size: f64, text: impl Into<String>, bold: bool, anchor: Anchor) {
        self.push(Shape::Text { x, y, size, text: text.into(), bold, anchor, gray: 0.0 });
    }
}
