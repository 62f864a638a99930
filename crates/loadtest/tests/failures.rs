//! The load test's failed candidates are counted by reason (`failures_by_reason`): a server that
//! closes, one that answers with an error frame, one that closes on an answer, and no server at
//! all each show up under their own name, and the counts of two workers merge.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use khaothi_loadtest::worker::{WorkerResult, WorkerSpec, run_worker};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// A scripted server: by the candidate's number, `C…` is closed with 1013 at login, `E…` gets
/// an error frame, `A…` logs in (one item, plain content) and is closed with 1011 at its first
/// answer.
async fn misbehaving_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else { return };
                let close = |code: u16, reason: &'static str| {
                    Message::Close(Some(CloseFrame { code: CloseCode::from(code), reason: reason.into() }))
                };
                while let Some(Ok(Message::Text(t))) = ws.next().await {
                    let m: Value = serde_json::from_str(&t).unwrap();
                    let number = m["candidate"].as_str().unwrap_or_default().to_string();
                    let reply = match (m["type"].as_str(), number.chars().next()) {
                        (Some("login"), Some('C')) => vec![close(1013, "try again later")],
                        (Some("login"), Some('E')) => {
                            let e = json!({"type": "error", "code": "login_refused", "message": "no"});
                            vec![Message::Text(e.to_string().into())]
                        }
                        (Some("login"), _) => vec![
                            Message::Text(
                                json!({"type": "welcome", "epoch": 1, "resume_token": "t",
                                       "item_count": 1, "stimulus_count": 0})
                                .to_string()
                                .into(),
                            ),
                            Message::Text(
                                json!({"type": "items", "first": 0,
                                       "items": [{"id": "q1", "kind": "single_choice"}]})
                                .to_string()
                                .into(),
                            ),
                        ],
                        _ => vec![close(1011, "send failed")],
                    };
                    for r in reply {
                        if ws.send(r).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    format!("ws://{addr}/ws/candidate")
}

fn spec(ws_url: String, numbers: &[&str]) -> WorkerSpec {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    WorkerSpec {
        ws_url,
        candidates: numbers.iter().map(|n| (n.to_string(), "code".to_string())).collect(),
        answer_interval: 0.05,
        disconnect_rate: 0.0,
        login_concurrency: 10,
        start_unix_ms: now,
        end_unix_ms: now + 2_000,
        deflate: false,
        verify_content: false,
        storm_unix_ms: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_candidates_are_counted_by_reason() {
    let url = misbehaving_server().await;
    let r = tokio::time::timeout(
        Duration::from_secs(20),
        run_worker(spec(url, &["C1", "C2", "E1", "A1", "A2", "A3"])),
    )
    .await
    .expect("every candidate fails quickly");
    assert_eq!(r.failures, 6, "{r:?}");
    let by = &r.failures_by_reason;
    assert_eq!(by.get("login: closed by server 1013 try again later"), Some(&2), "{by:?}");
    assert_eq!(by.get("login: error frame login_refused"), Some(&1), "{by:?}");
    assert_eq!(by.get("ack: closed by server 1011 send failed"), Some(&3), "{by:?}");
    assert_eq!(by.values().sum::<u64>(), r.failures);
    assert!(r.errors.iter().any(|e| e.starts_with("login: closed by server 1013")), "{:?}", r.errors);

    // No server: the port was free a moment ago.
    let free = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let refused = run_worker(spec(format!("ws://{free}/ws/candidate"), &["C9", "C10"])).await;
    assert_eq!(refused.failures_by_reason.get("login: connect refused"), Some(&2), "{refused:?}");

    // Two workers' counts merge by reason (the report of `--processes 2`).
    let mut merged = WorkerResult::default();
    merged.merge(r.clone());
    merged.merge(refused);
    merged.merge(r);
    assert_eq!(merged.failures, 14);
    assert_eq!(merged.failures_by_reason["ack: closed by server 1011 send failed"], 6);
    assert_eq!(merged.failures_by_reason["login: connect refused"], 2);
    assert_eq!(merged.failures_by_reason.values().sum::<u64>(), 14);
}
