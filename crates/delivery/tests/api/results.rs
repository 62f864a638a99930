//! Results and exports: nothing scores and no key leaves the server before the keys' release;
//! after it, THPT scores per section, EAP abilities, a calibration CSV the irt crate reads and
//! calibrates, and raw answers with every shuffle undone, each checked against what the simulated
//! candidates chose in the bank's own terms.

use std::collections::HashMap;
use std::sync::Arc;

use khaothi_domain::form::{Version, VersionKey};
use khaothi_domain::{Choice, Item, ItemBody};
use khaothi_irt::ItemModel;
use khaothi_irt::ability::{AbilityOptions, estimate};
use khaothi_loadtest::candidate::{CandidateSocket, some_answer};
use khaothi_package::{PackageKeys, verify_package};
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::*;
use crate::exam::{PINNED, exam, get_text, set_up};

/// No field that could carry a key, a score or a calibration, anywhere in `v`.
fn assert_no_key_fields(v: &Value, at: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                assert!(
                    ![
                        "key",
                        "keys",
                        "accepted",
                        "tolerance",
                        "irt",
                        "thresholds",
                        "correct",
                        "orders",
                        "total",
                        "score10",
                        "theta_eap",
                        "sections"
                    ]
                    .contains(&k.as_str()),
                    "`{k}` at {at}: {v}"
                );
                assert!(k != "score" || x.is_null(), "a score before the keys' release at {at}: {v}");
                assert_no_key_fields(x, &format!("{at}.{k}"));
            }
        }
        Value::Array(a) => a.iter().for_each(|x| assert_no_key_fields(x, at)),
        _ => {}
    }
}

const EXPORTS: [&str; 5] =
    ["results", "results?format=json", "results?format=csv", "exports/calibration.csv", "exports/raw.csv"];

async fn nothing_scores_or_reveals_a_key_before_release(b: Backend) {
    let app = TestApp::spawn(b).await;
    let exam = exam(&app.signer, "E1");
    let list = set_up(&app, &exam, "E1", 3, 3).await;
    // One candidate answers everything and submits: still no score.
    let mut s = app.socket().await;
    let w = s.login(&list[0].0, &list[0].1).await.unwrap();
    for (k, it) in w["items"].as_array().unwrap().iter().enumerate() {
        s.answer(k as i64 + 1, it["id"].as_str().unwrap(), some_answer(it, k as u64)).await.unwrap();
    }
    s.send(json!({"type": "submit"})).await.unwrap();
    let done = s.expect("submitted", SECS).await.unwrap();
    assert!(done.get("score").is_none(), "{done}");

    let mut bodies = Vec::new();
    for path in EXPORTS {
        let (status, body) = get_text(&app, &format!("/api/v1/events/E1/{path}")).await;
        assert_eq!(status, 409, "{path}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"], "keys_not_released", "{path}: {v}");
        bodies.push((path.to_string(), body));
    }
    let sheet = "/api/v1/events/E1/rooms/P001/sheet";
    for path in [
        "/api/v1/events".to_string(),
        "/api/v1/events/E1".into(),
        "/api/v1/events/E1/rooms".into(),
        "/api/v1/events/E1/candidates".into(),
        sheet.into(),
        format!("{sheet}?format=text"),
        format!("/api/v1/events/E1/candidates/{}/integrity", list[0].0),
    ] {
        let (status, body) = get_text(&app, &path).await;
        assert_eq!(status, 200, "{path}: {body}");
        bodies.push((path, body));
    }
    bodies.extend(s.received.iter().map(|f| ("candidate frame".to_string(), f.to_string())));
    let (hex, code) = (exam.pkg.keys_key.to_hex(), exam.pkg.keys_key.to_code());
    for (path, body) in &bodies {
        for needle in [
            hex.as_str(),
            code.as_str(),
            "\"single_choice\":",
            "\"true_false_group\":",
            "\"short_answer\":",
            "ciphertext",
        ] {
            assert!(!body.contains(needle), "{path} contains {needle}: {body}");
        }
        if let Ok(v) = serde_json::from_str::<Value>(body) {
            assert_no_key_fields(&v, path);
        }
    }
    // A proctor cannot read results even after the release; the board can.
    app.board
        .post("/api/v1/events/E1/keys", json!({"release_key": exam.pkg.keys_key.to_code()}))
        .await
        .unwrap();
    for path in EXPORTS {
        let (status, body) = get_text(&app, &format!("/api/v1/events/E1/{path}")).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (status, body) = get_text(&app, "/api/v1/events/E1/results?format=xml").await;
    assert!(status == 400 && body.contains("invalid_format") && body.contains("xml"), "{body}");
    app.board
        .post("/api/v1/staff", json!({"username": "gt", "display_name": "GT", "password": "proctor-pass-1", "role": "proctor", "rooms": []}))
        .await
        .unwrap();
    let gt = khaothi_loadtest::board::BoardClient::login(&app.url, "gt", "proctor-pass-1").await.unwrap();
    for path in EXPORTS {
        let err = gt.get(&format!("/api/v1/events/E1/{path}")).await.unwrap_err();
        assert!(err.0.contains("403"), "{path}: {err}");
    }
}
both_backends!(nothing_scores_or_reveals_a_key_before_release);

/// One candidate's answers in the bank's terms (option letters and statements in the bank's
/// order), `None` = not answered.
type BankAnswers = HashMap<String, Value>;

/// Turns simulated scores into answers in the bank's terms, with blanks, blank statements and
/// every accepted spelling of the short answers.
fn bank_answers(p: usize, scores: &[u8], ids: &[String], items: &HashMap<String, Item>) -> BankAnswers {
    let mut out = HashMap::new();
    for (j, (id, &s)) in ids.iter().zip(scores).enumerate() {
        if (p * 7 + j * 3).is_multiple_of(13) {
            continue;
        }
        let v = match &items[id].body {
            ItemBody::SingleChoice { key, .. } => {
                let letter = if s == 1 { key.index() } else { (key.index() + 1 + p % 3) % 4 };
                json!(Choice::from_index(letter).unwrap().letter().to_string())
            }
            ItemBody::TrueFalseGroup { keys, .. } => {
                let mut a: Vec<Value> = keys
                    .iter()
                    .enumerate()
                    .map(|(i, k)| json!(if i < usize::from(s) { *k } else { !*k }))
                    .collect();
                if (p + j).is_multiple_of(5) {
                    a[3] = Value::Null;
                }
                json!(a)
            }
            ItemBody::ShortAnswer { .. } if id == "SA1" => {
                json!(if s == 1 { ["0,5", "0.5"][p % 2] } else { ["1", "-0,5"][p % 2] })
            }
            ItemBody::ShortAnswer { .. } => json!(if s == 1 { ["-2", "-2.0", "-2,0"][p % 3] } else { "2" }),
            ItemBody::MultipleResponse { .. } => unreachable!("exam packages refuse multiple_response items"),
        };
        out.insert(id.clone(), v);
    }
    out
}

/// Hand rules: (statements or items right, hundredths) of a bank-terms answer.
fn expected(item: &Item, answer: Option<&Value>) -> (u8, u32) {
    let Some(a) = answer else { return (0, 0) };
    match &item.body {
        ItemBody::SingleChoice { key, .. } => {
            let right = a.as_str() == Some(key.letter().to_string().as_str());
            (u8::from(right), if right { 25 } else { 0 })
        }
        ItemBody::TrueFalseGroup { keys, .. } => {
            let right =
                keys.iter().zip(a.as_array().unwrap()).filter(|(k, v)| v.as_bool() == Some(**k)).count();
            (right as u8, [0, 10, 25, 50, 100][right])
        }
        ItemBody::ShortAnswer { answer } => {
            let typed = a.as_str().unwrap().trim().replace('.', ",");
            let right = answer.accepted.contains(&typed);
            (u8::from(right), if right { 50 } else { 0 })
        }
        ItemBody::MultipleResponse { .. } => unreachable!("exam packages refuse multiple_response items"),
    }
}

/// The answer a candidate of `version` sends: the bank's option letter shown where the version
/// put it.
fn shown(version: &Version, id: &str, bank: &Value) -> Value {
    match version.options.get(id) {
        Some(perm) => {
            let bank_index = Choice::parse(bank.as_str().unwrap()).unwrap().index();
            let at = perm.iter().position(|&o| usize::from(o) == bank_index).unwrap();
            json!(Choice::from_index(at).unwrap().letter().to_string())
        }
        None => bank.clone(),
    }
}

/// The raw export's spelling of a bank-terms answer.
fn raw_spelling(answer: Option<&Value>) -> String {
    match answer {
        None => String::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| match v.as_bool() {
                Some(true) => 'T',
                Some(false) => 'F',
                None => '-',
            })
            .collect(),
        Some(v) => v.as_str().unwrap().to_string(),
    }
}

fn csv_rows(text: &str) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| header.iter().cloned().zip(rec.unwrap().iter().map(String::from)).collect())
        .collect();
    (header, rows)
}

async fn simulated_event_round_trips(b: Backend) {
    const N: usize = 240;
    let app = TestApp::spawn(b).await;
    let exam = Arc::new(exam(&app.signer, "E1"));
    let list = set_up(&app, &exam, "E1", N, 60).await;
    let roster = app.board.get("/api/v1/events/E1/candidates").await.unwrap();
    let version_of: HashMap<String, String> = roster["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["number"].as_str().unwrap().to_string(), c["version"].as_str().unwrap().to_string()))
        .collect();
    // Every candidate answers every item of the bank by a simulated ability; items not on their
    // version are simply not asked.
    let ids: Vec<String> = ["SC1", "SC2", "SC3", "SC4", "SC5", "SC6", "SC7", "TF1", "TF2", "SA1", "SA2"]
        .map(String::from)
        .to_vec();
    let models: Vec<ItemModel> = ids.iter().map(|id| exam.models[id].clone()).collect();
    let thetas = khaothi_irt::simulate::draw_thetas(N, 0.0, 1.0, 21);
    let sim = khaothi_irt::simulate::simulate_responses(&models, &thetas, 22);
    let answers: Vec<BankAnswers> = (0..N).map(|p| bank_answers(p, sim.row(p), &ids, &exam.items)).collect();

    let gate = Arc::new(tokio::sync::Semaphore::new(24));
    let mut tasks = Vec::new();
    for (p, (number, code)) in list.iter().cloned().enumerate() {
        let version = exam.versions[&version_of[&number]].clone();
        let mine = answers[p].clone();
        let (ws, gate) = (app.ws.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            let mut s = CandidateSocket::connect(&ws).await.unwrap();
            let w = s.login(&number, &code).await.unwrap();
            let order: Vec<String> = w["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(order, version.items, "{number} is shown the version's order");
            let mut seq = 0;
            for id in &order {
                let Some(a) = mine.get(id) else { continue };
                let value = shown(&version, id, a);
                if p.is_multiple_of(5) && seq == 0 {
                    // A first thought, replaced: only the newest answer counts.
                    seq += 1;
                    let first = match &value {
                        Value::Array(_) => json!([null, null, null, true]),
                        _ if id.starts_with("SC") => json!("A"),
                        _ => json!("9"),
                    };
                    s.answer(seq, id, first).await.unwrap();
                }
                seq += 1;
                let ack = s.answer(seq, id, value).await.unwrap();
                assert_eq!(ack["type"], "ack");
            }
            s.send(json!({"type": "submit"})).await.unwrap();
            s.expect("submitted", SECS).await.unwrap();
            (number, order)
        }));
    }
    let mut shown_order: HashMap<String, Vec<String>> = HashMap::new();
    for t in tasks {
        let (number, order) = t.await.unwrap();
        shown_order.insert(number, order);
    }
    app.board
        .post("/api/v1/events/E1/keys", json!({"release_key": exam.pkg.keys_key.to_hex()}))
        .await
        .unwrap();
    let sealed = verify_package(&exam.pkg.bytes, &app.signer.public()).unwrap();
    let keys: PackageKeys = sealed.open_keys(&exam.pkg.keys_key).unwrap();
    let person: HashMap<&str, usize> = list.iter().enumerate().map(|(p, (n, _))| (n.as_str(), p)).collect();

    // Results: sections, total, 10-point score, answered count and EAP ability per candidate.
    let results = app.board.get("/api/v1/events/E1/results").await.unwrap();
    assert_eq!(results["sections"], json!(["I", "II", "III"]));
    let rows = results["candidates"].as_array().unwrap();
    assert_eq!(rows.len(), N);
    for r in rows {
        let number = r["number"].as_str().unwrap();
        let p = person[number];
        let order = &shown_order[number];
        let mut sections = [0u32; 3];
        let mut rights = Vec::new();
        for id in order {
            let (right, points) = expected(&exam.items[id], answers[p].get(id));
            sections[if id.starts_with("SC") {
                0
            } else if id.starts_with("TF") {
                1
            } else {
                2
            }] += points;
            rights.push(right);
        }
        let total: u32 = sections.iter().sum();
        assert_eq!(r["status"], "submitted", "{r}");
        assert_eq!(r["submit_reason"], "candidate", "{r}");
        assert_eq!(r["version"], version_of[number].as_str());
        let got: Vec<(String, u64, u64)> = r["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["section"].as_str().unwrap().into(),
                    s["points"].as_u64().unwrap(),
                    s["max"].as_u64().unwrap(),
                )
            })
            .collect();
        let want: Vec<(String, u64, u64)> = vec![
            ("I".into(), u64::from(sections[0]), 150),
            ("II".into(), u64::from(sections[1]), 200),
            ("III".into(), u64::from(sections[2]), 100),
        ];
        assert_eq!(got, want, "{number}");
        assert_eq!(r["total"].as_u64().unwrap(), u64::from(total), "{number}");
        assert_eq!(r["max"], 450);
        // 10 points for 4.50: total × 10 / 4.50, half up to hundredths.
        let score10 = (u64::from(total) * 2000 + 450) / 900;
        assert_eq!(r["score10_text"], format!("{},{:02}", score10 / 100, score10 % 100), "{number}");
        assert!((r["score10"].as_f64().unwrap() - score10 as f64 / 100.0).abs() < 1e-9);
        assert_eq!(
            r["answered"].as_u64().unwrap() as usize,
            answers[p].keys().filter(|id| order.contains(id)).count()
        );
        let models: Vec<ItemModel> = order.iter().map(|id| exam.models[id].clone()).collect();
        let eap = estimate(&models, &rights, &AbilityOptions::default());
        assert!(
            (r["theta_eap"].as_f64().unwrap() - eap.theta.unwrap()).abs() < 1e-4,
            "{number}: {r} vs {eap:?}"
        );
        assert!((r["se"].as_f64().unwrap() - eap.se.unwrap()).abs() < 1e-4, "{number}");
    }
    // The CSV says the same.
    let (status, text) = get_text(&app, "/api/v1/events/E1/results?format=csv").await;
    assert_eq!(status, 200);
    let (header, csv) = csv_rows(&text);
    assert!(
        header.starts_with(
            &[
                "number",
                "full_name",
                "date_of_birth",
                "room",
                "seat",
                "version",
                "status",
                "submit_reason",
                "section_I",
                "section_II",
                "section_III",
                "total"
            ]
            .map(String::from)
        ),
        "{header:?}"
    );
    assert_eq!(csv.len(), N);
    for (row, json) in csv.iter().zip(rows) {
        assert_eq!(row["number"], json["number"].as_str().unwrap());
        assert_eq!(row["total"], json["total"].to_string());
        assert_eq!(row["section_II"], json["sections"][1]["points"].to_string());
        assert_eq!(row["score10_text"], json["score10_text"].as_str().unwrap());
        assert_eq!(row["theta_eap"].parse::<f64>().unwrap(), json["theta_eap"].as_f64().unwrap());
    }

    // Raw: every candidate × item of their version, answers back in the bank's order.
    let (status, text) = get_text(&app, "/api/v1/events/E1/exports/raw.csv").await;
    assert_eq!(status, 200);
    let (header, raw) = csv_rows(&text);
    assert_eq!(
        header,
        [
            "person",
            "item",
            "kind",
            "version",
            "position",
            "value",
            "correct",
            "epoch",
            "seq",
            "answered_at",
            "source",
            "sheet",
            "shown"
        ]
    );
    assert_eq!(raw.len(), N * 10);
    for row in &raw {
        let (number, code) = (row["person"].as_str(), row["version"].as_str());
        let (id, pinned) = row["item"].split_once('@').unwrap();
        assert_eq!(pinned, PINNED.to_string());
        let p = person[number];
        assert_eq!(code, version_of[number]);
        let position: usize = row["position"].parse().unwrap();
        assert_eq!(shown_order[number][position - 1], id, "{row:?}");
        let mine = answers[p].get(id);
        assert_eq!(row["value"], raw_spelling(mine), "{row:?}");
        let (right, _) = expected(&exam.items[id], mine);
        assert_eq!(row["correct"], right.to_string(), "{row:?}");
        assert_eq!(row["epoch"].is_empty(), mine.is_none(), "{row:?}");
        let bank = keys.item(id).unwrap();
        match (keys.order(code, id), &bank.key) {
            (Some(order), VersionKey::SingleChoice(bank_key)) if mine.is_some() => {
                // Through the version's map the bank's letter is the letter the candidate was shown…
                let raw_letter = Choice::parse(&row["value"]).unwrap();
                let at = order.iter().position(|&o| usize::from(o) == raw_letter.index()).unwrap();
                let sent = shown(&exam.versions[code], id, mine.unwrap());
                assert_eq!(sent, json!(Choice::from_index(at).unwrap().letter().to_string()), "{row:?}");
                // `shown` is the letter as sent, before the shuffle is undone.
                assert_eq!(json!(row["shown"]), sent, "{row:?}");
                // …and a right answer is the bank's key.
                assert_eq!(row["correct"] == "1", raw_letter == *bank_key, "{row:?}");
                let VersionKey::SingleChoice(version_key) = keys.versions[code][id] else { panic!("kind") };
                assert_eq!(usize::from(order[version_key.index()]), bank_key.index());
            }
            (None, VersionKey::TrueFalseGroup(bank_keys)) => {
                let right = row["value"]
                    .chars()
                    .zip(bank_keys)
                    .filter(|(c, k)| *c == if **k { 'T' } else { 'F' })
                    .count();
                assert_eq!(row["correct"], right.to_string(), "{row:?}");
            }
            (None, VersionKey::ShortAnswer(k)) => {
                assert_eq!(
                    row["correct"] == "1",
                    !row["value"].is_empty() && k.accepts(&row["value"]),
                    "{row:?}"
                );
            }
            (order, _) => assert!(mine.is_none() || order.is_none(), "{row:?}"),
        }
    }
    // The replaced first thoughts are not what the export reports.
    let replaced =
        raw.iter().filter(|r| person[r["person"].as_str()].is_multiple_of(5) && r["seq"] == "2").count();
    assert!(replaced > 0);

    // Calibration: the irt crate reads the export, columns `id@version` in the forms' order,
    // empty where an item was not on the candidate's form, and calibrates it.
    let (status, text) = get_text(&app, "/api/v1/events/E1/exports/calibration.csv").await;
    assert_eq!(status, 200);
    let m = khaothi_irt::csv::read_responses(text.as_bytes()).unwrap();
    let columns: Vec<String> = ["SC1", "SC2", "SC3", "SC4", "SC5", "SC6", "TF1", "TF2", "SA1", "SA2", "SC7"]
        .iter()
        .map(|id| format!("{id}@{PINNED}"))
        .collect();
    assert_eq!(m.item_ids(), columns.as_slice());
    assert_eq!(m.n_persons(), N);
    for (row, number) in m.person_ids().unwrap().iter().enumerate() {
        let p = person[number.as_str()];
        for (j, col) in columns.iter().enumerate() {
            let id = col.split_once('@').unwrap().0;
            let want = if shown_order[number].iter().any(|x| x == id) {
                expected(&exam.items[id], answers[p].get(id)).0
            } else {
                khaothi_irt::MISSING
            };
            assert_eq!(m.get(row, j), want, "{number} {id}");
        }
    }
    let run = khaothi_irt::calibrate(&m, &khaothi_irt::CalibrationOptions::default()).unwrap();
    assert!(run.converged, "{:?}", run.warnings);
    // The recovered difficulties follow the true ones.
    let pairs: Vec<(f64, f64)> = run
        .items
        .iter()
        .filter_map(|it| match (&it.model, &exam.models[it.id.split_once('@').unwrap().0]) {
            (ItemModel::TwoPl { b: est, .. }, ItemModel::TwoPl { b: truth, .. }) => Some((*est, *truth)),
            _ => None,
        })
        .collect();
    assert_eq!(pairs.len(), 9);
    let mean = |f: &dyn Fn(&(f64, f64)) -> f64| pairs.iter().map(f).sum::<f64>() / pairs.len() as f64;
    let (mx, my) = (mean(&|p| p.0), mean(&|p| p.1));
    let cov = mean(&|p| (p.0 - mx) * (p.1 - my));
    let r = cov / (mean(&|p| (p.0 - mx).powi(2)).sqrt() * mean(&|p| (p.1 - my).powi(2)).sqrt());
    assert!(r > 0.8, "difficulties recovered with r = {r}: {pairs:?}");
}
both_backends!(simulated_event_round_trips);
