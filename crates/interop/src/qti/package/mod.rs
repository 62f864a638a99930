//! IMS content packages: a zip with `imsmanifest.xml`, QTI item files and the pictures they show,
//! as other assessment systems exchange whole banks and tests (docs/formats.md, "QTI packages").
//!
//! Reading is bounded as Word files are (the same [`crate::ArchiveLimits`]: entry count, total
//! and per-entry size, compression ratio; `..` and absolute entry names refused) and every item is
//! reported on its own, so one item with response processing khaothi cannot represent does not
//! hide the others. Writing turns a frozen form into a QTI 3.0 (or 2.1) package with an
//! `assessmentTest` whose sections are the paper's parts, items that score themselves, and their
//! pictures.

mod manifest;
mod media;
mod read;
mod stimulus;
mod write;

pub(crate) use media::image_refs;
pub use read::{read_qti_package, read_qti_package_with};
pub use write::{TestOutline, TestSection, thpt_points, write_qti_package, write_qti_package_with};
