//! Candidates and proctors of the multi-node test: a candidate who answers through nginx and
//! resumes wherever nginx sends it when its node dies; a proctor socket that records every seat
//! it is sent.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use khaothi_loadtest::candidate::{CandidateSocket, some_answer};
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// One acknowledged answer: (epoch, seq, item, value).
pub type Ack = (i64, i64, String, Value);

/// What a candidate did: every acknowledged answer, and the final value of each item.
#[derive(Debug, Clone)]
pub struct Sitting {
    pub number: String,
    pub acked: Vec<Ack>,
    pub last: BTreeMap<String, Value>,
    /// Logins (the first and each resume).
    pub logins: u32,
}

/// A candidate's connection with its session: number, token, epoch.
struct Conn {
    socket: CandidateSocket,
    token: String,
    epoch: i64,
}

/// Logs in by code through `ws_url`, retrying while the event is not open on the node reached.
pub async fn login_at(ws_url: &str, number: &str, code: &str) -> (CandidateSocket, Value) {
    let (conn, items) = login(ws_url, number, code).await.expect("login");
    let welcome = json!({"epoch": conn.epoch, "resume_token": conn.token, "items": items});
    (conn.socket, welcome)
}

async fn login(ws_url: &str, number: &str, code: &str) -> Result<(Conn, Vec<Value>), String> {
    let started = Instant::now();
    loop {
        let mut socket = CandidateSocket::connect(ws_url).await?;
        match socket.login(number, code).await {
            Ok(w) => {
                let items = w["items"].as_array().cloned().unwrap_or_default();
                let token = w["resume_token"].as_str().unwrap_or_default().to_string();
                let epoch = w["epoch"].as_i64().unwrap_or_default();
                return Ok((Conn { socket, token, epoch }, items));
            }
            Err(e) if started.elapsed() < Duration::from_secs(30) && e.contains("event_not_open") => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(format!("{number}: login: {e}")),
        }
    }
}

/// Resumes through `ws_url` (nginx picks a live node), retrying for up to 60 s.
async fn resume(ws_url: &str, number: &str, token: &str) -> Result<Conn, String> {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < Duration::from_secs(60) {
        match CandidateSocket::connect(ws_url).await {
            Ok(mut socket) => match socket.resume(number, token).await {
                Ok(w) => {
                    let epoch = w["epoch"].as_i64().unwrap_or_default();
                    return Ok(Conn { socket, token: token.to_string(), epoch });
                }
                Err(e) => last = e,
            },
            Err(e) => last = e,
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!("{number}: no resume in 60 s: {last}"))
}

/// A candidate answering every item `passes` times through nginx, a pause between answers,
/// resuming whenever an answer is not acknowledged; submits at the end.
pub async fn sit(
    ws_url: String,
    number: String,
    code: String,
    passes: u64,
    pace: Duration,
    progress: Arc<AtomicUsize>,
    mut may_submit: tokio::sync::watch::Receiver<bool>,
) -> Result<Sitting, String> {
    let (mut conn, items) = login(&ws_url, &number, &code).await?;
    let mut sitting = Sitting { number: number.clone(), acked: Vec::new(), last: BTreeMap::new(), logins: 1 };
    let mut seq = 0i64;
    for pass in 0..passes {
        for (i, item) in items.iter().enumerate() {
            let id = item["id"].as_str().unwrap_or_default().to_string();
            let value = some_answer(item, pass * 7 + i as u64 + number.len() as u64);
            loop {
                seq += 1;
                let frame = json!({"type": "answer", "seq": seq, "item": id, "value": value});
                let acked = match conn.socket.send(frame).await {
                    Ok(()) => conn.socket.expect("ack", Duration::from_secs(10)).await.is_ok(),
                    Err(_) => false,
                };
                if acked {
                    sitting.acked.push((conn.epoch, seq, id.clone(), value.clone()));
                    sitting.last.insert(id.clone(), value.clone());
                    progress.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                conn = resume(&ws_url, &number, &conn.token).await?;
                sitting.logins += 1;
            }
            tokio::time::sleep(pace).await;
        }
    }
    // The test holds submissions until it has checked the outage credit of the dead node.
    let _ = may_submit.wait_for(|m| *m).await;
    loop {
        let sent = conn.socket.send(json!({"type": "submit"})).await.is_ok();
        if sent && conn.socket.expect("submitted", Duration::from_secs(10)).await.is_ok() {
            return Ok(sitting);
        }
        conn = resume(&ws_url, &number, &conn.token).await?;
        sitting.logins += 1;
    }
}

/// The newest seat a proctor was sent for each candidate number, and when.
pub type Seats = Arc<Mutex<HashMap<String, (Value, Instant)>>>;

/// A proctor socket on one room, recording seats until the task is aborted.
pub async fn watch_room(
    ws_url: String,
    token: String,
    event: String,
    room: String,
    seats: Seats,
) -> Result<(), String> {
    let mut p = CandidateSocket::connect(&ws_url).await?;
    p.send(json!({"type": "login", "token": token, "event": event, "room": room})).await?;
    let roster = p.expect("roster", Duration::from_secs(20)).await?;
    {
        let mut s = seats.lock().await;
        for seat in roster["seats"].as_array().into_iter().flatten() {
            s.insert(seat["number"].as_str().unwrap_or_default().to_string(), (seat.clone(), Instant::now()));
        }
    }
    loop {
        match p.next(Duration::from_secs(3600)).await {
            Some(v) if v["type"] == "seat" => {
                let number = v["seat"]["number"].as_str().unwrap_or_default().to_string();
                seats.lock().await.insert(number, (v["seat"].clone(), Instant::now()));
            }
            Some(_) => {}
            None => return Err(format!("the proctor socket of {room} closed ({:?})", p.closed)),
        }
    }
}

/// A proctor socket for actions (and the messages it receives).
pub async fn proctor(ws_url: &str, token: &str, event: &str, room: &str) -> CandidateSocket {
    let mut p = CandidateSocket::connect(ws_url).await.expect("proctor socket");
    p.send(json!({"type": "login", "token": token, "event": event, "room": room}))
        .await
        .expect("proctor login");
    p.expect("roster", Duration::from_secs(20)).await.expect("roster");
    p
}

/// Sends a proctor action and waits for its `done`.
pub async fn act(p: &mut CandidateSocket, id: u64, action: Value) {
    let mut frame = json!({"type": "action", "id": id});
    if let (Some(f), Value::Object(a)) = (frame.as_object_mut(), action) {
        f.extend(a);
    }
    p.send(frame).await.expect("action sent");
    p.expect("done", Duration::from_secs(10)).await.expect("action done");
}

/// Waits up to `limit` for a message of `kind`; how long it took.
pub async fn within(s: &mut CandidateSocket, kind: &str, limit: Duration) -> Duration {
    let t = Instant::now();
    let got = s.expect(kind, limit).await;
    assert!(got.is_ok(), "no `{kind}` within {limit:?}: {got:?}");
    t.elapsed()
}

/// Replays each sitting's final answers on a server (one answer per item) and submits, `width`
/// candidates at a time.
pub async fn replay(ws_url: &str, codes: &HashMap<String, String>, sittings: &[Sitting], width: usize) {
    for chunk in sittings.chunks(width) {
        let mut tasks = Vec::new();
        for s in chunk.iter().cloned() {
            let (url, code) = (ws_url.to_string(), codes[&s.number].clone());
            tasks.push(tokio::spawn(async move {
                let (mut conn, _) = login(&url, &s.number, &code).await.expect("replay login");
                for (seq, (item, value)) in s.last.iter().enumerate() {
                    conn.socket.answer(seq as i64 + 1, item, value.clone()).await.expect("replayed answer");
                }
                conn.socket.send(json!({"type": "submit"})).await.expect("submit");
                conn.socket.expect("submitted", Duration::from_secs(20)).await.expect("submitted");
            }));
        }
        for t in tasks {
            t.await.expect("replay task");
        }
    }
}
