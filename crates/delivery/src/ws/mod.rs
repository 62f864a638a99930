//! The candidate websocket (docs/protocol.md). The first message logs in (`login` with the code
//! from the room sheet, or `resume` with the session's token); no token ever goes in the URL.
//! Each connection gets a new epoch; answers are acknowledged only after the writer's commit.
//! A bad frame gets an `error` naming the problem and the session goes on; floods are dropped
//! and, if they persist, the connection alone is closed.
//!
//! The parts: [`messages`] (what a candidate sends, and how a bad frame is described), [`login`]
//! (the credential check and a new epoch of the session) and `conn` (one connection's loop:
//! rate limit, answers, integrity events, submission, the session's signals).

mod conn;
mod content;
pub mod login;
pub mod messages;

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;

pub use login::Credential;
pub use messages::{ClientMessage, IntegrityKind};

use crate::state::AppState;
use conn::Conn;

pub async fn candidate_socket(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let c = &s.config;
    let origin = headers.get(axum::http::header::ORIGIN).and_then(|o| o.to_str().ok()).map(str::to_string);
    ws.read_buffer_size(c.ws_buffer_bytes)
        .write_buffer_size(c.ws_buffer_bytes)
        .max_message_size(c.hard_max_message_bytes)
        .max_frame_size(c.hard_max_message_bytes)
        .on_upgrade(move |socket| async move {
            let _open = s.live.open_socket("candidate");
            let mut conn = Conn::new(s, socket, origin);
            conn.run().await;
        })
}
