//! One definition of "answered" (issue 15 item 2): a cleared answer is not answered and a
//! true/false group counts once one statement is. The candidate's final page (the `submitted`
//! message), the proctor's grid (seats), the biên bản and the results all say the same number.

use khaothi_loadtest::candidate::some_answer;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::*;
use crate::exam::{exam, set_up};

async fn cleared_answers_are_not_counted_anywhere(b: Backend) {
    let app = TestApp::spawn(b).await;
    let exam = exam(&app.signer, "E1");
    let list = set_up(&app, &exam, "E1", 2, 2).await;
    let mut s = app.socket().await;
    let w = s.login(&list[0].0, &list[0].1).await.unwrap();
    let items = w["items"].as_array().unwrap().clone();
    let mut seq = 0;
    let mut send = async |s: &mut khaothi_loadtest::candidate::CandidateSocket, item: &Value, v: Value| {
        seq += 1;
        s.answer(seq, item["id"].as_str().unwrap(), v).await.unwrap();
    };
    for (k, it) in items.iter().enumerate() {
        send(&mut s, it, some_answer(it, k as u64)).await;
    }
    let of_kind = |kind: &str| items.iter().filter(|it| it["kind"] == kind).collect::<Vec<_>>();
    let (single, groups, short) =
        (of_kind("single_choice"), of_kind("true_false_group"), of_kind("short_answer"));
    // Cleared: one single choice, one whole group, one short answer. Partly answered: a group
    // with one statement of four still counts.
    send(&mut s, single[0], Value::Null).await;
    send(&mut s, groups[0], json!([null, null, null, null])).await;
    send(&mut s, groups[1], json!([true, null, null, null])).await;
    send(&mut s, short[0], Value::Null).await;
    let expected = items.len() - 3;

    s.send(json!({"type": "submit"})).await.unwrap();
    let done = s.expect("submitted", SECS).await.unwrap();
    assert_eq!(done["answered"], expected, "the final page's count: {done}");

    let record = app.board.get("/api/v1/events/E1/rooms/P001/record?format=json").await.unwrap();
    let seat =
        record["candidates"].as_array().unwrap().iter().find(|c| c["number"] == list[0].0.as_str()).unwrap();
    assert_eq!(seat["answered"], expected, "the biên bản's (and the proctor grid's) count: {seat}");

    // A server restart forgets live counts: the count from the response log agrees.
    let (config, signer, data) = app.stop().await;
    let app = TestApp::start(config, signer, data).await;
    let record = app.board.get("/api/v1/events/E1/rooms/P001/record?format=json").await.unwrap();
    let seat =
        record["candidates"].as_array().unwrap().iter().find(|c| c["number"] == list[0].0.as_str()).unwrap();
    assert_eq!(seat["answered"], expected, "the count from the log: {seat}");

    app.board
        .post("/api/v1/events/E1/keys", json!({"release_key": exam.pkg.keys_key.to_hex()}))
        .await
        .unwrap();
    let results = app.board.get("/api/v1/events/E1/results?format=json").await.unwrap();
    let rows = results["candidates"].as_array().or_else(|| results.as_array()).expect("result rows");
    let row = rows.iter().find(|r| r["number"] == list[0].0.as_str()).unwrap();
    assert_eq!(row["answered"], expected, "the results' count: {row}");
}
both_backends!(cleared_answers_are_not_counted_anywhere);
