//! Issue 18 §5 for the proctor: a stopping server (SIGTERM) closes the proctor's socket with the
//! draining code 4002, like the candidates' sockets, and the proctor's page reconnects at once —
//! after 0.25–1.75 s of jitter, not after a back-off — and is live again on the restarted server
//! (behind nginx it would be another node).

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::*;
use crate::proctor::{create_proctor, proctor_open_room};

/// Records every websocket the page opens and how each closed (`window.__sockets`).
const RECORD_SOCKETS: &str = "
  window.__sockets = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      window.__sockets.push({ kind: 'open', at: performance.now() });
      this.addEventListener('close', (e) => window.__sockets.push({ kind: 'close', code: e.code, at: performance.now() }));
    }
  };
  return true";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_server_closes_the_proctor_with_4002_and_the_page_reconnects_at_once() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    let mut server = Server::start();
    let exam = set_up_exam(&server, "E1", 2).await;
    create_proctor(&server, &exam).await;
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let p = driver.session().await;
    driver.set_viewport(&p, 1366, 768).await;
    proctor_open_room(&p, &server, &exam).await;
    // The recorder sees only sockets opened after it: "Đổi phòng" and the same room again.
    js(&p, RECORD_SOCKETS).await;
    click_css(&p, "#btn-change-room").await;
    wait_for(
        &p,
        "!document.getElementById('view-pick').hidden && document.getElementById('p-event').value === 'E1'",
        "the room picker",
    )
    .await;
    js(&p, &format!("document.getElementById('p-room').value = '{}'; return true", exam.room)).await;
    click_css(&p, "#p-open").await;
    wait_for(
        &p,
        // (The title is cleared by the picker and set again by the new socket's roster.)
        "document.getElementById('room-title').textContent !== '' && window.__sockets.some((e) => e.kind === 'open')",
        "the room live on a recorded socket",
    )
    .await;

    let took = server.terminate();
    assert!(took < Duration::from_secs(10), "SIGTERM to exit: {took:?}");
    wait_for(
        &p,
        "(() => { const s = window.__sockets; const i = s.findIndex((e) => e.kind === 'close' && e.code === 4002); return i >= 0 && s.slice(i + 1).some((e) => e.kind === 'open'); })()",
        "a 4002 close, then a new socket",
    )
    .await;
    let events = js(&p, "return window.__sockets").await;
    let events = events.as_array().unwrap();
    let close = events.iter().position(|e| e["code"] == 4002).unwrap();
    let at = |e: &Value| e["at"].as_f64().unwrap();
    let reopened = events[close + 1..].iter().find(|e| e["kind"] == "open").unwrap();
    let gap = at(reopened) - at(&events[close]);
    assert!((200.0..=2_000.0).contains(&gap), "reconnected {gap:.0} ms after the 4002 close: {events:?}");
    assert_eq!(
        events[..close].iter().filter(|e| e["kind"] == "close").count(),
        0,
        "the recorded socket closed once, with 4002: {events:?}"
    );

    // The server comes back (another node would already be there): the page is live again.
    server.start_again();
    wait_for(
        &p,
        "document.getElementById('p-conn').dataset.state === 'online' && document.querySelectorAll('.seat-tile[data-number]').length === 2",
        "the room live again",
    )
    .await;
    let banner = js(&p, "return document.getElementById('p-banner').hidden").await;
    assert_eq!(banner, json!(true), "no offline banner once reconnected");
}
