//! HTTP handlers for staff: the board (events, packages, release keys, candidates) and proctors
//! (room sheets, admit, extra time).

pub mod candidates;
pub mod events;
pub mod result_files;
pub mod staff;
