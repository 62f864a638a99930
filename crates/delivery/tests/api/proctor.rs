//! The proctor websocket and the candidate's pause/resume/terminate/absent (SPEC-proctor.md):
//! real proctor and candidate sockets against the real server.

use std::time::{Duration, Instant};

use khaothi_delivery::store::entity::audit_log;
use khaothi_loadtest::board::BoardClient;
use khaothi_loadtest::candidate::CandidateSocket;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::*;

const PASSWORD: &str = "mat-khau-giam-thi";
/// What the contract promises: every proctor socket of the room sees a change within a second.
const WITHIN: Duration = Duration::from_secs(1);

struct Setup {
    /// Room P1 (5 seats): candidates in seats 1, 2, 3 as (number, code).
    p1: Vec<(String, String)>,
    /// Room P2: one candidate.
    p2: Vec<(String, String)>,
    p1_id: String,
}

async fn sheet(b: &BoardClient, room: &str) -> Vec<(String, String)> {
    let v = b.get(&format!("/api/v1/events/E1/rooms/{room}/sheet")).await.unwrap();
    v["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["number"].as_str().unwrap().to_string(), c["code"].as_str().unwrap().to_string()))
        .collect()
}

/// Event E1, unlocked: room P1 with five seats and three candidates, room P2 with one; proctor
/// `gv1` watches P1 and `gv2` watches P2.
async fn setup(app: &TestApp) -> Setup {
    let b = &app.board;
    let pkg = package(&app.signer, "E1");
    b.post("/api/v1/events", json!({"id": "E1", "title": "Kiểm tra"})).await.unwrap();
    b.post_raw("/api/v1/events/E1/package", "application/octet-stream", pkg.bytes.clone()).await.unwrap();
    let p1 = b.post("/api/v1/events/E1/rooms", json!({"name": "P1", "seats": 5})).await.unwrap();
    let p2 = b.post("/api/v1/events/E1/rooms", json!({"name": "P2", "seats": 3})).await.unwrap();
    let csv = "so_bao_danh,ho_ten,ngay_sinh,phong\n000001,Nguyễn Văn An,2007-01-01,P1\n000002,Trần Thị Bình,2007-02-02,P1\n000003,Lê Văn Cường,2007-03-03,P1\n000004,Phạm Thị Dung,2007-04-04,P2\n";
    b.post_raw("/api/v1/events/E1/candidates", "text/csv", csv.as_bytes().to_vec()).await.unwrap();
    b.post("/api/v1/events/E1/unlock", json!({"release_key": pkg.content_key.to_hex()})).await.unwrap();
    for (name, room) in [("gv1", &p1), ("gv2", &p2)] {
        b.post(
            "/api/v1/staff",
            json!({"username": name, "display_name": format!("Giám thị {name}"), "password": PASSWORD, "role": "proctor", "rooms": [room["id"]]}),
        )
        .await
        .unwrap();
    }
    Setup {
        p1: sheet(b, "P1").await,
        p2: sheet(b, "P2").await,
        p1_id: p1["id"].as_str().unwrap().to_string(),
    }
}

async fn staff(app: &TestApp, name: &str) -> BoardClient {
    BoardClient::login(&app.url, name, PASSWORD).await.unwrap()
}

async fn open(app: &TestApp) -> CandidateSocket {
    CandidateSocket::connect(&app.ws.replace("/ws/candidate", "/ws/proctor")).await.unwrap()
}

/// A proctor socket of `room`, logged in; returns it with its roster.
async fn watch(app: &TestApp, token: &str, room: &str) -> (CandidateSocket, Value) {
    let mut p = open(app).await;
    p.send(json!({"type": "login", "token": token, "event": "E1", "room": room})).await.unwrap();
    let roster = p.expect("roster", SECS).await.unwrap();
    (p, roster)
}

/// A login refused with `code`, then the socket closed with 1008.
async fn refused(app: &TestApp, token: &str, event: &str, room: &str, code: &str) {
    let mut p = open(app).await;
    p.send(json!({"type": "login", "token": token, "event": event, "room": room})).await.unwrap();
    assert_error(&p.next(SECS).await.unwrap(), code);
    assert!(p.next(SECS).await.is_none());
    assert_eq!(p.closed, Some(1008));
}

/// The next message matching `pred` before `deadline` (others are skipped).
async fn next_matching(
    p: &mut CandidateSocket,
    deadline: Instant,
    what: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match p.next(left).await {
            Some(v) if pred(&v) => return v,
            Some(_) => continue,
            None => panic!(
                "no {what} in time; last frames: {:?}",
                p.received.iter().rev().take(6).collect::<Vec<_>>()
            ),
        }
    }
}

/// The seat of `number` as `p` sees it once `pred` holds, within a second.
async fn seat(p: &mut CandidateSocket, number: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let what = format!("seat update of {number}");
    let v = next_matching(p, Instant::now() + WITHIN, &what, |v| {
        v["type"] == "seat" && v["seat"]["number"] == number && pred(&v["seat"])
    })
    .await;
    v["seat"].clone()
}

/// Sends an action on `a`; its reply (`done` or `error`) with the same id.
async fn reply(a: &mut CandidateSocket, id: u32, action: Value) -> Value {
    let mut frame = action;
    frame["type"] = json!("action");
    frame["id"] = json!(id);
    a.send(frame).await.unwrap();
    next_matching(a, Instant::now() + SECS, "reply", |v| {
        v["id"] == id && (v["type"] == "done" || v["type"] == "error")
    })
    .await
}

type SeatCheck<'a> = (&'a str, &'a dyn Fn(&Value) -> bool);

/// Sends an action on `a` and checks that the other socket `b` gets, within a second of sending,
/// its log entry (by `gv1`, with a time) and a seat of each `(number, pred)` in `seats` that
/// matches. Returns the `done` reply.
async fn act_seen(
    a: &mut CandidateSocket,
    b: &mut CandidateSocket,
    id: u32,
    action: Value,
    seats: &[SeatCheck<'_>],
) -> Value {
    let t0 = Instant::now();
    let name = action["action"].as_str().unwrap().to_string();
    let done = reply(a, id, action).await;
    assert_eq!(done["type"], "done", "{done}");
    assert_eq!(done["action"], name.as_str());
    let mut need_log = true;
    let mut need = vec![true; seats.len()];
    while need_log || need.contains(&true) {
        let left = (t0 + WITHIN).saturating_duration_since(Instant::now());
        let Some(v) = b.next(left).await else {
            panic!(
                "{name}: the second socket did not see it within a second (log {need_log}, seats {need:?})"
            )
        };
        if v["type"] == "log" && v["entry"]["action"] == name.as_str() {
            assert_eq!(v["entry"]["by"], "gv1", "{v}");
            assert!(v["entry"]["at"].as_str().is_some(), "{v}");
            need_log = false;
        }
        if v["type"] == "seat" {
            for (i, (n, pred)) in seats.iter().enumerate() {
                if v["seat"]["number"] == *n && pred(&v["seat"]) {
                    need[i] = false;
                }
            }
        }
    }
    done
}

fn status(s: &'static str) -> impl Fn(&Value) -> bool {
    move |v: &Value| v["status"] == s
}

async fn proctor_socket_actions(b: Backend) {
    let app = TestApp::spawn(b).await;
    let setup = setup(&app).await;
    let [(a_num, a_code), (b_num, b_code), (c_num, c_code)] = <[_; 3]>::try_from(setup.p1.clone()).unwrap();
    let d_num = setup.p2[0].0.clone();
    let gv1 = staff(&app, "gv1").await;
    let gv2 = staff(&app, "gv2").await;

    // Refused: a proctor of another room, a bad token, an unknown room or event.
    refused(&app, &gv2.token, "E1", "P1", "forbidden").await;
    refused(&app, &gv1.token, "E1", "P2", "forbidden").await;
    refused(&app, "not-a-token", "E1", "P1", "login_failed").await;
    refused(&app, &gv1.token, "E1", "P9", "not_found").await;
    refused(&app, &gv1.token, "E9", "P1", "not_found").await;

    // Two sockets of room P1: the proctor's (room by name), the board's (room by id).
    let (mut pa, roster) = watch(&app, &gv1.token, "P1").await;
    let (mut pb, roster_b) = watch(&app, &app.board.token, &setup.p1_id).await;
    assert_eq!(roster["room"]["name"], "P1");
    assert_eq!(roster_b["room"]["id"], setup.p1_id.as_str());
    assert_eq!(roster["event"]["status"], "open");
    let seats = roster["seats"].as_array().unwrap();
    assert_eq!(seats.len(), 3, "{roster}");
    assert!(seats.iter().all(|s| s["status"] == "not_started" && s["connected"] == false));
    assert!(seats.iter().all(|s| s["item_count"].as_u64().unwrap() > 0 && s["remaining_ms"].is_null()));
    assert_eq!(roster["incidents"], json!([]));

    // The candidate's own doings reach both sockets: login, each answer, a flag, a disconnect.
    let mut ca = app.socket().await;
    let wa = ca.login(&a_num, &a_code).await.unwrap();
    assert_eq!(wa["paused"], false);
    let seat_a = seat(&mut pb, &a_num, |s| s["connected"] == true && s["status"] == "in_progress").await;
    assert!(seat_a["remaining_ms"].as_i64().unwrap() > 89 * 60_000, "{seat_a}");
    let items: Vec<String> =
        wa["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().into()).collect();
    ca.answer(1, &items[0], json!("A")).await.unwrap();
    seat(&mut pb, &a_num, |s| s["answered"] == 1).await;
    seat(&mut pa, &a_num, |s| s["answered"] == 1).await;
    ca.send(json!({"type": "integrity", "kind": "focus_lost"})).await.unwrap();
    ca.expect("noted", SECS).await.unwrap();
    seat(&mut pb, &a_num, |s| s["flags"] == 1 && s["last_flag"] == "focus_lost").await;
    let mut cb = app.socket().await;
    cb.login(&b_num, &b_code).await.unwrap();
    seat(&mut pa, &b_num, |s| s["connected"] == true).await;
    drop(cb);
    seat(&mut pa, &b_num, |s| s["connected"] == false && s["status"] == "in_progress").await;

    // Pause: the candidate's clock stops and answers are refused.
    let done = act_seen(
        &mut pa,
        &mut pb,
        1,
        json!({"action": "pause", "candidate": a_num, "reason": "Máy treo"}),
        &[(&a_num, &status("paused"))],
    )
    .await;
    assert_eq!(done["seat"]["status"], "paused");
    assert_eq!(done["id"], 1);
    let paused = ca.expect("paused", SECS).await.unwrap();
    assert_eq!(paused["reason"], "Máy treo");
    let frozen = paused["remaining_ms"].as_i64().unwrap();
    ca.send(json!({"type": "answer", "seq": 2, "item": items[1], "value": "B"})).await.unwrap();
    let refusal = ca.expect("error", SECS).await.unwrap();
    assert_error(&refusal, "paused");
    assert_eq!(refusal["seq"], 2);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    ca.send(json!({"type": "heartbeat"})).await.unwrap();
    assert_eq!(
        ca.expect("heartbeat", SECS).await.unwrap()["remaining_ms"],
        frozen,
        "the clock stays stopped"
    );
    // Pausing twice is refused with a reason.
    assert_error(&reply(&mut pa, 2, json!({"action": "pause", "candidate": a_num})).await, "conflict");

    // Resume: the deadline moves by the paused time; the remaining time is what it was.
    act_seen(
        &mut pa,
        &mut pb,
        3,
        json!({"action": "resume", "candidate": a_num}),
        &[(&a_num, &status("in_progress"))],
    )
    .await;
    let resumed = ca.expect("resumed", SECS).await.unwrap();
    let moved = deadline_ms(&resumed["deadline"]) - deadline_ms(&wa["deadline"]);
    assert!(moved >= 1200, "the deadline moved by the paused time: {moved} ms");
    let left = resumed["remaining_ms"].as_i64().unwrap();
    assert!((frozen - 300..=frozen).contains(&left), "frozen {frozen}, after resume {left}");
    ca.answer(2, &items[1], json!("B")).await.unwrap();

    // Extend: pushed to the candidate as `time`.
    act_seen(
        &mut pa,
        &mut pb,
        4,
        json!({"action": "extend", "candidate": a_num, "minutes": 10, "reason": "Mất điện"}),
        &[(&a_num, &|s: &Value| s["extra_minutes"] == 10)],
    )
    .await;
    let t = ca.expect("time", SECS).await.unwrap();
    assert!(t["remaining_ms"].as_i64().unwrap() > left + 9 * 60_000, "{t}");
    assert_error(
        &reply(&mut pa, 5, json!({"action": "extend", "candidate": a_num, "minutes": 0})).await,
        "invalid_minutes",
    );

    // Absent: only before starting; the login is refused until admitted.
    assert_error(&reply(&mut pa, 6, json!({"action": "absent", "candidate": a_num})).await, "conflict");
    act_seen(
        &mut pa,
        &mut pb,
        7,
        json!({"action": "absent", "candidate": c_num}),
        &[(&c_num, &status("absent"))],
    )
    .await;
    let mut cc = app.socket().await;
    cc.send(json!({"type": "login", "candidate": c_num, "code": c_code})).await.unwrap();
    assert_error(&cc.next(SECS).await.unwrap(), "absent");
    act_seen(
        &mut pa,
        &mut pb,
        8,
        json!({"action": "admit", "candidate": c_num}),
        &[(&c_num, &|s: &Value| s["status"] == "not_started" && s["admit_until"].is_string())],
    )
    .await;
    cc.login(&c_num, &c_code).await.unwrap();

    // Move seat: to a free seat (implies an admit); a taken or missing seat is refused.
    act_seen(
        &mut pa,
        &mut pb,
        9,
        json!({"action": "move_seat", "candidate": b_num, "seat": 5}),
        &[(&b_num, &|s: &Value| s["seat"] == 5 && s["admit_until"].is_string())],
    )
    .await;
    assert_error(
        &reply(&mut pa, 10, json!({"action": "move_seat", "candidate": b_num, "seat": 3})).await,
        "conflict",
    );
    assert_error(
        &reply(&mut pa, 11, json!({"action": "move_seat", "candidate": b_num, "seat": 6})).await,
        "invalid_seat",
    );
    let mut cb = app.socket().await;
    let wb = cb.login(&b_num, &b_code).await.unwrap();
    assert_eq!(wb["candidate"]["seat"], 5);

    // A note, about the room.
    let done =
        act_seen(&mut pa, &mut pb, 12, json!({"action": "note", "text": "Thí sinh 000002 xin đổi máy"}), &[])
            .await;
    assert_eq!(done["entry"]["detail"], "Thí sinh 000002 xin đổi máy");

    // The whole room: every candidate in progress pauses, then resumes.
    let done = act_seen(
        &mut pa,
        &mut pb,
        13,
        json!({"action": "pause", "reason": "Mất điện"}),
        &[(&a_num, &status("paused")), (&b_num, &status("paused")), (&c_num, &status("paused"))],
    )
    .await;
    assert_eq!(done["seats"].as_array().unwrap().len(), 3);
    for s in [&mut ca, &mut cb, &mut cc] {
        assert_eq!(s.expect("paused", SECS).await.unwrap()["reason"], "Mất điện");
    }
    act_seen(
        &mut pa,
        &mut pb,
        14,
        json!({"action": "resume"}),
        &[
            (&a_num, &status("in_progress")),
            (&b_num, &status("in_progress")),
            (&c_num, &status("in_progress")),
        ],
    )
    .await;
    for s in [&mut ca, &mut cb, &mut cc] {
        s.expect("resumed", SECS).await.unwrap();
    }
    assert_error(&reply(&mut pa, 15, json!({"action": "resume"})).await, "conflict");

    // Terminate: a reason is required; the session ends with its answers kept.
    assert_error(
        &reply(&mut pa, 16, json!({"action": "terminate", "candidate": a_num})).await,
        "reason_required",
    );
    act_seen(
        &mut pa,
        &mut pb,
        17,
        json!({"action": "terminate", "candidate": a_num, "reason": "Sử dụng điện thoại"}),
        &[(&a_num, &|s: &Value| s["status"] == "terminated" && s["submit_reason"] == "terminated")],
    )
    .await;
    let t = ca.expect("terminated", SECS).await.unwrap();
    assert_eq!(t["reason"], "Sử dụng điện thoại");
    assert!(ca.next(SECS).await.is_none());
    assert_eq!(ca.closed, Some(1000));
    let mut again = app.socket().await;
    let w = again.resume(&a_num, wa["resume_token"].as_str().unwrap()).await.unwrap();
    assert_eq!(w["status"], "terminated");
    assert_eq!(w["answers"].as_array().unwrap().len(), 2, "answers are kept");
    again.send(json!({"type": "answer", "seq": 9, "item": items[2], "value": "C"})).await.unwrap();
    assert_error(&again.next(SECS).await.unwrap(), "already_submitted");

    // Not this room's candidate; not an action.
    assert_error(&reply(&mut pa, 18, json!({"action": "pause", "candidate": d_num})).await, "not_found");
    assert_error(&reply(&mut pa, 19, json!({"action": "explode", "candidate": b_num})).await, "bad_frame");
    pa.send(json!({"type": "heartbeat"})).await.unwrap();
    pa.expect("heartbeat", SECS).await.unwrap();

    // Every action is in the audit log, by whom and when.
    let db = khaothi_delivery::store::connect_and_migrate(&app.config.database_url()).await.unwrap();
    let audit = audit_log::Entity::find()
        .filter(audit_log::Column::Actor.eq("gv1"))
        .order_by_asc(audit_log::Column::Id)
        .all(&db.read)
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "paused",
            "resumed",
            "extra_time",
            "marked_absent",
            "admitted",
            "seat_moved",
            "incident_noted",
            "room_paused",
            "room_resumed",
            "terminated"
        ]
    );
    assert!(audit.iter().all(|a| a.event_id.as_deref() == Some("E1")));
    let term: Value = serde_json::from_str(&audit.last().unwrap().detail).unwrap();
    assert_eq!(term["number"], a_num.as_str());
    assert_eq!(term["reason"], "Sử dụng điện thoại");
    let first = audit.first().unwrap().at;
    assert!(audit.iter().all(|a| a.at >= first && a.at <= chrono::Utc::now()));
}
both_backends!(proctor_socket_actions);

fn deadline_ms(v: &Value) -> i64 {
    v.as_str().unwrap().parse::<chrono::DateTime<chrono::Utc>>().unwrap().timestamp_millis()
}

async fn http_actions_and_record(b: Backend) {
    let app = TestApp::spawn(b).await;
    let setup = setup(&app).await;
    let [(a_num, a_code), (b_num, b_code), (c_num, _)] = <[_; 3]>::try_from(setup.p1.clone()).unwrap();
    let gv1 = staff(&app, "gv1").await;
    let gv2 = staff(&app, "gv2").await;
    let (mut watcher, _) = watch(&app, &app.board.token, "P1").await;
    let mut ca = app.socket().await;
    ca.login(&a_num, &a_code).await.unwrap();
    let mut cb = app.socket().await;
    cb.login(&b_num, &b_code).await.unwrap();
    let path = |n: &str, what: &str| format!("/api/v1/events/E1/candidates/{n}/{what}");

    // Each HTTP action reaches the room's socket within a second, and the candidate.
    let t0 = Instant::now();
    let v = gv1.post(&path(&a_num, "pause"), json!({"reason": "Kiểm tra máy"})).await.unwrap();
    assert_eq!(v["seat"]["status"], "paused");
    assert!(t0.elapsed() < WITHIN);
    seat(&mut watcher, &a_num, status("paused")).await;
    ca.expect("paused", SECS).await.unwrap();
    // A body may be left out where nothing is needed; unknown fields are refused.
    let bare = app
        .board
        .http
        .post(format!("{}{}", app.url, path(&a_num, "resume")))
        .bearer_auth(&gv1.token)
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 200);
    seat(&mut watcher, &a_num, status("in_progress")).await;
    ca.expect("resumed", SECS).await.unwrap();
    let err = gv1.post(&path(&a_num, "resume"), json!({"why": 1})).await.unwrap_err();
    assert!(err.0.starts_with("400"), "{err}");
    gv1.post(&path(&b_num, "move-seat"), json!({"seat": 4})).await.unwrap();
    seat(&mut watcher, &b_num, |s| s["seat"] == 4).await;
    gv1.post(&path(&c_num, "absent"), json!({})).await.unwrap();
    seat(&mut watcher, &c_num, status("absent")).await;
    let v = gv1.post("/api/v1/events/E1/rooms/P1/pause", json!({})).await.unwrap();
    assert_eq!(v["count"], 2);
    seat(&mut watcher, &b_num, status("paused")).await;
    gv1.post(&format!("/api/v1/events/E1/rooms/{}/resume", setup.p1_id), json!({})).await.unwrap();
    seat(&mut watcher, &b_num, status("in_progress")).await;
    let note = "Thí sinh <b>000001</b> & quạt hỏng";
    let v = gv1
        .post("/api/v1/events/E1/rooms/P1/incidents", json!({"text": note, "candidate": a_num}))
        .await
        .unwrap();
    assert_eq!(v["entry"]["number"], a_num.as_str());
    gv1.post(&path(&a_num, "terminate"), json!({"reason": "Trao đổi bài"})).await.unwrap();
    seat(&mut watcher, &a_num, status("terminated")).await;
    assert_eq!(ca.expect("terminated", SECS).await.unwrap()["reason"], "Trao đổi bài");
    gv1.post(&path(&b_num, "extra-time"), json!({"minutes": 5, "reason": "Khuyết tật"})).await.unwrap();
    seat(&mut watcher, &b_num, |s| s["extra_minutes"] == 5).await;
    cb.expect("time", SECS).await.unwrap();

    // Refused: another room's proctor, bad input, wrong state.
    for (p, body) in [
        (path(&b_num, "pause"), json!({})),
        ("/api/v1/events/E1/rooms/P1/pause".to_string(), json!({})),
        ("/api/v1/events/E1/rooms/P1/incidents".to_string(), json!({"text": "x"})),
    ] {
        let err = gv2.post(&p, body).await.unwrap_err();
        assert!(err.0.starts_with("403") && err.0.contains("not_allowed"), "{p}: {err}");
    }
    assert!(gv2.get("/api/v1/events/E1/rooms/P1/record").await.unwrap_err().0.starts_with("403"));
    let err = gv1.post(&path(&b_num, "terminate"), json!({})).await.unwrap_err();
    assert!(err.0.contains("reason_required"), "{err}");
    let err = gv1.post(&path(&a_num, "pause"), json!({})).await.unwrap_err();
    assert!(err.0.starts_with("409"), "{err}");
    let err = gv1.post("/api/v1/events/E1/rooms/P1/incidents", json!({"text": "  "})).await.unwrap_err();
    assert!(err.0.contains("invalid_text"), "{err}");

    // The biên bản: the room, its proctor, every candidate, every action and incident in order.
    let r = gv1.get("/api/v1/events/E1/rooms/P1/record?format=json").await.unwrap();
    assert_eq!(r["room"]["name"], "P1");
    assert_eq!(r["proctors"][0]["username"], "gv1");
    let by_number =
        |n: &str| r["candidates"].as_array().unwrap().iter().find(|c| c["number"] == n).unwrap().clone();
    assert_eq!(by_number(&a_num)["status"], "terminated");
    assert_eq!(by_number(&a_num)["terminate_reason"], "Trao đổi bài");
    assert!(by_number(&a_num)["paused_ms"].as_i64().unwrap() > 0);
    assert_eq!(by_number(&b_num)["seat"], 4);
    assert_eq!(by_number(&c_num)["status"], "absent");
    assert_eq!(r["summary"]["candidates"], 3);
    assert_eq!(r["summary"]["terminated"], 1);
    let log = r["log"].as_array().unwrap();
    let actions: Vec<&str> = log.iter().map(|l| l["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["pause", "resume", "move_seat", "absent", "pause", "resume", "note", "terminate", "extend"]
    );
    assert!(log.iter().all(|l| l["by"] == "gv1"));
    let times: Vec<i64> = log.iter().map(|l| deadline_ms(&l["at"])).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "in time order: {times:?}");
    assert_eq!(log[4]["data"]["scope"], "room");
    assert_eq!(log[6]["detail"], note);
    let html = app
        .board
        .http
        .get(format!("{}/api/v1/events/E1/rooms/P1/record", app.url))
        .bearer_auth(&gv1.token)
        .send()
        .await
        .unwrap();
    assert!(html.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = html.text().await.unwrap();
    for want in [
        "BIÊN BẢN PHÒNG THI",
        "Nguyễn Văn An",
        "Đình chỉ thi",
        "Trao đổi bài",
        "Vắng thi",
        "Giám thị gv1",
        "Đổi chỗ ngồi",
    ] {
        assert!(html.contains(want), "the record lacks {want}");
    }
    assert!(
        html.contains("Thí sinh &lt;b&gt;000001&lt;/b&gt; &amp; quạt hỏng") && !html.contains("<b>000001")
    );
}
both_backends!(http_actions_and_record);

async fn pause_and_extra_time_survive_a_restart(b: Backend) {
    let app = TestApp::spawn(b).await;
    let setup = setup(&app).await;
    let [(a_num, a_code), (b_num, b_code), _] = <[_; 3]>::try_from(setup.p1.clone()).unwrap();
    let mut ca = app.socket().await;
    let wa = ca.login(&a_num, &a_code).await.unwrap();
    let token = wa["resume_token"].as_str().unwrap().to_string();
    let mut cb = app.socket().await;
    cb.login(&b_num, &b_code).await.unwrap();
    let path = |n: &str, what: &str| format!("/api/v1/events/E1/candidates/{n}/{what}");
    app.board.post(&path(&a_num, "extra-time"), json!({"minutes": 1})).await.unwrap();
    ca.expect("time", SECS).await.unwrap();
    app.board.post(&path(&a_num, "pause"), json!({"reason": "Mất điện"})).await.unwrap();
    let frozen = ca.expect("paused", SECS).await.unwrap()["remaining_ms"].as_i64().unwrap();
    assert!(frozen > 90 * 60_000, "the extra minute is in: {frozen}");
    drop((ca, cb));
    let (config, signer, dir) = app.stop().await;
    tokio::time::sleep(Duration::from_secs(3)).await;

    let app = TestApp::start(config, signer, dir).await;
    // Still paused, the clock where it stopped; no outage credit for the paused session, while
    // the running one got it.
    let mut ca = app.socket().await;
    let w = ca.resume(&a_num, &token).await.unwrap();
    assert_eq!(w["paused"], true, "{w}");
    assert_eq!(w["pause_reason"], "Mất điện");
    // PostgreSQL keeps microseconds: the same time may read 1 ms apart.
    assert!((w["remaining_ms"].as_i64().unwrap() - frozen).abs() <= 1, "{w}");
    ca.send(json!({"type": "heartbeat"})).await.unwrap();
    let hb = ca.expect("heartbeat", SECS).await.unwrap()["remaining_ms"].as_i64().unwrap();
    assert!((hb - frozen).abs() <= 1, "{hb} vs {frozen}");
    let list = app.board.get("/api/v1/events/E1/candidates").await.unwrap();
    let find =
        |n: &str| list["candidates"].as_array().unwrap().iter().find(|c| c["number"] == n).unwrap().clone();
    assert_eq!(find(&a_num)["status"], "paused");
    assert_eq!(find(&a_num)["credited_seconds"], 0);
    assert_eq!(find(&a_num)["extra_seconds"], 60);
    assert!((find(&a_num)["remaining_ms"].as_i64().unwrap() - frozen).abs() <= 1);
    assert!(find(&b_num)["credited_seconds"].as_i64().unwrap() >= 3);

    // Resumed: the time left is what it was at the pause; the deadline moved by the whole pause.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let v = app.board.post(&path(&a_num, "resume"), json!({})).await.unwrap();
    let r = ca.expect("resumed", SECS).await.unwrap();
    let left = r["remaining_ms"].as_i64().unwrap();
    assert!((frozen - 300..=frozen).contains(&left), "frozen {frozen}, after resume {left}");
    let moved = deadline_ms(&r["deadline"]) - deadline_ms(&wa["deadline"]) - 60_000;
    assert!(moved >= 3500, "the deadline moved by the paused time (over 3.5 s): {moved} ms");
    assert_eq!(v["seat"]["status"], "in_progress");
}
both_backends!(pause_and_extra_time_survive_a_restart);

async fn answer_counts_are_coalesced(b: Backend) {
    let app = TestApp::spawn(b).await;
    let setup = setup(&app).await;
    let (a_num, a_code) = setup.p1[0].clone();
    let (mut p, _) = watch(&app, &app.board.token, "P1").await;
    let mut ca = app.socket().await;
    let w = ca.login(&a_num, &a_code).await.unwrap();
    seat(&mut p, &a_num, |s| s["connected"] == true).await;
    let items = w["items"].as_array().unwrap().clone();
    let t0 = Instant::now();
    for (k, it) in items.iter().enumerate() {
        let v = khaothi_loadtest::candidate::some_answer(it, k as u64);
        ca.answer(k as i64 + 1, it["id"].as_str().unwrap(), v).await.unwrap();
    }
    let spent = t0.elapsed();
    let last = seat(&mut p, &a_num, |s| s["answered"] == items.len()).await;
    assert_eq!(last["item_count"], items.len());
    // At most one seat per flush (250 ms) while answering, plus the one in flight.
    let updates =
        p.received.iter().filter(|v| v["type"] == "seat" && v["seat"]["number"] == a_num.as_str()).count();
    let bound = spent.as_millis() as usize / 250 + 3;
    assert!(updates <= bound, "{updates} seat updates for {} answers in {spent:?}", items.len());
    // Clearing an answer counts down.
    ca.answer(items.len() as i64 + 1, items[0]["id"].as_str().unwrap(), Value::Null).await.unwrap();
    seat(&mut p, &a_num, |s| s["answered"] == items.len() - 1).await;
}
both_backends!(answer_counts_are_coalesced);
