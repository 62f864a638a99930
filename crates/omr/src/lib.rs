//! The THPT answer sheet (phiếu trả lời trắc nghiệm) as khaothi prints and reads it.
//!
//! A pure crate: no files, no network. The CLI (`khaothi omr sheet|read`) and the servers hand it
//! decoded images and get back the layout, the PDF bytes and the readings.
//!
//! - [`layout`]: `layout.json`, the contract with any scanner — every bubble's centre, radius and
//!   meaning in millimetres from the page's top-left corner (docs/formats.md, "Answer sheet").
//! - [`reading`]: the JSON `khaothi omr read` prints — answers valued as the candidate websocket's
//!   (docs/protocol.md), and the flags a person decides.
//! - [`spec`] and [`sheet`]: what a version's sheet holds and where it all goes; [`draw`] the shapes,
//!   drawn by [`pdf`] (the printed sheet) and [`raster`] (the generator's scans).

pub mod draw;
pub mod error;
mod fonts;
pub mod layout;
pub mod pdf;
pub mod qr;
pub mod raster;
pub mod read;
pub mod reading;
pub mod scan;
pub mod sheet;
pub mod spec;
pub mod synth;

pub use error::OmrError;
pub use layout::{Bubble, Layout, Mark, Meaning, NumberField, QrBox};
pub use reading::{AnswerValue, Flag, FlagReason, ReadReport, SheetReading};
pub use sheet::{CandidateInfo, Header};
pub use spec::SheetSpec;
