//! The browser pages the delivery server serves: the candidate's test page (`/`), the proctor's
//! room page (`/proctor`) and the lab check page (`/check`), plain HTML/CSS/ES modules with no
//! build step, and the `/ws/check` echo socket the check page measures with.
//!
//! Every file is compiled into the binary with `include_bytes!` (listed once in [`ASSETS`]): an
//! exam site copies one executable, the pages cannot drift from the server that speaks their
//! protocol, and a missing file is a compile error rather than a 404 in the lab. A generic
//! embedding crate would add a dependency for what is a fixed list of twenty files.
//!
//! Pages carry a strict Content-Security-Policy (`khaothi_http::PageKind::App`: no inline script or
//! style, nothing from another site, websockets to this server), so item HTML that slipped past both sanitizers still could
//! not run script. Fonts are cached for a year (their names change with their content); the rest
//! revalidates with an ETag so a restarted, upgraded server is picked up at the next load.

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use khaothi_http::PageKind;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::json::Path;
use crate::state::AppState;

macro_rules! assets {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/static/", $name)) as &[u8])),*]
    };
}

/// Every file under `/static/`, by its path there.
pub static ASSETS: &[(&str, &[u8])] = assets!(
    "candidate.html",
    "candidate.css",
    "candidate.js",
    "candidate-session.js",
    "content-cache.js",
    "seb-proof.js",
    "candidate-view.js",
    "candidate-adaptive.js",
    "proctor.html",
    "proctor.css",
    "proctor.js",
    "proctor-room.js",
    "check.html",
    "check.js",
    "common.css",
    "clock.js",
    "i18n.js",
    "i18n-staff.js",
    "sanitize.js",
    "favicon.svg",
    "fonts/fonts.css",
    "fonts/noto-sans-latin-400-normal.woff2",
    "fonts/noto-sans-latin-700-normal.woff2",
    "fonts/noto-sans-latin-400-italic.woff2",
    "fonts/noto-sans-vietnamese-400-normal.woff2",
    "fonts/noto-sans-vietnamese-700-normal.woff2",
    "fonts/noto-sans-vietnamese-400-italic.woff2",
    "fonts/noto-sans-math-400-normal.woff2",
    "fonts/LICENSE-noto-sans.txt",
    "fonts/LICENSE-noto-sans-math.txt",
    "console/console.html",
    "console/console.css",
    "console/strings.js",
    "console/common.js",
    "console/release-code.js",
    "console/key-form.js",
    "console/seat-map.js",
    "console/events.page.js",
    "console/prepare.page.js",
    "console/start.page.js",
    "console/end.page.js",
    "console/paper.page.js",
);

/// The bank's generic page framework, served to the console (`/console`) from its one source in
/// `crates/bank/static/` (README.md there): the API client with silent refresh, the in-memory
/// session, the strings and language switch, the shell's hash routing, the DOM helpers, the SVG
/// charts and the look. They sit under `/static/console/` beside the console's own modules, so
/// their relative imports (`./api.js`) resolve; `dom.js`'s `./sanitize.js` is this crate's own.
pub static CONSOLE_SHARED: &[(&str, &[u8])] = &[
    ("console/api.js", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../bank/static/api.js"))),
    ("console/session.js", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../bank/static/session.js"))),
    ("console/i18n.js", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../bank/static/i18n.js"))),
    ("console/shell.js", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../bank/static/shell.js"))),
    ("console/dom.js", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../bank/static/dom.js"))),
    ("console/charts.js", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../bank/static/charts.js"))),
    ("console/app.js", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../bank/static/app.js"))),
    ("console/app.css", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../bank/static/app.css"))),
    (
        "console/board.css",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../bank/static/board/board.css")),
    ),
    ("console/sanitize.js", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/static/sanitize.js"))),
];

/// `/static/page-modules.json`: the console's page modules, which the bank's `app.js` (served as
/// `/static/console/app.js`) imports at start — the same page-module interface as the bank's.
async fn console_page_modules() -> Response {
    let names: Vec<&str> = ASSETS
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| n.starts_with("console/") && n.ends_with(".page.js"))
        .collect();
    ([(header::CACHE_CONTROL, "no-cache")], axum::Json(names)).into_response()
}

/// An embedded file by its path under `/static/`: the delivery's own, then the console's shared.
fn find_asset(name: &str) -> Option<&'static (&'static str, &'static [u8])> {
    ASSETS.iter().chain(CONSOLE_SHARED).find(|(n, _)| *n == name)
}

/// Strong ETags of the assets (a hash of the bytes), computed once.
static ETAGS: LazyLock<HashMap<&'static str, String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .chain(CONSOLE_SHARED)
        .map(|(name, bytes)| (*name, khaothi_http::asset_etag(bytes)))
        .collect()
});

/// The page routes, merged into [`crate::router`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(candidate_page))
        .route("/proctor", get(|headers: HeaderMap| async move { serve("proctor.html", &headers) }))
        .route("/check", get(|headers: HeaderMap| async move { serve("check.html", &headers) }))
        .route("/console", get(|headers: HeaderMap| async move { serve("console/console.html", &headers) }))
        .route("/favicon.ico", get(|headers: HeaderMap| async move { serve("favicon.svg", &headers) }))
        .route("/static/page-modules.json", get(console_page_modules))
        .route("/static/{*path}", get(asset))
        .route("/ws/check", get(check_socket))
        .route("/api/v1/media/{id}", get(media))
}

/// An image an unlocked event's items show (carried in the package's content section, so it is
/// public exactly when the items are). Bank media ids are unique, so the path is the bank's.
async fn media(axum::extract::State(s): axum::extract::State<AppState>, Path(id): Path<String>) -> Response {
    match s.hub.media(&id) {
        Some((content_type, bytes)) => (
            [
                (axum::http::header::CONTENT_TYPE, content_type),
                (axum::http::header::CACHE_CONTROL, "private, max-age=86400".to_string()),
                (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            ],
            bytes,
        )
            .into_response(),
        None => ApiError::NotFound(format!("no image {id} in an open exam")).into_response(),
    }
}

/// The candidate's page; for an event that requires Safe Exam Browser, a request carrying SEB's
/// key headers that match none of the event's keys gets the refusal page instead (crate::seb).
async fn candidate_page(
    axum::extract::State(s): axum::extract::State<AppState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    match crate::seb::check_page(&s, &uri, &headers).await {
        Ok(()) => serve("candidate.html", &headers),
        Err(refused) => refused,
    }
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(&path, &headers)
}

/// One embedded file with its type, caching and security headers; `304` when the browser's copy
/// is current.
fn serve(name: &str, request: &HeaderMap) -> Response {
    let Some((name, bytes)) = find_asset(name) else {
        return ApiError::NotFound(format!("no static file {name}")).into_response();
    };
    let etag = &ETAGS[name];
    // The strict page policy (khaothi_http::PageKind::App, with this host's websockets; the
    // console's `Console`); the service layers add nosniff, no framing and no referrer to every
    // response.
    let kind = if name.starts_with("console/") { PageKind::Console } else { PageKind::App };
    khaothi_http::serve_asset(name, bytes, etag, khaothi_http::page_policy(kind, request), request)
}

/// Frames one check socket answers before it closes, and how long it stays open.
const CHECK_MAX_FRAMES: u32 = 200;
const CHECK_LIFETIME: Duration = Duration::from_secs(120);
const CHECK_MAX_MESSAGE: usize = 1024;
/// How long a closing check socket keeps reading the client's in-flight frames.
const CHECK_DRAIN: Duration = Duration::from_secs(5);

/// `GET /ws/check`: answers `{"type":"ping","id":…}` with
/// `{"type":"pong","id":…,"server_time":RFC 3339,"server_ms":Unix ms}` so the lab check page can
/// measure the round trip and the computer's clock drift. Unauthenticated, hence small limits.
pub async fn check_socket(ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(CHECK_MAX_MESSAGE)
        .max_frame_size(CHECK_MAX_MESSAGE)
        .read_buffer_size(4096)
        .write_buffer_size(4096)
        .on_upgrade(echo)
}

async fn echo(mut socket: WebSocket) {
    let until = tokio::time::Instant::now() + CHECK_LIFETIME;
    let mut frames = 0u32;
    loop {
        let next = tokio::time::timeout_at(until, socket.recv()).await;
        let text = match next {
            Err(_) => break,
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return,
            Ok(Some(Ok(Message::Text(t)))) => t,
            Ok(Some(Ok(_))) => continue,
        };
        frames += 1;
        if frames > CHECK_MAX_FRAMES {
            break;
        }
        let now = Utc::now();
        let reply = match serde_json::from_str::<Value>(text.as_str()) {
            Ok(v) if v["type"] == "ping" => json!({
                "type": "pong", "id": v.get("id").cloned().unwrap_or(Value::Null),
                "server_time": now, "server_ms": now.timestamp_millis(),
            }),
            _ => {
                json!({"type": "error", "code": "bad_frame", "message": "send {\"type\":\"ping\",\"id\":n}"})
            }
        };
        if socket.send(Message::Text(Utf8Bytes::from(reply.to_string()))).await.is_err() {
            return;
        }
    }
    let close = CloseFrame { code: 1000, reason: Utf8Bytes::from_static("check finished") };
    if socket.send(Message::Close(Some(close))).await.is_err() {
        return;
    }
    // Read what the client still had in flight until its close reply: dropping a socket with
    // unread bytes makes the kernel answer with a reset, which can overtake the close frame.
    let drain_until = tokio::time::Instant::now() + CHECK_DRAIN;
    while let Ok(Some(Ok(frame))) = tokio::time::timeout_at(drain_until, socket.recv()).await {
        if matches!(frame, Message::Close(_)) {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_known_type_and_the_fonts_stay_small() {
        for (name, bytes) in ASSETS.iter().chain(CONSOLE_SHARED) {
            assert_ne!(khaothi_http::asset_content_type(name), "application/octet-stream", "{name}");
            assert!(!bytes.is_empty(), "{name}");
        }
        let fonts: usize = ASSETS.iter().filter(|(n, _)| n.ends_with(".woff2")).map(|(_, b)| b.len()).sum();
        assert!(fonts < 2 * 1024 * 1024, "fonts take {fonts} bytes");
    }

    #[test]
    fn javascript_files_stay_small_and_pages_have_no_inline_script() {
        for (name, bytes) in ASSETS.iter().chain(CONSOLE_SHARED) {
            let text = String::from_utf8_lossy(bytes);
            if name.ends_with(".js") {
                assert!(text.lines().count() <= 650, "{name} has {} lines", text.lines().count());
            }
            if name.ends_with(".html") {
                let lower = text.to_lowercase();
                for tag in lower.match_indices("<script").map(|(i, _)| &lower[i..]) {
                    let open = &tag[..tag.find('>').expect("closed tag")];
                    assert!(open.contains("src="), "{name}: inline script {open}");
                }
                assert!(!lower.contains(" style="), "{name}: inline style attribute");
                let handler = lower.split(|c: char| c.is_whitespace()).any(|w| {
                    w.starts_with("on")
                        && w.find('=').is_some_and(|i| w[2..i].chars().all(|c| c.is_ascii_lowercase()))
                });
                assert!(!handler, "{name}: inline event handler");
                assert!(!lower.contains("<style"), "{name}: inline style element");
                assert!(!lower.contains("http://") && !lower.contains("https://"), "{name}: external URL");
            }
        }
    }
}
