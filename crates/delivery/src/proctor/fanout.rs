//! The per-room fan-out: a task ([`spawn_fanout`]) turns the dirty seats the candidate
//! connections mark in [`crate::state::RoomHub`] into `seat` messages every [`FLUSH`]. Proctor
//! actions publish their seat at once.

use std::time::Duration;

use tokio::sync::watch;

use crate::state::AppState;

/// How often dirty seats are published: well within the second a proctor may wait.
pub const FLUSH: Duration = Duration::from_millis(250);

/// Publishes the dirty seats every [`FLUSH`] until `stop`.
pub fn spawn_fanout(s: AppState, stop: watch::Receiver<bool>) {
    crate::periodic::every(FLUSH, stop, move || {
        let s = s.clone();
        async move {
            for (room, ids) in s.hub.rooms.take_dirty() {
                if let Err(e) = super::roster::publish_seats(&s, &room, &ids).await {
                    tracing::warn!(error = %e, room, "seat updates not published");
                }
            }
        }
    });
}
