//! Proctoring (DESIGN §6, SPEC-proctor.md, docs/protocol.md §4): the proctor websocket with the
//! room's live roster, the actions (admit, pause/resume of one candidate or the room, extra time,
//! terminate, move seat, absent, incident notes) shared with their HTTP routes, the per-room
//! fan-out and the biên bản.

pub mod actions;
pub mod fanout;
pub mod http;
pub mod record;
pub mod roster;
pub mod sheets;
pub mod socket;

pub use fanout::spawn_fanout;
