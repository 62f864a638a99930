//! HTTP handlers for staff: the board (events, packages, release keys, rooms, candidates, results)
//! and proctors (room sheets, admit, extra time, the proctor actions). Every handler carries its
//! `#[utoipa::path]`, so `/openapi.json` is generated from them and cannot drift from the router.

use khaothi_auth::Role;

pub mod candidates;
pub mod events;
pub mod groups;
pub mod health;
pub mod layout;
pub mod me;
pub mod overview;
pub mod result_files;
pub mod results;
pub mod rooms;
pub mod seb;
pub mod site_record;
pub mod staff;

/// The exam board (and the admin, who may do what the board does).
pub(crate) const BOARD: &[Role] = &[Role::ExamBoard, Role::Admin];
/// Everyone who reads events and rooms: the board and proctors.
pub(crate) const STAFF: &[Role] = &[Role::ExamBoard, Role::Admin, Role::Proctor];
