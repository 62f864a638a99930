//! The delivery server as a separate process: kill -9 in the middle of an exam and restart
//! (SQLite), the same for an adaptive event ([`adaptive`]), and a small run of the load-test swarm.

#[path = "process/adaptive.rs"]
mod adaptive;

use std::process::{Child, Command};
use std::time::Duration;

use khaothi_loadtest::board::{BoardClient, EventSetup};
use khaothi_loadtest::candidate::{CandidateSocket, some_answer};
use khaothi_package::BoardSigningKey;
use khaothi_testkit::process::{example_binary, free_port, spawn_listening};
use rand::SeedableRng;
use serde_json::json;

fn start(dir: &std::path::Path, key: &BoardSigningKey, port: u16) -> (Child, String) {
    let mut command = Command::new(example_binary("khaothi-delivery", "delivery_server"));
    command
        .env("KHAOTHI__DELIVERY__LISTEN", format!("127.0.0.1:{port}"))
        .env("KHAOTHI__DELIVERY__DATA_DIR", dir)
        .env("KHAOTHI__DELIVERY__DEMO", "true")
        .env("KHAOTHI__DELIVERY__BOARD_PUBLIC_KEY", key.public().to_string());
    spawn_listening(&mut command, "the delivery server")
}

fn kill9(child: &mut Child) {
    // SIGKILL: no shutdown code runs, like a power cut for the process.
    child.kill().unwrap();
    child.wait().unwrap();
}

/// What a candidate had acknowledged when the server went away: number, resume token, the
/// remaining time at login, and per item the (epoch, seq, value) of the last acknowledged answer.
type Acked = (String, String, i64, std::collections::HashMap<String, (i64, i64, serde_json::Value)>);

/// A running server with an unlocked event of eight candidates.
async fn exam_on(addr: &str, key: &BoardSigningKey) -> Vec<(String, String, String)> {
    let board = BoardClient::login(&format!("http://{addr}"), "board", "khaothi-demo").await.unwrap();
    let items = {
        let lines = [
            r#"{"id":"Q1","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"1","options":["a","b","c","d"],"key":"B"}"#,
            r#"{"id":"Q2","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"2","options":["a","b","c","d"],"key":"A"}"#,
            r#"{"id":"Q3","subject":"toan","grade":12,"topic":"12.1.4","level":"hieu","kind":"short_answer","stem":"3","answer":"12"}"#,
        ];
        lines
            .iter()
            .map(|l| khaothi_domain::ItemRecord::from_json_line(l).unwrap().into_item().unwrap().0)
            .collect::<Vec<_>>()
    };
    let pkg = khaothi_loadtest::demo::demo_package(&items, "K1", "t", 60, 2, key, 1).unwrap();
    let ck = pkg.content_key.to_hex();
    board
        .set_up_event(&EventSetup {
            event_id: "K1",
            title: "t",
            package: &pkg.bytes,
            content_key: Some(&ck),
            candidates: 8,
            room_size: 8,
            number_prefix: "",
            score_at_submit: false,
            duration_seconds: Some(600),
        })
        .await
        .unwrap()
}

/// Eight candidates answering as fast as acknowledgements come, until their socket goes.
fn answering(addr: &str, list: &[(String, String, String)]) -> Vec<tokio::task::JoinHandle<Acked>> {
    let ws = format!("ws://{addr}/ws/candidate");
    let mut handles = Vec::new();
    for (number, _, code) in list.iter().cloned() {
        let ws = ws.clone();
        handles.push(tokio::spawn(async move {
            let mut s = CandidateSocket::connect(&ws).await.unwrap();
            let w = s.login(&number, &code).await.unwrap();
            let items = w["items"].as_array().unwrap().clone();
            let mut acked = std::collections::HashMap::new();
            for seq in 1..10_000i64 {
                let it = &items[seq as usize % items.len()];
                let v = some_answer(it, seq as u64);
                if s.send(json!({"type": "answer", "seq": seq, "item": it["id"], "value": v})).await.is_err()
                {
                    break;
                }
                match s.expect("ack", Duration::from_secs(5)).await {
                    Ok(_) => {
                        acked.insert(
                            it["id"].as_str().unwrap().to_string(),
                            (w["epoch"].as_i64().unwrap(), seq, v),
                        );
                    }
                    Err(_) => break,
                }
            }
            (
                number,
                w["resume_token"].as_str().unwrap().to_string(),
                w["remaining_ms"].as_i64().unwrap(),
                acked,
            )
        }));
    }
    handles
}

/// Every candidate resumes on the restarted server and finds every acknowledged answer; the
/// time the server was down is credited: at most `lost_ms` of answering time is gone, besides
/// the time since `restarting` (the server was started again then: its start and the resumes
/// before this one are exam time, since the clock runs while the server is up).
async fn every_acknowledged_answer_is_back(
    addr: &str,
    sessions: &[Acked],
    lost_ms: i64,
    restarting: std::time::Instant,
) {
    let ws = format!("ws://{addr}/ws/candidate");
    for (number, token, first_remaining, acked) in sessions {
        let mut s = CandidateSocket::connect(&ws).await.unwrap();
        let w = s.resume(number, token).await.unwrap();
        let saved = w["answers"].as_array().unwrap();
        for (item, (epoch, seq, value)) in acked {
            let a = saved
                .iter()
                .find(|a| a["item"] == item.as_str())
                .unwrap_or_else(|| panic!("{number}: {item} lost"));
            assert!(
                (a["epoch"].as_i64().unwrap(), a["seq"].as_i64().unwrap()) >= (*epoch, *seq),
                "{number}: {item} older than acked"
            );
            if (a["epoch"].as_i64().unwrap(), a["seq"].as_i64().unwrap()) == (*epoch, *seq) {
                assert_eq!(&a["value"], value);
            }
        }
        let remaining = w["remaining_ms"].as_i64().unwrap();
        let up_ms = i64::try_from(restarting.elapsed().as_millis()).unwrap();
        assert!(remaining <= *first_remaining + 1500, "{number}: {remaining} > {first_remaining}");
        assert!(
            remaining >= first_remaining - lost_ms - up_ms,
            "{number}: lost time: {remaining} vs {first_remaining} ({up_ms} ms since the restart)"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_minus_nine_loses_no_acknowledged_answer() {
    let dir = tempfile::tempdir().unwrap();
    let key = BoardSigningKey::generate(&mut rand::rngs::StdRng::seed_from_u64(4));
    let port = free_port();
    let (mut child, addr) = start(dir.path(), &key, port);
    let list = exam_on(&addr, &key).await;
    // Eight candidates answer concurrently; the server is killed while answers are in flight.
    let handles = answering(&addr, &list);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    kill9(&mut child);
    let mut sessions = Vec::new();
    for h in handles {
        sessions.push(h.await.unwrap());
    }
    let total: usize = sessions.iter().map(|s| s.3.len()).sum();
    assert!(total > 0, "answers were acknowledged before the kill");
    // Down for 5 s: longer than the answering before the kill and the slack together, so an
    // outage that is not credited fails the bound below.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let restarting = std::time::Instant::now();
    let (mut child, addr) = start(dir.path(), &key, port);
    // The outage is credited; the candidate lost at most the time spent answering before the
    // kill (under 2 s) and a heartbeat interval of slack, besides the time since the restart
    // (under load, starting a debug build and eight resumes one after another take seconds).
    every_acknowledged_answer_is_back(&addr, &sessions, 3500, restarting).await;
    kill9(&mut child);
}

/// SIGTERM (a service manager's stop) in the middle of an exam: the server exits by itself well
/// within 10 s, with status 0, and nothing acknowledged is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_and_exits_within_ten_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let key = BoardSigningKey::generate(&mut rand::rngs::StdRng::seed_from_u64(5));
    let port = free_port();
    let (mut child, addr) = start(dir.path(), &key, port);
    let list = exam_on(&addr, &key).await;
    let handles = answering(&addr, &list);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let asked = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(asked.elapsed() < Duration::from_secs(10), "still running 10 s after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "a clean exit: {status}");
    let mut sessions = Vec::new();
    for h in handles {
        sessions.push(h.await.unwrap());
    }
    assert!(sessions.iter().map(|s| s.3.len()).sum::<usize>() > 0);
    let restarting = std::time::Instant::now();
    let (mut child, addr) = start(dir.path(), &key, port);
    // The drain (5 s) counts as exam time: the server clock stops only when the drain begins.
    every_acknowledged_answer_is_back(&addr, &sessions, 8000, restarting).await;
    kill9(&mut child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_load_test_loses_nothing() {
    let items = {
        let mut v = Vec::new();
        for i in 0..6 {
            let l = format!(
                r#"{{"id":"Q{i}","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"{i}","options":["a","b","c","d"],"key":"B"}}"#
            );
            v.push(khaothi_domain::ItemRecord::from_json_line(&l).unwrap().into_item().unwrap().0);
        }
        v
    };
    let report = khaothi_loadtest::swarm::run(khaothi_loadtest::swarm::LoadtestOptions {
        candidates: 30,
        duration: Duration::from_secs(6),
        answer_interval: Duration::from_millis(200),
        disconnect_rate: 6.0,
        url: None,
        board_user: "board".into(),
        board_password: "khaothi-demo".into(),
        signing_key: None,
        items,
        login_concurrency: 50,
        server_pid: None,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(report.candidates, 30);
    assert!(report.answers_acked > 300, "{report:?}");
    assert!(report.reconnects > 0, "{report:?}");
    assert_eq!(report.answers_lost, 0, "{report:?}");
}
