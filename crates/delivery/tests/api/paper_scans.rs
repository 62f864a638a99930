//! The paper loop with the real reader (crates/omr, issue 22 §2 → §3): the candidate's version's
//! sheet rendered, filled by the generator with pencil-like marks (some doubled, faint or erased),
//! read back, and sent in as `khaothi omr read` would print it. What was read becomes answers,
//! what was flagged waits in the review queue with its crop, and the chains hold.

use khaothi_domain::form::VersionKey;
use khaothi_omr::read::{ReadOptions, read_sheet};
use khaothi_omr::synth::fill;
use khaothi_omr::{CandidateInfo, Header, SheetSpec, raster, sheet};
use khaothi_package::verify_package;
use rand::SeedableRng;
use serde_json::{Value, json};
use sha2::Digest;

use crate::both_backends;
use crate::common::*;

async fn a_sheet_read_by_the_reader_becomes_answers_and_flags(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_list, pkg) = app.event("E1", 2, 2, None).await;
    let list = app.board.get("/api/v1/events/E1/candidates").await.unwrap();
    let code = list["candidates"][0]["version"].as_str().unwrap().to_string();
    assert_eq!(list["candidates"][0]["number"], "000001");
    let sealed = verify_package(&pkg.bytes, &app.signer.public()).unwrap();
    let content = sealed.open_content(&pkg.content_key).unwrap();
    let keys = sealed.open_keys(&pkg.keys_key).unwrap();
    let version = content.versions.iter().find(|v| v.code == code).unwrap();

    // The sheet of this version, as `khaothi omr sheet --event E1 --candidates …` prints it.
    let mut spec = SheetSpec {
        form: version.form_id.clone(),
        version: code.clone(),
        part_i: 0,
        part_ii: Vec::new(),
        part_iii: 0,
        candidate_digits: 6,
        version_digits: code.len() as u32,
    };
    for it in &version.items {
        match &keys.versions[&code][&it.rendered.id] {
            VersionKey::SingleChoice(_) => spec.part_i += 1,
            VersionKey::TrueFalseGroup(s) => spec.part_ii.push(s.len() as u32),
            VersionKey::ShortAnswer(_) => spec.part_iii += 1,
        }
    }
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
