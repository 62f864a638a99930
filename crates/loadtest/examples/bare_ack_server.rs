//! The limit the delivery server is measured against (issue 17, docs/benchmarks.md): a minimal
//! websocket server that acknowledges an answer only after it is committed to SQLite, with the
//! product's storage settings (WAL, `synchronous=FULL`, no checkpoint inside a commit, a passive
//! checkpoint every second) and its websocket buffers (4 KiB), and none of its logic: no
//! credential, no package, no hash chain, no proctor view. One writer thread with a blocking
//! connection and a prepared statement commits whatever has queued (group commit), then hands
//! the acks back.
//!
//! It speaks just enough of docs/protocol.md §3 for `khaothi loadtest --bare`: any `login` or
//! `resume` gets a `welcome` and one `items` message of 22 single-choice items; `answer` gets
//! `ack` after the commit; `submit` gets `submitted`. `GET /raw.csv` gives the stored answers
//! (`person,item,epoch,seq`) for the lost-answer check.
//!
//! Run: `cargo run --release -p khaothi-loadtest --example bare_ack_server -- [ADDR] [DB FILE]`
//! (default `127.0.0.1:18091` and a file in the temporary directory); prints `listening <addr>`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

/// The items every candidate is sent (ids and kinds are all the load test needs).
const ITEMS: usize = 22;
const MAX_BATCH: usize = 1024;

struct Row {
    candidate: String,
    epoch: i64,
    seq: i64,
    item: String,
    value: String,
    done: oneshot::Sender<bool>,
}

#[derive(Clone)]
struct Bare {
    writes: mpsc::UnboundedSender<Row>,
    epochs: Arc<Mutex<HashMap<String, i64>>>,
    db: PathBuf,
    items: Arc<str>,
}

fn open(path: &PathBuf) -> rusqlite::Result<rusqlite::Connection> {
    let c = rusqlite::Connection::open(path)?;
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;
         CREATE TABLE IF NOT EXISTS response (candidate TEXT NOT NULL, epoch INTEGER NOT NULL,
           seq INTEGER NOT NULL, item TEXT NOT NULL, value TEXT NOT NULL,
           PRIMARY KEY (candidate, epoch, seq));",
    )?;
    Ok(c)
}

/// The writer thread: one transaction per batch, then every sender told at once.
fn writer(path: PathBuf, mut rx: mpsc::UnboundedReceiver<Row>) -> rusqlite::Result<()> {
    let mut c = open(&path)?;
    c.execute_batch("PRAGMA wal_autocheckpoint=0;")?;
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        let tx = c.transaction()?;
        let mut ok = true;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO response (candidate, epoch, seq, item, value) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for r in &batch {
                ok &= insert.execute(rusqlite::params![r.candidate, r.epoch, r.seq, r.item, r.value]).is_ok();
            }
        }
        ok &= tx.commit().is_ok();
        for r in batch.drain(..) {
            let _ = r.done.send(ok);
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:18091".into());
    let db = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("bare-ack-{}.sqlite", std::process::id())));
    open(&db)?;
    let (writes, rx) = mpsc::unbounded_channel();
    let path = db.clone();
    std::thread::spawn(move || writer(path, rx).expect("the writer's database"));
    let path = db.clone();
    std::thread::spawn(move || {
        let c = open(&path).expect("checkpoint connection");
        loop {
            std::thread::sleep(Duration::from_secs(1));
            let _ = c.execute_batch("PRAGMA wal_checkpoint(PASSIVE);");
        }
    });
    let items: Vec<Value> =
        (1..=ITEMS).map(|n| json!({"id": format!("Q{n:02}"), "kind": "single_choice"})).collect();
    let items = json!({"type": "items", "first": 0, "items": items}).to_string();
    let state = Bare { writes, epochs: Arc::default(), db, items: items.into() };
    let app = Router::new()
        .route("/ws/candidate", get(socket))
        .route("/raw.csv", get(raw))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening {}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

async fn socket(State(s): State<Bare>, ws: WebSocketUpgrade) -> impl IntoResponse {
    ws.read_buffer_size(4096).write_buffer_size(4096).on_upgrade(move |socket| connection(s, socket))
}

async fn send(socket: &mut WebSocket, v: Value) -> bool {
    socket.send(Message::Text(v.to_string().into())).await.is_ok()
}

async fn connection(s: Bare, mut socket: WebSocket) {
    let mut who: Option<(String, i64)> = None;
    while let Some(Ok(m)) = socket.recv().await {
        let Message::Text(t) = m else { continue };
        let Ok(v) = serde_json::from_str::<Value>(t.as_str()) else { continue };
        let ok = match v["type"].as_str().unwrap_or_default() {
            "login" | "resume" => {
                let number = v["candidate"].as_str().unwrap_or_default().to_string();
                let epoch = {
                    let mut e = s.epochs.lock().expect("epochs");
                    let n = e.entry(number.clone()).or_insert(0);
                    *n += 1;
                    *n
                };
                who = Some((number, epoch));
                let welcome = json!({"type": "welcome", "epoch": epoch, "resume_token": "bare",
                    "status": "in_progress", "item_count": ITEMS, "stimulus_count": 0, "answers": []});
                send(&mut socket, welcome).await
                    && socket.send(Message::Text(s.items.as_ref().into())).await.is_ok()
            }
            "answer" => match &who {
                Some((candidate, epoch)) => {
                    let (done, wait) = oneshot::channel();
                    let row = Row {
                        candidate: candidate.clone(),
                        epoch: *epoch,
                        seq: v["seq"].as_i64().unwrap_or(0),
                        item: v["item"].as_str().unwrap_or_default().to_string(),
                        value: v["value"].to_string(),
                        done,
                    };
                    let saved = s.writes.send(row).is_ok() && wait.await.unwrap_or(false);
                    let reply = if saved {
                        json!({"type": "ack", "seq": v["seq"], "item": v["item"]})
                    } else {
                        json!({"type": "error", "code": "not_saved", "seq": v["seq"]})
                    };
                    send(&mut socket, reply).await
                }
                None => send(&mut socket, json!({"type": "error", "code": "not_logged_in"})).await,
            },
            "heartbeat" => send(&mut socket, json!({"type": "heartbeat"})).await,
            "submit" => {
                send(&mut socket, json!({"type": "submitted", "reason": "candidate"})).await;
                break;
            }
            _ => true,
        };
        if !ok {
            break;
        }
    }
}

/// The stored answers, `person,item,epoch,seq`.
async fn raw(State(s): State<Bare>) -> impl IntoResponse {
    let rows = tokio::task::spawn_blocking(move || -> rusqlite::Result<String> {
        let c = open(&s.db)?;
        let mut q = c.prepare("SELECT candidate, item, epoch, seq FROM response")?;
        let mut out = String::from("person,item,epoch,seq\n");
        let mut rows = q.query([])?;
        while let Some(r) = rows.next()? {
            let (p, i, e, n): (String, String, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            out.push_str(&format!("{p},{i},{e},{n}\n"));
        }
        Ok(out)
    })
    .await;
    match rows {
        Ok(Ok(csv)) => csv.into_response(),
        _ => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "the answers cannot be read").into_response(),
    }
}
