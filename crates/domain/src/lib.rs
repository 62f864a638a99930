//! The vocabulary shared by every khaothi crate: items and their kinds, cognitive levels, the review
//! workflow and the JSON Lines interchange record. Plain data plus validation: no I/O, no async, so
//! the bank, the assembler and the delivery server all agree on what a valid item is.

pub mod diff;
pub mod error;
pub mod form;
pub mod interchange;
pub mod irt;
pub mod item;
pub mod kind;
pub mod review;
pub mod text;

pub use error::{DomainError, FieldError};
pub use interchange::{ItemRecord, RecordWarning, StatementRecord, strip_option_letter};
pub use irt::{IrtModelKind, IrtParams};
pub use item::{
    Choice, Item, ItemBody, ItemKind, Level, ResponseScoring, ShortAnswerKey, Statement, topic_has_prefix,
};
pub use review::{ReviewAction, ReviewStatus, TransitionError};
