//! Paper rooms (issue 22 §3–4): sheets read from scans become the candidate's answers through the
//! single writer and the hash chains, override computer answers only for the questions marked on
//! paper, wait in the review queue while flagged, and come out of the same results and exports.

use std::collections::BTreeMap;

use khaothi_domain::form::VersionKey;
use khaothi_package::{PackageContent, PackageKeys, ResultFile, verify_package};
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::*;

/// Per version: key (`I.1`) → (item id, the version's key), numbered as the sheet prints them
/// (a part per kind of question, in the version's order) — written here independently of the
/// server's numbering.
type Printed = BTreeMap<String, BTreeMap<String, (String, VersionKey)>>;

fn printed(content: &PackageContent, keys: &PackageKeys) -> Printed {
    let mut out = Printed::new();
    for v in &content.versions {
        let mut per_part = [0usize; 3];
        let mut m = BTreeMap::new();
        for it in &v.items {
            let key = keys.versions[&v.code][&it.rendered.id].clone();
            let s = match key {
                VersionKey::SingleChoice(_) => 0,
                VersionKey::TrueFalseGroup(_) => 1,
                VersionKey::ShortAnswer(_) => 2,
            };
            per_part[s] += 1;
            m.insert(format!("{}.{}", ["I", "II", "III"][s], per_part[s]), (it.rendered.id.clone(), key));
        }
        out.insert(v.code.clone(), m);
    }
    out
}

/// The right answer as the websocket carries it; `wrong` gives a wrong one instead.
fn answer(k: &VersionKey, wrong: bool) -> Value {
    match k {
        VersionKey::SingleChoice(c) => {
            let i = if wrong { (c.index() + 1) % 4 } else { c.index() };
            json!(["A", "B", "C", "D"][i].to_string())
        }
        VersionKey::TrueFalseGroup(b) => json!(b.iter().map(|x| *x != wrong).collect::<Vec<_>>()),
        VersionKey::ShortAnswer(_) => json!(if wrong { "99" } else { "0,5" }),
    }
}

fn sha(n: u8) -> String {
    format!("{:02x}", n).repeat(32)
}

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(format!("{}{path}", app.url))
        .bearer_auth(&app.board.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

async fn text(app: &TestApp, path: &str) -> String {
    let res = reqwest::Client::new()
        .get(format!("{}{path}", app.url))
        .bearer_auth(&app.board.token)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.text().await.unwrap()
}

fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| header.iter().cloned().zip(rec.unwrap().iter().map(String::from)).collect())
        .collect()
}

fn sheet(number: &str, version: &str, n: u8, answers: Value, flags: Value) -> Value {
    json!({"image": format!("scan-{n}.png"), "candidate": number, "version": version, "answers": answers,
        "confidence": {}, "flags": flags, "image_sha256": sha(n), "sheet_id": format!("E1-{number}-{n}")})
}

async fn versions(app: &TestApp) -> BTreeMap<String, String> {
    let list = app.board.get("/api/v1/events/E1/candidates").await.unwrap();
    list["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["number"].as_str().unwrap().to_string(), c["version"].as_str().unwrap().to_string()))
        .collect()
}

async fn paper_answers_override_only_marked_items_and_reach_every_export(b: Backend) {
    let app = TestApp::spawn(b).await;
    // 000001, 000002 in P001; 000003, 000004 in P002.
    let (list, pkg) = app.event("E1", 4, 2, None).await;
    let sealed = verify_package(&pkg.bytes, &app.signer.public()).unwrap();
    let printed =
        printed(&sealed.open_content(&pkg.content_key).unwrap(), &sealed.open_keys(&pkg.keys_key).unwrap());
    let version = versions(&app).await;
    let on = |number: &str, key: &str| printed[&version[number]][key].clone();
    let code = |number: &str| list.iter().find(|c| c.0 == number).unwrap().2.clone();

    // 000001 starts on a computer: I.1 wrong, I.2 right, III.1 wrong.
    let mut s1 = app.socket().await;
    s1.login("000001", &code("000001")).await.unwrap();
    for (seq, (key, wrong)) in [("I.1", true), ("I.2", false), ("III.1", true)].into_iter().enumerate() {
        let (item, k) = on("000001", key);
        s1.answer(seq as i64 + 1, &item, answer(&k, wrong)).await.unwrap();
    }
    // 000004 sits the whole test on a computer in P002 (never switched) and submits.
    let mut s4 = app.socket().await;
    s4.login("000004", &code("000004")).await.unwrap();
    let (item, k) = on("000004", "I.1");
    s4.answer(1, &item, answer(&k, false)).await.unwrap();
    s4.send(json!({"type": "submit"})).await.unwrap();
    s4.expect("submitted", SECS).await.unwrap();

    let right = |number: &str, key: &str| answer(&on(number, key).1, false);
    let first = sheet(
        "000001",
        &version["000001"],
        1,
        json!({"I.1": right("000001", "I.1"), "I.3": right("000001", "I.3"), "III.2": ""}),
        json!([{"key": "II.1", "reason": "faint mark", "proposed": right("000001", "II.1"),
            "crop": {"png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}},
            {"key": "I.4", "reason": "two marks"}]),
    );
    // Before the switch: 000001 sat on a computer in a room still on computers.
    let (status, v) = post(&app, "/api/v1/events/E1/paper/sheets", json!({"sheets": [first.clone()]})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["sheets"][0]["status"], "refused", "{v}");
    assert_eq!(v["sheets"][0]["error"], "not_a_paper_room", "{v}");

    // The proctor switches P001 to paper: in the room log (and so the biên bản), once.
    let (status, v) =
        post(&app, "/api/v1/events/E1/rooms/P001/paper", json!({"reason": "Mất điện phòng máy"})).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["entry"]["action"], "paper", "{v}");
    let (status, _) = post(&app, "/api/v1/events/E1/rooms/P001/paper", json!({})).await;
    assert_eq!(status, 409);
    assert!(text(&app, "/api/v1/events/E1/rooms/P001/record").await.contains("Mất điện phòng máy"));

    let mut wrong_version = sheet("000002", "nope", 5, json!({}), json!([]));
    wrong_version["version"] = json!("999");
    let only_paper: serde_json::Map<String, Value> = printed[&version["000003"]]
        .keys()
        .filter(|k| k.starts_with("I.") || *k == "II.1")
        .map(|k| (k.clone(), right("000003", k)))
        .collect();
    // Printed with the event's title in its QR (`khaothi omr sheet --event "Kiểm tra"`): this event.
    let mut paper_only = sheet("000003", &version["000003"], 2, Value::Object(only_paper), json!([]));
    paper_only["event"] = json!("Kiểm tra");
    let mut again = first.clone();
    again["image"] = json!("scan-1-again.png");
    let mut other_event = sheet("000002", &version["000002"], 10, json!({}), json!([]));
    other_event["event"] = json!("E9");
    let mut bad_hash = sheet("000002", &version["000002"], 9, json!({}), json!([]));
    bad_hash["image_sha256"] = json!("abc");
    let sheets = vec![
        first.clone(),
        // 000003 never logged in: a paper-only candidate. Every part I question right, II.1 right.
        paper_only,
        // The same scan again.
        again,
        sheet("000004", &version["000004"], 3, json!({"I.1": right("000004", "I.1")}), json!([])),
        sheet("009999", &version["000001"], 4, json!({}), json!([])),
        wrong_version,
        sheet("000002", &version["000002"], 6, json!({"I.1": "E"}), json!([])),
        sheet("000002", &version["000002"], 7, json!({"I.40": "A"}), json!([])),
        sheet(
            "000002",
            &version["000002"],
            8,
            json!({}),
            json!([{"key": "candidate", "reason": "number does not match the QR"}]),
        ),
        bad_hash,
        other_event,
    ];
    let batch = json!({ "sheets": sheets });
    let (status, v) = post(&app, "/api/v1/events/E1/paper/sheets", batch).await;
    assert_eq!(status, 200, "{v}");
    let outcome: Vec<(String, String)> = v["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["status"].as_str().unwrap().into(), s["error"].as_str().unwrap_or("").into()))
        .collect();
    let expected = [
        ("ingested", ""),
        ("ingested", ""),
        ("duplicate", ""),
        ("refused", "not_a_paper_room"),
        ("held", "unknown_candidate"),
        ("held", "wrong_version"),
        ("refused", "invalid_answer"),
        ("refused", "invalid_answer"),
        ("held", "sheet_flagged"),
        ("refused", "invalid_image_sha256"),
        ("refused", "wrong_event"),
    ];
    assert_eq!(outcome, expected.map(|(a, b)| (a.to_string(), b.to_string())).to_vec(), "{v}");
    assert_eq!(v["sheets"][0]["answers"], 2, "I.1 and I.3; III.2 was left blank: {v}");
    assert_eq!(v["sheets"][0]["flags"], 2, "{v}");
    assert_eq!(v["sheets"][2]["sheet"], v["sheets"][0]["sheet"], "{v}");

    // The sheet ended 000001's computer sitting.
    let list = app.board.get("/api/v1/events/E1/candidates").await.unwrap();
    let status_of = |n: &str| {
        list["candidates"].as_array().unwrap().iter().find(|c| c["number"] == n).unwrap()["status"].clone()
    };
    assert_eq!(status_of("000001"), "submitted");
    assert_eq!(status_of("000003"), "submitted");
    assert_eq!(status_of("000002"), "not_started");

    // The review queue: II.1 with its crop and proposed reading, I.4 with none.
    let q = app.board.get("/api/v1/events/E1/paper/flags").await.unwrap();
    let flags = q["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 2, "{q}");
    let faint = flags.iter().find(|f| f["key"] == "II.1").unwrap();
    let double = flags.iter().find(|f| f["key"] == "I.4").unwrap();
    assert!(faint["crop"].as_str().unwrap().starts_with("data:image/png;base64,"), "{q}");
    assert_eq!(faint["number"], "000001");
    assert_eq!(faint["sheet_id"], "E1-000001-1");
    let decide = |id: &Value| format!("/api/v1/events/E1/paper/flags/{id}/decision");
    for (body, code) in [
        (json!({"decision": "accept"}), "invalid_decision"),
        (json!({"decision": "set"}), "invalid_decision"),
        (json!({"decision": "set", "value": "E"}), "invalid_answer"),
        (json!({"decision": "maybe"}), "invalid_decision"),
    ] {
        let (status, v) = post(&app, &decide(&double["id"]), body.clone()).await;
        assert_eq!((status, v["error"].as_str()), (400, Some(code)), "{body}: {v}");
    }
    let (status, v) = post(&app, &decide(&faint["id"]), json!({"decision": "accept"})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["decided_by"], "board");
    assert_eq!(v["value"], right("000001", "II.1"));
    let (status, v) = post(&app, &decide(&double["id"]), json!({"decision": "blank"})).await;
    assert_eq!(status, 200, "{v}");
    let (status, _) = post(&app, &decide(&faint["id"]), json!({"decision": "blank"})).await;
    assert_eq!(status, 409, "decided once");
    let (status, _) = post(&app, &decide(&json!("nothing")), json!({"decision": "blank"})).await;
    assert_eq!(status, 404);
    assert_eq!(app.board.get("/api/v1/events/E1/paper/flags").await.unwrap()["flags"], json!([]));
    let all = app.board.get("/api/v1/events/E1/paper/flags?state=all").await.unwrap();
    assert_eq!(all["flags"].as_array().unwrap().len(), 2);
    let summary = app.board.get("/api/v1/events/E1/paper").await.unwrap();
    assert_eq!(
        (summary["sheets"].as_u64(), summary["pending"].as_u64(), summary["decided"].as_u64()),
        (Some(2), Some(0), Some(2))
    );
    assert_eq!(summary["rooms"][0]["on_paper"], true, "{summary}");
    assert_eq!(summary["rooms"][1]["on_paper"], false, "{summary}");

    // Both chains hold: 3 + 1 computer answers, 2 + (n + 1) from sheets, 1 decision.
    let n_part_one = printed[&version["000003"]].keys().filter(|k| k.starts_with("I.")).count();
    let verified = app.board.get("/api/v1/chains/verify").await.unwrap();
    assert_eq!(verified["ok"], true, "{verified}");
    let responses =
        verified["chains"].as_array().unwrap().iter().find(|c| c["chain"] == "responses").unwrap();
    assert_eq!(responses["length"], 4 + 2 + n_part_one as u64 + 1 + 1, "{verified}");

    app.board.post("/api/v1/events/E1/keys", json!({"release_key": pkg.keys_key.to_hex()})).await.unwrap();
    let results = app.board.get("/api/v1/events/E1/results").await.unwrap();
    let total = |n: &str| {
        results["candidates"].as_array().unwrap().iter().find(|c| c["number"] == n).unwrap()["total"].as_u64()
    };
    // 000001: I.1 (paper, right), I.2 (computer, right), I.3 (paper, right), II.1 (decided, 1.00),
    // III.1 (computer, wrong); I.4 left blank by the person.
    assert_eq!(total("000001"), Some(3 * 25 + 100), "{results}");
    assert_eq!(total("000003"), Some(n_part_one as u64 * 25 + 100), "{results}");

    let raw = csv_rows(&text(&app, "/api/v1/events/E1/exports/raw.csv").await);
    let cell = |number: &str, key: &str| {
        let (item, _) = on(number, key);
        raw.iter()
            .find(|r| r["person"] == number && r["item"].split('@').next() == Some(item.as_str()))
            .unwrap()
            .clone()
    };
    for (key, source, sheet) in [
        ("I.1", "paper", "E1-000001-1"),
        ("I.2", "computer", ""),
        ("II.1", "paper", "E1-000001-1"),
        ("III.1", "computer", ""),
        ("I.4", "", ""),
    ] {
        let r = cell("000001", key);
        assert_eq!((r["source"].as_str(), r["sheet"].as_str()), (source, sheet), "{key}: {r:?}");
    }
    assert_eq!(cell("000001", "I.1")["epoch"], "1000000000");
    assert_eq!(cell("000001", "I.1")["correct"], "1");
    let calibration = csv_rows(&text(&app, "/api/v1/events/E1/exports/calibration.csv").await);
    assert!(calibration.iter().any(|r| r["person"] == "000003"), "a paper-only candidate is calibrated");

    // The signed result file carries the same parts.
    let file = app.board.get("/api/v1/events/E1/results/file").await.unwrap();
    let f = ResultFile::parse(&serde_json::to_vec(&file).unwrap()).unwrap();
    assert!(f.parts["raw.csv"].contains(",paper,E1-000001-1"), "{}", f.parts["raw.csv"]);
    assert_eq!(f.chains.responses.length, responses["length"].as_u64().unwrap());

    // Provenance in the audit chain: who read which scan in, and who decided what.
    let db = sea_orm::Database::connect(app.config.database_url()).await.unwrap();
    use khaothi_delivery::store::entity::audit_log;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::Action.is_in([
            "paper_sheet_ingested",
            "paper_flag_decided",
            "room_switched_to_paper",
        ]))
        .all(&db)
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "room_switched_to_paper",
            "paper_sheet_ingested",
            "paper_sheet_ingested",
            "paper_flag_decided",
            "paper_flag_decided"
        ]
    );
    let detail: Value = serde_json::from_str(&rows[1].detail).unwrap();
    assert_eq!(detail["image_sha256"], sha(1));
    assert_eq!(detail["source"], "paper");
    assert_eq!(detail["answers"].as_array().unwrap().len(), 2, "{detail}");
}
both_backends!(paper_answers_override_only_marked_items_and_reach_every_export);

const PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/// Sheets whose candidate cannot be told (a number not matching the QR, an unknown number, an
/// unreadable QR) are held, not refused: a person names the candidate (checked as any sheet) or
/// rejects the sheet, audited; nothing reaches the response log before.
async fn held_sheets_wait_for_a_person_to_name_their_candidate(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_list, pkg) = app.event("E1", 4, 2, None).await;
    let sealed = verify_package(&pkg.bytes, &app.signer.public()).unwrap();
    let printed =
        printed(&sealed.open_content(&pkg.content_key).unwrap(), &sealed.open_keys(&pkg.keys_key).unwrap());
    let version = versions(&app).await;
    let right = |number: &str, key: &str| answer(&printed[&version[number]][key].1, false);

    let mut mismatch = sheet(
        "000002",
        &version["000002"],
        21,
        json!({"I.1": right("000002", "I.1")}),
        json!([{"key": "candidate", "reason": "number does not match the QR", "proposed": "000022",
            "crop": format!("data:image/png;base64,{PNG}"), "detail": "the QR code says 000002"}]),
    );
    mismatch["candidate"] = Value::Null;
    let unknown = sheet("000099", &version["000003"], 22, json!({}), json!([]));
    let no_qr = sheet(
        "000003",
        &version["000003"],
        23,
        json!({"I.2": right("000003", "I.2")}),
        json!([{"key": "qr", "reason": "unreadable QR code", "crop": PNG}]),
    );
    let mut again = mismatch.clone();
    again["image"] = json!("again.png");
    let (status, v) =
        post(&app, "/api/v1/events/E1/paper/sheets", json!({"sheets": [mismatch, unknown, no_qr, again]}))
            .await;
    assert_eq!(status, 200, "{v}");
    let outcome: Vec<(&str, &str)> = v["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["status"].as_str().unwrap(), s["error"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        outcome,
        [
            ("held", "sheet_flagged"),
            ("held", "unknown_candidate"),
            ("held", "sheet_flagged"),
            ("duplicate", "")
        ],
        "{v}"
    );
    assert_eq!(v["sheets"][3]["sheet"], v["sheets"][0]["sheet"], "{v}");
    let verified = app.board.get("/api/v1/chains/verify").await.unwrap();
    let responses = |v: &Value| {
        v["chains"].as_array().unwrap().iter().find(|c| c["chain"] == "responses").unwrap()["length"].clone()
    };
    assert_eq!(responses(&verified), 0, "nothing written before a person decides: {verified}");

    let q = app.board.get("/api/v1/events/E1/paper/held").await.unwrap();
    let held = q["held"].as_array().unwrap();
    assert_eq!(held.len(), 3, "{q}");
    assert_eq!((held[0]["proposed_number"].as_str(), held[0]["answers"].as_u64()), (Some("000022"), Some(1)));
    assert_eq!(held[0]["crops"][0]["key"], "candidate");
    assert!(held[0]["crops"][0]["crop"].as_str().unwrap().starts_with("data:image/png;base64,"), "{q}");
    assert!(held[2]["crops"][0]["crop"].as_str().unwrap().starts_with("data:image/png;base64,"), "{q}");
    let decide = |id: &Value| format!("/api/v1/events/E1/paper/held/{}/decision", id.as_str().unwrap());
    let v2 = version["000002"].clone();
    for (body, code) in [
        (json!({"decision": "assign"}), "invalid_decision"),
        (json!({"decision": "assign", "number": "000002"}), "invalid_decision"),
        (json!({"decision": "assign", "number": "000099", "version": v2}), "unknown_candidate"),
        (json!({"decision": "assign", "number": "000002", "version": "999"}), "wrong_version"),
        (json!({"decision": "reject", "number": "000002"}), "invalid_decision"),
        (json!({"decision": "keep"}), "invalid_decision"),
        (json!({"decision": "reject", "note": "x".repeat(501)}), "invalid_decision"),
    ] {
        let (status, v) = post(&app, &decide(&held[0]["id"]), body.clone()).await;
        assert_eq!((status, v["error"].as_str()), (400, Some(code)), "{body}: {v}");
    }
    let body = json!({"decision": "assign", "number": "000002", "version": v2, "note": "đối chiếu chữ viết"});
    let (status, v) = post(&app, &decide(&held[0]["id"]), body.clone()).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!((v["decision"].as_str(), v["number"].as_str()), (Some("assign"), Some("000002")), "{v}");
    assert!(v["sheet"].is_string(), "{v}");
    let (status, _) = post(&app, &decide(&held[0]["id"]), body).await;
    assert_eq!(status, 409, "decided once");
    let (status, v) =
        post(&app, &decide(&held[1]["id"]), json!({"decision": "reject", "note": "phiếu nháp"})).await;
    assert_eq!((status, v["decision"].as_str()), (200, Some("reject")), "{v}");
    let body = json!({"decision": "assign", "number": "000003", "version": version["000003"]});
    let (status, v) = post(&app, &decide(&held[2]["id"]), body).await;
    assert_eq!(status, 200, "{v}");
    let (status, _) = post(&app, &decide(&json!("nothing")), json!({"decision": "reject"})).await;
    assert_eq!(status, 404);

    assert_eq!(app.board.get("/api/v1/events/E1/paper/held").await.unwrap()["held"], json!([]));
    let all = app.board.get("/api/v1/events/E1/paper/held?state=all").await.unwrap();
    assert_eq!(all["held"].as_array().unwrap().len(), 3);
    let summary = app.board.get("/api/v1/events/E1/paper").await.unwrap();
    let counts = ["sheets", "held_pending", "held_decided"].map(|k| summary[k].as_u64());
    assert_eq!(counts, [Some(2), Some(0), Some(3)], "{summary}");
    let list = app.board.get("/api/v1/events/E1/candidates").await.unwrap();
    let status_of = |n: &str| {
        list["candidates"].as_array().unwrap().iter().find(|c| c["number"] == n).unwrap()["status"].clone()
    };
    assert_eq!((status_of("000002"), status_of("000003")), (json!("submitted"), json!("submitted")));
    let verified = app.board.get("/api/v1/chains/verify").await.unwrap();
    assert_eq!((verified["ok"].as_bool(), responses(&verified)), (Some(true), json!(2)), "{verified}");
    app.board.post("/api/v1/events/E1/keys", json!({"release_key": pkg.keys_key.to_hex()})).await.unwrap();
    let raw = csv_rows(&text(&app, "/api/v1/events/E1/exports/raw.csv").await);
    let item = &printed[&version["000002"]]["I.1"].0;
    let cell = raw
        .iter()
        .find(|r| r["person"] == "000002" && r["item"].split('@').next() == Some(item.as_str()))
        .unwrap();
    assert_eq!((cell["source"].as_str(), cell["sheet"].as_str()), ("paper", "E1-000002-21"), "{cell:?}");

    let db = sea_orm::Database::connect(app.config.database_url()).await.unwrap();
    use khaothi_delivery::store::entity::audit_log;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::Action.is_in([
            "paper_sheet_held",
            "paper_sheet_ingested",
            "paper_sheet_rejected",
        ]))
        .all(&db)
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "paper_sheet_held",
            "paper_sheet_held",
            "paper_sheet_held",
            "paper_sheet_ingested",
            "paper_sheet_rejected",
            "paper_sheet_ingested"
        ]
    );
    let detail: Value = serde_json::from_str(&rows[3].detail).unwrap();
    assert_eq!(detail["held"], held[0]["id"], "{detail}");
}
both_backends!(held_sheets_wait_for_a_person_to_name_their_candidate);

async fn paper_routes_refuse_what_they_cannot_use(b: Backend) {
    let app = TestApp::spawn(b).await;
    // No such event, an empty body, too many sheets.
    let (status, _) = post(
        &app,
        "/api/v1/events/NONE/paper/sheets",
        json!({"sheets": [sheet("1", "1", 1, json!({}), json!([]))]}),
    )
    .await;
    assert_eq!(status, 404);
    // An event whose content is not unlocked has no numbering to read sheets against.
    app.board.post("/api/v1/events", json!({"id": "E0", "title": "Chưa mở đề"})).await.unwrap();
    let (status, v) = post(
        &app,
        "/api/v1/events/E0/paper/sheets",
        json!({"sheets": [sheet("1", "1", 1, json!({}), json!([]))]}),
    )
    .await;
    assert_eq!((status, v["error"].as_str()), (409, Some("conflict")), "{v}");
    let (_list, _pkg) = app.event("E1", 2, 2, None).await;
    let (status, v) = post(&app, "/api/v1/events/E1/paper/sheets", json!({"sheets": []})).await;
    assert_eq!((status, v["error"].as_str()), (400, Some("invalid_sheets")), "{v}");
    let many: Vec<Value> =
        (0..201).map(|n| sheet("000001", "x", (n % 250) as u8, json!({}), json!([]))).collect();
    let (status, _) = post(&app, "/api/v1/events/E1/paper/sheets", json!({"sheets": many})).await;
    assert_eq!(status, 400);
    let (status, _) = post(&app, "/api/v1/events/E1/paper/sheets", json!({"pages": []})).await;
    assert_eq!(status, 400, "not the reader's JSON");
    let (status, v) = app
        .board
        .get("/api/v1/events/E1/paper/flags?state=maybe")
        .await
        .map(|v| (200, v))
        .unwrap_or((400, Value::Null));
    assert_eq!(status, 400, "{v}");
    let (status, v) =
        post(&app, "/api/v1/events/E1/rooms/P001/paper", json!({"reason": "x".repeat(501)})).await;
    assert_eq!((status, v["error"].as_str()), (400, Some("invalid_reason")), "{v}");
    let (status, _) = post(&app, "/api/v1/events/E1/rooms/P404/paper", json!({})).await;
    assert_eq!(status, 404);
}
both_backends!(paper_routes_refuse_what_they_cannot_use);
