//! The paper loop with the real reader (crates/omr, issue 22 §2 → §3): the candidate's version's
//! sheet rendered, filled by the generator with pencil-like marks (some doubled, faint or erased),
//! read back, and sent in as `khaothi omr read` would print it. What was read becomes answers,
//! what was flagged waits in the review queue with its crop, and the chains hold.

use khaothi_omr::read::{ReadOptions, read_sheet};
use khaothi_omr::synth::fill;
use khaothi_omr::{CandidateInfo, Header, raster, sheet};
use khaothi_package::verify_package;
use rand::SeedableRng;
use serde_json::{Value, json};
use sha2::Digest;

use crate::both_backends;
use crate::common::*;
use crate::scans::{scan, spec_of};

async fn a_sheet_read_by_the_reader_becomes_answers_and_flags(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_list, pkg) = app.event("E1", 2, 2, None).await;
    let list = app.board.get("/api/v1/events/E1/candidates").await.unwrap();
    let code = list["candidates"][0]["version"].as_str().unwrap().to_string();
    assert_eq!(list["candidates"][0]["number"], "000001");
    let sealed = verify_package(&pkg.bytes, &app.signer.public()).unwrap();
    let content = sealed.open_content(&pkg.content_key).unwrap();
    let keys = sealed.open_keys(&pkg.keys_key).unwrap();

    // The sheet of this version, as `khaothi omr sheet --event E1 --candidates …` prints it.
    let spec = spec_of(&content, &keys, &code);
    let person = CandidateInfo {
        number: "000001".into(),
        name: "Thí sinh 1".into(),
        date_of_birth: "01/01/2007".into(),
        room: "P001".into(),
    };
    let header = Header { event: "E1".into(), candidate: Some(person) };
    let (layout, drawing, payload) = sheet::sheet(&spec, &header).unwrap();
    let dpi = 150.0;
    let blank = raster::rasterize(&drawing, dpi).unwrap();
    // The first seeded filling with a spoilt mark (the generator spoils some sheets, not all).
    let (img, mut reading) = (22..80u64)
        .map(|seed| {
            let mut img = blank.clone();
            fill(
                &mut img,
                &layout,
                dpi / 25.4,
                "000001",
                &code,
                &mut rand::rngs::StdRng::seed_from_u64(seed),
            );
            let reading = read_sheet(&img, &layout, &ReadOptions { dpi: None, crops: true });
            (img, reading)
        })
        .find(|(_, r)| !r.flags.is_empty())
        .expect("a seed whose sheet has a flagged mark");
    reading.image = "P001/000001.png".into();
    reading.image_sha256 = Some(hex::encode(sha2::Sha256::digest(img.as_raw())));
    assert_eq!(reading.sheet.as_deref(), Some(payload.sheet.as_str()));
    assert!(reading.flags.iter().all(|f| f.key.contains('.')), "number and QR read: {:?}", reading.flags);

    let body = json!({ "sheets": [serde_json::to_value(&reading).unwrap()] });
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/events/E1/paper/sheets", app.url))
        .bearer_auth(&app.board.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let out: Value = res.json().await.unwrap();
    let sheet_out = &out["sheets"][0];
    assert_eq!(sheet_out["status"], "ingested", "{out}");
    assert_eq!(sheet_out["answers"], reading.answers.len(), "{out}");
    assert_eq!(sheet_out["flags"], reading.flags.len(), "{out}");
    assert!(!reading.answers.is_empty(), "the generator marks most questions");

    let queue = app.board.get("/api/v1/events/E1/paper/flags").await.unwrap();
    let flags = queue["flags"].as_array().unwrap();
    assert_eq!(flags.len(), reading.flags.len(), "{queue}");
    for (f, read) in flags.iter().zip(&reading.flags) {
        assert_eq!(f["key"], read.key.as_str());
        assert!(f["crop"].as_str().unwrap().starts_with("data:image/png;base64,"), "{f}");
        assert_eq!(f["sheet_id"], payload.sheet.as_str());
    }
    let chains = app.board.get("/api/v1/chains/verify").await.unwrap();
    assert_eq!(chains["ok"], true, "{chains}");
    let responses = chains["chains"].as_array().unwrap().iter().find(|c| c["chain"] == "responses").unwrap();
    assert_eq!(responses["length"], reading.answers.len(), "{chains}");
}
both_backends!(a_sheet_read_by_the_reader_becomes_answers_and_flags);

fn form(files: &[(&str, &[u8])]) -> reqwest::multipart::Form {
    files.iter().fold(reqwest::multipart::Form::new(), |f, (name, bytes)| {
        f.part("scans", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()))
    })
}

async fn upload(app: &TestApp, files: &[(&str, &[u8])]) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/events/E1/paper/scans", app.url))
        .bearer_auth(&app.board.token)
        .multipart(form(files))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

/// What the server holds of paper: sheets read in and the response chain's length.
async fn written(app: &TestApp) -> (Value, Value) {
    let summary = app.board.get("/api/v1/events/E1/paper").await.unwrap();
    let chains = app.board.get("/api/v1/chains/verify").await.unwrap();
    assert_eq!(chains["ok"], true, "{chains}");
    let responses = chains["chains"].as_array().unwrap().iter().find(|c| c["chain"] == "responses").unwrap();
    (summary["sheets"].clone(), responses["length"].clone())
}

/// Issue 22 §4: a folder of scans sent as images, read by the server against the sheets of the
/// event's package; a file that is not an image, too large, or another event's sheet refuses the
/// request by name and nothing is written.
async fn scans_uploaded_as_images_are_read_by_the_server(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_list, pkg) = app.event("E1", 2, 2, None).await;
    let list = app.board.get("/api/v1/events/E1/candidates").await.unwrap();
    let sealed = verify_package(&pkg.bytes, &app.signer.public()).unwrap();
    let content = sealed.open_content(&pkg.content_key).unwrap();
    let keys = sealed.open_keys(&pkg.keys_key).unwrap();
    let people: Vec<(String, String)> = list["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["number"].as_str().unwrap().to_string(), c["version"].as_str().unwrap().to_string()))
        .collect();
    let spec = |code: &str| spec_of(&content, &keys, code);

    // One PNG scan with a flagged mark, one JPEG photo.
    let (n1, v1) = &people[0];
    let (png, r1, sheet1) = (30..90u64)
        .map(|seed| scan(&spec(v1), "E1", n1, seed, false))
        .find(|(_, r, _)| !r.flags.is_empty() && r.flags.iter().all(|f| f.key.contains('.')))
        .expect("a seed whose sheet has a flagged mark");
    let (n2, v2) = &people[1];
    let (jpg, r2, _) = scan(&spec(v2), "E1", n2, 7, true);
    assert!(r2.flags.iter().all(|f| f.key.contains('.')), "the photo's number and QR read: {:?}", r2.flags);
    assert_eq!(written(&app).await, (json!(0), json!(0)));

    let (status, out) = upload(&app, &[("P001/a.png", &png), ("P001/b.jpg", &jpg)]).await;
    assert_eq!(status, 200, "{out}");
    for (o, (r, name, number)) in
        out["sheets"].as_array().unwrap().iter().zip([(&r1, "P001/a.png", n1), (&r2, "P001/b.jpg", n2)])
    {
        assert_eq!(o["status"], "ingested", "{out}");
        assert_eq!(o["image"], name);
        assert_eq!(o["number"], number.as_str());
        assert_eq!(o["answers"], r.answers.len(), "the server reads what the reader reads: {out}");
        assert_eq!(o["flags"], r.flags.len(), "{out}");
    }
    let answers = r1.answers.len() + r2.answers.len();
    assert_eq!(written(&app).await, (json!(2), json!(answers)));
    let queue = app.board.get("/api/v1/events/E1/paper/flags").await.unwrap();
    let flags = queue["flags"].as_array().unwrap();
    assert_eq!(flags.len(), r1.flags.len() + r2.flags.len(), "{queue}");
    let first = flags.iter().find(|f| f["image"] == "P001/a.png").expect("the scan's flag in the queue");
    assert_eq!(first["sheet_id"], sheet1.as_str(), "the sheet id comes from the QR code");
    assert!(first["crop"].as_str().unwrap().starts_with("data:image/png;base64,"), "{first}");

    // The same scan again: a duplicate by its hash, nothing written.
    let (status, out) = upload(&app, &[("again.png", &png)]).await;
    assert_eq!((status, out["sheets"][0]["status"].as_str()), (200, Some("duplicate")), "{out}");

    // Bad files refuse the whole request by name; the good sheet beside them is not written.
    let (fresh, _, _) = scan(&spec(v2), "E1", n2, 11, false);
    let other_event = scan(&spec(v1), "E9", n1, 12, false).0;
    let too_large = [b"\x89PNG\r\n\x1a\n".as_slice(), &vec![0u8; 26 * 1024 * 1024]].concat();
    for (files, want, code, name) in [
        (
            vec![("ok.png", fresh.as_slice()), ("notes.png", b"not an image".as_slice())],
            400,
            "not_an_image",
            "notes.png",
        ),
        (
            vec![("ok.png", fresh.as_slice()), ("e9.png", other_event.as_slice())],
            400,
            "wrong_event",
            "e9.png",
        ),
        (
            vec![("ok.png", fresh.as_slice()), ("huge.png", too_large.as_slice())],
            413,
            "payload_too_large",
            "huge.png",
        ),
    ] {
        let (status, out) = upload(&app, &files).await;
        assert_eq!(status, want, "{out}");
        assert_eq!(out["error"], code, "{out}");
        assert!(out["message"].as_str().unwrap().starts_with(name), "{out}");
        assert_eq!(written(&app).await, (json!(2), json!(answers)), "nothing written for {name}");
    }
    // Not multipart at all.
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/events/E1/paper/scans", app.url))
        .bearer_auth(&app.board.token)
        .json(&json!({"sheets": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
}
both_backends!(scans_uploaded_as_images_are_read_by_the_server);

/// Issue 22 §1: the console prints a room's sheets as one PDF — a page per candidate in seat
/// order, then blank sheets of each version. The PDF is parsed back with poppler (page count),
/// the first page rendered at 200 dpi, filled in pencil by the generator and sent back as a scan:
/// the server reads its own print (QR, số báo danh, answers).
async fn a_rooms_printed_sheets_are_read_back(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_list, pkg) = app.event("E1", 2, 2, None).await;
    let list = app.board.get("/api/v1/events/E1/candidates").await.unwrap();
    let sealed = verify_package(&pkg.bytes, &app.signer.public()).unwrap();
    let content = sealed.open_content(&pkg.content_key).unwrap();
    let keys = sealed.open_keys(&pkg.keys_key).unwrap();
    let http = reqwest::Client::new();
    let get = |query: &str| {
        http.get(format!("{}/api/v1/events/E1/rooms/P001/answer-sheets{query}", app.url))
            .bearer_auth(&app.board.token)
            .send()
    };
    let res = get("?blank=51").await.unwrap();
    assert_eq!(res.status(), 400);
    let res = get("?blank=1").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = res.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("room.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let info = std::process::Command::new("pdfinfo").arg(&path).output().expect("pdfinfo (poppler-utils)");
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    let pages = 2 + content.versions.len();
    assert!(info.lines().any(|l| l.starts_with("Pages:") && l.ends_with(&format!(" {pages}"))), "{info}");
    assert!(info.contains("595.276 x 841.89"), "A4: {info}");

    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "200", "-gray", "-png", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&path)
        .arg(dir.path().join("page1"))
        .status()
        .unwrap();
    assert!(status.success());
    let mut img = image::open(dir.path().join("page1.png")).unwrap().to_luma8();
    let first = &list["candidates"][0];
    let (number, code) = (first["number"].as_str().unwrap(), first["version"].as_str().unwrap());
    let spec = spec_of(&content, &keys, code);
    let layout = sheet::layout(&spec).unwrap();
    fill(&mut img, &layout, 200.0 / 25.4, number, code, &mut rand::rngs::StdRng::seed_from_u64(5));
    let local = read_sheet(&img, &layout, &ReadOptions::default());
    let qr = khaothi_omr::qr::QrPayload::new("E1", &spec.form, code, number);
    assert_eq!(local.sheet.as_deref(), Some(qr.sheet.as_str()), "the printed QR: {local:?}");
    assert_eq!(local.candidate.as_deref(), Some(number));
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let (status, out) = upload(&app, &[("P001/printed.png", &png)]).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["sheets"][0]["status"], "ingested", "{out}");
    assert_eq!(out["sheets"][0]["number"], number, "{out}");
    assert_eq!(out["sheets"][0]["answers"], local.answers.len(), "{out}");
    assert!(!local.answers.is_empty());
}
both_backends!(a_rooms_printed_sheets_are_read_back);
