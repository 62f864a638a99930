//! An adaptive event end to end over real websockets (issue 20 §3): the package unlocked with
//! both keys, one question at a time, every pick the one the engine makes from the answers so far
//! (recomputed here from the package's pool and design), no going back, a resume that continues
//! the same test, and results with θ, SE, items given and the 10-point conversion.

use std::collections::HashMap;

use khaothi_cat::{Design, Engine, Pool, Response, State, test_seed};
use khaothi_domain::Item;
use khaothi_loadtest::adaptive::{adaptive_package, answer_to, set_up_adaptive_event, simulated_pool};
use khaothi_loadtest::candidate::CandidateSocket;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::*;

/// The engine as the package carries it, to recompute picks from outside the server.
fn engine(items: &[Item], design: &Design) -> Engine {
    let (pool, _) = Pool::from_bank_items(items).unwrap();
    Engine::new(pool, design.clone()).unwrap()
}

/// The items the engine gives after `answers` (item, score) for candidate `number`.
fn expected_pick(e: &Engine, event: &str, number: &str, answers: &[(String, u8)]) -> Option<Vec<String>> {
    let state = State {
        responses: answers
            .iter()
            .map(|(item, score)| Response { item: item.clone(), score: *score })
            .collect(),
    };
    match e.next(&state, test_seed(event, number)).unwrap().step {
        khaothi_cat::Step::Give { items } => Some(items),
        khaothi_cat::Step::Stop { .. } => None,
    }
}

/// One candidate's side: the answers given (item, score) and the socket.
struct Taker<'a> {
    items: &'a HashMap<String, Item>,
    engine: &'a Engine,
    event: &'a str,
    number: String,
    answers: Vec<(String, u8)>,
    seq: i64,
}

impl Taker<'_> {
    /// Checks that `next` shows the engine's pick after the answers so far; its item id.
    fn check_next(&self, next: &Value) -> Option<String> {
        assert_eq!(next["type"], "next", "{next}");
        let want = expected_pick(self.engine, self.event, &self.number, &self.answers);
        if next["finished"] == json!(true) {
            assert_eq!(want, None, "the server ended the test where the engine gives {want:?}");
            return None;
        }
        let shown: Vec<&str> =
            next["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(Some(shown.iter().map(|s| s.to_string()).collect::<Vec<_>>()), want, "{next}");
        assert_eq!(next["items"][0]["number"], json!(self.answers.len() + 1), "{next}");
        Some(shown[0].to_string())
    }

    /// Answers `item` (right or wrong), checks the ack and the next pick.
    async fn answer(&mut self, s: &mut CandidateSocket, item: &str, right: bool) -> Value {
        self.seq += 1;
        let value = answer_to(&self.items[item], right);
        s.send(json!({"type": "answer", "seq": self.seq, "item": item, "value": value})).await.unwrap();
        let ack = s.expect("ack", SECS).await.unwrap();
        assert_eq!(ack["seq"], json!(self.seq));
        self.answers.push((item.to_string(), u8::from(right)));
        let next = s.expect("next", SECS).await.unwrap();
        self.check_next(&next);
        next
    }
}

async fn adaptive_event_end_to_end(b: Backend) {
    let app = TestApp::spawn(b).await;
    let pool_items = simulated_pool(60, 3);
    let by_id: HashMap<String, Item> = pool_items.iter().map(|i| (i.id.clone(), i.clone())).collect();
    let mut design = Design::fixed_length(8);
    design.randomesque = 3;
    let e = engine(&pool_items, &design);
    let pkg =
        adaptive_package(&pool_items, "CAT1", "Kiểm tra thích ứng", 45, &design, &app.signer, 9).unwrap();
    let manifest = khaothi_package::verify_package(&pkg.bytes, &app.signer.public()).unwrap().manifest;
    assert_eq!(manifest.adaptive.as_ref().unwrap().max_items, 8);

    // Unlocking an adaptive event needs both keys; a fixed-form event refuses the second.
    let other = adaptive_package(&pool_items, "CAT2", "t", 45, &design, &app.signer, 9).unwrap();
    app.board.post("/api/v1/events", json!({"id": "CAT2", "title": "t"})).await.unwrap();
    app.board
        .post_raw("/api/v1/events/CAT2/package", "application/octet-stream", other.bytes.clone())
        .await
        .unwrap();
    let only = json!({"release_key": other.content_key.to_hex()});
    let refused = app.board.post("/api/v1/events/CAT2/unlock", only).await.unwrap_err();
    assert!(refused.0.contains("keys_release_key_required"), "{}", refused.0);
    let wrong =
        json!({"release_key": other.content_key.to_hex(), "keys_release_key": other.content_key.to_hex()});
    assert!(
        app.board.post("/api/v1/events/CAT2/unlock", wrong).await.is_err(),
        "the content key does not open the keys"
    );

    let list = set_up_adaptive_event(&app.board, "CAT1", &pkg, 2, 2).await.unwrap();
    // No switch to paper: an adaptive event has no printed form (docs/cat.md), said clearly.
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/events/CAT1/rooms/P001/paper", app.url))
        .bearer_auth(&app.board.token)
        .json(&json!({"reason": "Mất điện phòng máy"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "adaptive_event", "{body}");
    assert!(body["message"].as_str().unwrap().contains("no paper form"), "{body}");
    let mut strong = Taker {
        items: &by_id,
        engine: &e,
        event: "CAT1",
        number: list[0].0.clone(),
        answers: vec![],
        seq: 0,
    };
    let mut s = app.socket().await;
    let w = s.login(&strong.number, &list[0].2).await.unwrap();
    assert_eq!(w["adaptive"]["max_items"], 8, "{w}");
    assert_eq!(w["item_count"], 8);
    assert!(w.get("content_hash").is_none(), "the pool is never sent whole: {w}");
    let first = s.expect("next", SECS).await.unwrap();
    let mut item = strong.check_next(&first).unwrap();
    assert_eq!(first["items"].as_array().unwrap().len(), 1);

    // Refusals: no answer, an item not given, and (after answering) going back.
    s.send(json!({"type": "answer", "seq": 100, "item": item, "value": null})).await.unwrap();
    assert_error(&s.next(SECS).await.unwrap(), "answer_required");
    let not_given = pool_items.iter().find(|i| i.id != item).unwrap().id.clone();
    s.send(json!({"type": "answer", "seq": 101, "item": not_given, "value": "A"})).await.unwrap();
    assert_error(&s.next(SECS).await.unwrap(), "not_given");
    let next = strong.answer(&mut s, &item, true).await;
    let previous = item.clone();
    item = next["items"][0]["id"].as_str().unwrap().to_string();
    s.send(
        json!({"type": "answer", "seq": 102, "item": previous, "value": answer_to(&by_id[&previous], false)}),
    )
    .await
    .unwrap();
    assert_error(&s.next(SECS).await.unwrap(), "item_closed");
    // The same answer again (a lost ack) is acknowledged again, and the same question shown.
    s.send(
        json!({"type": "answer", "seq": 1, "item": previous, "value": answer_to(&by_id[&previous], true)}),
    )
    .await
    .unwrap();
    s.expect("ack", SECS).await.unwrap();
    assert_eq!(s.expect("next", SECS).await.unwrap()["items"][0]["id"], json!(item));
    for _ in 0..2 {
        let next = strong.answer(&mut s, &item, true).await;
        item = next["items"][0]["id"].as_str().unwrap().to_string();
    }
    assert_no_keys(&s.received);

    // A dropped connection resumes the same test: three answered, the fourth question shown.
    let token = w["resume_token"].as_str().unwrap().to_string();
    drop(s);
    let mut s = app.socket().await;
    let w = s.resume(&strong.number, &token).await.unwrap();
    assert_eq!(w["adaptive"]["answered"], 3, "{w}");
    assert_eq!(w["adaptive"]["given"], 4, "{w}");
    let again = s.expect("next", SECS).await.unwrap();
    assert_eq!(again["items"][0]["id"], json!(item), "the same question after the resume");
    strong.seq = 0;
    let mut next = again;
    while next["finished"] != json!(true) {
        let it = next["items"][0]["id"].as_str().unwrap().to_string();
        next = strong.answer(&mut s, &it, true).await;
    }
    assert_eq!(strong.answers.len(), 8, "a fixed length of 8");
    s.send(json!({"type": "submit"})).await.unwrap();
    s.expect("submitted", SECS).await.unwrap();

    // The second candidate answers everything wrong.
    let mut weak = Taker {
        items: &by_id,
        engine: &e,
        event: "CAT1",
        number: list[1].0.clone(),
        answers: vec![],
        seq: 0,
    };
    let mut s2 = app.socket().await;
    s2.login(&weak.number, &list[1].2).await.unwrap();
    let mut next = s2.expect("next", SECS).await.unwrap();
    weak.check_next(&next);
    while next["finished"] != json!(true) {
        let it = next["items"][0]["id"].as_str().unwrap().to_string();
        next = weak.answer(&mut s2, &it, false).await;
    }
    s2.send(json!({"type": "submit"})).await.unwrap();
    s2.expect("submitted", SECS).await.unwrap();

    // The proctor sees progress out of the test's length, not the pool's size.
    let record = app.board.get("/api/v1/events/CAT1/rooms/P001/record?format=json").await.unwrap();
    let seats = record["candidates"].as_array().unwrap();
    assert_eq!(seats.len(), 2, "{record}");
    for seat in seats {
        assert_eq!((seat["item_count"].as_u64(), seat["answered"].as_u64()), (Some(8), Some(8)), "{seat}");
    }

    // Results: θ, SE, items given, and the 10-point conversion of θ, as the engine computes them.
    let key = json!({"release_key": pkg.keys_key.to_hex()});
    app.board.post("/api/v1/events/CAT1/keys", key).await.unwrap();
    let results = app.board.get("/api/v1/events/CAT1/results").await.unwrap();
    let row = |n: &str| {
        results["candidates"].as_array().unwrap().iter().find(|c| c["number"] == n).unwrap().clone()
    };
    let (hi, lo) = (row(&strong.number), row(&weak.number));
    for (r, t) in [(&hi, &strong), (&lo, &weak)] {
        assert_eq!(r["items_given"], 8, "{r}");
        assert_eq!(r["answered"], 8, "{r}");
        let state = State {
            responses: t.answers.iter().map(|(i, s)| Response { item: i.clone(), score: *s }).collect(),
        };
        let est = e.estimate(&state).unwrap();
        assert!((r["theta_eap"].as_f64().unwrap() - est.theta).abs() < 1e-3, "{r} vs {est:?}");
        assert!((r["se"].as_f64().unwrap() - est.se).abs() < 1e-3, "{r} vs {est:?}");
        let ten = (e.pool().score10(est.theta) * 100.0).round() / 100.0;
        assert!((r["score10"].as_f64().unwrap() - ten).abs() < 0.006, "{r} vs {ten}");
    }
    assert!(hi["theta_eap"].as_f64().unwrap() > 1.0 && lo["theta_eap"].as_f64().unwrap() < -1.0, "{hi} {lo}");
    assert!(hi["score10"].as_f64().unwrap() > lo["score10"].as_f64().unwrap());
    assert_eq!(hi["max"], 8 * 25, "points on the items given: {hi}");
    let (status, csv) = crate::exam::get_text(&app, "/api/v1/events/CAT1/results?format=csv").await;
    assert_eq!(status, 200, "{csv}");
    assert!(csv.lines().next().unwrap().ends_with(",items_given"), "{csv}");
}
both_backends!(adaptive_event_end_to_end);
