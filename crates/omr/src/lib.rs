//! The THPT answer sheet (phiếu trả lời trắc nghiệm) as khaothi prints and reads it.
//!
//! A pure crate: no files, no network. The CLI (`khaothi omr sheet|read`) and the servers hand it
//! decoded images and get back the layout, the PDF bytes and the readings.
//!
//! - [`layout`]: `layout.json`, the contract with any scanner — every bubble's centre, radius and
//!   meaning in millimetres from the page's top-left corner (docs/formats.md, "Answer sheet").
//! - [`reading`]: the JSON `khaothi omr read` prints — answers valued as the candidate websocket's
//!   (docs/protocol.md), and the flags a person decides.

pub mod error;
pub mod layout;
pub mod reading;

pub use error::OmrError;
pub use layout::{Bubble, Layout, Mark, Meaning, NumberField, QrBox};
pub use reading::{AnswerValue, Flag, FlagReason, ReadReport, SheetReading};
