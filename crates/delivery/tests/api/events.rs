use serde_json::json;

use crate::both_backends;
use crate::common::*;

async fn package_refusals(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.board.post("/api/v1/events", json!({"id": "E1", "title": "t"})).await.unwrap();
    let pkg = package(&app.signer, "E1");
    // A tampered byte anywhere in the ciphertext: refused with a clear error.
    let mut file: serde_json::Value = serde_json::from_slice(&pkg.bytes).unwrap();
    let ct = file["sections"][0]["ciphertext"].as_str().unwrap().to_string();
    let mut b2 = ct.into_bytes();
    b2[10] = if b2[10] == b'A' { b'B' } else { b'A' };
    file["sections"][0]["ciphertext"] = String::from_utf8(b2).unwrap().into();
    let err = app
        .board
        .post_raw("/api/v1/events/E1/package", "application/octet-stream", serde_json::to_vec(&file).unwrap())
        .await
        .unwrap_err();
    assert!(err.0.contains("package_refused") && err.0.contains("signature"), "{err}");
    // Signed by another key: refused.
    let other = package(&board_key(99), "E1");
    let err = app
        .board
        .post_raw("/api/v1/events/E1/package", "application/octet-stream", other.bytes.clone())
        .await
        .unwrap_err();
    assert!(err.0.contains("someone else"), "{err}");
    // For another event: refused.
    let wrong_event = package(&app.signer, "E2");
    let err = app
        .board
        .post_raw("/api/v1/events/E1/package", "application/octet-stream", wrong_event.bytes.clone())
        .await
        .unwrap_err();
    assert!(err.0.contains("for event E2"), "{err}");
    // The right package imports; content stays sealed until unlocked.
    app.board
        .post_raw("/api/v1/events/E1/package", "application/octet-stream", pkg.bytes.clone())
        .await
        .unwrap();
    app.board.post("/api/v1/events/E1/rooms", json!({"name": "P1", "seats": 2})).await.unwrap();
    app.board
        .post_raw(
            "/api/v1/events/E1/candidates",
            "text/csv",
            b"so_bao_danh,ho_ten,ngay_sinh,phong\n000001,A,2007-01-01,P1\n".to_vec(),
        )
        .await
        .unwrap();
    let sheet = app.board.get("/api/v1/events/E1/rooms/P1/sheet").await.unwrap();
    let code = sheet["candidates"][0]["code"].as_str().unwrap().to_string();
    let mut s = app.socket().await;
    s.send(json!({"type": "login", "candidate": "000001", "code": code})).await.unwrap();
    assert_error(&s.next(SECS).await.unwrap(), "event_not_open");
    // Wrong keys: the keys' key does not open the content; a typo in the typed code is caught.
    let err = app
        .board
        .post("/api/v1/events/E1/unlock", json!({"release_key": pkg.keys_key.to_hex()}))
        .await
        .unwrap_err();
    assert!(err.0.contains("package_refused"), "{err}");
    let mut typo = pkg.content_key.to_code().into_bytes();
    typo[0] = if typo[0] == b'0' { b'1' } else { b'0' };
    let err = app
        .board
        .post("/api/v1/events/E1/unlock", json!({"release_key": String::from_utf8(typo).unwrap()}))
        .await
        .unwrap_err();
    assert!(err.0.contains("bad_release_key") && err.0.contains("typo"), "{err}");
    // The typed code with its check characters unlocks.
    app.board
        .post("/api/v1/events/E1/unlock", json!({"release_key": pkg.content_key.to_code()}))
        .await
        .unwrap();
    let w = s.login("000001", &code).await.unwrap();
    assert_eq!(w["items"].as_array().unwrap().len(), 10);
    // Keys are not released while a candidate sits (no opt-in to scores at submit).
    let err = app
        .board
        .post("/api/v1/events/E1/keys", json!({"release_key": pkg.keys_key.to_hex()}))
        .await
        .unwrap_err();
    assert!(err.0.contains("still sitting"), "{err}");
    s.send(json!({"type": "submit"})).await.unwrap();
    s.expect("submitted", SECS).await.unwrap();
    let err = app
        .board
        .post("/api/v1/events/E1/keys", json!({"release_key": pkg.content_key.to_hex()}))
        .await
        .unwrap_err();
    assert!(err.0.contains("package_refused"), "{err}");
    let done = app
        .board
        .post("/api/v1/events/E1/keys", json!({"release_key": pkg.keys_key.to_hex()}))
        .await
        .unwrap();
    assert_eq!(done["scored"], 1);
    let results = app.board.get("/api/v1/events/E1/results").await.unwrap();
    assert_eq!(results["candidates"][0]["total"], 0);
    assert_eq!(results["candidates"][0]["score10_text"], "0,00");
}
both_backends!(package_refusals);

async fn candidate_import_and_sheets(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.board.post("/api/v1/events", json!({"id": "E1", "title": "t"})).await.unwrap();
    let pkg = package(&app.signer, "E1");
    app.board
        .post_raw("/api/v1/events/E1/package", "application/octet-stream", pkg.bytes.clone())
        .await
        .unwrap();
    let p1 = app.board.post("/api/v1/events/E1/rooms", json!({"name": "P1", "seats": 24})).await.unwrap();
    app.board.post("/api/v1/events/E1/rooms", json!({"name": "P2", "seats": 1})).await.unwrap();
    // Every bad row is reported; nothing is imported.
    let bad = "so_bao_danh,ho_ten,ngay_sinh,phong\n000001,An,2007-01-01,P1\n000001,Bình,2007-02-30,P1\n000003,,01/02/2007,P9\n000004,D,2007-01-01,P2\n000005,E,2007-01-01,P2\n";
    let err = app
        .board
        .post_raw("/api/v1/events/E1/candidates", "text/csv", bad.as_bytes().to_vec())
        .await
        .unwrap_err();
    for needle in [
        "rejected",
        "appears twice",
        "not a date",
        "the full name is empty",
        "no room named `P9`",
        "no free seat",
        "\"line\":3",
    ] {
        assert!(err.0.contains(needle), "{needle} missing from {err}");
    }
    let list = app.board.get("/api/v1/events/E1/candidates").await.unwrap();
    assert_eq!(list["candidates"].as_array().unwrap().len(), 0);
    // A good file: seats in order, neighbouring seats get different versions.
    let mut csv = String::from("number,full_name,date_of_birth,room\n");
    for i in 1..=24 {
        csv.push_str(&format!("{i:06},Thí sinh {i},15/03/2007,P1\n"));
    }
    let done =
        app.board.post_raw("/api/v1/events/E1/candidates", "text/csv", csv.into_bytes()).await.unwrap();
    let rows = done["candidates"].as_array().unwrap();
    assert_eq!(rows.len(), 24);
    for w in rows.windows(2) {
        assert_eq!(w[0]["seat"].as_i64().unwrap() + 1, w[1]["seat"].as_i64().unwrap());
        assert_ne!(w[0]["version"], w[1]["version"], "neighbours share a version: {w:?}");
    }
    // The sheet has a code per candidate, ≥ 40 bits (10 base32 characters).
    let sheet = app.board.get("/api/v1/events/E1/rooms/P1/sheet").await.unwrap();
    let codes: Vec<&str> =
        sheet["candidates"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 24);
    assert!(codes.iter().all(|c| c.replace('-', "").len() == 10));
    let text = app
        .board
        .http
        .get(format!("{}/api/v1/events/E1/rooms/P1/sheet?format=text", app.url))
        .bearer_auth(&app.board.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("Số báo danh") && text.contains(codes[0]), "{text}");
    // A proctor of P2 cannot read P1's sheet or admit its candidates; a proctor of P1 can.
    let p2 = app.board.get("/api/v1/events/E1/rooms").await.unwrap()["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "P2")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.board.post("/api/v1/staff", json!({"username": "gt2", "display_name": "GT 2", "password": "proctor-pass-2", "role": "proctor", "rooms": [p2]})).await.unwrap();
    app.board.post("/api/v1/staff", json!({"username": "gt1", "display_name": "GT 1", "password": "proctor-pass-1", "role": "proctor", "rooms": [p1["id"]]})).await.unwrap();
    let gt2 = khaothi_loadtest::board::BoardClient::login(&app.url, "gt2", "proctor-pass-2").await.unwrap();
    let err = gt2.get("/api/v1/events/E1/rooms/P1/sheet").await.unwrap_err();
    assert!(err.0.contains("not_allowed"), "{err}");
    let err = gt2.post("/api/v1/events/E1/candidates/000001/admit", json!({})).await.unwrap_err();
    assert!(err.0.contains("not_allowed"), "{err}");
    let gt1 = khaothi_loadtest::board::BoardClient::login(&app.url, "gt1", "proctor-pass-1").await.unwrap();
    gt1.get("/api/v1/events/E1/rooms/P1/sheet").await.unwrap();
    gt1.post("/api/v1/events/E1/candidates/000001/admit", json!({})).await.unwrap();
    // Proctors cannot do the board's work.
    let err = gt1.post("/api/v1/events", json!({"id": "E9", "title": "x"})).await.unwrap_err();
    assert!(err.0.contains("forbidden"), "{err}");
}
both_backends!(candidate_import_and_sheets);
