//! kill -9 in the middle of an adaptive event (issue 20 §3): after the restart every candidate
//! resumes the same test — every acknowledged answer kept, and the question shown is the one the
//! engine picks from the answers the server holds (an answer in flight at the kill either
//! committed with its pick or not at all) — and finishes it with every later pick the engine's.

use std::collections::HashMap;
use std::time::Duration;

use khaothi_cat::{Design, Engine, Pool, Response, State, Step, test_seed};
use khaothi_domain::Item;
use khaothi_loadtest::adaptive::{adaptive_package, answer_to, set_up_adaptive_event, simulated_pool};
use khaothi_loadtest::board::BoardClient;
use khaothi_loadtest::candidate::CandidateSocket;
use khaothi_package::BoardSigningKey;
use rand::SeedableRng;
use serde_json::{Value, json};

use super::{free_port, kill9, start};

const EVENT: &str = "KCAT";
const LENGTH: u32 = 40;

fn pick(e: &Engine, number: &str, answers: &[(String, u8)]) -> Option<String> {
    let state =
        State { responses: answers.iter().map(|(i, s)| Response { item: i.clone(), score: *s }).collect() };
    match e.next(&state, test_seed(EVENT, number)).unwrap().step {
        Step::Give { items } => Some(items[0].clone()),
        Step::Stop { .. } => None,
    }
}

/// Whether candidate `n` answers item `k` (its ordinal) right: a fixed pattern per candidate.
fn right(n: usize, k: usize) -> bool {
    (k * 7 + n * 3) % 5 < 3
}

/// What a candidate had before the kill: its resume token, the acknowledged answers in order,
/// and an answer in flight (sent, not acknowledged) when the server went away.
struct Before {
    number: String,
    token: String,
    acked: Vec<(String, u8)>,
    in_flight: Option<(String, u8)>,
}

async fn answering(
    ws: String,
    n: usize,
    number: String,
    code: String,
    items: HashMap<String, Item>,
    e: std::sync::Arc<Engine>,
) -> Before {
    let mut s = CandidateSocket::connect(&ws).await.unwrap();
    let w = s.login(&number, &code).await.unwrap();
    let token = w["resume_token"].as_str().unwrap().to_string();
    let mut b = Before { number, token, acked: Vec::new(), in_flight: None };
    let mut next = s.expect("next", Duration::from_secs(5)).await.unwrap();
    for seq in 1.. {
        let Some(item) = next["items"][0]["id"].as_str().map(str::to_string) else { break };
        assert_eq!(Some(item.clone()), pick(&e, &b.number, &b.acked), "{}: before the kill", b.number);
        let r = right(n, b.acked.len());
        let v = answer_to(&items[&item], r);
        b.in_flight = Some((item.clone(), u8::from(r)));
        if s.send(json!({"type": "answer", "seq": seq, "item": item, "value": v})).await.is_err()
            || s.expect("ack", Duration::from_secs(5)).await.is_err()
        {
            break;
        }
        b.acked.push(b.in_flight.take().unwrap());
        match s.expect("next", Duration::from_secs(5)).await {
            Ok(v) => next = v,
            Err(_) => break,
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_minus_nine_continues_the_same_adaptive_test() {
    let dir = tempfile::tempdir().unwrap();
    let key = BoardSigningKey::generate(&mut rand::rngs::StdRng::seed_from_u64(6));
    let port = free_port();
    let (mut child, addr) = start(dir.path(), &key, port);
    let pool_items = simulated_pool(150, 11);
    let mut design = Design::fixed_length(LENGTH);
    design.randomesque = 4;
    let e = std::sync::Arc::new(
        Engine::new(Pool::from_bank_items(&pool_items).unwrap().0, design.clone()).unwrap(),
    );
    let items: HashMap<String, Item> = pool_items.iter().map(|i| (i.id.clone(), i.clone())).collect();
    let pkg = adaptive_package(&pool_items, EVENT, "t", 60, &design, &key, 2).unwrap();
    let board = BoardClient::login(&format!("http://{addr}"), "board", "khaothi-demo").await.unwrap();
    let list = set_up_adaptive_event(&board, EVENT, &pkg, 6, 6).await.unwrap();
    let ws = format!("ws://{addr}/ws/candidate");
    let handles: Vec<_> = list
        .iter()
        .enumerate()
        .map(|(n, (number, _, code))| {
            tokio::spawn(answering(ws.clone(), n, number.clone(), code.clone(), items.clone(), e.clone()))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    kill9(&mut child);
    let mut before = Vec::new();
    for h in handles {
        before.push(h.await.unwrap());
    }
    assert!(before.iter().all(|b| !b.acked.is_empty()), "every candidate had answers acknowledged");
    assert!(before.iter().all(|b| b.acked.len() < LENGTH as usize), "the kill came mid-test");

    let (mut child, addr) = start(dir.path(), &key, port);
    let ws = format!("ws://{addr}/ws/candidate");
    for (n, b) in before.into_iter().enumerate() {
        let mut s = CandidateSocket::connect(&ws).await.unwrap();
        let w = s.resume(&b.number, &b.token).await.unwrap();
        let saved: HashMap<String, Value> = w["answers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["item"].as_str().unwrap().to_string(), a["value"].clone()))
            .collect();
        for (item, _) in &b.acked {
            assert!(saved.contains_key(item), "{}: acknowledged answer to {item} lost", b.number);
        }
        let mut answers = b.acked.clone();
        if let Some((item, score)) = b.in_flight.filter(|(i, _)| saved.contains_key(i)) {
            answers.push((item, score));
        }
        assert_eq!(saved.len(), answers.len(), "{}: {saved:?}", b.number);
        assert_eq!(w["adaptive"]["answered"], json!(answers.len()), "{w}");
        let mut next = s.expect("next", Duration::from_secs(5)).await.unwrap();
        let mut seq = 0;
        // The same next item after the restart, then the rest of the test, every pick the engine's.
        loop {
            let want = pick(&e, &b.number, &answers);
            if next["finished"] == json!(true) {
                assert_eq!(want, None, "{}: ended early", b.number);
                break;
            }
            let item = next["items"][0]["id"].as_str().unwrap().to_string();
            assert_eq!(Some(item.clone()), want, "{}: after {} answers", b.number, answers.len());
            let r = right(n, answers.len());
            seq += 1;
            s.send(json!({"type": "answer", "seq": seq, "item": item, "value": answer_to(&items[&item], r)}))
                .await
                .unwrap();
            s.expect("ack", Duration::from_secs(5)).await.unwrap();
            answers.push((item, u8::from(r)));
            next = s.expect("next", Duration::from_secs(5)).await.unwrap();
        }
        assert_eq!(answers.len(), LENGTH as usize);
    }
    kill9(&mut child);
}
