//! The generated test set: real sheets (the [`crate::raster`] of the same drawing the PDF is
//! written from) filled by a program with pencil-like marks — some erased, some doubled — then
//! rotated, put in perspective, blurred, noised, darkened or lightened the way scanners and phones
//! do. Each sheet comes with its truth: the reading a correct reader must give, or that the key
//! must be flagged. Used by the accuracy test and by `examples/omr_bench.rs`.

mod distort;
mod fill;
mod score;

pub use distort::{Distortion, distort};
pub use fill::{Expect, Truth, fill};
pub use score::Tally;
